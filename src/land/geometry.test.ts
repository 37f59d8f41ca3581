import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 } from '../mulberry32.ts';
import { MAX_REPORTED_CROSSINGS, type PolygonGeometry, segmentIntersection, selfIntersections, shapeProblems, swapCandidate } from './geometry.ts';

const polygon = (...rings: number[][][]): PolygonGeometry => ({ type: 'Polygon', coordinates: rings });
const square = [[18, 44], [18.001, 44], [18.001, 44.001], [18, 44.001], [18, 44]];

test('a plain square, with a hole and as a multipolygon, has no problems', () => {
  assert.deepEqual(shapeProblems(polygon(square)), []);
  const hole = [[18.0002, 44.0002], [18.0002, 44.0008], [18.0008, 44.0008], [18.0008, 44.0002], [18.0002, 44.0002]];
  assert.deepEqual(shapeProblems(polygon(square, hole)), []);
  assert.deepEqual(shapeProblems({ type: 'MultiPolygon', coordinates: [[square], [square.map(([x, y]) => [x! + 0.01, y!])]] }), []);
});

test('repeated consecutive vertices are harmless, not a self-intersection', () => {
  const repeated = [[18, 44], [18.001, 44], [18.001, 44], [18.001, 44.001], [18, 44.001], [18, 44]];
  assert.deepEqual(shapeProblems(polygon(repeated)), []);
});

test('an empty ring is a problem named with its place, not an error (found by the fuzz test)', () => {
  const problems = shapeProblems(polygon([], square));
  assert.deepEqual(problems.map((p) => [p.code, p.message]), [['too_few_vertices', 'ring 0 has no vertices; a polygon needs at least 3']]);
});

test('a bow tie: the crossing edges by index and where they cross', () => {
  const bowtie = [[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]];
  assert.deepEqual(selfIntersections(bowtie), [{ edges: [0, 2], position: [1, 1] }]);
});

test('a ring touching itself at a vertex is a self-intersection', () => {
  const figureEight = [[0, 0], [1, 1], [2, 0], [2, 2], [1, 1], [0, 2], [0, 0]];
  const crossings = selfIntersections(figureEight);
  assert.ok(crossings.length > 0);
  assert.deepEqual(crossings[0]!.position, [1, 1]);
});

/** Every edge against every other, as the check was before the index: the reference the indexed check must equal. */
function everyPair(ring: number[][]): ReturnType<typeof selfIntersections> {
  const index = ring.flatMap((q, v) => (v > 0 && q[0] === ring[v - 1]![0] && q[1] === ring[v - 1]![1] ? [] : [v]));
  const n = index.length - 1;
  const found: ReturnType<typeof selfIntersections> = [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 2; j < n; j++) {
      if (i === 0 && j === n - 1) continue;
      const position = segmentIntersection(ring[index[i]!]!, ring[index[i + 1]!]!, ring[index[j]!]!, ring[index[j + 1]!]!);
      if (position) found.push({ edges: [index[i]!, index[j]!], position });
    }
  }
  return found;
}

test('the indexed check finds the same crossings, in the same order, as comparing every pair of edges', () => {
  const random = mulberry32(22);
  for (let trial = 0; trial < 200; trial++) {
    const size = 4 + Math.floor(random() * 40);
    // Coordinates on a coarse grid, so that touching, collinear and repeated vertices occur too.
    const ring = Array.from({ length: size }, () => [Math.floor(random() * 8), Math.floor(random() * 8)]);
    ring.push(ring[0]!);
    const expected = everyPair(ring).slice(0, MAX_REPORTED_CROSSINGS);
    assert.deepEqual(selfIntersections(ring), expected, JSON.stringify(ring));
  }
});

test('a ring of 100,000 vertices has no crossings, and a scribble lists at most MAX_REPORTED_CROSSINGS crossings', () => {
  const n = 100_000;
  const circle = Array.from({ length: n }, (_, i) => [18 + 0.01 * Math.cos((2 * Math.PI * i) / n), 44 + 0.01 * Math.sin((2 * Math.PI * i) / n)]);
  circle.push(circle[0]!);
  assert.deepEqual(selfIntersections(circle), []);
  const zigzag = Array.from({ length: 2000 }, (_, i) => [i % 2, i]);
  zigzag.push([-1, 1000], zigzag[0]!);
  assert.equal(selfIntersections(zigzag).length, MAX_REPORTED_CROSSINGS);
});

test('each problem names its place: vertex, ring and polygon', () => {
  const problems = shapeProblems({ type: 'MultiPolygon', coordinates: [[square], [[[18, 44], [181, 44], [18, 44.001], [18, 44]]]] });
  assert.deepEqual(
    problems.map((p) => [p.code, p.polygon, p.ring, p.vertex]),
    [['coordinate_out_of_range', 1, 0, 1]],
  );
  assert.match(problems[0]!.message, /^polygon 1 ring 0 vertex 1 \(181, 44\): longitude 181 is outside \[-180, 180\]$/);
});

test('vertices more than 5 km apart are a warning naming both vertices', () => {
  const long = [[18, 44], [18.1, 44], [18.1, 44.001], [18, 44.001], [18, 44]];
  const problems = shapeProblems(polygon(long));
  assert.deepEqual(problems.map((p) => [p.code, p.severity, p.vertices]), [
    ['vertices_far_apart', 'warning', [0, 1]],
    ['vertices_far_apart', 'warning', [2, 3]],
  ]);
  assert.match(problems[0]!.message, /8\.0 km apart/);
});

test('the swap candidate exchanges the mean vertex, and only when that is a position on Earth', () => {
  assert.deepEqual(swapCandidate(polygon([[10, 40], [12, 40], [12, 42], [10, 42], [10, 40]])), { given: [11, 41], swapped: [41, 11] });
  assert.equal(swapCandidate(polygon([[120, 10], [121, 10], [121, 11], [120, 10]])), null);
});
