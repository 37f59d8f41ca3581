import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Random, deriveSeed } from './randomStreams.ts';

function draws(rng: Random, n: number): number[] {
  return Array.from({ length: n }, () => rng.uint32());
}

test('the same seed gives the same stream, another seed a different one', () => {
  assert.deepEqual(draws(new Random(42), 5), draws(new Random(42), 5));
  assert.notDeepEqual(draws(new Random(42), 5), draws(new Random(43), 5));
});

test('derived streams depend on the seed and labels only, not on what was drawn before', () => {
  const a = new Random(7);
  const b = new Random(7);
  draws(b, 100);
  assert.deepEqual(draws(a.derive('finds', 3), 5), draws(b.derive('finds', 3), 5));
  assert.notDeepEqual(draws(a.derive('finds', 3), 5), draws(a.derive('finds', 4), 5));
});

test('neighbouring seeds derive different streams (seeds 1 and 2 once collided)', () => {
  const seeds = new Set<number>();
  for (let seed = 0; seed < 1000; seed++) seeds.add(deriveSeed(seed, 'ids'));
  assert.equal(seeds.size, 1000);
});

test('uuids are well-formed version 4 and do not repeat', () => {
  const rng = new Random(1);
  const ids = Array.from({ length: 2000 }, () => rng.uuid());
  for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(new Set(ids).size, ids.length);
});

test('int includes both ends; normal has the asked mean and spread; truncated noise stays inside its limit', () => {
  const rng = new Random(3);
  const ints = new Set(Array.from({ length: 500 }, () => rng.int(1, 3)));
  assert.deepEqual([...ints].sort(), [1, 2, 3]);
  const xs = Array.from({ length: 20000 }, () => rng.normal(10, 2));
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
  assert.ok(Math.abs(mean - 10) < 0.05, `mean ${mean}`);
  assert.ok(Math.abs(sd - 2) < 0.05, `sd ${sd}`);
  for (let i = 0; i < 5000; i++) assert.ok(Math.abs(rng.truncatedNormal(2, 2.5)) <= 5);
});

test('weighted never picks a zero weight and refuses all-zero weights', () => {
  const rng = new Random(5);
  for (let i = 0; i < 1000; i++) assert.notEqual(rng.weighted([['a', 1], ['b', 0], ['c', 2]]), 'b');
  assert.throws(() => rng.weighted([['a', 0]]), /weights must sum above 0/);
});
