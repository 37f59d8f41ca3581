import { test } from 'node:test';
import assert from 'node:assert/strict';
import { angleDifferenceDeg, displayedDeg, formatDeg, fromDegrees, isAzimuthInRange, normalizeAzimuthDeg, toDegrees } from './angles.ts';
import { trueFromGridDeg, trueFromMagneticDeg } from './north.ts';
import { gridConvergenceDeg, latLonToUtm, utmToLatLon, utmZoneOf } from './coordinates.ts';
import { inverse } from './geodesic.ts';

test('NATO mils: 6400 to the circle', () => {
  assert.equal(toDegrees(1600, 'mils'), 90);
  assert.equal(toDegrees(3200, 'mils'), 180);
  assert.equal(toDegrees(17.7777, 'degrees'), 17.7777);
  assert.equal(toDegrees(1, 'mils'), 0.05625);
  assert.equal(fromDegrees(270, 'mils'), 4800);
  assert.ok(Math.abs(fromDegrees(toDegrees(1234.5, 'mils'), 'mils') - 1234.5) < 1e-12);
});

test('azimuth range is [0, circle) in the written unit', () => {
  assert.ok(isAzimuthInRange(0, 'mils'));
  assert.ok(isAzimuthInRange(6399.9, 'mils'));
  assert.ok(!isAzimuthInRange(6400, 'mils'));
  assert.ok(isAzimuthInRange(359.99, 'degrees'));
  assert.ok(!isAzimuthInRange(360, 'degrees'));
  assert.ok(!isAzimuthInRange(-0.5, 'degrees'));
  assert.ok(isAzimuthInRange(400, 'mils'));
  assert.ok(!isAzimuthInRange(400, 'degrees'));
});

test('normalize and difference wrap around north', () => {
  assert.equal(normalizeAzimuthDeg(-10), 350);
  assert.equal(normalizeAzimuthDeg(720), 0);
  assert.equal(angleDifferenceDeg(1, 359), 2);
  assert.equal(angleDifferenceDeg(359, 1), -2);
});

test('magnetic to true with a stated declination: 2°30′ E adds, 1° W subtracts', () => {
  assert.equal(trueFromMagneticDeg(100, 2.5), 102.5);
  assert.equal(trueFromMagneticDeg(100, -1), 99);
  assert.equal(trueFromMagneticDeg(toDegrees(1600, 'mils'), toDegrees(-40, 'mils')), 87.75);
});

test('grid convergence east of the central meridian in the north is positive and matches the series', () => {
  // Zone 34 has its central meridian at 21°E; this point is 2.4° east of it.
  const p = { lat: 44.5, lon: 23.4 };
  assert.deepEqual(utmZoneOf(p), { zone: 34, hemisphere: 'N' });
  const gamma = gridConvergenceDeg(p);
  // Independent check: γ = Δλ sinφ [1 + (Δλ cosφ)²(1 + 3η² + 2η⁴)/3], η² = e′² cos²φ.
  const rad = Math.PI / 180;
  const dl = (p.lon - 21) * rad;
  const phi = p.lat * rad;
  const f = 1 / 298.257223563;
  const ep2 = (f * (2 - f)) / (1 - f) ** 2;
  const eta2 = ep2 * Math.cos(phi) ** 2;
  const series = (dl * Math.sin(phi) * (1 + ((dl * Math.cos(phi)) ** 2 * (1 + 3 * eta2 + 2 * eta2 ** 2)) / 3)) / rad;
  assert.ok(gamma > 1.6 && gamma < 1.8, `γ = ${gamma}`);
  assert.ok(Math.abs(gamma - series) < 1e-5, `γ ${gamma} vs series ${series}`);
  // West of the central meridian the sign flips; in the south too.
  assert.ok(gridConvergenceDeg({ lat: 44.5, lon: 19 }) < 0);
  assert.ok(gridConvergenceDeg({ lat: -44.5, lon: 23.4 }) < 0);
});

test('grid to true: a line due grid north on the map runs at true azimuth = 0 + γ', () => {
  const p = { lat: 44.5, lon: 23.4 };
  const u = latLonToUtm(p);
  const q = utmToLatLon({ ...u, northing: u.northing + 1000 });
  const trueAzimuth = inverse(p, q).azimuth1Deg;
  const predicted = trueFromGridDeg(0, gridConvergenceDeg(p));
  assert.ok(Math.abs(trueAzimuth - predicted) < 1e-3, `true ${trueAzimuth} vs grid+γ ${predicted}`);
  // A stated zone: the same point on zone 35's grid (central meridian 27°E) has negative γ.
  assert.ok(gridConvergenceDeg(p, { zone: 35, hemisphere: 'N' }) < 0);
});

test('bearings read 0°, never 360° or -0°, whatever rounding does', () => {
  assert.equal(formatDeg(359.9996), '0°');
  assert.equal(formatDeg(359.9996, { decimals: 3 }), '0.000°');
  assert.equal(formatDeg(359.9996, { decimals: 4 }), '359.9996°');
  assert.equal(formatDeg(-0.0001), '0°');
  assert.equal(formatDeg(-0.0001, { decimals: 1 }), '0.0°');
  assert.equal(formatDeg(360), '0°');
  assert.equal(formatDeg(360, { decimals: 2 }), '0.00°');
  assert.equal(formatDeg(359.5), '0°');
  assert.equal(formatDeg(359.4), '359°');
  assert.equal(formatDeg(-0.6), '359°');
  assert.equal(formatDeg(725.25, { decimals: 1 }), '5.3°');
});

test('signed angles (rotations, declinations) have no negative zero and wrap into (-180°, 180°]', () => {
  assert.equal(formatDeg(-0.0001, { decimals: 1, kind: 'signed' }), '0.0°');
  assert.equal(formatDeg(-0.04, { decimals: 1, kind: 'signed' }), '0.0°');
  assert.equal(formatDeg(-0.06, { decimals: 1, kind: 'signed' }), '-0.1°');
  assert.equal(formatDeg(359.9996, { decimals: 2, kind: 'signed' }), '0.00°');
  assert.equal(formatDeg(360, { kind: 'signed' }), '0°');
  assert.equal(formatDeg(350.25, { decimals: 2, kind: 'signed' }), '-9.75°');
  assert.equal(formatDeg(-180, { kind: 'signed' }), '180°');
  assert.ok(Object.is(displayedDeg(-0.0001, 1, 'signed'), 0), 'a positive zero');
  assert.ok(Object.is(displayedDeg(-0.0001, 0, 'bearing'), 0), 'a positive zero');
  assert.throws(() => formatDeg(Number.NaN), /finite number of degrees, got NaN/);
});
