/**
 * The web map's tile grid (EPSG:3857, z/x/y with y counted from the north) and the tile
 * constants both encoders share: PostGIS's ST_AsMVTGeom on PostgreSQL and the TypeScript
 * encoder on PGlite must cut and scale features identically for their tiles to agree.
 */
import { UserError } from '../errors.ts';

/** Tile units per tile side (the Mapbox Vector Tile default). */
export const EXTENT = 4096;
/** Tile units drawn past each edge, so lines and symbols do not break at tile edges. */
export const BUFFER = 64;
/** Deepest zoom a tile may be asked for; clients overzoom past the layers' maxzoom. */
export const MAX_ZOOM = 22;

/** Half the side of the EPSG:3857 square world, in metres. */
export const WORLD_HALF = 20037508.342789244;
const MAX_LATITUDE = 85.0511287798066;

export interface TileId {
  z: number;
  x: number;
  y: number;
}

export function assertTile({ z, x, y }: TileId): void {
  const n = 2 ** z;
  if (!Number.isInteger(z) || z < 0 || z > MAX_ZOOM) throw new UserError(`Unexpected zoom ${z}: tiles go from zoom 0 to ${MAX_ZOOM}`, 'not_found');
  if (!Number.isInteger(x) || !Number.isInteger(y) || x < 0 || y < 0 || x >= n || y >= n) {
    throw new UserError(`No tile ${z}/${x}/${y}: at zoom ${z}, x and y go from 0 to ${n - 1}`, 'not_found');
  }
}

/** Width of one tile at zoom z, in EPSG:3857 metres. */
export function tileWidth(z: number): number {
  return (2 * WORLD_HALF) / 2 ** z;
}

/** The tile's square in EPSG:3857 metres. */
export function tileEnvelope({ z, x, y }: TileId): { xmin: number; ymin: number; xmax: number; ymax: number } {
  const width = tileWidth(z);
  return { xmin: -WORLD_HALF + x * width, xmax: -WORLD_HALF + (x + 1) * width, ymax: WORLD_HALF - y * width, ymin: WORLD_HALF - (y + 1) * width };
}

function longitude(tileX: number, z: number): number {
  return Math.min(180, Math.max(-180, (tileX / 2 ** z) * 360 - 180));
}

function latitude(tileY: number, z: number): number {
  const lat = (Math.atan(Math.sinh(Math.PI * (1 - (2 * tileY) / 2 ** z))) * 180) / Math.PI;
  return Math.min(MAX_LATITUDE, Math.max(-MAX_LATITUDE, lat));
}

/**
 * The tile grown by `margin` tile units on every side, as [west, south, east, north] in degrees.
 * Mercator maps meridians and parallels to straight lines, so this box holds exactly the data
 * that can reach the grown tile: it is both the index search of a render and the area whose
 * changes make the tile stale.
 */
export function searchBox({ z, x, y }: TileId, margin: number): [number, number, number, number] {
  const m = margin / EXTENT;
  return [longitude(x - m, z), latitude(y + 1 + m, z), longitude(x + 1 + m, z), latitude(y - m, z)];
}
