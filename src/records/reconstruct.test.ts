import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseMinefieldRecord, type MinefieldRecord } from './format.ts';
import { reconstruct, toGeoJSON, type Reconstruction } from './reconstruct.ts';
import { direct, inverse, type LatLon } from '../geodesy/geodesic.ts';
import { fromDegrees, normalizeAzimuthDeg } from '../geodesy/angles.ts';
import { gridConvergenceDeg, latLonToMgrs, latLonToUtm } from '../geodesy/coordinates.ts';
import { wmmDeclination } from '../geodesy/magnetic.ts';

const RP = { lat: 44.53461, lon: 18.67012 };

/** A minimal valid record around RP; tests override what they exercise. */
function recordWith(fields: Record<string, unknown>): MinefieldRecord {
  return parseMinefieldRecord({
    format: 'safeground/minefield-record@1',
    reference: 'MF-TEST-1',
    angleUnit: 'degrees',
    north: { reference: 'true' },
    referencePoints: [{ name: 'RP1', coordinates: { system: 'latlon', ...RP } }],
    provenance: { source: 'test' },
    ...fields,
  });
}

function position(r: Reconstruction, name: string): LatLon {
  const p = r.points.find((q) => q.name === name);
  assert.ok(p, `point ${name} not placed`);
  return p;
}

function codes(r: Reconstruction): string[] {
  return r.problems.map((p) => p.code);
}

function metresApart(a: LatLon, b: LatLon): number {
  return inverse(a, b).distanceM;
}

test('the example fixture reconstructs without errors', () => {
  const json: unknown = JSON.parse(readFileSync(new URL('./fixtures/example-record.json', import.meta.url), 'utf8'));
  const r = reconstruct(parseMinefieldRecord(json));
  assert.deepEqual(r.problems, []);
  assert.equal(r.predictedMines.length, 48);
  // The figures docs/minefield-record-format.md quotes for it.
  assert.equal(r.closures.length, 1);
  assert.ok(Math.abs((r.closures[0]?.misclosureM ?? 0) - 1.4) < 0.05);
  assert.ok(Math.abs((r.closures[0]?.bearingDeg ?? 0) - 225) < 0.5);
  assert.equal(Math.round(1 / (r.closures[0]?.relative ?? 1)), 254);
  assert.ok(Math.abs((r.legs[1]?.correctionDeg ?? 0) + 1.22) < 0.005);
  assert.equal(r.legs[0]?.trueAzimuthDeg, 47.8125);
  assert.ok((r.perimeterAreaM2 ?? 0) > 6000);
});

test('a closed traverse in true degrees closes to < 1 mm', () => {
  const corners = [direct(RP, 30, 250), direct(RP, 80, 400), direct(RP, 140, 300)];
  const legs: Array<Record<string, unknown> & { distance: number }> = [];
  const names = ['RP1', 'P1', 'P2', 'P3', 'RP1'];
  const places = [RP, ...corners, RP];
  for (let i = 0; i < 4; i++) {
    const g = inverse(places[i] as LatLon, places[i + 1] as LatLon);
    legs.push({ from: names[i], to: names[i + 1], azimuth: normalizeAzimuthDeg(g.azimuth1Deg), distance: g.distanceM, ...(i === 3 && { check: true }) });
  }
  const r = reconstruct(recordWith({ legs }));
  assert.deepEqual(r.problems, []);
  assert.equal(r.closures.length, 1);
  const c = r.closures[0];
  assert.ok(c && c.misclosureM < 1e-3, `misclosure ${c?.misclosureM}`);
  assert.equal(c?.point, 'RP1');
  const loop = [0, 1, 2, 3].reduce((s, i) => s + (legs[i]?.distance ?? 0), 0);
  assert.ok(Math.abs((c?.loopLengthM ?? 0) - loop) < 1e-9);
  assert.ok(metresApart(position(r, 'P2'), corners[1] as LatLon) < 1e-3);
});

test('a traverse in grid mils closes to < 1 mm after grid convergence', () => {
  // Zone 34's central meridian is 21°E: γ < 0 at RP (18.67°E), γ > 0 at 23.4°E.
  for (const origin of [RP, { lat: 44.5, lon: 23.4 }]) {
    const corners = [direct(origin, 10, 300), direct(origin, 100, 200)];
    const places = [origin, ...corners, origin];
    const names = ['RP1', 'A', 'B', 'RP1'];
    const legs: Array<Record<string, unknown>> = [];
    for (let i = 0; i < 3; i++) {
      const g = inverse(places[i] as LatLon, places[i + 1] as LatLon);
      const gridAzimuth = normalizeAzimuthDeg(g.azimuth1Deg - gridConvergenceDeg(places[i] as LatLon));
      legs.push({ from: names[i], to: names[i + 1], azimuth: fromDegrees(gridAzimuth, 'mils'), distance: g.distanceM, ...(i === 2 && { check: true }) });
    }
    const r = reconstruct(
      recordWith({ angleUnit: 'mils', north: { reference: 'grid' }, referencePoints: [{ name: 'RP1', coordinates: { system: 'latlon', ...origin } }], legs }),
    );
    assert.deepEqual(r.problems, []);
    assert.ok((r.closures[0]?.misclosureM ?? 1) < 1e-3, `misclosure ${r.closures[0]?.misclosureM}`);
    assert.ok(metresApart(position(r, 'A'), corners[0] as LatLon) < 1e-3);
    const sign = origin.lon > 21 ? 1 : -1;
    assert.equal(Math.sign(r.legs[0]?.correctionDeg ?? 0), sign);
  }
});

test('magnetic azimuths with a stated declination in mils', () => {
  const r = reconstruct(
    recordWith({
      angleUnit: 'mils',
      north: { reference: 'magnetic', declination: { value: -40, unit: 'mils' } },
      legs: [{ from: 'RP1', to: 'A', azimuth: 1600, distance: 100 }],
    }),
  );
  assert.deepEqual(r.problems, []);
  assert.equal(r.magnetic?.source, 'stated');
  assert.equal(r.legs[0]?.trueAzimuthDeg, 87.75);
  assert.ok(metresApart(position(r, 'A'), direct(RP, 87.75, 100)) < 1e-6);
});

test('magnetic azimuths without a stated declination use the WMM for the laying date, and say which', () => {
  const r = reconstruct(
    recordWith({
      north: { reference: 'magnetic' },
      legs: [{ from: 'RP1', to: 'A', azimuth: 45, distance: 200 }],
      provenance: { source: 'test', layingDate: '2021-03-01' },
    }),
  );
  assert.deepEqual(r.problems, []);
  assert.equal(r.magnetic?.source, 'wmm');
  assert.equal(r.magnetic?.model, 'WMM-2020');
  assert.equal(r.magnetic?.epoch, 2020);
  const declination = wmmDeclination(RP, new Date('2021-03-01T12:00:00Z')).declinationDeg;
  assert.ok(declination > 3 && declination < 6, `declination ${declination}`);
  assert.ok(metresApart(position(r, 'A'), direct(RP, 45 + declination, 200)) < 1e-6);
});

test('a laying date no WMM covers is an error that asks for the declination', () => {
  const r = reconstruct(
    recordWith({
      north: { reference: 'magnetic' },
      legs: [{ from: 'RP1', to: 'A', azimuth: 45, distance: 200 }],
      provenance: { source: 'test', layingDate: '1993-05-14' },
    }),
  );
  const p = r.problems.find((q) => q.code === 'declination_unavailable');
  assert.equal(p?.severity, 'error');
  assert.equal(p?.path, 'north.declination');
  assert.match(p?.message ?? '', /^minefield record "MF-TEST-1": north\.declination: .*1993-05-14.*state the declination/);
  assert.equal(r.points.some((q) => q.name === 'A'), false);
});

test('reference points in UTM and MGRS are placed where they say', () => {
  const utm = latLonToUtm(RP);
  const mgrsPlace = direct(RP, 200, 500);
  const r = reconstruct(
    recordWith({
      referencePoints: [
        { name: 'U', coordinates: { system: 'utm', zone: utm.zone, hemisphere: utm.hemisphere, easting: utm.easting, northing: utm.northing } },
        { name: 'M', coordinates: { system: 'mgrs', mgrs: latLonToMgrs(mgrsPlace) } },
      ],
    }),
  );
  assert.deepEqual(r.problems, []);
  assert.ok(metresApart(position(r, 'U'), RP) < 1e-3);
  assert.ok(metresApart(position(r, 'M'), mgrsPlace) < 0.75);
  assert.equal(r.origin?.name, 'U');
});

test('a landmark without coordinates is located by a leg, and legs from it are walked', () => {
  const r = reconstruct(
    recordWith({
      referencePoints: [{ name: 'RP1', coordinates: { system: 'latlon', ...RP } }, { name: 'Tree' }],
      legs: [
        { from: 'RP1', to: 'Tree', azimuth: 90, distance: 50 },
        { from: 'Tree', to: 'A', azimuth: 0, distance: 30 },
      ],
    }),
  );
  assert.deepEqual(r.problems, []);
  assert.ok(metresApart(position(r, 'A'), direct(direct(RP, 90, 50), 0, 30)) < 1e-6);
});

test('a landmark nobody locates is an error on that landmark', () => {
  const r = reconstruct(
    recordWith({
      referencePoints: [{ name: 'RP1', coordinates: { system: 'latlon', ...RP } }, { name: 'Tree' }],
      legs: [{ from: 'Tree', to: 'A', azimuth: 0, distance: 30 }],
    }),
  );
  const p = r.problems.find((q) => q.code === 'unlocated_point');
  assert.equal(p?.path, 'referencePoints[1].coordinates');
  assert.match(p?.message ?? '', /^minefield record "MF-TEST-1": referencePoints\[1\]\.coordinates: landmark "Tree" has no coordinates/);
});

test('a leg from an unknown point is an error naming the record, the field and the point', () => {
  const r = reconstruct(recordWith({ legs: [{ from: 'RP9', to: 'A', azimuth: 10, distance: 10 }] }));
  assert.deepEqual(codes(r), ['unknown_point']);
  assert.equal(r.problems[0]?.severity, 'error');
  assert.equal(r.problems[0]?.message, 'minefield record "MF-TEST-1": legs[0].from: leg starts from "RP9", which no reference point or leg defines');
});

test('a point defined twice is an error on the second definition, and the first one stands', () => {
  const r = reconstruct(
    recordWith({
      legs: [
        { from: 'RP1', to: 'A', azimuth: 10, distance: 10 },
        { from: 'RP1', to: 'A', azimuth: 20, distance: 10 },
      ],
    }),
  );
  assert.deepEqual(codes(r), ['point_defined_twice']);
  assert.equal(r.problems[0]?.path, 'legs[1].to');
  assert.match(r.problems[0]?.message ?? '', /^minefield record "MF-TEST-1": legs\[1\]\.to: point "A" is already defined by legs\[0\]/);
  assert.ok(metresApart(position(r, 'A'), direct(RP, 10, 10)) < 1e-6);
});

test('a leg onto a reference point is "defined twice" unless marked as a check', () => {
  const r = reconstruct(recordWith({ legs: [{ from: 'RP1', to: 'A', azimuth: 10, distance: 10 }, { from: 'A', to: 'RP1', azimuth: 190, distance: 10 }] }));
  assert.deepEqual(codes(r), ['point_defined_twice']);
  assert.match(r.problems[0]?.message ?? '', /already defined by referencePoints\[0\]; mark this leg "check": true/);
});

test('legs that form a loop with no surveyed point are a cycle error', () => {
  const r = reconstruct(
    recordWith({
      legs: [
        { from: 'RP1', to: 'A', azimuth: 10, distance: 10 },
        { from: 'C', to: 'B', azimuth: 10, distance: 10 },
        { from: 'B', to: 'C', azimuth: 190, distance: 10 },
        { from: 'C', to: 'D', azimuth: 10, distance: 10 },
      ],
    }),
  );
  assert.deepEqual(codes(r), ['leg_cycle']);
  assert.equal(r.problems[0]?.severity, 'error');
  assert.match(r.problems[0]?.message ?? '', /^minefield record "MF-TEST-1": legs\[\d\]: legs form a loop with no surveyed point: (B -> C -> B|C -> B -> C)$/);
  assert.ok(position(r, 'A'));
});

test('zero and negative distances are errors on the distance field', () => {
  const r = reconstruct(
    recordWith({
      legs: [
        { from: 'RP1', to: 'A', azimuth: 10, distance: 0 },
        { from: 'RP1', to: 'B', azimuth: 10, distance: -5 },
      ],
    }),
  );
  assert.deepEqual(codes(r), ['non_positive_distance', 'non_positive_distance']);
  assert.equal(r.problems[1]?.message, 'minefield record "MF-TEST-1": legs[1].distance: distance must be greater than 0 m (got -5)');
});

test('azimuths out of range for their unit are errors: 360° and 6400 mils, but 400 mils is fine', () => {
  const r = reconstruct(
    recordWith({
      angleUnit: 'mils',
      legs: [
        { from: 'RP1', to: 'A', azimuth: 6400, distance: 10 },
        { from: 'RP1', to: 'B', azimuth: 360, distance: 10, unit: 'degrees' },
        { from: 'RP1', to: 'C', azimuth: 400, distance: 10 },
        { from: 'RP1', to: 'D', azimuth: -1, distance: 10 },
      ],
    }),
  );
  assert.deepEqual(codes(r), ['azimuth_out_of_range', 'azimuth_out_of_range', 'azimuth_out_of_range']);
  assert.equal(r.problems[0]?.message, 'minefield record "MF-TEST-1": legs[0].azimuth: azimuth must be within [0, 6400) mils (got 6400)');
  assert.equal(r.problems[1]?.message, 'minefield record "MF-TEST-1": legs[1].azimuth: azimuth must be within [0, 360) degrees (got 360)');
  assert.equal(r.problems[2]?.path, 'legs[3].azimuth');
  assert.ok(position(r, 'C'));
});

test('rows: mines evenly spaced from start to end when count and spacing agree', () => {
  const r = reconstruct(
    recordWith({
      legs: [
        { from: 'RP1', to: 'S', azimuth: 45, distance: 30 },
        { from: 'S', to: 'E', azimuth: 100, distance: 50 },
      ],
      rows: [{ name: 'R1', start: 'S', end: 'E', mineCount: 11, spacing: 5, mineModel: 'PMN-2' }],
    }),
  );
  assert.deepEqual(r.problems, []);
  assert.equal(r.predictedMines.length, 11);
  const first = r.predictedMines[0] as LatLon;
  const last = r.predictedMines[10] as LatLon;
  assert.ok(metresApart(first, position(r, 'S')) < 1e-6);
  assert.ok(metresApart(last, position(r, 'E')) < 1e-6);
  for (let k = 1; k < 11; k++) {
    const d = metresApart(r.predictedMines[k - 1] as LatLon, r.predictedMines[k] as LatLon);
    assert.ok(Math.abs(d - 5) < 1e-6, `gap ${k}: ${d}`);
  }
  assert.equal(r.predictedMines[3]?.id, 'R1#4');
  assert.equal(r.predictedMines[3]?.model, 'PMN-2');
});

test('rows: a count that does not fit the row length at the stated spacing is a warning that says what was done', () => {
  const r = reconstruct(
    recordWith({
      legs: [
        { from: 'RP1', to: 'S', azimuth: 45, distance: 30 },
        { from: 'S', to: 'E', azimuth: 100, distance: 50 },
      ],
      rows: [{ name: 'R1', start: 'S', end: 'E', mineCount: 20, spacing: 5 }],
    }),
  );
  assert.deepEqual(codes(r), ['row_spacing_mismatch']);
  assert.equal(r.problems[0]?.severity, 'warning');
  assert.match(r.problems[0]?.message ?? '', /^minefield record "MF-TEST-1": rows\[0\]: row "R1": 20 mines at 5 m spacing span 95\.0 m, but the row is 50\.0 m long; mines are predicted evenly over the row's length \(every 2\.63 m\)$/);
  assert.equal(r.predictedMines.length, 20);
});

test('rows: a count without spacing keeps the row line, predicts no mines, and warns', () => {
  const r = reconstruct(
    recordWith({
      legs: [
        { from: 'RP1', to: 'S', azimuth: 45, distance: 30 },
        { from: 'S', to: 'E', azimuth: 100, distance: 50 },
      ],
      rows: [{ name: 'R1', start: 'S', end: 'E', mineCount: 12 }],
    }),
  );
  assert.deepEqual(codes(r), ['row_count_without_spacing']);
  assert.equal(r.problems[0]?.severity, 'warning');
  assert.equal(r.problems[0]?.path, 'rows[0].spacing');
  assert.match(r.problems[0]?.message ?? '', /^minefield record "MF-TEST-1": rows\[0\]\.spacing: row "R1" states 12 mines but no spacing/);
  assert.equal(r.rows.length, 1);
  assert.ok(Math.abs((r.rows[0]?.lengthM ?? 0) - 50) < 1e-6);
  assert.equal(r.predictedMines.length, 0);
  assert.equal(r.recordedMineCount, 12);
});

test('rows and perimeters naming unplaced points are errors naming the field', () => {
  const r = reconstruct(recordWith({ rows: [{ name: 'R1', start: 'RP1', end: 'Nowhere', mineCount: 2, spacing: 1 }], perimeter: ['RP1', 'X', 'Y'] }));
  assert.deepEqual(
    r.problems.map((p) => p.path),
    ['perimeter[1]', 'perimeter[2]', 'rows[0].end'],
  );
  assert.ok(r.problems.every((p) => p.code === 'unknown_point' && p.message.startsWith('minefield record "MF-TEST-1": ')));
});

test('the perimeter comes out as a closed counter-clockwise ring whichever way the record lists it', () => {
  const legs = [
    { from: 'RP1', to: 'A', azimuth: 0, distance: 100 },
    { from: 'A', to: 'B', azimuth: 90, distance: 100 },
    { from: 'B', to: 'C', azimuth: 180, distance: 100 },
  ];
  for (const perimeter of [['RP1', 'A', 'B', 'C'], ['C', 'B', 'A', 'RP1']]) {
    const r = reconstruct(recordWith({ legs, perimeter }));
    const ring = r.perimeter?.coordinates[0] ?? [];
    assert.equal(ring.length, 5);
    assert.deepEqual(ring[0], ring[4]);
    let twiceArea = 0;
    for (let i = 0; i < 4; i++) {
      const [x1 = 0, y1 = 0] = ring[i] ?? [];
      const [x2 = 0, y2 = 0] = ring[i + 1] ?? [];
      twiceArea += x1 * y2 - x2 * y1;
    }
    assert.ok(twiceArea > 0, `ring ${perimeter.join(',')} is clockwise`);
    assert.ok(Math.abs((r.perimeterAreaM2 ?? 0) - 1e4) < 5);
  }
});

test('a stated total that differs from rows plus mines is a warning', () => {
  const r = reconstruct(
    recordWith({
      legs: [{ from: 'RP1', to: 'E', azimuth: 90, distance: 10 }],
      rows: [{ name: 'R1', start: 'RP1', end: 'E', mineCount: 3, spacing: 5 }],
      mines: [{ id: 'M1', coordinates: { system: 'latlon', lat: RP.lat, lon: RP.lon + 0.001 } }],
      provenance: { source: 'test', statedMineTotal: 5 },
    }),
  );
  assert.deepEqual(codes(r), ['stated_total_mismatch']);
  assert.match(r.problems[0]?.message ?? '', /states 5 mines, but its rows and individual mines add up to 4/);
  assert.equal(r.predictedMines.length, 4);
});

test('toGeoJSON tags every feature with its kind', () => {
  const r = reconstruct(
    recordWith({
      legs: [
        { from: 'RP1', to: 'A', azimuth: 0, distance: 100 },
        { from: 'A', to: 'B', azimuth: 90, distance: 100 },
      ],
      perimeter: ['RP1', 'A', 'B'],
      rows: [{ name: 'R1', start: 'RP1', end: 'B', mineCount: 3, spacing: 70.7 }],
      mines: [{ id: 'M1', leg: { from: 'A', azimuth: 45, distance: 5 } }],
    }),
  );
  const fc = toGeoJSON(r);
  const kinds = fc.features.map((f) => f.properties?.kind as string);
  assert.deepEqual(kinds, ['perimeter', 'row', 'predicted_mine', 'predicted_mine', 'predicted_mine', 'predicted_mine', 'point', 'point', 'point']);
  assert.equal(fc.features[5]?.properties?.id, 'M1');
  assert.equal(fc.features[5]?.properties?.source, 'mine');
});
