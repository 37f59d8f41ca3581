import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backupFileName, checksumPath, finishBackup, listBackups, manifestPath, migrationProblem, partialPath, pruneBackups, verifyBackup } from './files.ts';
import { parseEvery } from './schedule.ts';

const known = [
  { version: 1, name: '0001_foundation.sql', checksum: 'a'.repeat(64) },
  { version: 2, name: '0002_access.sql', checksum: 'b'.repeat(64) },
];

test('a backup of fewer migrations restores; one with an unknown or changed migration is refused, naming it', () => {
  assert.equal(migrationProblem([{ version: 1, checksum: 'a'.repeat(64) }], known), null);
  assert.match(migrationProblem([{ version: 3, checksum: 'c'.repeat(64) }], known)!, /migration 3, which this Safeground \(migrations up to 2\) does not know/);
  assert.match(migrationProblem([{ version: 2, checksum: 'c'.repeat(64) }], known)!, /0002_access.sql differs/);
});

test('backup names sort by time and carry the backend', () => {
  assert.equal(backupFileName('pglite', new Date('2026-12-05T00:15:00.123Z')), 'safeground-pglite-20261205T001500Z.tar.gz');
  assert.equal(backupFileName('postgres', new Date('2026-12-05T00:15:00Z')), 'safeground-postgres-20261205T001500Z.dump');
});

test('retention keeps the newest complete backups and removes partial files of dead processes', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'safeground-prune-'));
  try {
    const made: string[] = [];
    for (const day of [1, 2, 3, 4]) {
      const data = join(folder, backupFileName('postgres', new Date(`2026-01-0${day}T00:00:00Z`)));
      const partial = partialPath(data);
      writeFileSync(partial, `backup ${day}`);
      await finishBackup(partial, data, { safegroundVersion: 'test', backend: 'postgres', createdAt: '', postgresVersion: '15', postgisVersion: '3', migrationLevel: 1, migrations: [], counts: {} });
      made.push(data);
    }
    writeFileSync(join(folder, '.safeground-postgres-20260105T000000Z.dump.partial-999999999'), 'killed');
    writeFileSync(join(folder, 'safeground-postgres-20260106T000000Z.dump'), 'no checksum');
    assert.deepEqual(listBackups(folder), made.slice().reverse());
    pruneBackups(folder, 2);
    assert.deepEqual(listBackups(folder), [made[3], made[2]]);
    for (const old of made.slice(0, 2)) assert.equal(existsSync(old) || existsSync(checksumPath(old)) || existsSync(manifestPath(old)), false);
    assert.equal(readdirSync(folder).some((name) => name.includes('.partial-')), false);
    assert.equal((await verifyBackup(made[3]!)).bytes, 'backup 4'.length);
    await assert.rejects(verifyBackup(join(folder, 'safeground-postgres-20260106T000000Z.dump')), /has no checksum file/);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test('the backup period is read from 30m, 6h or 1d, and a period under a minute is refused', () => {
  assert.equal(parseEvery('30m'), 1800);
  assert.equal(parseEvery('6h'), 21600);
  assert.equal(parseEvery('1d'), 86400);
  assert.throws(() => parseEvery('10s'), /at least a minute/);
  assert.throws(() => parseEvery('daily'), /"daily"/);
});
