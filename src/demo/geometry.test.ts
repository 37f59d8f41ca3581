import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inverse } from '../geodesy/geodesic.ts';
import { clipBelow, convexHull, LocalFrame, ringArea, splitIntoSlabs, unitFromAzimuth, type Vec } from './geometry.ts';

test('the local frame puts points at the right geodesic distance and direction', () => {
  const frame = new LocalFrame([-75.4, 7.0]);
  const origin = { lon: -75.4, lat: 7.0 };
  for (const [east, north] of [[1000, 0], [0, 1000], [-300, 400]] as const) {
    const [lon, lat] = frame.toLonLat([east, north]);
    const r = inverse(origin, { lon, lat });
    assert.ok(Math.abs(r.distanceM - Math.hypot(east, north)) < 0.01, `${east},${north}: ${r.distanceM} m`);
    const [e, n] = frame.toLocal([lon, lat]);
    assert.ok(Math.abs(e - east) < 1e-6 && Math.abs(n - north) < 1e-6);
  }
});

test('convexHull drops interior points and runs counter-clockwise', () => {
  const hull = convexHull([[0, 0], [2, 0], [1, 1], [2, 2], [0, 2], [1, 0.5]]);
  assert.deepEqual(hull, [[0, 0], [2, 0], [2, 2], [0, 2]]);
});

test('clipBelow keeps the part of a ring under a line', () => {
  const square: Vec[] = [[0, 0], [10, 0], [10, 10], [0, 10]];
  assert.equal(ringArea(clipBelow(square, [1, 0], 4)), 40);
});

test('splitIntoSlabs tiles the ring exactly, sharing the cut points with it', () => {
  const ring = convexHull([[0, 0], [50, -10], [90, 20], [70, 60], [10, 45], [-15, 20]]);
  const direction = unitFromAzimuth(70);
  const { ring: refined, slabs } = splitIntoSlabs(ring, direction, [10, 35, 60]);
  assert.equal(slabs.length, 4);
  assert.equal(refined.length, ring.length + 6);
  const total = slabs.reduce((sum, slab) => sum + ringArea(slab), 0);
  assert.ok(Math.abs(total - ringArea(ring)) < 1e-6, `${total} vs ${ringArea(ring)}`);
  for (const slab of slabs) for (const p of slab) assert.ok(refined.includes(p), 'every slab vertex is a vertex of the refined ring');
});

test('splitIntoSlabs refuses a cut through a vertex', () => {
  assert.throws(() => splitIntoSlabs([[0, 0], [10, 0], [10, 10]], [1, 0], [10]), /passes through a vertex/);
});
