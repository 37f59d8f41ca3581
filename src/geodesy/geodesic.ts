/**
 * Geodesics on the WGS84 ellipsoid (GeographicLib, Karney 2013), the only distance and area
 * model Safeground uses for field geometry: accurate to nanometres, so any error in a
 * reconstructed minefield comes from the record, never from the arithmetic.
 */
import geographiclib from 'geographiclib-geodesic';

const { Geodesic } = geographiclib;
const wgs84 = Geodesic.WGS84;

/** A position on WGS84, decimal degrees. */
export interface LatLon {
  lat: number;
  lon: number;
}

export interface DirectResult extends LatLon {
  /** Forward azimuth at the end point, degrees clockwise from true north, (-180, 180]. */
  azimuthDeg: number;
}

export interface InverseResult {
  distanceM: number;
  /** Azimuth at the first point, degrees clockwise from true north, (-180, 180]. */
  azimuth1Deg: number;
  /** Forward azimuth at the second point, degrees, (-180, 180]. */
  azimuth2Deg: number;
}

export interface PolygonMeasure {
  /** Absolute area in square metres. */
  areaM2: number;
  /** Positive when the ring runs counter-clockwise (seen from above), negative when clockwise. */
  signedAreaM2: number;
  perimeterM: number;
}

/**
 * Walk `distanceM` metres from `from` along the geodesic that starts at true azimuth
 * `azimuthDeg`.
 *
 * @example direct({ lat: 44, lon: 18 }, 90, 1000) // ~1 km due east
 */
export function direct(from: LatLon, azimuthDeg: number, distanceM: number): DirectResult {
  assertLatLon(from);
  if (!Number.isFinite(azimuthDeg)) throw new Error(`direct: azimuth must be finite, got ${azimuthDeg}`);
  if (!Number.isFinite(distanceM)) throw new Error(`direct: distance must be finite, got ${distanceM}`);
  const r = wgs84.Direct(from.lat, from.lon, azimuthDeg, distanceM, Geodesic.STANDARD);
  return { lat: r.lat2 as number, lon: r.lon2 as number, azimuthDeg: r.azi2 as number };
}

/**
 * Shortest geodesic between two points: length and azimuths.
 *
 * @example inverse({ lat: 44, lon: 18 }, { lat: 44.01, lon: 18 }).distanceM // ~1111 m
 */
export function inverse(a: LatLon, b: LatLon): InverseResult {
  assertLatLon(a);
  assertLatLon(b);
  const r = wgs84.Inverse(a.lat, a.lon, b.lat, b.lon, Geodesic.DISTANCE | Geodesic.AZIMUTH);
  return { distanceM: r.s12 as number, azimuth1Deg: r.azi1 as number, azimuth2Deg: r.azi2 as number };
}

/**
 * Geodesic area and perimeter of a simple polygon given as its vertices (the closing vertex may
 * be repeated or not). The sign of `signedAreaM2` gives the ring's orientation.
 */
export function polygonMeasure(ring: readonly LatLon[]): PolygonMeasure {
  const vertices = isClosed(ring) ? ring.slice(0, -1) : ring;
  if (vertices.length < 3) throw new Error(`polygonMeasure: a polygon needs at least 3 distinct vertices, got ${vertices.length}`);
  const polygon = wgs84.Polygon(false);
  for (const p of vertices) {
    assertLatLon(p);
    polygon.AddPoint(p.lat, p.lon);
  }
  const r = polygon.Compute(false, true);
  const signed = r.area as number;
  return { areaM2: Math.abs(signed), signedAreaM2: signed, perimeterM: r.perimeter };
}

function isClosed(ring: readonly LatLon[]): boolean {
  const first = ring[0];
  const last = ring[ring.length - 1];
  return ring.length > 1 && first !== undefined && last !== undefined && first.lat === last.lat && first.lon === last.lon;
}

export function assertLatLon(p: LatLon): void {
  if (!Number.isFinite(p.lat) || p.lat < -90 || p.lat > 90) throw new Error(`latitude must be within [-90, 90], got ${p.lat}`);
  if (!Number.isFinite(p.lon)) throw new Error(`longitude must be finite, got ${p.lon}`);
}
