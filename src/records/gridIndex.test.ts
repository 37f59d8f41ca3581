import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 as seeded } from '../mulberry32.ts';
import { GridIndex } from './gridIndex.ts';


test('nearest and within agree with a brute-force scan over points and segments', () => {
  const random = seeded(7);
  const points = Array.from({ length: 300 }, (_, id) => ({ id, x: random() * 400 - 200, y: random() * 300 - 150 }));
  const segments = Array.from({ length: 12 }, (_, k) => ({
    id: 1000 + k,
    a: { x: random() * 400 - 200, y: random() * 300 - 150 },
    b: { x: random() * 400 - 200, y: random() * 300 - 150 },
  }));
  const index = new GridIndex({ points, segments }, 5, 50);
  const segmentDistance = (s: (typeof segments)[number], x: number, y: number): number => {
    const dx = s.b.x - s.a.x;
    const dy = s.b.y - s.a.y;
    const t = Math.max(0, Math.min(1, ((x - s.a.x) * dx + (y - s.a.y) * dy) / (dx * dx + dy * dy)));
    return Math.hypot(x - s.a.x - t * dx, y - s.a.y - t * dy);
  };
  for (let q = 0; q < 500; q++) {
    const x = random() * 600 - 300;
    const y = random() * 500 - 250;
    const all = [...points.map((p) => ({ id: p.id, d: Math.hypot(p.x - x, p.y - y) })), ...segments.map((s) => ({ id: s.id, d: segmentDistance(s, x, y) }))];
    const brute = all.reduce((m, c) => (c.d < m.d ? c : m));
    for (const limit of [2, 10, 50]) {
      const hit = index.nearest(x, y, limit);
      if (brute.d > limit) assert.equal(hit, null);
      else assert.ok(hit !== null && Math.abs(hit.distance - brute.d) < 1e-9, `query ${x},${y} limit ${limit}: ${hit?.distance} vs ${brute.d}`);
    }
    const seen = new Set<number>();
    index.within(x, y, 10, (id) => seen.add(id));
    assert.deepEqual([...seen].sort((a, b) => a - b), all.filter((c) => c.d <= 10).map((c) => c.id).sort((a, b) => a - b));
  }
});

test('an empty index finds nothing', () => {
  const index = new GridIndex({}, 5, 50);
  assert.equal(index.nearest(0, 0, 50), null);
});
