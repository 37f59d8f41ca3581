/**
 * Basemap tiles, their TileJSON, the gazetteer's background tiles, glyphs and the background
 * style: all public (`public.read`), since they hold geography, not the register.
 */
import { gunzipSync, brotliDecompressSync } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Actor } from '../../access/permissions.ts';
import { UserError } from '../../errors.ts';
import { countrySetting } from '../../exchange/store.ts';
import { route, type Route } from '../../http/route.ts';
import type { Db } from '../../store/db.ts';
import { type Box, tileCache } from '../cache.ts';
import { assertTile, MAX_ZOOM } from '../grid.ts';
import { readableLayers } from '../publish.ts';
import type { BasemapArchive, TileFormat } from './archive.ts';
import { GAZETTEER_FIELDS, GAZETTEER_SOURCE, LABEL_LANGUAGES } from './gazetteer.ts';
import { glyphRange } from './glyphs.ts';
import { basemapsOf } from './served.ts';
import { backgroundStyle, GAZETTEER, type ServedBasemap } from './style.ts';
import { baseUrl, matches } from '../conditional.ts';

const WORLD: Box = [-180, -85.0511287798066, 180, 85.0511287798066];
/** The gazetteer's tiles are made up to this zoom; clients draw them larger past it. */
const GAZETTEER_MAXZOOM = 14;

const MEDIA_TYPE: Record<TileFormat, string> = { mvt: 'application/vnd.mapbox-vector-tile', png: 'image/png', jpg: 'image/jpeg', webp: 'image/webp' };

export const LanguageQuery = z.strictObject({ lang: z.enum(LABEL_LANGUAGES).default('en') });

/** Answers 304 when the client holds this version; says whether it did. */
function notModified(request: FastifyRequest, reply: FastifyReply, etag: string): boolean {
  reply.header('ETag', etag);
  if (!matches(request.headers['if-none-match'], etag)) return false;
  reply.code(304);
  return true;
}

function accepts(request: FastifyRequest, encoding: string): boolean {
  const header = request.headers['accept-encoding'];
  return typeof header === 'string' && header.split(',').some((part) => part.trim().split(';')[0] === encoding);
}

function find(request: FastifyRequest, name: string): ServedBasemap {
  const basemaps = basemapsOf(request.server);
  const found = basemaps.find((b) => b.name === name);
  if (!found) throw new UserError(`No basemap ${name}; this server has ${basemaps.length === 0 ? 'none' : basemaps.map((b) => b.name).join(', ')}`, 'not_found');
  return found;
}

export function basemapTileJson(basemap: ServedBasemap, base: string): Record<string, unknown> {
  const { archive } = basemap;
  const [west, south, east, north] = archive.bounds;
  return {
    tilejson: '3.0.0',
    name: archive.name,
    description: archive.description,
    attribution: archive.attribution,
    scheme: 'xyz',
    tiles: [`${base}/tiles/basemap/${basemap.name}/{z}/{x}/{y}.${archive.format}`],
    minzoom: archive.minzoom,
    maxzoom: archive.maxzoom,
    bounds: archive.bounds,
    center: [(west + east) / 2, (south + north) / 2, Math.min(archive.maxzoom, Math.max(archive.minzoom, 6))],
    ...(archive.format === 'mvt' ? { vector_layers: archive.vectorLayers } : {}),
  };
}

/** The tile's bytes in an encoding the client takes: as stored when it takes that, else decoded here. */
function encoded(request: FastifyRequest, reply: FastifyReply, stored: { data: Uint8Array; encoding: 'gzip' | 'br' | null }): Buffer {
  const data = Buffer.from(stored.data.buffer, stored.data.byteOffset, stored.data.byteLength);
  if (stored.encoding === null) return data;
  if (accepts(request, stored.encoding)) {
    reply.header('Content-Encoding', stored.encoding);
    return data;
  }
  return stored.encoding === 'gzip' ? gunzipSync(data) : brotliDecompressSync(data);
}

async function archiveTile(request: FastifyRequest, reply: FastifyReply, archive: BasemapArchive, z: number, x: number, y: number): Promise<Buffer> {
  reply.header('Cache-Control', 'public, max-age=86400').header('Vary', 'Accept-Encoding');
  if (notModified(request, reply, `"${archive.identity}-${z}-${x}-${y}"`)) return Buffer.alloc(0);
  const stored = z >= archive.minzoom && z <= archive.maxzoom ? await archive.tile(z, x, y) : null;
  if (!stored) {
    // No tile here (outside the area, or sea the archive leaves out): empty, which clients draw as nothing.
    reply.code(204);
    return Buffer.alloc(0);
  }
  reply.type(MEDIA_TYPE[archive.format]);
  return encoded(request, reply, stored);
}

/**
 * Where the map opens for this caller: the extent of the register they may read, else the
 * instance's country (setting `country`), else null (the client's own default).
 */
export async function startBounds(db: Db, actor: Actor): Promise<Box | null> {
  let box: Box | null = null;
  for (const layer of await readableLayers(db, actor)) {
    const b = await tileCache(db).layerBounds(layer);
    if (b) box = box ? [Math.min(box[0], b[0]), Math.min(box[1], b[1]), Math.max(box[2], b[2]), Math.max(box[3], b[3])] : b;
  }
  if (box) return box;
  const country = await countrySetting(db).catch(() => null);
  if (!country) return null;
  const [row] = await db.query<{ west: number; south: number; east: number; north: number }>(
    'SELECT ST_XMin(geom) AS west, ST_YMin(geom) AS south, ST_XMax(geom) AS east, ST_YMax(geom) AS north FROM admin_area WHERE id = $1',
    [country.id],
  );
  return row ? [row.west, row.south, row.east, row.north] : null;
}

const TileParams = z.object({
  name: z.string().regex(/^[a-z0-9_-]+$/),
  z: z.coerce.number().int().min(0).max(MAX_ZOOM),
  x: z.coerce.number().int().min(0),
  y: z.string().regex(/^\d+\.(mvt|png|jpg|webp)$/, 'a row and the archive\'s extension, e.g. 12.mvt or 12.png'),
});

const ZxyParams = z.object({
  z: z.coerce.number().int().min(0).max(MAX_ZOOM),
  x: z.coerce.number().int().min(0),
  y: z.coerce.number().int().min(0),
});

export const basemapRoutes: readonly Route[] = [
  route({
    method: 'GET',
    readOnly: true,
    path: `/tiles/basemap/${GAZETTEER}/{z}/{x}/{y}.mvt`,
    summary: 'Vector tile of the background drawn from the store: country outlines, admin areas, and place labels in every language',
    tag: 'tiles',
    permission: 'public.read',
    params: ZxyParams,
    produces: MEDIA_TYPE.mvt,
    async handler({ db, params, request, reply }) {
      assertTile(params);
      const tile = await tileCache(db).tile(GAZETTEER_SOURCE, params);
      reply.header('Cache-Control', 'public, no-cache');
      if (notModified(request, reply, tile.etag)) return Buffer.alloc(0);
      return Buffer.from(tile.mvt.buffer, tile.mvt.byteOffset, tile.mvt.byteLength);
    },
  }),
  route({
    method: 'GET',
    readOnly: true,
    path: `/tiles/basemap/${GAZETTEER}.json`,
    summary: 'TileJSON 3.0.0 of the background drawn from the store',
    tag: 'tiles',
    permission: 'public.read',
    async handler({ db, request }) {
      const bounds = (await tileCache(db).layerBounds(GAZETTEER_SOURCE)) ?? WORLD;
      return {
        tilejson: '3.0.0',
        name: 'Gazetteer',
        description: 'Country outlines (Natural Earth), administrative areas and settlements of the gazetteer, with every name of each place',
        attribution: 'Natural Earth; gazetteer of this instance',
        scheme: 'xyz',
        tiles: [`${baseUrl(request)}/tiles/basemap/${GAZETTEER}/{z}/{x}/{y}.mvt`],
        minzoom: 0,
        maxzoom: GAZETTEER_MAXZOOM,
        bounds,
        center: [(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2, 2],
        vector_layers: Object.entries(GAZETTEER_FIELDS).map(([id, fields]) => ({ id, fields, minzoom: 0, maxzoom: GAZETTEER_MAXZOOM })),
      };
    },
  }),
  route({
    method: 'GET',
    readOnly: true,
    path: '/tiles/basemap/style.json',
    summary: 'MapLibre style of what lies under the register: the basemap files, the gazetteer background, labels in the language asked for (en, az, hy, ru, uk, es)',
    tag: 'tiles',
    permission: 'public.read',
    query: LanguageQuery,
    async handler({ db, actor, query, request }) {
      const base = baseUrl(request);
      const background = backgroundStyle(basemapsOf(request.server), base, query.lang);
      return { version: 8, name: 'Safeground background', ...background, metadata: { 'safeground:bounds': await startBounds(db, actor) } };
    },
  }),
  route({
    method: 'GET',
    path: '/tiles/basemap/{name}.json',
    summary: 'TileJSON 3.0.0 of a basemap file the server was started with',
    tag: 'tiles',
    permission: 'public.read',
    params: z.object({ name: z.string().regex(/^[a-z0-9_-]+$/) }),
    async handler({ params, request }) {
      return basemapTileJson(find(request, params.name), baseUrl(request));
    },
  }),
  route({
    method: 'GET',
    path: '/tiles/basemap/{name}/{z}/{x}/{y}',
    summary: 'Tile of a basemap file, as stored (vector tiles gzipped, with Content-Encoding); 204 where the file has none',
    tag: 'tiles',
    permission: 'public.read',
    params: TileParams,
    async handler({ params, request, reply }) {
      const { archive } = find(request, params.name);
      const [row, extension] = params.y.split('.') as [string, string];
      if (extension !== archive.format) throw new UserError(`Basemap ${params.name} holds ${archive.format} tiles, not ${extension}`, 'not_found');
      const tile = { z: params.z, x: params.x, y: Number(row) };
      assertTile(tile);
      return archiveTile(request, reply, archive, tile.z, tile.x, tile.y);
    },
  }),
  route({
    method: 'GET',
    path: '/tiles/fonts/{fontstack}/{range}.pbf',
    summary: 'Glyphs (SDF PBF) for labels: Noto Sans for Latin, Cyrillic and Armenian, whatever font stack is named',
    tag: 'tiles',
    permission: 'public.read',
    params: z.object({ fontstack: z.string().max(500), range: z.string().regex(/^\d+-\d+$/, 'a range such as 0-255') }),
    produces: 'application/x-protobuf',
    async handler({ params, request, reply }) {
      const [start, end] = params.range.split('-').map(Number) as [number, number];
      if (start % 256 !== 0 || end !== start + 255 || end > 65535) throw new UserError(`No glyph range ${params.range}: ranges are 256 code points from a multiple of 256, e.g. 0-255`, 'not_found');
      const { bytes, etag } = await glyphRange(start);
      reply.header('Cache-Control', 'public, max-age=604800');
      if (notModified(request, reply, etag)) return Buffer.alloc(0);
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    },
  }),
];
