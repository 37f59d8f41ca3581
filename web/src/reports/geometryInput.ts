/**
 * Reads a report's shape from what a reporter pasted or uploaded. Field teams bring shapes in
 * whatever their tools give: GeoJSON (a geometry, a Feature or a FeatureCollection), WKT from a
 * GIS, or coordinates read off a GPS, one "latitude, longitude" per line (the order a GPS shows
 * and people say; GeoJSON and WKT keep their own longitude-first order). Anything else is
 * refused with a message naming what was found.
 */
import type { MultiPolygon, Point, Polygon, Position } from '../geojson.ts';

export type Unreadable = { problem: 'empty' | 'unreadable' | 'type' | 'range'; found?: string };
export type GeometryReading = { geometry: Polygon | MultiPolygon } | Unreadable;
export type PointsReading = { points: Point[] } | Unreadable;

function isPosition(value: unknown): value is Position {
  return Array.isArray(value) && value.length >= 2 && value.every((n) => typeof n === 'number' && Number.isFinite(n));
}

function isRing(value: unknown): value is Position[] {
  return Array.isArray(value) && value.every(isPosition);
}

const NUMBER = String.raw`[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?`;
const WKT = /^\s*(?:SRID=\d+;\s*)?(POINT|MULTIPOINT|POLYGON|MULTIPOLYGON)\s*(?:ZM|Z|M)?\s*(\(.*\))\s*$/is;

/**
 * WKT as a GeoJSON geometry: each "x y [z [m]]" becomes [x, y] and the parentheses become
 * arrays, so the nesting is GeoJSON's (MULTIPOINT may or may not bracket each point).
 */
function wktToGeoJson(text: string): unknown {
  const match = WKT.exec(text);
  if (!match) return null;
  const type = match[1]!.toUpperCase();
  const body = match[2]!.replace(new RegExp(`(${NUMBER})\\s+(${NUMBER})(?:\\s+${NUMBER}){0,2}`, 'g'), '[$1,$2]').replace(/\(/g, '[').replace(/\)/g, ']');
  let nested: unknown;
  try {
    nested = JSON.parse(body);
  } catch {
    return null;
  }
  if (!Array.isArray(nested)) return null;
  switch (type) {
    case 'POINT':
      return { type: 'Point', coordinates: nested[0] as Position };
    case 'MULTIPOINT':
      return { type: 'MultiPoint', coordinates: nested.map((p: unknown) => (Array.isArray(p) && Array.isArray(p[0]) ? p[0] : p)) };
    case 'POLYGON':
      return { type: 'Polygon', coordinates: nested };
    default:
      return { type: 'MultiPolygon', coordinates: nested };
  }
}

/**
 * Lines of "latitude, longitude" (comma, semicolon, tab or space between; a degree sign is
 * ignored) as [longitude, latitude] positions; a first line without digits is a header and is
 * skipped. Null when any other line is not two numbers.
 */
function coordinateLines(text: string): Position[] | null {
  const lines = text.split(/\r?\n/).map((l) => l.replace(/°/g, '').trim()).filter(Boolean);
  if (lines.length > 1 && !/\d/.test(lines[0]!)) lines.shift();
  const pair = new RegExp(`^(${NUMBER})\\s*[,;\\t ]\\s*(${NUMBER})$`);
  const positions: Position[] = [];
  for (const line of lines) {
    const match = pair.exec(line);
    if (!match) return null;
    positions.push([Number(match[2]), Number(match[1])]);
  }
  return positions.length > 0 ? positions : null;
}

type Parsed = { value: unknown } | { lines: Position[] } | Unreadable;

function parse(text: string): Parsed {
  if (!text.trim()) return { problem: 'empty' };
  if (/^\s*[[{]/.test(text)) {
    try {
      return { value: JSON.parse(text) };
    } catch {
      return { problem: 'unreadable' };
    }
  }
  const wkt = wktToGeoJson(text);
  if (wkt) return { value: wkt };
  const lines = coordinateLines(text);
  return lines ? { lines } : { problem: 'unreadable' };
}

function typeName(value: unknown): string {
  if (typeof value !== 'object' || value === null) return typeof value;
  return String((value as { type?: unknown }).type ?? 'object');
}

/** Features and collections unwrapped into their geometries, in order. */
function geometriesOf(value: unknown): unknown[] {
  const object = (typeof value === 'object' && value !== null ? value : {}) as { type?: unknown; geometry?: unknown; features?: unknown };
  if (object.type === 'Feature') return [object.geometry];
  if (object.type === 'FeatureCollection' && Array.isArray(object.features)) return object.features.flatMap(geometriesOf);
  return [value];
}

function polygonsOf(value: unknown): Position[][][] | string {
  const all: Position[][][] = [];
  for (const geometry of geometriesOf(value)) {
    const object = (geometry ?? {}) as { type?: unknown; coordinates?: unknown };
    if (object.type === 'Polygon' && Array.isArray(object.coordinates) && object.coordinates.every(isRing)) all.push(object.coordinates);
    else if (object.type === 'MultiPolygon' && Array.isArray(object.coordinates) && object.coordinates.every((p) => Array.isArray(p) && p.every(isRing))) all.push(...(object.coordinates));
    else return typeName(geometry);
  }
  return all;
}

function pointsOf(value: unknown): Position[] | string {
  const all: Position[] = [];
  for (const geometry of geometriesOf(value)) {
    const object = (geometry ?? {}) as { type?: unknown; coordinates?: unknown };
    if (object.type === 'Point' && isPosition(object.coordinates)) all.push(object.coordinates);
    else if (object.type === 'MultiPoint' && isRing(object.coordinates)) all.push(...object.coordinates);
    else return typeName(geometry);
  }
  return all;
}

/** A polygon's outline; coordinate lines are its corners, closed here when they are not. */
export function readGeometry(text: string): GeometryReading {
  const parsed = parse(text);
  if ('problem' in parsed) return parsed;
  const polygons = 'lines' in parsed ? [[closed(parsed.lines)]] : polygonsOf(parsed.value);
  if (typeof polygons === 'string') return { problem: 'type', found: polygons };
  if (polygons.length === 0) return { problem: 'empty' };
  return { geometry: polygons.length === 1 ? { type: 'Polygon', coordinates: polygons[0]! } : { type: 'MultiPolygon', coordinates: polygons } };
}

/** Points, each as its own GeoJSON Point with [longitude, latitude] inside the world's range. */
export function readPoints(text: string): PointsReading {
  const parsed = parse(text);
  if ('problem' in parsed) return parsed;
  const positions = 'lines' in parsed ? parsed.lines : pointsOf(parsed.value);
  if (typeof positions === 'string') return { problem: 'type', found: positions };
  if (positions.length === 0) return { problem: 'empty' };
  const outside = positions.find(([lon = 0, lat = 0]) => lon < -180 || lon > 180 || lat < -90 || lat > 90);
  if (outside) return { problem: 'range', found: outside.join(', ') };
  return { points: positions.map(([lon = 0, lat = 0]) => ({ type: 'Point', coordinates: [lon, lat] })) };
}

function closed(ring: readonly Position[]): Position[] {
  const [first, last] = [ring[0], ring.at(-1)];
  return first && last && (first[0] !== last[0] || first[1] !== last[1]) ? [...ring, first] : [...ring];
}

/** A polygon from the points a reporter clicked, closed; null until it has three corners. */
export function polygonFromPoints(points: readonly Position[]): Polygon | null {
  if (points.length < 3) return null;
  return { type: 'Polygon', coordinates: [closed(points)] };
}
