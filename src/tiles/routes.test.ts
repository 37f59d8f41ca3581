import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { generateDemo } from '../demo/generate.ts';
import { buildServer } from '../http/server.ts';
import type { Db } from '../store/db.ts';
import { type Actors, seedActors } from '../../test/support/actors.ts';
import { testBackends } from '../../test/support/backends.ts';
import { tileCache } from './cache.ts';
import type { TileId } from './grid.ts';
import { TILE_LAYER, TILE_LAYERS, type TileLayerName } from './layers.ts';
import { MVT_MEDIA_TYPE } from './routes.ts';
import { decodeTile, tileOf } from './test-helpers.ts';
import { validateStyleMin } from '@maplibre/maplibre-gl-style-spec';

const url = (layer: TileLayerName, t: TileId) => `/tiles/${layer}/${t.z}/${t.x}/${t.y}.mvt`;

for (const backend of testBackends()) {
  describe(`tile routes on ${backend.name}`, () => {
    let db: Db;
    let app: FastifyInstance;
    let actors: Actors;
    /** The z14 tiles of two hazards some kilometres apart. */
    let here: TileId;
    let elsewhere: TileId;

    async function get(path: string, headers: Record<string, string> = actors.auth('analyst')) {
      return app.inject({ method: 'GET', url: path, headers });
    }

    async function hazardTile(reference: string): Promise<TileId> {
      const [h] = await db.query<{ lon: number; lat: number }>('SELECT ST_X(p) AS lon, ST_Y(p) AS lat FROM (SELECT ST_PointOnSurface(geom) AS p FROM hazard WHERE reference = $1) h', [reference]);
      return tileOf(h!.lon, h!.lat, 14);
    }

    before(async () => {
      db = await backend.open();
      actors = await seedActors(db);
      await generateDemo(db, { scale: 'small' });
      app = await buildServer({ db });
      here = await hazardTile('DEMO-HA-00001');
      const [far] = await db.query<{ reference: string }>(
        `SELECT b.reference FROM hazard a, hazard b WHERE a.reference = 'DEMO-HA-00001'
           AND ST_Distance(a.geom::geography, b.geom::geography) > 10000 ORDER BY b.reference LIMIT 1`,
      );
      elsewhere = await hazardTile(far!.reference);
    });
    after(async () => {
      await app.close();
      await db.close();
    });

    test('a tile comes with its media type, an ETag and no-cache; If-None-Match gives 304', async () => {
      const first = await get(url('hazards', here));
      assert.equal(first.statusCode, 200);
      assert.equal(first.headers['content-type'], MVT_MEDIA_TYPE);
      assert.equal(first.headers['cache-control'], 'private, no-cache');
      const etag = String(first.headers.etag);
      assert.match(etag, /^"[\w-]{27}"$/);
      assert.ok(decodeTile(first.rawPayload).hazards!.features.length > 0);

      const again = await get(url('hazards', here), { ...actors.auth('analyst'), 'if-none-match': `W/"stale", ${etag}` });
      assert.equal(again.statusCode, 304);
      assert.equal(again.rawPayload.byteLength, 0);
      assert.equal(again.headers.etag, etag);

      const other = await get(url('hazards', here), { ...actors.auth('analyst'), 'if-none-match': '"something-else"' });
      assert.equal(other.statusCode, 200);
      assert.deepEqual(other.rawPayload, first.rawPayload);
    });

    test('a change inside a tile changes its content and ETag; the tile elsewhere is served from the cache unchanged', async () => {
      const cache = tileCache(db);
      const before = { here: await cache.tile('hazards', here), elsewhere: await cache.tile('hazards', elsewhere) };
      const etagBefore = (await get(url('hazards', here))).headers.etag;
      assert.equal(etagBefore, before.here.etag);

      await db.query("UPDATE hazard SET status = 'suspended' WHERE reference = 'DEMO-HA-00001'");

      const response = await get(url('hazards', here), { ...actors.auth('analyst'), 'if-none-match': etagBefore });
      assert.equal(response.statusCode, 200);
      assert.notEqual(response.headers.etag, etagBefore);
      const changed = decodeTile(response.rawPayload).hazards!.features.find((f) => f.properties.reference === 'DEMO-HA-00001');
      assert.equal(changed!.properties.status, 'suspended');

      const far = await cache.tile('hazards', elsewhere);
      assert.equal(far.snapshot, before.elsewhere.snapshot, 'the tile elsewhere was rendered again');
      assert.equal(far.etag, before.elsewhere.etag);
      assert.equal((await get(url('hazards', elsewhere), { ...actors.auth('analyst'), 'if-none-match': far.etag })).statusCode, 304);
    });

    test('a change that leaves the drawing as it was renders again but keeps the ETag', async () => {
      const cache = tileCache(db);
      const before = await cache.tile('hazards', here);
      await db.query("UPDATE hazard SET description = 'checked again' WHERE reference = 'DEMO-HA-00001'");
      const after = await cache.tile('hazards', here);
      assert.notEqual(after.snapshot, before.snapshot);
      assert.equal(after.etag, before.etag);
    });

    test('deletions, upserts (as approvals write) and inserts in the buffer invalidate; other layers do not', async () => {
      const cache = tileCache(db);
      const [find] = await db.query<{ id: string; lon: number; lat: number }>('SELECT id, ST_X(geom) AS lon, ST_Y(geom) AS lat FROM find ORDER BY id LIMIT 1');
      const findTile = tileOf(find!.lon, find!.lat, 14);
      const finds = await cache.tile('finds', findTile);
      const hazards = await cache.tile('hazards', findTile);
      await db.query('DELETE FROM find WHERE id = $1', [find!.id]);
      const afterDelete = await cache.tile('finds', findTile);
      assert.notEqual(afterDelete.etag, finds.etag);
      assert.equal(decodeTile(afterDelete.mvt).finds!.features.length, decodeTile(finds.mvt).finds!.features.length - 1);
      assert.equal((await cache.tile('hazards', findTile)).snapshot, hazards.snapshot);

      const here1 = await cache.tile('hazards', here);
      await db.query(
        `INSERT INTO hazard AS h (id, reference, kind, status, geom, source)
         SELECT id, reference, 'cha', status, geom, source FROM hazard WHERE reference = 'DEMO-HA-00001'
         ON CONFLICT (id) DO UPDATE SET kind = EXCLUDED.kind, version = h.version + 1`,
      );
      const here2 = await cache.tile('hazards', here);
      assert.notEqual(here2.etag, here1.etag);
      assert.equal(decodeTile(here2.mvt).hazards!.features.find((f) => f.properties.reference === 'DEMO-HA-00001')!.properties.kind, 'cha');
    });

    test('hazards and released land are public only when the instance publishes them; operational layers never', async () => {
      const anonymous = {};
      await db.query("DELETE FROM setting WHERE key = 'publish'");
      assert.equal((await get(url('hazards', here), anonymous)).statusCode, 404);
      assert.equal((await get('/tiles/hazards.json', anonymous)).statusCode, 404);
      assert.equal((await get(url('finds', here), anonymous)).statusCode, 401);
      assert.equal((await get(url('finds', here), actors.auth('public'))).statusCode, 403);
      const registerLayers = (style: { layers: { source?: string }[] }) => style.layers.filter((l) => (TILE_LAYERS as readonly string[]).includes(l.source ?? ''));
      assert.deepEqual(registerLayers((await get('/tiles/style.json', anonymous)).json()), [], 'only the background');

      await db.query(`INSERT INTO setting (key, value) VALUES ('publish', '{"hazards": true, "releaseProducts": false}')`);
      const published = await get(url('hazards', here), anonymous);
      assert.equal(published.statusCode, 200);
      assert.equal(published.headers['cache-control'], 'public, no-cache');
      assert.equal((await get(url('release-products', here), anonymous)).statusCode, 404);
      assert.equal((await get(url('release-products', here))).headers['cache-control'], 'private, no-cache');
      assert.deepEqual(Object.keys((await get('/tiles/style.json', anonymous)).json().sources), ['gazetteer', 'hazards']);
      await db.query("DELETE FROM setting WHERE key = 'publish'");
      assert.equal((await get(url('hazards', here), anonymous)).statusCode, 404);
    });

    test('tiles outside the grid are not found', async () => {
      assert.equal((await get('/tiles/hazards/3/8/0.mvt')).statusCode, 404);
      assert.equal((await get('/tiles/hazards/23/0/0.mvt')).statusCode, 400);
    });

    test('the style and every TileJSON validate, and every URL in them resolves', async () => {
      const style = (await get('/tiles/style.json')).json();
      assert.equal(style.version, 8);
      assert.deepEqual(validateStyleMin(style).map((e) => e.message), []);
      const registerSources = Object.keys(style.sources).filter((name) => (TILE_LAYERS as readonly string[]).includes(name));
      assert.deepEqual(registerSources.sort(), [...TILE_LAYERS].sort());
      assert.deepEqual(Object.keys(style.sources).filter((name) => !registerSources.includes(name)), ['gazetteer'], 'the background of a server without basemap files');
      const fieldsOf = new Map<string, Record<string, string>>();
      for (const [name, source] of Object.entries(style.sources as Record<string, { type: string; url: string }>)) {
        if (!registerSources.includes(name)) continue;
        assert.equal(source.type, 'vector');
        const { origin, pathname } = new URL(source.url);
        assert.equal(origin, 'http://localhost');
        const response = await get(pathname);
        assert.equal(response.statusCode, 200, pathname);
        const tileJson = response.json();
        assert.equal(tileJson.tilejson, '3.0.0');
        assert.equal(tileJson.scheme, 'xyz');
        assert.ok(tileJson.minzoom <= tileJson.maxzoom);
        const [west, south, east, north] = tileJson.bounds;
        assert.ok(west >= -76 && east <= -74.8 && south >= 6.5 && north <= 7.5 && west < east && south < north, `${name} bounds ${tileJson.bounds}`);
        assert.equal(tileJson.vector_layers.length, 1);
        assert.equal(tileJson.vector_layers[0].id, name);
        assert.deepEqual(tileJson.vector_layers[0].fields, TILE_LAYER[name as TileLayerName].fields);
        fieldsOf.set(name, tileJson.vector_layers[0].fields);
        assert.equal(tileJson.tiles.length, 1);
        const [, template] = /^http:\/\/localhost:80(\/tiles\/[\w-]+\/\{z\}\/\{x\}\/\{y\}\.mvt)$/.exec(tileJson.tiles[0]) ?? [];
        assert.ok(template, `tiles URL ${tileJson.tiles[0]}`);
        const tile = await get(template.replace('{z}', String(here.z)).replace('{x}', String(here.x)).replace('{y}', String(here.y)));
        assert.equal(tile.statusCode, 200, template);
        for (const layer of Object.keys(decodeTile(tile.rawPayload))) assert.equal(layer, name);
      }
      const ids = new Set<string>();
      const layers = style.layers as { id: string; type: string; source: string; 'source-layer': string; paint: Record<string, unknown>; filter?: unknown }[];
      const firstRegister = layers.findIndex((layer) => registerSources.includes(layer.source));
      assert.ok(layers.slice(0, firstRegister).every((layer) => !registerSources.includes(layer.source)) && firstRegister > 0, 'the background lies under the register');
      for (const layer of layers.slice(firstRegister)) {
        assert.ok(!ids.has(layer.id), `duplicate style layer ${layer.id}`);
        ids.add(layer.id);
        assert.ok(['fill', 'line', 'circle', 'symbol'].includes(layer.type), `${layer.id}: ${layer.type}`);
        assert.ok(layer.source in style.sources, `${layer.id}: source ${layer.source}`);
        assert.equal(layer['source-layer'], layer.source);
        for (const property of Object.keys(layer.paint)) assert.ok(property.startsWith(`${layer.type === 'symbol' ? 'text' : layer.type}-`), `${layer.id}: ${property}`);
        const used = JSON.stringify([layer.paint, layer.filter ?? null]).matchAll(/\["(?:get|has)","(\w+)"\]/g);
        for (const [, field] of used) assert.ok(field! in fieldsOf.get(layer.source)!, `${layer.id} uses ${field}, not a field of ${layer.source}`);
      }
      assert.ok(ids.has('hazards-sha-outline') && ids.has('hazards-cha-outline') && ids.has('finds-clusters') && ids.has('finds-cluster-counts'));
      const [west, south, east, north] = style.metadata['safeground:bounds'];
      assert.ok(west >= -76 && east <= -74.8 && south >= 6.5 && north <= 7.5, `the style opens at the data: ${style.metadata['safeground:bounds']}`);
      assert.ok(style.zoom >= 7 && style.zoom <= 10 && Math.abs(Number(style.center[0]) - (Number(west) + Number(east)) / 2) < 1e-9, `centre ${style.center} zoom ${style.zoom}`);
    });

    test('TileJSON bounds grow to take in new data', async () => {
      const before = (await get('/tiles/accidents.json')).json().bounds;
      await db.query(
        "INSERT INTO accident (reference, occurred_on, geom, source) VALUES ('TEST-ACC-EAST', '2024-01-01', ST_SetSRID(ST_Point(-74.5, 7.0), 4326), 'test')",
      );
      const after = (await get('/tiles/accidents.json')).json().bounds;
      assert.ok(before[2] < -74.5);
      assert.equal(after[2], -74.5);
      assert.deepEqual(after.slice(0, 2), before.slice(0, 2));
    });
  });
}
