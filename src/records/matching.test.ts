import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maximumMatching } from './matching.ts';

function size(m: Int32Array): number {
  return m.reduce((n, r) => n + (r >= 0 ? 1 : 0), 0);
}

function isMatching(m: Int32Array, adjacency: number[][]): boolean {
  const used = new Set<number>();
  for (const [l, r] of m.entries()) {
    if (r < 0) continue;
    if (used.has(r) || !(adjacency[l] ?? []).includes(r)) return false;
    used.add(r);
  }
  return true;
}

/** Exhaustive maximum for small graphs. */
function bruteForce(adjacency: number[][], l = 0, used = new Set<number>()): number {
  if (l === adjacency.length) return 0;
  let best = bruteForce(adjacency, l + 1, used);
  for (const r of adjacency[l] ?? []) {
    if (used.has(r)) continue;
    used.add(r);
    best = Math.max(best, 1 + bruteForce(adjacency, l + 1, used));
    used.delete(r);
  }
  return best;
}

test('beats greedy where the nearest find belongs to another mine', () => {
  // Mine 0 can take find 0 or 1; mine 1 only find 0. Greedy 0->0 leaves mine 1 unmatched.
  const adjacency = [[0, 1], [0]];
  const m = maximumMatching(2, 2, adjacency);
  assert.equal(size(m), 2);
  assert.ok(isMatching(m, adjacency));
});

test('agrees with exhaustive search on random small graphs', () => {
  let s = 12345;
  const random = (): number => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let trial = 0; trial < 200; trial++) {
    const left = 1 + Math.floor(random() * 7);
    const right = 1 + Math.floor(random() * 7);
    const adjacency = Array.from({ length: left }, () => Array.from({ length: right }, (_, r) => r).filter(() => random() < 0.35));
    const m = maximumMatching(left, right, adjacency);
    assert.ok(isMatching(m, adjacency));
    assert.equal(size(m), bruteForce(adjacency), JSON.stringify(adjacency));
  }
});
