/**
 * Reads a hazard's shape from what a reporter pasted or uploaded: a GeoJSON Polygon or
 * MultiPolygon, or a Feature or FeatureCollection holding polygons (several are joined into one
 * MultiPolygon). Anything else is refused with a message naming what was found.
 */
import type { MultiPolygon, Polygon, Position } from '../geojson.ts';

export type GeometryReading = { geometry: Polygon | MultiPolygon } | { problem: 'empty' | 'json' | 'type'; found?: string };

function isPosition(value: unknown): value is Position {
  return Array.isArray(value) && value.length >= 2 && value.every((n) => typeof n === 'number' && Number.isFinite(n));
}

function isRing(value: unknown): value is Position[] {
  return Array.isArray(value) && value.every(isPosition);
}

function polygonsOf(value: unknown): Position[][][] | string {
  if (typeof value !== 'object' || value === null) return typeof value;
  const object = value as { type?: unknown; coordinates?: unknown; geometry?: unknown; features?: unknown };
  switch (object.type) {
    case 'Polygon':
      return Array.isArray(object.coordinates) && object.coordinates.every(isRing) ? [object.coordinates as Position[][]] : 'Polygon';
    case 'MultiPolygon':
      return Array.isArray(object.coordinates) && object.coordinates.every((p) => Array.isArray(p) && p.every(isRing)) ? (object.coordinates as Position[][][]) : 'MultiPolygon';
    case 'Feature':
      return polygonsOf(object.geometry);
    case 'FeatureCollection': {
      if (!Array.isArray(object.features) || object.features.length === 0) return 'FeatureCollection';
      const all: Position[][][] = [];
      for (const feature of object.features) {
        const polygons = polygonsOf(feature);
        if (typeof polygons === 'string') return polygons;
        all.push(...polygons);
      }
      return all;
    }
    default:
      return String(object.type ?? 'object');
  }
}

export function readGeometry(text: string): GeometryReading {
  if (!text.trim()) return { problem: 'empty' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { problem: 'json' };
  }
  const polygons = polygonsOf(value);
  if (typeof polygons === 'string') return { problem: 'type', found: polygons };
  if (polygons.length === 0) return { problem: 'empty' };
  return { geometry: polygons.length === 1 ? { type: 'Polygon', coordinates: polygons[0]! } : { type: 'MultiPolygon', coordinates: polygons } };
}

/** A polygon from the points a reporter clicked, closed; null until it has three corners. */
export function polygonFromPoints(points: readonly Position[]): Polygon | null {
  if (points.length < 3) return null;
  return { type: 'Polygon', coordinates: [[...points, points[0]!]] };
}
