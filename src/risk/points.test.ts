import { test } from 'node:test';
import assert from 'node:assert/strict';
import { approximateDistanceM, PointIndex, type WeightedPoint } from './points.ts';
import { inverse } from '../geodesy/geodesic.ts';

function lcg(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 4294967296);
}

test('the approximate distance is within 0.5% of the geodesic one at a few kilometres', () => {
  for (const [a, b] of [[{ lon: 20, lat: 44 }, { lon: 20.05, lat: 44.03 }], [{ lon: -75, lat: 7 }, { lon: -75.04, lat: 6.98 }], [{ lon: 10, lat: 60 }, { lon: 10.08, lat: 60.01 }]] as const) {
    const geodesic = inverse(a, b).distanceM;
    assert.ok(Math.abs(approximateDistanceM(a, b) / geodesic - 1) < 0.005, `${approximateDistanceM(a, b)} vs ${geodesic}`);
  }
});

test('nearest distances and counts within radii equal a brute-force search', () => {
  const random = lcg(7);
  const points: WeightedPoint[] = Array.from({ length: 300 }, () => ({ lon: 20 + random() * 0.5, lat: 44 + random() * 0.3, count: 1 + Math.floor(random() * 3) }));
  const index = new PointIndex(points, 0.0125, 0.009, 45);
  for (let k = 0; k < 200; k++) {
    const q = { lon: 19.9 + random() * 0.7, lat: 43.9 + random() * 0.5 };
    const distances = points.map((p) => approximateDistanceM(q, p));
    assert.equal(index.nearestM(q, 50_000), Math.min(50_000, ...distances));
    const expected = [1000, 5000].map((r) => points.reduce((n, p, i) => n + (distances[i]! <= r ? p.count : 0), 0));
    assert.deepEqual(index.countWithin(q, [1000, 5000]), expected);
  }
  assert.equal(new PointIndex([], 0.01, 0.01, 45).nearestM({ lon: 20, lat: 44 }, 50_000), 50_000);
});
