import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strToU8, zipSync } from 'fflate';
import { extractZip } from './zip.ts';

test('a zip entry named with ../ (zip slip) is written inside the upload folder, never outside it', async () => {
  const root = mkdtempSync(join(tmpdir(), 'sg-zip-slip-'));
  const dir = join(root, 'upload');
  mkdirSync(dir);
  const archive = join(root, 'evil.zip');
  writeFileSync(archive, zipSync({ '../../escaped.shp': strToU8('not a shapefile'), '/etc/also-escaped.dbf': strToU8('x') }));
  const written = await extractZip(archive, 'evil.zip', dir, () => true);
  assert.deepEqual(written.sort(), ['also-escaped.dbf', 'escaped.shp']);
  assert.deepEqual(readdirSync(dir).sort(), ['also-escaped.dbf', 'escaped.shp']);
  assert.equal(existsSync(join(root, 'escaped.shp')), false);
  assert.equal(existsSync(join(tmpdir(), 'escaped.shp')), false);
});
