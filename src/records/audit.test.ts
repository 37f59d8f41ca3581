import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseMinefieldRecord } from './format.ts';
import { reconstruct, type Reconstruction } from './reconstruct.ts';
import { mulberry32 } from '../mulberry32.ts';
import { aggregateAudits, auditRecord, coverage, type AuditResult, type Find, type Share } from './audit.ts';
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
  for (const p of a.positionalAccuracy) assert.equal(p.share, 1, `A(${p.toleranceM})`);
  assert.deepEqual(a.completeness, { count: 84, of: 84, share: 1 });
  assert.equal(a.outsideShare?.finds.share, 0);
  assert.equal(a.outsideShare?.accidents.share, null);
  assert.deepEqual(a.countDiscrepancy, { found: 84, stated: 84, recorded: 84, predictedPositions: 84, foundMinusStated: 0, foundMinusRecorded: 0 });
  assert.ok(a.systematicError !== null);
  assert.ok(a.systematicError.shiftM < 0.01, `shift ${a.systematicError.shiftM}`);
  assert.equal(a.systematicError.significant, false);
});

test('finds on the row lines between predicted mines count for A but not for completeness', () => {
  const r = field();
  const between = r.predictedMines.filter((m) => !m.id.endsWith('#21')).map((m) => direct(m, 90, 2.5));
  const a = auditRecord(r, findsAt(between), []);
  assert.equal(at(a.positionalAccuracy, 1), 1);
  assert.equal(a.completeness.count, 80);
  const strict = auditRecord(r, findsAt(between), [], { tolerance: 2 });
  assert.equal(strict.completeness.count, 0);
});

test('finds moved 30 m north: low A before, a 30 m shift towards 0°, and A ~100% after', () => {
  const r = field();
  const moved = r.predictedMines.map((m) => direct(m, 0, 30));
  const a = auditRecord(r, findsAt(moved), []);
  assert.ok(at(a.positionalAccuracy, 5) < 0.3, `A(5) before ${at(a.positionalAccuracy, 5)}`);
  const s = a.systematicError;
  assert.ok(s !== null);
  assert.ok(Math.abs(s.shiftM - 30) < 1, `shift ${s.shiftM}`);
  assert.ok(Math.abs(((s.bearingDeg + 180) % 360) - 180) < 2, `bearing ${s.bearingDeg}`);
  assert.ok(Math.abs(s.rotationDeg) < 0.5, `rotation ${s.rotationDeg}`);
  assert.ok(at(s.positionalAccuracyAfter, 5) > 0.98, `A(5) after ${at(s.positionalAccuracyAfter, 5)}`);
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
  const s = a.systematicError;
  assert.ok(s !== null);
  assert.ok(Math.abs(s.rotationDeg - 4) < 0.2, `rotation ${s.rotationDeg}`);
  assert.ok(Math.abs(s.shiftM - 12) < 1, `shift ${s.shiftM}`);
  assert.ok(Math.abs(s.bearingDeg - 90) < 3, `bearing ${s.bearingDeg}`);
  assert.ok(at(s.positionalAccuracyAfter, 2) > 0.98);
  assert.equal(s.significant, true, s.verdict);
});

test('the shift is found robustly when a third of the finds are stray', () => {
  const r = field();
  const random = mulberry32(99);
  const moved = r.predictedMines.map((m) => direct(m, 0, 30));
  const strays = Array.from({ length: 40 }, () => direct(direct(RP, 180, random() * 200), 90, random() * 200));
  const a = auditRecord(r, findsAt([...moved, ...strays]), []);
  const s = a.systematicError;
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
  assert.deepEqual(a.outsideShare?.finds, { count: 40, of: 80, share: 0.5 });
  // A3 is 2 m beyond the perimeter's north edge: inside the 5 m buffer.
  assert.deepEqual(a.outsideShare?.accidents, { count: 1, of: 3, share: 1 / 3 });
  assert.deepEqual(a.outsideShare?.combined, { count: 41, of: 83, share: 41 / 83 });
});

test('pure noise over the area gives no significant shift', () => {
  const r = field();
  for (const seed of [1, 2, 3]) {
    const random = mulberry32(seed);
    const noise = Array.from({ length: 120 }, () => direct(direct(RP, 180, 10 + random() * 160), 90, random() * 150));
    const a = auditRecord(r, findsAt(noise), []);
    assert.ok(a.systematicError !== null);
    assert.equal(a.systematicError.significant, false, `seed ${seed}: ${a.systematicError.verdict}`);
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
  assert.equal(at(a.positionalAccuracy, 5), 1);
  assert.deepEqual(a.outsideShare?.finds, { count: 1, of: 12, share: 1 / 12 });
  assert.equal(a.countDiscrepancy.foundMinusStated, -74);
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
  assert.equal(hb1.audited, 2);
  assert.deepEqual(hb1.positionalAccuracy.find((p) => p.toleranceM === 5), { toleranceM: 5, count: 1, of: 10, share: 0.1 });
  assert.deepEqual(hb1.completeness, { count: 1, of: 168, share: 1 / 168 });
  assert.deepEqual(hb1.countDiscrepancy, { found: 10, stated: 168, records: 2 });
  const byArea = aggregateAudits([a1, a3], 'area');
  assert.deepEqual(byArea.map((g) => [g.key, g.audited]), [['(none)', 1], ['North', 1]]);
  assert.throws(() => aggregateAudits([a1, auditRecord(r2, [], [], { tolerance: 2 })], 'area'), /"MF-B" was audited with τ = 2 m/);
});

test('a record that could not be placed cannot be audited', () => {
  const r = { ...field(), origin: null };
  assert.throws(() => auditRecord(r, [], []), /minefield record "MF-AUDIT-1" could not be placed/);
});

/** The text after `<!-- example: name` in docs/minefield-records.md, up to the next blank line after its block. */
function docExample(name: string): string {
  const doc = readFileSync(new URL('../../docs/minefield-records.md', import.meta.url), 'utf8');
  const at = doc.indexOf(`<!-- example: ${name} `);
  assert.ok(at >= 0, `docs/minefield-records.md has no example ${name}`);
  const body = doc.slice(doc.indexOf('\n', at) + 1);
  return body.slice(0, body.search(/\n\n|$/));
}

test('positional accuracy and completeness differ as the worked example in docs/minefield-records.md says', () => {
  const json = docExample('completeness-record').replace(/^```json\n|\n```$/g, '');
  const r = reconstruct(parseMinefieldRecord(JSON.parse(json)));
  assert.deepEqual(r.problems, []);
  const mine = (row: number, k: number): LatLon => {
    const m = r.predictedMines.find((p) => p.id === `Row ${row}#${k}`);
    assert.ok(m, `Row ${row}#${k}`);
    return m;
  };
  const cases: LatLon[][] = [
    [mine(1, 1), mine(1, 3), mine(1, 5), mine(2, 2), mine(2, 4)],
    [...[1, 2, 3, 4, 5].map((k) => mine(1, k)), ...[1, 2, 3, 4].map((k) => direct(mine(1, k), 90, 5))],
    [...r.predictedMines, ...r.predictedMines.map((m) => direct(m, 180, 30))],
  ];
  const percent = (s: Share | undefined): string => `${Math.round((s?.share ?? Number.NaN) * 100)}% (${s?.count} of ${s?.of})`;
  const cells = (a: AuditResult): string[] => [
    percent(a.positionalAccuracy.find((p) => p.toleranceM === 5)),
    percent(a.completeness),
    percent(a.outsideShare?.finds),
    (a.countDiscrepancy.foundMinusStated ?? 0) > 0 ? `+${a.countDiscrepancy.foundMinusStated}` : `−${-(a.countDiscrepancy.foundMinusStated ?? 0)}`,
  ];
  const documented = docExample('completeness-figures')
    .split('\n')
    .slice(2)
    .map((line) => line.split('|').slice(2, -1).map((c) => c.trim()));
  assert.deepEqual(
    cases.map((finds) => cells(auditRecord(r, findsAt(finds), [], { tolerance: 5 }))),
    documented,
  );
  // By hand, independently of the document: the three cases' (A(5 m), completeness) counts.
  assert.deepEqual(
    cases.map((finds) => {
      const a = auditRecord(r, findsAt(finds), [], { tolerance: 5 });
      return [a.positionalAccuracy.find((p) => p.toleranceM === 5)?.count, a.finds.mines, a.completeness.count, a.completeness.of];
    }),
    [[5, 5, 5, 10], [9, 9, 5, 10], [10, 20, 10, 10]],
  );
});

test("a batch's pooled figures say which records they leave out, and a batch of skipped records still appears", () => {
  const a1 = auditRecord(field('MF-A', 'HB-1'), findsAt(field('MF-A', 'HB-1').predictedMines), []);
  const skipped = [
    { reference: 'MF-12', handoverBatch: 'HB-1', reason: 'legs[3].distance: distance must be greater than 0 m (got 0)' },
    { reference: 'MF-13', handoverBatch: 'HB-2', reason: 'referencePoints: no reference point has usable coordinates, so nothing can be placed' },
  ];
  const [hb1, hb2] = aggregateAudits([a1], 'handoverBatch', skipped);
  assert.ok(hb1 && hb2);
  assert.equal(hb1.coverage, 'pooled over 1 of 2 records; 1 skipped: MF-12 (legs[3].distance: distance must be greater than 0 m (got 0))');
  assert.deepEqual([hb1.audited, hb1.skipped.map((s) => s.reference)], [1, ['MF-12']]);
  assert.deepEqual(hb1.positionalAccuracy.find((p) => p.toleranceM === 5), { toleranceM: 5, count: 84, of: 84, share: 1 });
  assert.equal(hb2.coverage, 'pooled over 0 of 1 record; 1 skipped: MF-13 (referencePoints: no reference point has usable coordinates, so nothing can be placed)');
  assert.deepEqual(hb2.completeness, { count: 0, of: 0, share: null });
  assert.equal(coverage(3, []), 'pooled over 3 of 3 records');
});

test('pooled A(τ) after correction applies only significant corrections', () => {
  const r1 = field('MF-S', 'HB-C');
  const r2 = field('MF-N', 'HB-C');
  const shifted = auditRecord(r1, findsAt(r1.predictedMines.map((m) => direct(m, 0, 30))), []);
  assert.equal(shifted.systematicError?.significant, true);
  // Finds scattered at random over the field: the best fit gains a few, but no more than on jittered copies.
  const random = mulberry32(1);
  const noise = auditRecord(r2, findsAt(Array.from({ length: 120 }, () => direct(direct(RP, 180, 10 + random() * 160), 90, random() * 150))), []);
  assert.equal(noise.systematicError?.significant, false);
  const atFive = (curve: ReadonlyArray<{ toleranceM: number; count: number }> | undefined) => curve?.find((p) => p.toleranceM === 5)?.count ?? -1;
  const [pooled] = aggregateAudits([shifted, noise], 'handoverBatch');
  assert.ok(pooled);
  assert.deepEqual(pooled.positionalAccuracyAfterCorrection, {
    count: atFive(shifted.systematicError?.positionalAccuracyAfter) + atFive(noise.positionalAccuracy),
    of: 84 + 120,
    share: (atFive(shifted.systematicError?.positionalAccuracyAfter) + atFive(noise.positionalAccuracy)) / 204,
  });
  assert.ok(atFive(noise.systematicError?.positionalAccuracyAfter) > atFive(noise.positionalAccuracy), 'the unapplied correction would have raised the figure');
});

test('the p-value is 1/20 when all 19 null trials fall short, and the verdict gives it', () => {
  const r = field();
  const a = auditRecord(r, findsAt(r.predictedMines.map((m) => direct(m, 0, 30))), []);
  assert.equal(a.systematicError?.pValue, 0.05);
  assert.match(a.systematicError?.verdict ?? '', /towards 0° and turning it 0\.0° about its reference point .* \(p = 0\.05\)$/);
  const exact = auditRecord(r, findsAt(r.predictedMines), []);
  assert.equal(exact.systematicError?.pValue, null);
});
