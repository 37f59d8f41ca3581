import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseMinefieldRecord } from './format.ts';
import { reconstruct } from './reconstruct.ts';
import { auditPointsOf, type Find } from './audit.ts';
import { AuditPool, runAuditTask, type AuditTask } from './auditPool.ts';
import { direct } from '../geodesy/geodesic.ts';
import { mulberry32 } from '../mulberry32.ts';

/** The example record with finds shifted by `shiftM` to the north, and a few strays. */
function task(reference: string, shiftM: number, seed: number): AuditTask {
  const json = JSON.parse(readFileSync(new URL('./fixtures/example-record.json', import.meta.url), 'utf8')) as Record<string, unknown>;
  json.reference = reference;
  const record = parseMinefieldRecord(json);
  const mines = reconstruct(record).predictedMines;
  const random = mulberry32(seed);
  const finds: Find[] = mines.map((m, i) => ({ id: `F${i}`, ...direct(m, 0, shiftM), category: i % 7 === 0 ? 'UXO' : 'AP mine' }));
  for (let i = 0; i < 20; i++) finds.push({ id: `S${i}`, ...direct(mines[0] ?? { lat: 0, lon: 0 }, random() * 360, random() * 150), category: 'AT mine' });
  return { record, points: auditPointsOf(finds, [{ id: 'A1', ...direct(mines[0] ?? { lat: 0, lon: 0 }, 180, 60) }]), options: { tolerance: 5, maxShift: 200 } };
}

test('audits on worker threads are the same as in the main thread, record for record', async () => {
  const tasks = [task('MF-W1', 0, 1), task('MF-W2', 30, 2), task('MF-W3', 12, 3), task('MF-W4', 0, 4)];
  const pool = new AuditPool(2);
  try {
    const inWorkers = await Promise.all(tasks.map((t) => pool.run(t)));
    assert.deepEqual(inWorkers, tasks.map(runAuditTask));
    assert.ok(inWorkers.some((o) => 'audit' in o && o.audit.systematicError?.significant === true));
  } finally {
    await pool.close();
  }
});

test('a record that cannot be placed is skipped, with the first error as the reason and every error listed', () => {
  const t = task('MF-W5', 0, 5);
  const record = { ...t.record, referencePoints: t.record.referencePoints.map(({ coordinates: _, ...rp }) => rp) };
  const outcome = runAuditTask({ ...t, record });
  assert.ok('skipped' in outcome);
  const { errors } = outcome.skipped;
  assert.deepEqual(errors.map((p) => p.code).slice(0, 2), ['no_anchor', 'unlocated_point']);
  assert.ok(errors.length > 2 && errors.every((p) => p.severity === 'error'));
  assert.equal(outcome.skipped.reason, `referencePoints: no reference point has usable coordinates, so nothing can be placed (and ${errors.length - 1} more errors)`);
});

test('a record placed in part (a leg of distance 0 leaves the points behind it unplaced) is skipped, with its errors', () => {
  const t = task('MF-W6', 0, 6);
  const record = { ...t.record, legs: t.record.legs.map((leg, i) => (i === 2 ? { ...leg, distance: 0 } : leg)) };
  const outcome = runAuditTask({ ...t, record });
  assert.ok('skipped' in outcome);
  assert.match(outcome.skipped.reason, /^legs\[2\]\.distance: distance must be greater than 0 m \(got 0\) \(and \d+ more errors?\)$/);
  assert.ok(outcome.skipped.errors.every((p) => p.severity === 'error'));
});
