import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { validateStyleMin } from '@maplibre/maplibre-gl-style-spec';
import type { FastifyInstance } from 'fastify';
import { PbfReader } from 'pbf';
import { generateDemo } from '../../demo/generate.ts';
import { seedCountries } from '../../gazetteer/countries.ts';
import { buildServer } from '../../http/server.ts';
import type { Db } from '../../store/db.ts';
import { type Actors, seedActors } from '../../../test/support/actors.ts';
import { testBackends } from '../../../test/support/backends.ts';
import { decodeTile, tileOf } from '../test-helpers.ts';
import { writeFileSync } from 'node:fs';
import { extractBasemap, packageZooms } from './extract.ts';
import { openBasemap } from './archive.ts';
import { closeBasemaps, openBasemaps, serveBasemaps } from './served.ts';
import type { ServedBasemap } from './style.ts';
import { openMapTilesFixture, protomapsFixture, rasterFixture } from './test-fixtures.ts';

/** Code points of the glyphs in a glyph PBF range. */
function glyphIds(bytes: Uint8Array): number[] {
  const ids: number[] = [];
  new PbfReader(bytes).readFields((tag, _, stacks) => {
    if (tag !== 1) return;
    stacks.readMessage((stackTag, __, stack) => {
      if (stackTag !== 3) return;
      let id = -1;
      stack.readMessage((glyphTag, ___, glyph) => {
        if (glyphTag === 1) id = glyph.readVarint();
      }, null);
      ids.push(id);
    }, null);
  }, null);
  return ids;
}

let dir: string;
let files: { omt: string; protomaps: string; raster: string } | null = null;

/** The GDAL-made basemaps, made once for every backend; the Protomaps one as a PMTiles extract. */
async function fixtures(): Promise<{ omt: string; protomaps: string; raster: string }> {
  if (files) return files;
  dir = mkdtempSync(join(tmpdir(), 'safeground-basemap-routes-'));
  const omt = openMapTilesFixture(dir);
  const protomapsMbtiles = await openBasemap(protomapsFixture(dir));
  const protomaps = join(dir, 'national.pmtiles');
  await extractBasemap(protomapsMbtiles, protomaps, { area: { bbox: [-76.5, 6, -74.3, 8], label: 'the demo region' }, maxzoom: 10 });
  await protomapsMbtiles.close();
  files = { omt, protomaps, raster: rasterFixture(dir) };
  return files;
}

after(() => dir && rmSync(dir, { recursive: true, force: true }));

for (const backend of testBackends()) {
  describe(`basemap routes on ${backend.name}`, () => {
    let db: Db;
    let app: FastifyInstance;
    let actors: Actors;
    let basemaps: ServedBasemap[];

    const get = (path: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url: path, headers });

    before(async () => {
      const { omt, protomaps, raster } = await fixtures();
      db = await backend.open();
      actors = await seedActors(db);
      await seedCountries(db);
      await generateDemo(db, { scale: 'small' });
      app = await buildServer({ db });
      basemaps = await openBasemaps([protomaps, omt, raster]);
      serveBasemaps(app, basemaps);
    });
    after(async () => {
      await app.close();
      await db.close();
      await closeBasemaps(basemaps);
    });

    test('basemaps are named after their files, in order, and each has TileJSON with its layers and bounds', async () => {
      assert.deepEqual(basemaps.map((b) => b.name), ['national', 'omt', 'sheet']);
      const tileJson = (await get('/tiles/basemap/omt.json')).json();
      assert.equal(tileJson.tilejson, '3.0.0');
      assert.equal(tileJson.tiles[0], 'http://localhost:80/tiles/basemap/omt/{z}/{x}/{y}.mvt');
      assert.deepEqual([tileJson.minzoom, tileJson.maxzoom], [0, 10]);
      assert.ok(tileJson.vector_layers.some((l: { id: string }) => l.id === 'place'));
      assert.equal((await get('/tiles/basemap/sheet.json')).json().tiles[0], 'http://localhost:80/tiles/basemap/sheet/{z}/{x}/{y}.png');
      const missing = await get('/tiles/basemap/planet.json');
      assert.equal(missing.statusCode, 404);
      assert.match(missing.json().error.message, /No basemap planet; this server has national, omt, sheet/);
    });

    test('a tile is served as stored, gzipped with its Content-Encoding, an ETag and Cache-Control; If-None-Match gives 304', async () => {
      const at = tileOf(-75.45, 7.05, 9);
      for (const name of ['omt', 'national']) {
        const path = `/tiles/basemap/${name}/${at.z}/${at.x}/${at.y}.mvt`;
        const tile = await get(path, { 'accept-encoding': 'gzip, br' });
        assert.equal(tile.statusCode, 200, path);
        assert.equal(tile.headers['content-type'], 'application/vnd.mapbox-vector-tile');
        assert.equal(tile.headers['content-encoding'], 'gzip');
        assert.equal(tile.headers['cache-control'], 'public, max-age=86400');
        const layers = decodeTile(gunzipSync(tile.rawPayload));
        const places = (layers.place ?? layers.places)!.features;
        assert.ok(places.some((f) => f.properties['name:hy'] === 'Ռիվերբենդ'), name);
        const again = await get(path, { 'if-none-match': String(tile.headers.etag) });
        assert.equal(again.statusCode, 304);
        const plain = await get(path, { 'accept-encoding': 'identity' });
        assert.equal(plain.headers['content-encoding'], undefined, 'a client that takes no gzip gets the tile decoded');
        assert.deepEqual(plain.rawPayload, gunzipSync(tile.rawPayload));
      }
      const png = await get(`/tiles/basemap/sheet/${at.z}/${at.x}/${at.y}.png`);
      assert.equal(png.statusCode, 200);
      assert.equal(png.headers['content-type'], 'image/png');
      assert.equal((await get(`/tiles/basemap/omt/${at.z}/${at.x}/${at.y}.png`)).statusCode, 404, 'the wrong extension');
      assert.equal((await get('/tiles/basemap/omt/9/0/0.mvt')).statusCode, 204, 'no tile there');
      assert.equal((await get('/tiles/basemap/omt/14/4000/7000.mvt')).statusCode, 204, 'past the archive\'s zooms');
    });

    test('the background draws the gazetteer: land, admin areas and labels with every name; a new name reaches its tile', async () => {
      const [settlement] = await db.query<{ id: string; lon: number; lat: number }>('SELECT id, ST_X(geom) AS lon, ST_Y(geom) AS lat FROM settlement ORDER BY id LIMIT 1');
      const at = tileOf(settlement!.lon, settlement!.lat, 10);
      const path = `/tiles/basemap/gazetteer/${at.z}/${at.x}/${at.y}.mvt`;
      const first = await get(path);
      assert.equal(first.statusCode, 200);
      const layers = decodeTile(first.rawPayload);
      assert.ok(layers.countries!.features.length > 0, 'the country under the demo');
      assert.ok(layers.admin_areas!.features.length > 0);
      const label = layers.places!.features.find((f) => f.properties.id === settlement!.id)!;
      assert.equal(label.properties.kind, 'settlement');
      assert.match(String(label.properties.names), /\(en, official\).*\(es, local\)/);
      assert.equal(label.properties.name, label.properties['name:en']);

      await db.query("INSERT INTO place_name (settlement_id, name, language, kind, source) VALUES ($1, 'Գյուղ', 'hy', 'official', 'test'), ($1, 'Деревня', 'ru', 'official', 'test')", [settlement!.id]);
      const changed = await get(path, { 'if-none-match': String(first.headers.etag) });
      assert.equal(changed.statusCode, 200, 'the cached tile was rendered again');
      const relabelled = decodeTile(changed.rawPayload).places!.features.find((f) => f.properties.id === settlement!.id)!;
      assert.equal(relabelled.properties['name:hy'], 'Գյուղ');
      assert.equal(relabelled.properties['name:ru'], 'Деревня');
      assert.equal(relabelled.properties.name, label.properties.name, 'the display name stays the display_language setting\'s choice');

      const world = decodeTile((await get('/tiles/basemap/gazetteer/1/0/0.mvt')).rawPayload);
      assert.ok(world.places!.features.some((f) => f.properties.kind === 'country' && f.properties['name:en'] === 'Canada'));
      assert.ok(!world.places!.features.some((f) => f.properties.kind === 'settlement'), 'no settlements at world zoom');
    });

    test('glyphs: Latin with Azerbaijani letters, Cyrillic and Armenian, for any font stack; other ranges are empty', async () => {
      const ranges: [string, number[]][] = [
        ['0-255', [0x41, 0xe7, 0xf6, 0xfc]],
        ['256-511', [0x11f, 0x131, 0x15f]],
        ['512-767', [0x259]],
        ['1024-1279', [0x416, 0x44f, 0x456]],
        ['1280-1535', [0x531, 0x561, 0x587]],
      ];
      for (const [range, wanted] of ranges) {
        const response = await get(`/tiles/fonts/${encodeURIComponent('Noto Sans Medium,Arial Unicode MS Regular')}/${range}.pbf`);
        assert.equal(response.statusCode, 200, range);
        assert.equal(response.headers['content-type'], 'application/x-protobuf');
        const ids = glyphIds(response.rawPayload);
        for (const cp of wanted) assert.ok(ids.includes(cp), `U+${cp.toString(16)} in ${range}`);
        assert.equal((await get(`/tiles/fonts/Noto%20Sans%20Regular/${range}.pbf`, { 'if-none-match': String(response.headers.etag) })).statusCode, 304);
      }
      const cjk = await get('/tiles/fonts/Noto%20Sans%20Regular/19968-20223.pbf');
      assert.equal(cjk.statusCode, 200);
      assert.deepEqual(glyphIds(cjk.rawPayload), []);
      assert.equal((await get('/tiles/fonts/Noto%20Sans%20Regular/1-256.pbf')).statusCode, 404);
    });

    test('an area\'s extract for a package: PMTiles of the file or of the gazetteer, 304 while unchanged, 204 where there is nothing', async () => {
      const area = [-75.6, 6.9, -75.3, 7.2] as const;
      const url = (name: string, box: readonly number[] = area) => `/tiles/basemap/${name}/extract.pmtiles?bbox=${box.join(',')}`;
      assert.equal((await get(url('omt'))).statusCode, 401, 'an extract is for signed-in users');
      const fieldUser = actors.auth('field_user');
      /** The answer's bytes read back as a basemap archive. */
      const read = async (bytes: Buffer, name: string) => {
        const path = join(dir, `${name}.pmtiles`);
        writeFileSync(path, bytes);
        return openBasemap(path);
      };
      const omt = await get(url('omt'), fieldUser);
      assert.equal(omt.statusCode, 200, omt.body);
      assert.equal(omt.headers['content-type'], 'application/vnd.pmtiles');
      const archive = await read(omt.rawPayload, 'omt-area');
      try {
        assert.deepEqual({ minzoom: archive.minzoom, maxzoom: archive.maxzoom }, packageZooms([...area], { minzoom: 0, maxzoom: 10 }));
        assert.equal(archive.schema, 'openmaptiles');
        const at = tileOf(-75.45, 7.05, archive.maxzoom);
        const places = decodeTile(gunzipSync((await archive.tile(at.z, at.x, at.y))!.data)).place!.features;
        assert.ok(places.some((f) => f.properties['name:hy'] === 'Ռիվերբենդ'));
      } finally {
        await archive.close();
      }
      assert.equal((await get(url('omt'), { ...fieldUser, 'if-none-match': String(omt.headers.etag) })).statusCode, 304, 'the same area of the same file');
      assert.equal((await get(url('omt', [-75.6, 6.9, -75.2, 7.2]), { ...fieldUser, 'if-none-match': String(omt.headers.etag) })).statusCode, 200, 'another area');
      assert.equal((await get(url('omt', [100, 10, 101, 11]), fieldUser)).statusCode, 204, 'outside the file');
      assert.equal((await get(url('planet'), fieldUser)).statusCode, 404);

      const [settlement] = await db.query<{ id: string; lon: number; lat: number }>(
        'SELECT id, ST_X(geom) AS lon, ST_Y(geom) AS lat FROM settlement WHERE geom && ST_MakeEnvelope($1, $2, $3, $4, 4326) ORDER BY id LIMIT 1',
        [...area],
      );
      const gazetteer = await get(url('gazetteer'), fieldUser);
      assert.equal(gazetteer.statusCode, 200, gazetteer.body);
      const background = await read(gazetteer.rawPayload, 'gazetteer-area');
      try {
        assert.equal(background.maxzoom, 12, 'the gazetteer goes no deeper in an extract');
        const at = tileOf(settlement!.lon, settlement!.lat, 12);
        const labels = decodeTile(gunzipSync((await background.tile(at.z, at.x, at.y))!.data)).places!.features;
        assert.ok(labels.some((f) => f.properties.id === settlement!.id), 'the settlement is labelled in the extract');
      } finally {
        await background.close();
      }
      assert.equal((await get(url('gazetteer'), { ...fieldUser, 'if-none-match': String(gazetteer.headers.etag) })).statusCode, 304);
      await db.query("INSERT INTO place_name (settlement_id, name, language, kind, source) VALUES ($1, 'Ծառաձոր', 'hy', 'local', 'test')", [settlement!.id]);
      const renamed = await get(url('gazetteer'), { ...fieldUser, 'if-none-match': String(gazetteer.headers.etag) });
      assert.equal(renamed.statusCode, 200, 'a new name of a place of the area changes its extract');
      assert.notEqual(renamed.headers.etag, gazetteer.headers.etag);
    });

    test('the styles validate: files in order under the gazetteer, labels in the language asked for, opening at the data', async () => {
      const background = (await get('/tiles/basemap/style.json?lang=hy')).json();
      assert.deepEqual(validateStyleMin(background).map((e) => e.message), []);
      assert.equal(background.glyphs, 'http://localhost:80/tiles/fonts/{fontstack}/{range}.pbf');
      assert.deepEqual(Object.keys(background.sources), ['basemap-national', 'basemap-omt', 'basemap-sheet', 'gazetteer']);
      const ids: string[] = background.layers.map((l: { id: string }) => l.id);
      const firstOf = (prefix: string) => ids.findIndex((id) => id.startsWith(prefix));
      assert.ok(firstOf('basemap-national-') < firstOf('basemap-omt-') && firstOf('basemap-omt-') < firstOf('basemap-sheet-') && firstOf('basemap-sheet-') < firstOf('gazetteer-'));
      assert.ok(!ids.includes('gazetteer-land'), 'vector basemaps draw the land');
      const places = background.layers.find((l: { id: string }) => l.id === 'basemap-omt-places');
      assert.deepEqual(places.layout['text-field'].slice(0, 2), ['coalesce', ['get', 'name:hy']]);
      assert.ok(JSON.stringify(background.layers.find((l: { id: string }) => l.id === 'basemap-national-places_locality').layout['text-field']).includes('name:hy'));
      assert.equal((await get('/tiles/basemap/style.json?lang=xx')).statusCode, 400);
      const national = background.layers.filter((l: { source?: string }) => l.source === 'basemap-national');
      assert.ok(national.length > 10 && national.every((l: { 'source-layer': string }) => ['earth', 'water', 'roads', 'places', 'boundaries'].includes(l['source-layer'])), 'only layers of source layers the file has');

      const full = (await get('/tiles/style.json?lang=ru', actors.auth('analyst'))).json();
      assert.deepEqual(validateStyleMin(full).map((e) => e.message), []);
      const fullIds: string[] = full.layers.map((l: { id: string }) => l.id);
      assert.ok(fullIds.indexOf('gazetteer-labels-settlement') < fullIds.indexOf('hazards-fill'), 'the background lies under the register');
      const [west, south, east, north] = full.metadata['safeground:bounds'];
      assert.ok(west >= -76 && east <= -74.8 && south >= 6.5 && north <= 7.5, `opens at the data: ${full.metadata['safeground:bounds']}`);
    });
  });
}

describe('where the map opens on an empty register', () => {
  for (const backend of testBackends().slice(0, 1)) {
    test(`the instance's country (${backend.name})`, async () => {
      const db = await backend.open();
      const app = await buildServer({ db });
      try {
        await seedCountries(db);
        assert.equal((await app.inject('/tiles/basemap/style.json')).json().metadata['safeground:bounds'], null, 'no data, no country: the client\'s default');
        await db.query(`INSERT INTO setting (key, value) VALUES ('country', '"Armenia"')`);
        const [west, south, east, north] = (await app.inject('/tiles/basemap/style.json')).json().metadata['safeground:bounds'];
        assert.ok(west > 43 && west < 44 && east > 46 && east < 47 && south > 38 && north < 41.5, `Armenia's box: ${[west, south, east, north].join(', ')}`);
      } finally {
        await app.close();
        await db.close();
      }
    });
  }
});
