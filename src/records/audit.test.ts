import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMinefieldRecord } from './format.ts';
import { reconstruct, type Reconstruction } from './reconstruct.ts';
import { mulberry32 } from '../mulberry32.ts';
import { aggregateAudits, auditRecord, type Find } from './audit.ts';
import { direct, inverse, type LatLon } from '../geodesy/geodesic.ts';
import { normalizeAzimuthDeg } from '../geodesy/angles.ts';

const RP = { lat: 44.53461, lon: 18.67012 };

function legTo(from: string, fromAt: LatLon, to: string, toAt: LatLon): Record<string, unknown> {
  const g = inverse(fromAt, toAt);
  return { from, to, azimuth: normalizeAzimuthDeg(g.azimuth1Deg), distance: g.distanceM };
}

/**
 * Four east–west rows 40 m apart south of the reference point, 21 mines each at 5 m, starting at
 * different offsets so that no shift but the true one lines them all up; a perimeter 20 m
 * outside them.
 */
function field(reference = 'MF-AUDIT-1', batch = 'HB-1'): Reconstruction {
  const legs: Array<Record<string, unknown>> = [];
  const rows: Array<Record<string, unknown>> = [];
  const offsets = [0, 7, 3, 11];
  offsets.forEach((offset, k) => {
    const start = direct(direct(RP, 180, 30 + 40 * k), 90, 20 + offset);
    legs.push(legTo('RP1', RP, `S${k}`, start));
    legs.push({ from: `S${k}`, to: `E${k}`, azimuth: 90, distance: 100 });
    rows.push({ name: `Row ${k + 1}`, start: `S${k}`, end: `E${k}`, mineCount: 21, spacing: 5, mineModel: 'PMN-2' });
  });
  const corners = [direct(RP, 180, 10), direct(direct(RP, 180, 10), 90, 150), direct(direct(RP, 180, 170), 90, 150), direct(RP, 180, 170)];
  corners.forEach((c, k) => legs.push(legTo('RP1', RP, `C${k}`, c)));
  const r = reconstruct(
    parseMinefieldRecord({
      format: 'safeground/minefield-record@1',
      reference,
      angleUnit: 'degrees',
      north: { reference: 'true' },
      referencePoints: [{ name: 'RP1', coordinates: { system: 'latlon', ...RP } }],
      legs,
      perimeter: ['C0', 'C1', 'C2', 'C3'],
      rows,
      provenance: { source: 'test', handoverBatch: batch, statedMineTotal: 84 },
    }),
  );
  assert.deepEqual(r.problems, []);
  return r;
}

function findsAt(points: readonly LatLon[], prefix = 'F'): Find[] {
  return points.map((p, i) => ({ id: `${prefix}${i}`, lat: p.lat, lon: p.lon, category: 'AP mine' }));
}

function at(curve: ReadonlyArray<{ toleranceM: number; share: number | null }>, t: number): number {
  const p = curve.find((c) => c.toleranceM === t);
  assert.ok(p && p.share !== null, `no share at ${t} m`);
  return p.share;
}

test('finds exactly on the predicted mines: A = 100%, complete, nothing outside, no shift', () => {
  const r = field();
  const a = auditRecord(r, findsAt(r.predictedMines), []);
  for (const p of a.accuracy) assert.equal(p.share, 1, `A(${p.toleranceM})`);
  assert.deepEqual(a.completeness, { count: 84, of: 84, share: 1 });
  assert.equal(a.outside?.finds.share, 0);
  assert.equal(a.outside?.accidents.share, null);
  assert.deepEqual(a.counts, { found: 84, stated: 84, recorded: 84, predictedPositions: 84, foundMinusStated: 0, foundMinusRecorded: 0 });
  assert.ok(a.systematic !== null);
  assert.ok(a.systematic.shiftM < 0.01, `shift ${a.systematic.shiftM}`);
  assert.equal(a.systematic.significant, false);
});

test('finds on the row lines between predicted mines count for A but not for completeness', () => {
  const r = field();
  const between = r.predictedMines.filter((m) => !m.id.endsWith('#21')).map((m) => direct(m, 90, 2.5));
  const a = auditRecord(r, findsAt(between), []);
  assert.equal(at(a.accuracy, 1), 1);
  assert.equal(a.completeness.count, 80);
  const strict = auditRecord(r, findsAt(between), [], { tolerance: 2 });
  assert.equal(strict.completeness.count, 0);
});

test('finds moved 30 m north: low A before, a 30 m shift towards 0°, and A ~100% after', () => {
  const r = field();
  const moved = r.predictedMines.map((m) => direct(m, 0, 30));
  const a = auditRecord(r, findsAt(moved), []);
  assert.ok(at(a.accuracy, 5) < 0.3, `A(5) before ${at(a.accuracy, 5)}`);
  const s = a.systematic;
  assert.ok(s !== null);
  assert.ok(Math.abs(s.shiftM - 30) < 1, `shift ${s.shiftM}`);
  assert.ok(Math.abs(((s.bearingDeg + 180) % 360) - 180) < 2, `bearing ${s.bearingDeg}`);
  assert.ok(Math.abs(s.rotationDeg) < 0.5, `rotation ${s.rotationDeg}`);
  assert.ok(at(s.accuracyAfter, 5) > 0.98, `A(5) after ${at(s.accuracyAfter, 5)}`);
  assert.equal(s.significant, true, s.verdict);
  assert.equal(s.nullTrialsRun, 19);
  assert.ok(Math.abs(inverse(s.correctedOrigin, direct(RP, 0, 30)).distanceM) < 1);
});

test('a record turned 4° about its reference point and shifted 12 m east is recovered', () => {
  const r = field();
  // Turn each mine 4° clockwise about RP, then move 12 m east.
  const moved = r.predictedMines.map((m) => {
    const g = inverse(RP, m);
    return direct(direct(RP, g.azimuth1Deg + 4, g.distanceM), 90, 12);
  });
  const a = auditRecord(r, findsAt(moved), []);
  const s = a.systematic;
  assert.ok(s !== null);
  assert.ok(Math.abs(s.rotationDeg - 4) < 0.2, `rotation ${s.rotationDeg}`);
  assert.ok(Math.abs(s.shiftM - 12) < 1, `shift ${s.shiftM}`);
  assert.ok(Math.abs(s.bearingDeg - 90) < 3, `bearing ${s.bearingDeg}`);
  assert.ok(at(s.accuracyAfter, 2) > 0.98);
  assert.equal(s.significant, true, s.verdict);
});

test('the shift is found robustly when a third of the finds are stray', () => {
  const r = field();
  const random = mulberry32(99);
  const moved = r.predictedMines.map((m) => direct(m, 0, 30));
  const strays = Array.from({ length: 40 }, () => direct(direct(RP, 180, random() * 200), 90, random() * 200));
  const a = auditRecord(r, findsAt([...moved, ...strays]), []);
  const s = a.systematic;
  assert.ok(s !== null);
  assert.ok(Math.abs(s.shiftM - 30) < 1, `shift ${s.shiftM}`);
  assert.ok(Math.abs(((s.bearingDeg + 180) % 360) - 180) < 2, `bearing ${s.bearingDeg}`);
  assert.equal(s.significant, true, s.verdict);
});

test('finds half outside the perimeter: outside share 50%, accidents counted separately and together', () => {
  const r = field();
  const inside = r.predictedMines.slice(0, 40);
  const outside = inside.map((m) => direct(m, 180, 250));
  const accidents = [
    { id: 'A1', ...direct(RP, 135, 60) },
    { id: 'A2', ...direct(RP, 0, 100) },
    { id: 'A3', ...direct(direct(RP, 180, 8), 90, 50) },
  ];
  const a = auditRecord(r, findsAt([...inside, ...outside]), accidents);
  assert.deepEqual(a.outside?.finds, { count: 40, of: 80, share: 0.5 });
  // A3 is 2 m beyond the perimeter's north edge: inside the 5 m buffer.
  assert.deepEqual(a.outside?.accidents, { count: 1, of: 3, share: 1 / 3 });
  assert.deepEqual(a.outside?.combined, { count: 41, of: 83, share: 41 / 83 });
});

test('pure noise over the area gives no significant shift', () => {
  const r = field();
  for (const seed of [1, 2, 3]) {
    const random = mulberry32(seed);
    const noise = Array.from({ length: 120 }, () => direct(direct(RP, 180, 10 + random() * 160), 90, random() * 150));
    const a = auditRecord(r, findsAt(noise), []);
    assert.ok(a.systematic !== null);
    assert.equal(a.systematic.significant, false, `seed ${seed}: ${a.systematic.verdict}`);
  }
});

test('finds that are not mines are left out of the mine figures but counted as outside finds', () => {
  const r = field();
  const finds: Find[] = [
    ...findsAt(r.predictedMines.slice(0, 10)),
    { id: 'U1', ...direct(RP, 0, 300), category: 'UXO' },
    { id: 'U2', ...direct(RP, 180, 50), category: 'UXO' },
  ];
  const a = auditRecord(r, finds, []);
  assert.deepEqual(a.finds, { total: 12, mines: 10, notMines: 2 });
  assert.equal(at(a.accuracy, 5), 1);
  assert.deepEqual(a.outside?.finds, { count: 1, of: 12, share: 1 / 12 });
  assert.equal(a.counts.foundMinusStated, -74);
});

test('aggregates pool counts rather than averaging ratios', () => {
  const r1 = field('MF-A', 'HB-1');
  const r2 = field('MF-B', 'HB-1');
  const r3 = field('MF-C', 'HB-2');
  const a1 = auditRecord(r1, findsAt(r1.predictedMines.slice(0, 1)), []);
  const a2 = auditRecord(r2, findsAt(r2.predictedMines.slice(0, 9).map((m) => direct(m, 0, 20))), []);
  const a3 = auditRecord(r3, findsAt(r3.predictedMines), [], { area: 'North' });
  const groups = aggregateAudits([a1, a2, a3], 'handoverBatch');
  assert.deepEqual(groups.map((g) => g.key), ['HB-1', 'HB-2']);
  const hb1 = groups[0];
  assert.ok(hb1);
  assert.equal(hb1.records, 2);
  assert.deepEqual(hb1.accuracy.find((p) => p.toleranceM === 5), { toleranceM: 5, count: 1, of: 10, share: 0.1 });
  assert.deepEqual(hb1.completeness, { count: 1, of: 168, share: 1 / 168 });
  assert.deepEqual(hb1.foundVersusStated, { found: 10, stated: 168, records: 2 });
  const byArea = aggregateAudits([a1, a3], 'area');
  assert.deepEqual(byArea.map((g) => [g.key, g.records]), [['(none)', 1], ['North', 1]]);
  assert.throws(() => aggregateAudits([a1, auditRecord(r2, [], [], { tolerance: 2 })], 'area'), /"MF-B" was audited with τ = 2 m/);
});

test('a record that could not be placed cannot be audited', () => {
  const r = { ...field(), origin: null };
  assert.throws(() => auditRecord(r, [], []), /minefield record "MF-AUDIT-1" could not be placed/);
});
