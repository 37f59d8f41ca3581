import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { direct, inverse, polygonMeasure } from './geodesic.ts';
import { angleDifferenceDeg } from './angles.ts';

interface Vectors {
  columns: string[];
  cases: number[][];
}

const vectors = JSON.parse(
  readFileSync(new URL('../../test/fixtures/geodesy/geodesic-test-vectors.json', import.meta.url), 'utf8'),
) as Vectors;

function column(name: string): number {
  const i = vectors.columns.indexOf(name);
  assert.ok(i >= 0, `column ${name} missing from the test vectors`);
  return i;
}

function value(row: number[], name: string): number {
  const v = row[column(name)];
  assert.equal(typeof v, 'number');
  return v as number;
}

const AZIMUTH_TOLERANCE_DEG = 1e-9;

test('the test vectors file has cases', () => {
  assert.ok(vectors.cases.length >= 10, `only ${vectors.cases.length} cases`);
});

test('direct reaches every test vector end point to 1 mm, with its forward azimuth', () => {
  for (const [i, row] of vectors.cases.entries()) {
    const start = { lat: value(row, 'lat1_deg'), lon: value(row, 'lon1_deg') };
    const r = direct(start, value(row, 'azi1_deg'), value(row, 's12_m'));
    const miss = inverse(r, { lat: value(row, 'lat2_deg'), lon: value(row, 'lon2_deg') }).distanceM;
    assert.ok(miss < 1e-3, `case ${i}: end point missed by ${miss} m`);
    const dAzi = Math.abs(angleDifferenceDeg(r.azimuthDeg, value(row, 'azi2_deg')));
    assert.ok(dAzi < AZIMUTH_TOLERANCE_DEG, `case ${i}: azi2 off by ${dAzi}°`);
  }
});

test('inverse gives every test vector distance to 1 mm, with both azimuths', () => {
  for (const [i, row] of vectors.cases.entries()) {
    const r = inverse(
      { lat: value(row, 'lat1_deg'), lon: value(row, 'lon1_deg') },
      { lat: value(row, 'lat2_deg'), lon: value(row, 'lon2_deg') },
    );
    const dS = Math.abs(r.distanceM - value(row, 's12_m'));
    assert.ok(dS < 1e-3, `case ${i}: s12 off by ${dS} m`);
    const d1 = Math.abs(angleDifferenceDeg(r.azimuth1Deg, value(row, 'azi1_deg')));
    const d2 = Math.abs(angleDifferenceDeg(r.azimuth2Deg, value(row, 'azi2_deg')));
    assert.ok(d1 < AZIMUTH_TOLERANCE_DEG, `case ${i}: azi1 off by ${d1}°`);
    assert.ok(d2 < AZIMUTH_TOLERANCE_DEG, `case ${i}: azi2 off by ${d2}°`);
  }
});

test('polygonMeasure: a 1 km square walked by geodesics has ~1 km² and the sign of its orientation', () => {
  const sw = { lat: 44.5, lon: 18.6 };
  const se = direct(sw, 90, 1000);
  const ne = direct(se, 0, 1000);
  const nw = direct(sw, 0, 1000);
  const ccw = polygonMeasure([sw, se, ne, nw]);
  // Meridians converge: the north edge is ~0.15 m shorter than 1 km, so ~77 m² are missing.
  assert.ok(Math.abs(ccw.areaM2 - 1e6) < 150, `area ${ccw.areaM2}`);
  assert.ok(Math.abs(ccw.perimeterM - 4000) < 0.5, `perimeter ${ccw.perimeterM}`);
  assert.ok(ccw.signedAreaM2 > 0);
  const cw = polygonMeasure([sw, nw, ne, se, sw]);
  assert.ok(cw.signedAreaM2 < 0);
  assert.equal(cw.areaM2, ccw.areaM2);
});

test('geodesic functions reject impossible input with the value in the message', () => {
  assert.throws(() => direct({ lat: 91, lon: 0 }, 0, 1), /latitude.*91/);
  assert.throws(() => direct({ lat: 0, lon: 0 }, Number.NaN, 1), /azimuth.*NaN/);
  assert.throws(() => polygonMeasure([{ lat: 0, lon: 0 }, { lat: 1, lon: 0 }]), /at least 3.*2/);
});
