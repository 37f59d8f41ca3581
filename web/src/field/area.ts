/**
 * Pure rules of the field app: whether a record lies in a package's area, what a change of the
 * feed does to a package, and the average of several GPS fixes. Kept free of the browser so the
 * node tests can run them.
 */

/** West, south, east, north in degrees (WGS 84). */
export type Bbox = [number, number, number, number];

/** The record types a package keeps: the register a field team works from. */
export const PACKAGE_TYPES = ['hazard', 'activity', 'minefield_record', 'release_product'] as const;

export interface PackageRecord {
  entityType: string;
  entityId: string;
  version: number;
  validFrom: string;
  data: Record<string, unknown>;
  geometry: unknown;
}

/** A change line of the sync feed (docs/sync.md), as much of it as the app reads. */
export interface FeedChange extends PackageRecord {
  type: 'change';
  cursor: string;
  deleted: boolean;
}

export type FeedLine = { type: 'start'; instance: string; since: string } | FeedChange | { type: 'end'; cursor: string; more: boolean };

export function validBbox(bbox: readonly number[]): bbox is Bbox {
  const [w, s, e, n] = bbox;
  return bbox.length === 4 && bbox.every(Number.isFinite) && w! >= -180 && e! <= 180 && s! >= -90 && n! <= 90 && w! < e! && s! < n!;
}

/** Every position of a GeoJSON geometry (any type, collections too). */
function positions(geometry: unknown, into: number[][] = []): number[][] {
  if (!geometry || typeof geometry !== 'object') return into;
  const g = geometry as { type?: string; coordinates?: unknown; geometries?: unknown[] };
  if (g.type === 'GeometryCollection') for (const part of g.geometries ?? []) positions(part, into);
  else collect(g.coordinates, into);
  return into;
}

function collect(value: unknown, into: number[][]): void {
  if (!Array.isArray(value)) return;
  if (typeof value[0] === 'number') into.push(value as number[]);
  else for (const part of value) collect(part, into);
}

/**
 * Whether a geometry's bounding box meets the area's. A box test, not an exact one: a package
 * may hold a record whose box touches the area though its shape does not, never miss one.
 */
export function meetsBbox(geometry: unknown, [w, s, e, n]: Bbox): boolean {
  const points = positions(geometry);
  if (points.length === 0) return false;
  let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [x = 0, y = 0] of points) {
    minX = Math.min(minX, x);
    minY = Math.min(minY, y);
    maxX = Math.max(maxX, x);
    maxY = Math.max(maxY, y);
  }
  return minX <= e && maxX >= w && minY <= n && maxY >= s;
}

const key = (r: { entityType: string; entityId: string }) => `${r.entityType}:${r.entityId}`;

/**
 * A package's records after one change of the feed: a newer version in the area replaces the
 * record, a deletion or a move out of the area removes it; an older or equal version is a no-op,
 * so applying a change twice (a resumed feed) changes nothing.
 */
export function applyChange(records: Map<string, PackageRecord>, change: FeedChange, bbox: Bbox): void {
  if (!(PACKAGE_TYPES as readonly string[]).includes(change.entityType)) return;
  const held = records.get(key(change));
  if (held && held.version >= change.version) return;
  if (change.deleted || !meetsBbox(change.geometry, bbox)) {
    records.delete(key(change));
    return;
  }
  const { entityType, entityId, version, validFrom, data, geometry } = change;
  records.set(key(change), { entityType, entityId, version, validFrom, data, geometry });
}

export function recordMap(records: readonly PackageRecord[]): Map<string, PackageRecord> {
  return new Map(records.map((r) => [key(r), r]));
}

/** One position from the device: degrees, and the radius in metres the browser states it is good to (95 % confidence). */
export interface Fix {
  longitude: number;
  latitude: number;
  accuracy: number;
}

/**
 * The average of several fixes, each weighted by the inverse square of its stated accuracy, and
 * the accuracy of the average: a poor fix moves it little. The stated accuracy of the mean of
 * independent fixes is 1/sqrt(sum of 1/accuracy²); fixes in a row are not independent, so it is
 * never stated better than the best single fix divided by two.
 */
export function averageFixes(fixes: readonly Fix[]): Fix | null {
  if (fixes.length === 0) return null;
  let [sumW, lon, lat] = [0, 0, 0];
  for (const f of fixes) {
    const w = 1 / Math.max(f.accuracy, 0.1) ** 2;
    sumW += w;
    lon += w * f.longitude;
    lat += w * f.latitude;
  }
  const best = Math.min(...fixes.map((f) => f.accuracy));
  return { longitude: lon / sumW, latitude: lat / sumW, accuracy: Math.max(1 / Math.sqrt(sumW), best / 2) };
}

/** How old a package is, in whole minutes, hours or days, for the label beside it. */
export function age(from: string, now: Date): { unit: 'minutes' | 'hours' | 'days'; count: number } {
  const minutes = Math.max(0, Math.floor((now.getTime() - new Date(from).getTime()) / 60_000));
  if (minutes < 120) return { unit: 'minutes', count: minutes };
  if (minutes < 48 * 60) return { unit: 'hours', count: Math.floor(minutes / 60) };
  return { unit: 'days', count: Math.floor(minutes / 1440) };
}
