import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testBackends } from '../../test/support/backends.ts';
import { listBackups, verifyBackup } from './files.ts';
import { scheduleBackups } from './schedule.ts';

/**
 * The schedule's timing and retention, on the embedded store (on PostgreSQL the schedule calls
 * the same backupStore, whose pg_dump path the restore drill covers).
 */
const [pglite] = testBackends().filter((b) => b.name === 'pglite');

test('scheduled backups run on their period, never two at once, and keep the newest', async () => {
  const db = await pglite!.open();
  const folder = mkdtempSync(join(tmpdir(), 'safeground-schedule-'));
  const lines: string[] = [];
  try {
    const schedule = scheduleBackups(db, { every: 1, keep: 2, folder }, (line) => lines.push(line));
    const deadline = Date.now() + 60_000;
    while (lines.filter((l) => l.startsWith('Scheduled backup ')).length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
    await schedule.stop();
    const made = lines.filter((l) => l.startsWith('Scheduled backup '));
    assert.ok(made.length >= 3, lines.join('\n'));
    assert.ok(lines.some((l) => l.startsWith('Removed old backup ')), lines.join('\n'));
    const kept = listBackups(folder);
    assert.equal(kept.length, 2);
    for (const backup of kept) assert.equal((await verifyBackup(backup)).backend, 'pglite');
  } finally {
    await db.close();
    rmSync(folder, { recursive: true, force: true });
  }
});
