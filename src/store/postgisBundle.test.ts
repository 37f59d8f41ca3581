import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { postgis } from '@electric-sql/pglite-postgis';
import { keptInBundle, slimPostgisBundle } from './postgisBundle.ts';

/** GNU tar lists the archives, so the cut is checked by a reader that is not ours. */
const listed = (path: string) => execFileSync('tar', ['-tzf', path], { maxBuffer: 1 << 24 }).toString().split('\n').filter(Boolean).sort();

test('the slim PostGIS bundle holds exactly the published files PostGIS needs, readable by GNU tar, with their contents', async () => {
  const { bundlePath } = await postgis.setup({} as never, { PGLITE_ENV: {} });
  const full = fileURLToPath(bundlePath);
  const slim = fileURLToPath(slimPostgisBundle(bundlePath));
  const everything = listed(full);
  const kept = listed(slim);
  assert.deepEqual(kept, everything.filter(keptInBundle));
  for (const needed of ['lib/postgresql/postgis-3.so', 'share/postgresql/extension/postgis.control', 'share/postgresql/extension/postgis--3.6.2.sql', 'share/proj/proj.db']) {
    assert.ok(kept.includes(needed), `${needed} is kept`);
  }
  assert.ok(!kept.some((name) => /raster|topology|tiger/.test(name)), 'no raster, topology or geocoder file');
  assert.ok(everything.length - kept.length > 50, `${everything.length - kept.length} files left out`);

  const folder = mkdtempSync(join(tmpdir(), 'sg-postgis-bundle-'));
  try {
    execFileSync('tar', ['-xzf', full, '-C', folder, 'lib/postgresql/postgis-3.so'], { maxBuffer: 1 << 24 });
    const original = readFileSync(join(folder, 'lib/postgresql/postgis-3.so'));
    const fromSlim = execFileSync('tar', ['-xzOf', slim, 'lib/postgresql/postgis-3.so'], { maxBuffer: 1 << 26 });
    assert.ok(original.equals(fromSlim), 'the library is byte for byte the published one');
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});
