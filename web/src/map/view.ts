/**
 * Where the map opens: where this user last left it (kept in the browser per user, so people
 * sharing a field laptop each find their own area again), else the extent of the register the
 * server says they may read, else the instance's country, else the world.
 */
import type { LngLatBoundsLike, Map as MapLibreMap } from 'maplibre-gl';

export interface SavedView {
  center: [number, number];
  zoom: number;
  /** West, south, east, north of what the map showed: the field page offers it as a package's area. */
  bbox?: [number, number, number, number];
}

const key = (userId: string | null) => `safeground.mapView.${userId ?? 'public'}`;

export function savedView(userId: string | null): SavedView | null {
  try {
    const value = JSON.parse(localStorage.getItem(key(userId)) ?? 'null') as SavedView | null;
    if (value && Array.isArray(value.center) && value.center.every(Number.isFinite) && Number.isFinite(value.zoom)) return value;
  } catch {
    // A value another version wrote: start from the data instead.
  }
  return null;
}

/** Remembers the view each time the map comes to rest. */
export function rememberView(map: MapLibreMap, userId: string | null): void {
  map.on('moveend', () => {
    const { lng, lat } = map.getCenter();
    const bounds = map.getBounds();
    const bbox: [number, number, number, number] = [bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()];
    localStorage.setItem(key(userId), JSON.stringify({ center: [lng, lat], zoom: map.getZoom(), bbox } satisfies SavedView));
  });
}

/** A box worth fitting: null for none or for the whole world (a layer with no data says that). */
export function startBox(bounds: [number, number, number, number] | null | undefined): LngLatBoundsLike | null {
  if (!bounds || bounds[2] - bounds[0] >= 359) return null;
  return bounds;
}

/** The smallest box holding all the given boxes, or null for none. */
export function unionBox(boxes: readonly [number, number, number, number][]): [number, number, number, number] | null {
  if (boxes.length === 0) return null;
  return boxes.reduce((a, b) => [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])]);
}
