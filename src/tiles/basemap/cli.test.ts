import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tileOf } from '../test-helpers.ts';
import { openBasemap } from './archive.ts';
import { openMapTilesFixture } from './test-fixtures.ts';

const bin = new URL('../../../bin/safeground.js', import.meta.url).pathname;

function run(args: string[]) {
  const { DATABASE_URL: _ignored, SAFEGROUND_BASEMAP: _none, ...env } = process.env;
  const result = spawnSync(process.execPath, [bin, ...args], { env, encoding: 'utf8', timeout: 300_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function assertError(result: ReturnType<typeof run>, pattern: RegExp): void {
  assert.equal(result.code, 1, result.stderr);
  const lines = result.stderr.trim().split('\n');
  assert.match(lines.at(-1)!, /^safeground: /);
  assert.match(lines.at(-1)!, pattern);
}

describe('safeground basemap', () => {
  let dir: string;
  let omt: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'safeground-basemap-cli-'));
    omt = openMapTilesFixture(dir, 8);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('info says what a file holds and how it is drawn', () => {
    const result = run(['basemap', 'info', omt]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /mbtiles, mvt tiles, zooms 0-8/);
    assert.match(result.stdout, /drawn as: openmaptiles \(layers: .*place/);
  });

  test('extract --area takes an admin area by name and keeps the tiles meeting its outline, not all its box', async () => {
    const out = join(dir, 'colombia.pmtiles');
    const result = run(['basemap', 'extract', '--area', 'colombia', '--maxzoom', '8', '--data-dir', join(dir, 'store'), omt, out]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Wrote .*colombia\.pmtiles: [\d,]+ tiles \([\d,]+ distinct\), zooms 0-8, [\d.]+ MB/);
    const archive = await openBasemap(out);
    try {
      assert.equal(archive.kind, 'pmtiles');
      assert.match(archive.description, /extract of Colombia \(/);
      const bogota = tileOf(-74.08, 4.6, 8);
      assert.ok(await archive.tile(bogota.z, bogota.x, bogota.y), 'a tile over Colombia');
      const caracasSide = tileOf(-67.5, 10.0, 8);
      assert.ok(archive.bounds[0] < -67.5 && archive.bounds[2] > -67.5 && archive.bounds[1] < 10 && archive.bounds[3] > 10, 'inside the box of Colombia');
      assert.equal(await archive.tile(caracasSide.z, caracasSide.x, caracasSide.y), null, 'but not meeting its outline');
    } finally {
      await archive.close();
    }
    const source = await openBasemap(omt);
    const caracasSide = tileOf(-67.5, 10.0, 8);
    assert.ok(await source.tile(caracasSide.z, caracasSide.x, caracasSide.y), 'the source has that tile');
    await source.close();

    assertError(run(['basemap', 'extract', '--area', 'Atlantis', '--maxzoom', '8', '--data-dir', join(dir, 'store'), omt, join(dir, 'x.pmtiles')]), /No admin area is called "Atlantis"/);
  });

  test('a box, and the errors: wrong output name, unreadable input, a box inside out, a missing basemap at serve', () => {
    const out = join(dir, 'box.pmtiles');
    const result = run(['basemap', 'extract', '--area', '-75.6,6.9,-75.1,7.2', '--maxzoom', '6', omt, out]);
    assert.equal(result.code, 0, result.stderr);
    assertError(run(['basemap', 'extract', '--area', '-75.6,6.9,-75.1,7.2', '--maxzoom', '6', omt, join(dir, 'box.mbtiles')]), /name it \*\.pmtiles/);
    assertError(run(['basemap', 'extract', '--area', '-75.6,6.9,-75.1,7.2', '--maxzoom', '6', join(dir, 'nothing.pmtiles'), out]), /cannot be read: ENOENT/);
    assertError(run(['basemap', 'extract', '--area', '-75.1,6.9,-75.6,7.2', '--maxzoom', '6', omt, out]), /not west,south,east,north/);
    assert.equal(run(['basemap', 'extract', '--area', '-75.6,6.9,-75.1,7.2', '--maxzoom', '23', omt, out]).code, 2);
    assertError(run(['serve', '--port', '0', '--data-dir', join(dir, 'store'), '--basemap', join(dir, 'missing.pmtiles')]), /Basemap .*missing\.pmtiles cannot be read: ENOENT/);
  });
});
