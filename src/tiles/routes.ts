/**
 * Vector tiles, TileJSON and the default style. Each layer has routes of its own, so each route
 * names the permission it needs: `data.read` for operational layers; `public.read` for hazards
 * and released land, checked again in the handler against the `publish` setting (publish.ts).
 */
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { route, type Route } from '../http/route.ts';
import { tileCache } from './cache.ts';
import { assertTile, MAX_ZOOM } from './grid.ts';
import { TILE_LAYER, TILE_LAYERS, type TileLayerName } from './layers.ts';
import { layerAudience, readableLayers } from './publish.ts';
import { defaultStyle, tileJson } from './tilejson.ts';
import { basemapRoutes, LanguageQuery, startBounds } from './basemap/routes.ts';
import { basemapsOf } from './basemap/served.ts';
import { backgroundStyle } from './basemap/style.ts';
import { baseUrl, matches } from './conditional.ts';

export const MVT_MEDIA_TYPE = 'application/vnd.mapbox-vector-tile';

const TileParams = z.object({
  z: z.coerce.number().int().min(0).max(MAX_ZOOM),
  x: z.coerce.number().int().min(0),
  y: z.coerce.number().int().min(0),
});

/**
 * Clients and proxies may keep a tile but must ask again each time (`no-cache`); the ETag makes
 * that a 304 unless the tile changed. Unpublished layers stay out of shared caches.
 */
function cacheHeaders(reply: FastifyReply, etag: string, audience: 'public' | 'private'): void {
  reply.header('ETag', etag).header('Cache-Control', `${audience}, no-cache`);
}

function layerRoutes(name: TileLayerName): Route[] {
  const layer = TILE_LAYER[name];
  const permission = layer.publishedAs === null ? 'data.read' : 'public.read';
  return [
    route({
      method: 'GET',
      readOnly: true,
      path: `/tiles/${name}/{z}/{x}/{y}.mvt`,
      summary: `Vector tile of ${layer.title.toLowerCase()} (Mapbox Vector Tile 2.1)`,
      tag: 'tiles',
      permission,
      params: TileParams,
      produces: MVT_MEDIA_TYPE,
      async handler({ db, actor, params, request, reply }) {
        assertTile(params);
        const audience = await layerAudience(db, actor, layer);
        const tile = await tileCache(db).tile(name, params);
        cacheHeaders(reply, tile.etag, audience);
        if (matches(request.headers['if-none-match'], tile.etag)) {
          reply.code(304);
          return Buffer.alloc(0);
        }
        return Buffer.from(tile.mvt.buffer, tile.mvt.byteOffset, tile.mvt.byteLength);
      },
    }),
    route({
      method: 'GET',
      readOnly: true,
      path: `/tiles/${name}.json`,
      summary: `TileJSON 3.0.0 of ${layer.title.toLowerCase()}`,
      tag: 'tiles',
      permission,
      async handler({ db, actor, request }) {
        await layerAudience(db, actor, layer);
        return tileJson(name, baseUrl(request), await tileCache(db).layerBounds(name));
      },
    }),
  ];
}

export const tileRoutes: readonly Route[] = [
  ...TILE_LAYERS.flatMap(layerRoutes),
  route({
    method: 'GET',
    readOnly: true,
    path: '/tiles/style.json',
    summary: 'Default MapLibre style: the tile layers the caller may read over the basemaps and the gazetteer background, labels in the language asked for, opening at the data',
    tag: 'tiles',
    permission: 'public.read',
    query: LanguageQuery,
    async handler({ db, actor, query, request }) {
      const base = baseUrl(request);
      return defaultStyle(await readableLayers(db, actor), base, backgroundStyle(basemapsOf(request.server), base, query.lang), await startBounds(db, actor));
    },
  }),
  ...basemapRoutes,
];
