/**
 * Cuts an area out of a national or planet basemap into a small PMTiles archive, for a field
 * office or a phone: every tile up to a zoom that meets the area, as stored in the source
 * (nothing is decoded or re-encoded, except that a vector tile stored without compression is
 * gzipped so the archive has one tile compression). Reusable: the CLI calls it, and so will
 * whatever carries area packages to phones.
 */
import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { MultiPolygon, Polygon } from 'geojson';
import { zxyToTileId } from 'pmtiles';
import type { BasemapArchive, TileFormat } from './archive.ts';
import { Compression, PmtilesWriter, TileType, type PmtilesSummary } from './pmtilesWriter.ts';

/** West, south, east, north in degrees. */
export type Bbox = [number, number, number, number];

export interface ExtractArea {
  bbox: Bbox;
  /** When given, only tiles meeting the shape are kept, not all of its box. */
  shape?: Polygon | MultiPolygon;
  /** For the archive's description: the admin area's name, or the box. */
  label: string;
}

export interface ExtractOptions {
  area: ExtractArea;
  maxzoom: number;
  minzoom?: number;
  /** Called as tiles are looked at: done of total candidate tiles. */
  onProgress?(done: number, total: number): void;
}

export interface ExtractSummary extends PmtilesSummary {
  /** Tiles of the area the source had nothing for. */
  missing: number;
  minzoom: number;
  maxzoom: number;
  bounds: Bbox;
}

/**
 * The area has nothing of the basemap: it lies outside the basemap's bounds, or the basemap has no
 * tile there. An error for the CLI; for an area package, a source with nothing to carry.
 */
export class NoTilesError extends Error {}

const TILE_TYPE: Record<TileFormat, TileType> = { mvt: TileType.Mvt, png: TileType.Png, jpg: TileType.Jpeg, webp: TileType.Webp };
const MAX_LAT = 85.0511287798066;

function tileX(lon: number, z: number): number {
  return Math.min(2 ** z - 1, Math.max(0, Math.floor(((lon + 180) / 360) * 2 ** z)));
}

function tileY(lat: number, z: number): number {
  const rad = (Math.max(-MAX_LAT, Math.min(MAX_LAT, lat)) * Math.PI) / 180;
  return Math.min(2 ** z - 1, Math.max(0, Math.floor(((1 - Math.log(Math.tan(rad) + 1 / Math.cos(rad)) / Math.PI) / 2) * 2 ** z)));
}

function tileBox(z: number, x: number, y: number): Bbox {
  const lon = (tx: number) => (tx / 2 ** z) * 360 - 180;
  const lat = (ty: number) => (Math.atan(Math.sinh(Math.PI * (1 - (2 * ty) / 2 ** z))) * 180) / Math.PI;
  return [lon(x), lat(y + 1), lon(x + 1), lat(y)];
}

type Ring = number[][];

function pointInRing(x: number, y: number, ring: Ring): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i] as [number, number];
    const [xj, yj] = ring[j] as [number, number];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function segmentsCross(a: number[], b: number[], c: number[], d: number[]): boolean {
  const orient = (p: number[], q: number[], r: number[]) => Math.sign((q[0]! - p[0]!) * (r[1]! - p[1]!) - (q[1]! - p[1]!) * (r[0]! - p[0]!));
  return orient(a, b, c) !== orient(a, b, d) && orient(c, d, a) !== orient(c, d, b);
}

/**
 * Whether a box meets a polygon (in plane degrees, which is exact enough for choosing tiles: the
 * tiles' edges are meridians and parallels): a vertex of either inside the other, or edges cross.
 */
export function boxMeetsShape(box: Bbox, shape: Polygon | MultiPolygon): boolean {
  const [w, s, e, n] = box;
  const corners = [[w, s], [e, s], [e, n], [w, n]];
  const polygons = shape.type === 'Polygon' ? [shape.coordinates] : shape.coordinates;
  for (const polygon of polygons) {
    const [outer, ...holes] = polygon as Ring[];
    if (!outer) continue;
    if (outer.some(([x, y]) => x! >= w && x! <= e && y! >= s && y! <= n)) return true;
    const centre = [(w + e) / 2, (s + n) / 2] as const;
    if (pointInRing(centre[0], centre[1], outer) && !holes.some((h) => pointInRing(centre[0], centre[1], h))) return true;
    for (let i = 1; i < outer.length; i++) {
      for (let k = 0; k < 4; k++) if (segmentsCross(outer[i - 1]!, outer[i]!, corners[k]!, corners[(k + 1) % 4]!)) return true;
    }
  }
  return false;
}

function intersect(a: Bbox, b: Bbox): Bbox | null {
  const box: Bbox = [Math.max(a[0], b[0]), Math.max(a[1], b[1]), Math.min(a[2], b[2]), Math.min(a[3], b[3])];
  return box[0] <= box[2] && box[1] <= box[3] ? box : null;
}

/** The tiles of one zoom that meet the area, in ascending tile id order (the order PMTiles stores them). */
function tilesAt(z: number, area: ExtractArea): { x: number; y: number; id: number }[] {
  const [w, s, e, n] = area.bbox;
  const tiles: { x: number; y: number; id: number }[] = [];
  for (let x = tileX(w, z); x <= tileX(e, z); x++) {
    for (let y = tileY(n, z); y <= tileY(s, z); y++) {
      if (area.shape && !boxMeetsShape(tileBox(z, x, y), area.shape)) continue;
      tiles.push({ x, y, id: zxyToTileId(z, x, y) });
    }
  }
  return tiles.sort((a, b) => a.id - b.id);
}

export async function extractBasemap(source: BasemapArchive, outPath: string, options: ExtractOptions): Promise<ExtractSummary> {
  const { area } = options;
  const bounds = intersect(area.bbox, source.bounds);
  if (!bounds) throw new NoTilesError(`The area ${area.label} [${area.bbox.join(', ')}] lies outside the basemap's bounds [${source.bounds.join(', ')}]`);
  const minzoom = Math.max(options.minzoom ?? source.minzoom, source.minzoom);
  const maxzoom = Math.min(options.maxzoom, source.maxzoom);
  if (minzoom > maxzoom) throw new Error(`No zoom to extract: the basemap has zooms ${source.minzoom}-${source.maxzoom}, and ${options.minzoom ?? source.minzoom}-${options.maxzoom} were asked for`);
  const clipped: ExtractArea = { ...area, bbox: bounds };
  const zooms = Array.from({ length: maxzoom - minzoom + 1 }, (_, i) => minzoom + i);
  const total = zooms.reduce((sum, z) => {
    const [w, s, e, n] = bounds;
    return sum + (tileX(e, z) - tileX(w, z) + 1) * (tileY(s, z) - tileY(n, z) + 1);
  }, 0);

  const vector = source.format === 'mvt';
  let compression = Compression.None;
  if (vector) compression = source.kind === 'pmtiles' && (await firstEncoding(source, zooms, clipped)) === 'br' ? Compression.Brotli : Compression.Gzip;
  const metadata = {
    ...source.metadata,
    description: `${source.description ? `${source.description}; ` : ''}extract of ${area.label}, zooms ${minzoom}-${maxzoom}, by Safeground`,
  };
  const writer = await PmtilesWriter.create(outPath, {
    tileType: TILE_TYPE[source.format],
    tileCompression: compression,
    minzoom,
    maxzoom,
    bounds,
    center: [(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2, Math.min(maxzoom, Math.max(minzoom, 10))],
    metadata,
  });
  let done = 0;
  let missing = 0;
  try {
    for (const z of zooms) {
      const candidates = tilesAt(z, clipped);
      for (const { x, y } of candidates) {
        const tile = await source.tile(z, x, y);
        if (!tile) missing++;
        else {
          const bytes = vector && tile.encoding === null ? gzipSync(tile.data) : tile.data;
          if (vector && tile.encoding !== null && tile.encoding !== (compression === Compression.Brotli ? 'br' : 'gzip')) {
            throw new Error(`Tile ${z}/${x}/${y} of ${source.path} is ${tile.encoding}-compressed, unlike the others`);
          }
          await writer.add(z, x, y, bytes);
        }
        options.onProgress?.(++done, total);
      }
      // Tiles outside the shape were never candidates; count them as looked at.
      done += countBox(bounds, z) - candidates.length;
      options.onProgress?.(done, total);
    }
    if (writer.tileCount === 0) throw new NoTilesError(`The basemap has no tiles in ${area.label} at zooms ${minzoom}-${maxzoom}`);
  } catch (error) {
    await writer.abort();
    throw error;
  }
  return { ...(await writer.finish()), missing, minzoom, maxzoom, bounds };
}

function countBox([w, s, e, n]: Bbox, z: number): number {
  return (tileX(e, z) - tileX(w, z) + 1) * (tileY(s, z) - tileY(n, z) + 1);
}

/** The compression of the source's vector tiles, from the first tile of the area. */
async function firstEncoding(source: BasemapArchive, zooms: number[], area: ExtractArea): Promise<string | null> {
  for (const z of zooms) {
    for (const { x, y } of tilesAt(z, area)) {
      const tile = await source.tile(z, x, y);
      if (tile) return tile.encoding;
    }
  }
  return null;
}

/**
 * Most tiles an area package's extract holds, over all its zooms: 1,024 tiles reach zoom 15 for an
 * area of 20 km by 20 km and zoom 13 for one of 80 km, and keep a download to a phone (and the
 * server's work for it) small.
 */
export const PACKAGE_TILE_BUDGET = 1024;

/**
 * The zooms of an area package's extract: from two zooms above the one at which the area fits in
 * two tiles by two (the package's map shows the area, not the world, and low zooms of a national
 * basemap are its biggest tiles), down to the deepest zoom the budget of tiles allows, within the
 * source's zooms.
 */
export function packageZooms(bbox: Bbox, source: { minzoom: number; maxzoom: number }, budget = PACKAGE_TILE_BUDGET): { minzoom: number; maxzoom: number } {
  let fits = 0;
  while (fits < source.maxzoom && countBox(bbox, fits + 1) <= 4) fits++;
  const minzoom = Math.min(source.maxzoom, Math.max(source.minzoom, fits - 2));
  let maxzoom = minzoom;
  let tiles = countBox(bbox, minzoom);
  while (maxzoom < source.maxzoom && tiles + countBox(bbox, maxzoom + 1) <= budget) tiles += countBox(bbox, ++maxzoom);
  return { minzoom, maxzoom };
}

/** An extract written to a temporary file, with a hash of its bytes for HTTP. */
export interface PackageExtract {
  path: string;
  bytes: number;
  /** A strong ETag of the bytes: the same area of an unchanged basemap gives the same one. */
  etag: string;
  /** Deletes the file. */
  remove(): void;
}

/**
 * The extract of an area for an area package, in a temporary file the caller streams and removes;
 * null when the basemap has nothing there. Its ETag hashes the bytes (the extract is the same
 * bytes for the same tiles), so a device asking again with If-None-Match downloads it only when
 * the area's extract changed.
 */
export async function packageExtract(source: BasemapArchive, bbox: Bbox): Promise<PackageExtract | null> {
  const dir = mkdtempSync(join(tmpdir(), 'safeground-extract-'));
  const path = join(dir, 'area.pmtiles');
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    const summary = await extractBasemap(source, path, { area: { bbox, label: `the box ${bbox.join(',')}` }, ...packageZooms(bbox, source) });
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) hash.update(chunk);
    return { path, bytes: summary.bytes, etag: `"${hash.digest('base64url').slice(0, 27)}"`, remove };
  } catch (error) {
    remove();
    if (error instanceof NoTilesError) return null;
    throw error;
  }
}
