/**
 * Checks on the polygons of hazards and release products that need no database. Each problem
 * names where it is (polygon, ring, vertex index, coordinates) so a field officer can find it on
 * the sketch; checks that need other records (validity in full, swapped coordinates against the
 * country, duplicates of other hazards) are in store.ts and use the same problem shape.
 */
import { z } from 'zod';
import { inverse } from '../geodesy/geodesic.ts';
import { BoxIndex } from './boxIndex.ts';

function isPosition(v: unknown): boolean {
  return Array.isArray(v) && (v.length === 2 || v.length === 3) && v.every((n) => typeof n === 'number' && Number.isFinite(n));
}

/**
 * A ring: positions [longitude, latitude] in decimal degrees, WGS84 (GeoJSON order); a third
 * value (height) is ignored. One plain loop per ring rather than a schema per position: a shape
 * may have 50,000 positions, and a schema for each held the event loop for a fifth of a second.
 */
const Ring = z
  .custom<number[][]>((v) => Array.isArray(v) && v.every(isPosition), {
    error: (issue) => {
      const ring: unknown[] | null = Array.isArray(issue.input) ? issue.input : null;
      const bad = ring ? ring.findIndex((p) => !isPosition(p)) : -1;
      return !ring || bad < 0
        ? 'a ring is an array of positions'
        : `position ${bad} is ${JSON.stringify(ring[bad])}; a position is [longitude, latitude] or [longitude, latitude, height], in numbers`;
    },
  })
  .meta({ type: 'array', items: { type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 3 } });

export const PolygonGeometry = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('Polygon'), coordinates: z.array(Ring).min(1) }),
  z.strictObject({ type: z.literal('MultiPolygon'), coordinates: z.array(z.array(Ring).min(1)).min(1) }),
]);
export type PolygonGeometry = z.infer<typeof PolygonGeometry>;

export type GeometryProblemCode =
  | 'coordinate_out_of_range'
  | 'ring_not_closed'
  | 'too_few_vertices'
  | 'self_intersection'
  | 'invalid_polygon'
  | 'vertices_far_apart'
  | 'likely_swapped_coordinates'
  | 'likely_duplicate'
  | 'outside_hazard';

/** Warnings may be confirmed as intended by a reporter (report.acceptedWarnings); errors always refuse. */
export const GEOMETRY_WARNINGS: readonly GeometryProblemCode[] = ['vertices_far_apart', 'likely_swapped_coordinates', 'likely_duplicate', 'outside_hazard'];

export interface GeometryProblem {
  code: GeometryProblemCode;
  severity: 'error' | 'warning';
  message: string;
  polygon?: number;
  ring?: number;
  /** Index of the vertex in its ring, as given. */
  vertex?: number;
  /** The two vertex indices (an edge, or the ends of two crossing edges' first vertices). */
  vertices?: [number, number];
  /** [longitude, latitude] of the problem. */
  position?: [number, number];
  /** The other record involved (a likely duplicate). */
  other?: { id: string; reference: string; overlapShare: number };
}

export function problem(code: GeometryProblemCode, message: string, where: Omit<GeometryProblem, 'code' | 'severity' | 'message'> = {}): GeometryProblem {
  return { code, severity: GEOMETRY_WARNINGS.includes(code) ? 'warning' : 'error', message, ...where };
}

/** The longest edge a hand-drawn hazard or product plausibly has; longer ones are usually a mistyped coordinate. */
export const MAX_EDGE_M = 5000;

type Ring = readonly (readonly number[])[];

export function polygonsOf(geometry: PolygonGeometry): Ring[][] {
  return geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
}

function fmt(p: readonly number[]): string {
  return `(${p[0]}, ${p[1]})`;
}

function where(polygons: number, p: number, r: number): string {
  return polygons > 1 ? `polygon ${p} ring ${r}` : `ring ${r}`;
}

/** Every check that the coordinates alone decide. An empty list means the shape may go to PostGIS. */
export function shapeProblems(geometry: PolygonGeometry, maxEdgeM = MAX_EDGE_M): GeometryProblem[] {
  const problems: GeometryProblem[] = [];
  const polygons = polygonsOf(geometry);
  polygons.forEach((rings, p) => {
    rings.forEach((ring, r) => {
      const at = where(polygons.length, p, r);
      let inRange = true;
      ring.forEach((position, vertex) => {
        const [lon, lat] = position as [number, number];
        if (lon < -180 || lon > 180 || lat < -90 || lat > 90) {
          inRange = false;
          const which = lat < -90 || lat > 90 ? `latitude ${lat} is outside [-90, 90]` : `longitude ${lon} is outside [-180, 180]`;
          problems.push(problem('coordinate_out_of_range', `${at} vertex ${vertex} ${fmt(position)}: ${which}`, { polygon: p, ring: r, vertex, position: [lon, lat] }));
        }
      });
      const first = ring[0];
      const last = ring.at(-1);
      if (!first || !last) {
        problems.push(problem('too_few_vertices', `${at} has no vertices; a polygon needs at least 3`, { polygon: p, ring: r }));
        return;
      }
      if (ring.length < 2 || first[0] !== last[0] || first[1] !== last[1]) {
        problems.push(problem('ring_not_closed', `${at} is not closed: its last vertex ${fmt(last)} must repeat its first ${fmt(first)}`, { polygon: p, ring: r }));
        return;
      }
      const distinct = new Set(ring.slice(0, -1).map((q) => `${q[0]},${q[1]}`));
      if (distinct.size < 3) {
        problems.push(problem('too_few_vertices', `${at} has ${distinct.size} distinct vertices; a polygon needs at least 3`, { polygon: p, ring: r }));
        return;
      }
      for (const crossing of selfIntersections(ring)) {
        const [i, j] = crossing.edges;
        problems.push(
          problem('self_intersection', `${at}: edge ${i}–${i + 1} crosses edge ${j}–${j + 1} at ${fmt(crossing.position)}`, {
            polygon: p,
            ring: r,
            vertices: [i, j],
            position: crossing.position,
          }),
        );
      }
      if (inRange) {
        for (let v = 0; v < ring.length - 1; v++) {
          const a = ring[v]!;
          const b = ring[v + 1]!;
          const { distanceM } = inverse({ lon: a[0]!, lat: a[1]! }, { lon: b[0]!, lat: b[1]! });
          if (distanceM > maxEdgeM) {
            problems.push(
              problem('vertices_far_apart', `${at}: vertices ${v} ${fmt(a)} and ${v + 1} ${fmt(b)} are ${(distanceM / 1000).toFixed(1)} km apart (more than ${maxEdgeM / 1000} km); a mistyped coordinate?`, {
                polygon: p,
                ring: r,
                vertices: [v, v + 1],
                position: [a[0]!, a[1]!],
              }),
            );
          }
        }
      }
    });
  });
  return problems;
}

function cross(ox: number, oy: number, ax: number, ay: number, bx: number, by: number): number {
  return (ax - ox) * (by - oy) - (ay - oy) * (bx - ox);
}

function onSegment(px: number, py: number, ax: number, ay: number, bx: number, by: number): boolean {
  return Math.min(ax, bx) <= px && px <= Math.max(ax, bx) && Math.min(ay, by) <= py && py <= Math.max(ay, by);
}

/** Crossings reported per ring; a shape with more is a scribble, and listing thousands helps nobody find them. */
export const MAX_REPORTED_CROSSINGS = 100;

/**
 * Edges of one closed ring that cross or touch, other than neighbours meeting at their shared
 * vertex, in order of the first edge, then the second. Indices are those of each edge's first
 * vertex in the ring as given; repeated consecutive vertices (harmless) are skipped. Planar in
 * degrees, which decides crossing correctly for field-sized shapes. Only edges whose boxes
 * overlap are compared (a packed R-tree finds them), so a ring of n vertices costs about
 * n log n, not n²; at most MAX_REPORTED_CROSSINGS crossings are listed.
 */
export function selfIntersections(ring: Ring): { edges: [number, number]; position: [number, number] }[] {
  const index: number[] = [];
  for (let v = 0; v < ring.length; v++) {
    const prev = index.length > 0 ? ring[index[index.length - 1]!]! : undefined;
    if (!prev || prev[0] !== ring[v]![0] || prev[1] !== ring[v]![1]) index.push(v);
  }
  const n = index.length - 1;
  const found: { edges: [number, number]; position: [number, number] }[] = [];
  if (n < 1) return found;
  const boxes = new Float64Array(4 * n);
  for (let i = 0; i < n; i++) {
    const a = ring[index[i]!]!;
    const b = ring[index[i + 1]!]!;
    boxes.set([Math.min(a[0]!, b[0]!), Math.min(a[1]!, b[1]!), Math.max(a[0]!, b[0]!), Math.max(a[1]!, b[1]!)], 4 * i);
  }
  const edges = new BoxIndex(boxes);
  const candidates: number[] = [];
  for (let i = 0; i < n && found.length < MAX_REPORTED_CROSSINGS; i++) {
    const a = ring[index[i]!]!;
    const b = ring[index[i + 1]!]!;
    candidates.length = 0;
    edges.search(boxes[4 * i]!, boxes[4 * i + 1]!, boxes[4 * i + 2]!, boxes[4 * i + 3]!, (j) => {
      if (j > i + 1 && !(i === 0 && j === n - 1)) candidates.push(j);
    });
    candidates.sort((x, y) => x - y);
    for (const j of candidates) {
      const position = segmentIntersection(a, b, ring[index[j]!]!, ring[index[j + 1]!]!);
      if (position) found.push({ edges: [index[i]!, index[j]!], position });
      if (found.length >= MAX_REPORTED_CROSSINGS) break;
    }
  }
  return found;
}

/** A computed position to 1e-7° (about 1 cm): enough to find it, without floating-point noise in messages. */
function roundDeg(value: number): number {
  return Math.round(value * 1e7) / 1e7;
}

/** Where edge a–b meets edge c–d (a crossing, or a touch at an end), or null. */
export function segmentIntersection(a: readonly number[], b: readonly number[], c: readonly number[], d: readonly number[]): [number, number] | null {
  const [ax, ay, bx, by, cx, cy, dx, dy] = [a[0]!, a[1]!, b[0]!, b[1]!, c[0]!, c[1]!, d[0]!, d[1]!];
  const d1 = cross(cx, cy, dx, dy, ax, ay);
  const d2 = cross(cx, cy, dx, dy, bx, by);
  const d3 = cross(ax, ay, bx, by, cx, cy);
  const d4 = cross(ax, ay, bx, by, dx, dy);
  if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) {
    const t = d1 / (d1 - d2);
    return [roundDeg(ax + t * (bx - ax)), roundDeg(ay + t * (by - ay))];
  }
  if (d1 === 0 && onSegment(ax, ay, cx, cy, dx, dy)) return [ax, ay];
  if (d2 === 0 && onSegment(bx, by, cx, cy, dx, dy)) return [bx, by];
  if (d3 === 0 && onSegment(cx, cy, ax, ay, bx, by)) return [cx, cy];
  if (d4 === 0 && onSegment(dx, dy, ax, ay, bx, by)) return [dx, dy];
  return null;
}

/**
 * The mean vertex of a shape and the same point with latitude and longitude exchanged, the
 * commonest keying error in field forms. Null when exchanging them gives no position on Earth.
 * Whether the exchange is likely is decided against the instance's country (store.ts): the
 * shape is likely swapped when the exchanged point falls inside and the given one does not.
 */
export function swapCandidate(geometry: PolygonGeometry): { given: [number, number]; swapped: [number, number] } | null {
  let lon = 0;
  let lat = 0;
  let n = 0;
  for (const rings of polygonsOf(geometry)) {
    const shell = rings[0]!;
    for (const q of shell.slice(0, -1)) {
      lon += q[0]!;
      lat += q[1]!;
      n++;
    }
  }
  if (n === 0) return null;
  const given: [number, number] = [lon / n, lat / n];
  if (Math.abs(given[0]) > 90 || given[0] === given[1]) return null;
  return { given, swapped: [given[1], given[0]] };
}

/** One line listing every problem, for the error message; the details carry them one by one. */
export function describeProblems(problems: readonly GeometryProblem[]): string {
  const noun = problems.length === 1 ? 'problem' : 'problems';
  return `The geometry has ${problems.length} ${noun}: ${problems.map((p) => `${p.message} [${p.code}]`).join('; ')}`;
}
