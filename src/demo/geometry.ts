/**
 * Plane geometry for drawing the demo dataset. Shapes are drawn in metres on a local tangent
 * plane and only then turned into longitude/latitude, which is accurate to well under a
 * centimetre per hundred metres at the sizes used here (a hazard, a minefield): fine for
 * synthetic data, and far simpler than drawing on the ellipsoid.
 *
 * Polygons are single rings (no holes), counter-clockwise, not closed (the first vertex is not
 * repeated); EWKT output closes them.
 */

/** Metres east, metres north. */
export type Vec = readonly [number, number];
/** Longitude, latitude in degrees. */
export type LonLat = readonly [number, number];

const A = 6378137;
const F = 1 / 298.257223563;
const E2 = F * (2 - F);
const RAD = Math.PI / 180;

/** East/north metres around an origin, converted with the WGS84 radii of curvature there. */
export class LocalFrame {
  readonly origin: LonLat;
  private readonly metresPerDegreeLat: number;
  private readonly metresPerDegreeLon: number;

  constructor(origin: LonLat) {
    this.origin = origin;
    const sinLat = Math.sin(origin[1] * RAD);
    const w = Math.sqrt(1 - E2 * sinLat * sinLat);
    const meridional = (A * (1 - E2)) / (w * w * w);
    const primeVertical = A / w;
    this.metresPerDegreeLat = meridional * RAD;
    this.metresPerDegreeLon = primeVertical * Math.cos(origin[1] * RAD) * RAD;
  }

  toLonLat(p: Vec): LonLat {
    return [this.origin[0] + p[0] / this.metresPerDegreeLon, this.origin[1] + p[1] / this.metresPerDegreeLat];
  }

  toLocal(p: LonLat): Vec {
    return [(p[0] - this.origin[0]) * this.metresPerDegreeLon, (p[1] - this.origin[1]) * this.metresPerDegreeLat];
  }
}

export function add(a: Vec, b: Vec): Vec {
  return [a[0] + b[0], a[1] + b[1]];
}

export function sub(a: Vec, b: Vec): Vec {
  return [a[0] - b[0], a[1] - b[1]];
}

export function scale(a: Vec, k: number): Vec {
  return [a[0] * k, a[1] * k];
}

export function dot(a: Vec, b: Vec): number {
  return a[0] * b[0] + a[1] * b[1];
}

export function length(a: Vec): number {
  return Math.hypot(a[0], a[1]);
}

/** Rotates clockwise by `degrees`, the way azimuths turn. */
export function rotate(a: Vec, degrees: number): Vec {
  const t = degrees * RAD;
  const c = Math.cos(t);
  const s = Math.sin(t);
  return [a[0] * c + a[1] * s, -a[0] * s + a[1] * c];
}

/** The unit vector pointing along an azimuth (degrees clockwise from north). */
export function unitFromAzimuth(azimuthDeg: number): Vec {
  return [Math.sin(azimuthDeg * RAD), Math.cos(azimuthDeg * RAD)];
}

export function azimuthOf(v: Vec): number {
  const deg = Math.atan2(v[0], v[1]) / RAD;
  return deg < 0 ? deg + 360 : deg;
}

/** Andrew's monotone chain; returns the hull counter-clockwise without collinear points. */
export function convexHull(points: readonly Vec[]): Vec[] {
  const sorted = [...points].sort((p, q) => p[0] - q[0] || p[1] - q[1]);
  if (sorted.length < 3) throw new Error(`convexHull: need at least 3 points, got ${sorted.length}`);
  const cross = (o: Vec, a: Vec, b: Vec): number => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const lower: Vec[] = [];
  for (const p of sorted) {
    while (lower.length >= 2 && cross(lower[lower.length - 2] as Vec, lower[lower.length - 1] as Vec, p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper: Vec[] = [];
  for (let i = sorted.length - 1; i >= 0; i--) {
    const p = sorted[i] as Vec;
    while (upper.length >= 2 && cross(upper[upper.length - 2] as Vec, upper[upper.length - 1] as Vec, p) <= 0) upper.pop();
    upper.push(p);
  }
  return [...lower.slice(0, -1), ...upper.slice(0, -1)];
}

export function ringArea(ring: readonly Vec[]): number {
  let twice = 0;
  for (let i = 0; i < ring.length; i++) {
    const p = ring[i] as Vec;
    const q = ring[(i + 1) % ring.length] as Vec;
    twice += p[0] * q[1] - q[0] * p[1];
  }
  return Math.abs(twice) / 2;
}

/** The vertex average: inside any convex ring, which is all `scaleAbout` needs. */
export function ringCentre(ring: readonly Vec[]): Vec {
  let x = 0;
  let y = 0;
  for (const p of ring) {
    x += p[0];
    y += p[1];
  }
  return [x / ring.length, y / ring.length];
}

export function scaleAbout(ring: readonly Vec[], centre: Vec, k: number): Vec[] {
  return ring.map((p) => add(centre, scale(sub(p, centre), k)));
}

export function pointInConvexRing(ring: readonly Vec[], p: Vec): boolean {
  for (let i = 0; i < ring.length; i++) {
    const a = ring[i] as Vec;
    const b = ring[(i + 1) % ring.length] as Vec;
    if ((b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]) < 0) return false;
  }
  return true;
}

/** Projection range of a ring on a direction. */
export function extentAlong(ring: readonly Vec[], direction: Vec): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (const p of ring) {
    const t = dot(p, direction);
    min = Math.min(min, t);
    max = Math.max(max, t);
  }
  return [min, max];
}

/** Keeps the part of a convex ring where dot(p, direction) <= limit (Sutherland–Hodgman). */
export function clipBelow(ring: readonly Vec[], direction: Vec, limit: number): Vec[] {
  const out: Vec[] = [];
  for (let i = 0; i < ring.length; i++) {
    const a = ring[i] as Vec;
    const b = ring[(i + 1) % ring.length] as Vec;
    const ta = dot(a, direction) - limit;
    const tb = dot(b, direction) - limit;
    if (ta <= 0) out.push(a);
    if ((ta < 0 && tb > 0) || (ta > 0 && tb < 0)) out.push(add(a, scale(sub(b, a), ta / (ta - tb))));
  }
  return out;
}

/**
 * Splits a convex ring into slabs between parallel cut lines (dot(p, direction) = cut). Returns
 * the ring with the cut points inserted as vertices, and each slab as the sub-sequence of that
 * ring lying in it, so the slabs share their vertices with the ring and with each other exactly:
 * once rounded to coordinates, their union is the ring with no slivers. Slab i lies between
 * cuts i-1 and i; a slab the ring does not reach is empty. Cuts must be ascending and must not
 * pass through a vertex.
 */
export function splitIntoSlabs(ring: readonly Vec[], direction: Vec, cuts: readonly number[]): { ring: Vec[]; slabs: Vec[][] } {
  const slabOf = (t: number): number => cuts.filter((c) => c < t).length;
  const refined: { p: Vec; slabs: number[] }[] = [];
  for (let i = 0; i < ring.length; i++) {
    const a = ring[i] as Vec;
    const b = ring[(i + 1) % ring.length] as Vec;
    const ta = dot(a, direction);
    const tb = dot(b, direction);
    if (cuts.includes(ta)) throw new Error(`splitIntoSlabs: cut ${ta} passes through a vertex`);
    refined.push({ p: a, slabs: [slabOf(ta)] });
    const crossed = cuts.map((c, k) => [c, k] as const).filter(([c]) => (c > ta && c < tb) || (c < ta && c > tb));
    if (tb < ta) crossed.reverse();
    for (const [c, k] of crossed) refined.push({ p: add(a, scale(sub(b, a), (c - ta) / (tb - ta))), slabs: [k, k + 1] });
  }
  const slabs: Vec[][] = [];
  for (let s = 0; s <= cuts.length; s++) slabs.push(refined.filter((v) => v.slabs.includes(s)).map((v) => v.p));
  return { ring: refined.map((v) => v.p), slabs: slabs.map((slab) => (slab.length >= 3 ? slab : [])) };
}

/** Seven decimals of a degree: about a centimetre, more than any field survey gives. */
function coord(p: LonLat): string {
  return `${p[0].toFixed(7)} ${p[1].toFixed(7)}`;
}

function ringText(ring: readonly LonLat[]): string {
  return `(${[...ring, ring[0] as LonLat].map(coord).join(', ')})`;
}

export function ewktPoint(p: LonLat): string {
  return `SRID=4326;POINT(${coord(p)})`;
}

export function ewktLineString(line: readonly LonLat[]): string {
  return `SRID=4326;LINESTRING(${line.map(coord).join(', ')})`;
}

export function ewktMultiLineString(lines: readonly (readonly LonLat[])[]): string {
  return `SRID=4326;MULTILINESTRING(${lines.map((line) => `(${line.map(coord).join(', ')})`).join(', ')})`;
}

export function ewktPolygon(ring: readonly LonLat[]): string {
  return `SRID=4326;POLYGON(${ringText(ring)})`;
}

/** Polygons without holes, one ring each. */
export function ewktMultiPolygon(rings: readonly (readonly LonLat[])[]): string {
  if (rings.length === 0) throw new Error('ewktMultiPolygon: no polygons');
  return `SRID=4326;MULTIPOLYGON(${rings.map((ring) => `(${ringText(ring)})`).join(', ')})`;
}
