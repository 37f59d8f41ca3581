import { test } from 'node:test';
import assert from 'node:assert/strict';
import { localPlane, planeBounds } from './localPlane.ts';
import { direct, inverse } from './geodesic.ts';

const origins = [
  { lat: 44.53, lon: 18.67 },
  { lat: -13.2, lon: 34.3 },
  { lat: 0, lon: 0 },
  { lat: 62, lon: 25 },
];

test('tangent plane distance and bearing from the origin agree with geodesics to < 1 mm at 2 km', () => {
  for (const o of origins) {
    const plane = localPlane(o);
    for (let azimuth = 0; azimuth < 360; azimuth += 15) {
      const p = direct(o, azimuth, 2000);
      const { x, y } = plane.toLocal(p);
      const d = Math.hypot(x, y);
      assert.ok(Math.abs(d - 2000) < 1e-3, `${JSON.stringify(o)} az ${azimuth}: ${d} m`);
      const planeAzimuth = (Math.atan2(x, y) * 180) / Math.PI;
      const offAcross = Math.abs(Math.sin(((planeAzimuth - azimuth) * Math.PI) / 180)) * 2000;
      assert.ok(offAcross < 1e-3, `${JSON.stringify(o)} az ${azimuth}: ${offAcross} m across`);
    }
  }
});

test('distance between two points in the plane agrees with the geodesic to < 1 mm within 2 km', () => {
  for (const o of origins) {
    const plane = localPlane(o);
    for (let i = 0; i < 24; i++) {
      const a = direct(o, i * 15, 2000);
      const b = direct(o, i * 37 + 5, 1000 + i * 40);
      const pa = plane.toLocal(a);
      const pb = plane.toLocal(b);
      const planeDistance = Math.hypot(pa.x - pb.x, pa.y - pb.y);
      const geodesic = inverse(a, b).distanceM;
      assert.ok(Math.abs(planeDistance - geodesic) < 1e-3, `${planeDistance} vs ${geodesic}`);
    }
  }
});

test('planeBounds: the smallest box around the points, empty for no points', () => {
  assert.deepEqual(planeBounds([{ x: 1, y: 5 }, { x: -2, y: 3 }, { x: 0.5, y: -4 }]), { minX: -2, minY: -4, maxX: 1, maxY: 5 });
  assert.deepEqual(planeBounds([{ x: 7, y: -1 }]), { minX: 7, minY: -1, maxX: 7, maxY: -1 });
  assert.deepEqual(planeBounds([]), { minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity });
});
