/**
 * OGC API – Features Part 1, core (with GeoJSON, HTML and OpenAPI 3.0): one test per
 * requirement group of the abstract test suite, against the small demo dataset, on every backend.
 * Expected figures come from the database directly, not from the code under test.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testBackends } from '../../test/support/backends.ts';
import { CONFORMANCE, DEFAULT_LIMIT, MAX_LIMIT } from './routes.ts';
import { demoSuite, type Link, linkOf, pathOf } from './test-support.ts';

const COLLECTION_IDS = ['hazards', 'release-products', 'finds', 'activities', 'minefield-records', 'accidents', 'settlements', 'administrative-areas'];

interface FeatureCollection {
  type: string;
  numberMatched?: number;
  numberReturned: number;
  timeStamp: string;
  features: { type: string; id: string; geometry: { type: string; coordinates: number[] }; properties: Record<string, unknown> }[];
  links: Link[];
}

for (const backend of testBackends()) {
  describe(`OGC API – Features core on ${backend.name}`, () => {
    const demo = demoSuite(backend);
    const get = demo.get;
    const items = async (url: string): Promise<FeatureCollection> => {
      const response = await get(url);
      assert.equal(response.statusCode, 200, response.body);
      assert.match(response.headers['content-type'] as string, /^application\/geo\+json/);
      return response.json();
    };
    const count = async (sql: string, params: unknown[] = []) => (await demo.server.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, params))[0]!.n;

    test('landing page: links to the API definition, the conformance declaration and the collections (/req/core/root-success)', async () => {
      const response = await get('/ogc', {});
      assert.equal(response.statusCode, 200);
      const { links } = response.json<{ links: Link[] }>();
      assert.ok(linkOf(links, 'self', 'application/json'));
      assert.ok(linkOf(links, 'alternate', 'text/html'));
      assert.equal(pathOf(linkOf(links, 'service-desc', 'application/vnd.oai.openapi+json;version=3.0')!.href), '/ogc/api');
      assert.equal(pathOf(linkOf(links, 'conformance')!.href), '/ogc/conformance');
      assert.equal(pathOf(linkOf(links, 'data')!.href), '/ogc/collections');
    });

    test('conformance declaration lists core, GeoJSON, HTML, OpenAPI 3.0, CRS and filtering (/req/core/conformance-success)', async () => {
      const body = (await get('/ogc/conformance', {})).json<{ conformsTo: string[] }>();
      for (const part of ['ogcapi-features-1/1.0/conf/core', 'ogcapi-features-1/1.0/conf/geojson', 'ogcapi-features-1/1.0/conf/html', 'ogcapi-features-1/1.0/conf/oas30']) {
        assert.ok(body.conformsTo.includes(`http://www.opengis.net/spec/${part}`), part);
      }
      assert.deepEqual(body.conformsTo, CONFORMANCE);
    });

    test('the API definition is OpenAPI 3.0 and describes every collection’s items with its parameters (/conf/oas30)', async () => {
      const response = await get('/ogc/api', {});
      assert.match(response.headers['content-type'] as string, /^application\/vnd\.oai\.openapi\+json;version=3\.0/);
      type Parameter = { name: string; schema: Record<string, unknown> };
      const document = response.json<{
        openapi: string;
        servers: { url: string }[];
        paths: Record<string, { get: { parameters: (Parameter | { $ref: string })[] } }>;
        components: { parameters: Record<string, Parameter> };
      }>();
      assert.match(document.openapi, /^3\.0\./);
      assert.match(document.servers[0]!.url, /\/ogc$/);
      const resolve = (p: Parameter | { $ref: string }) => ('$ref' in p ? document.components.parameters[p.$ref.replace('#/components/parameters/', '')]! : p);
      for (const id of COLLECTION_IDS) {
        const names = document.paths[`/collections/${id}/items`]!.get.parameters.map((p) => resolve(p).name);
        for (const name of ['limit', 'bbox', 'datetime', 'crs', 'bbox-crs', 'filter', 'filter-lang', 'sortby', 'properties']) assert.ok(names.includes(name), `${id}: ${name}`);
      }
      assert.deepEqual(document.components.parameters.limit!.schema, { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT }, 'QGIS reads the page size here');
    });

    test('collections: each with id, extent and an items link, and the same in its own document (/req/core/fc-md-*, sfc-md-success)', async () => {
      const body = (await get('/ogc/collections')).json<{ links: Link[]; collections: { id: string; extent: { spatial?: { bbox: number[][] } }; links: Link[] }[] }>();
      assert.ok(linkOf(body.links, 'self'));
      assert.ok(linkOf(body.links, 'alternate', 'text/html'));
      assert.deepEqual(body.collections.map((c) => c.id), COLLECTION_IDS);
      const [extent] = await demo.server.db.query<{ w: number; s: number; e: number; n: number }>('SELECT ST_XMin(b) w, ST_YMin(b) s, ST_XMax(b) e, ST_YMax(b) n FROM (SELECT ST_Extent(geom) b FROM hazard) x');
      for (const collection of body.collections) {
        assert.equal(pathOf(linkOf(collection.links, 'items', 'application/geo+json')!.href), `/ogc/collections/${collection.id}/items`);
        const own = (await get(`/ogc/collections/${collection.id}`)).json();
        assert.deepEqual(own, collection);
      }
      const [w, s, e, n] = body.collections[0]!.extent.spatial!.bbox[0]!;
      assert.ok(w! <= extent!.w && s! <= extent!.s && e! >= extent!.e && n! >= extent!.n, 'the hazards extent holds every hazard');
      assert.equal((await get('/ogc/collections/no-such-collection')).statusCode, 404);
    });

    test('the public sees the gazetteer collections only; operational ones need data.read', async () => {
      const body = (await get('/ogc/collections', {})).json<{ collections: { id: string }[] }>();
      assert.deepEqual(body.collections.map((c) => c.id), ['settlements', 'administrative-areas']);
      assert.equal((await get('/ogc/collections/hazards/items', {})).statusCode, 401);
      assert.equal((await get('/ogc/collections/settlements/items', {})).statusCode, 200);
    });

    test('items: a GeoJSON FeatureCollection with timeStamp, self and alternate links, the default page (/req/core/fc-response, fc-links)', async () => {
      const body = await items('/ogc/collections/hazards/items');
      assert.equal(body.type, 'FeatureCollection');
      assert.ok(!Number.isNaN(Date.parse(body.timeStamp)));
      const total = await count('hazard');
      assert.ok(total < DEFAULT_LIMIT);
      assert.equal(body.numberReturned, total);
      assert.equal(body.features.length, total);
      assert.equal(body.numberMatched, total);
      assert.ok(linkOf(body.links, 'self', 'application/geo+json'));
      assert.ok(linkOf(body.links, 'alternate', 'text/html'));
      for (const feature of body.features) {
        assert.equal(feature.type, 'Feature');
        assert.equal(feature.geometry.type, 'MultiPolygon');
        assert.equal(typeof feature.properties.reference, 'string');
      }
    });

    test('limit: at most that many features; above the maximum it is cut to it, below 1 refused (/req/core/fc-limit-*)', async () => {
      assert.equal((await items('/ogc/collections/finds/items?limit=7')).numberReturned, 7);
      const all = await items(`/ogc/collections/finds/items?limit=${MAX_LIMIT * 10}`);
      assert.equal(all.numberReturned, Math.min(MAX_LIMIT, await count('find')));
      for (const bad of ['0', '-1', '2.5', 'ten']) assert.equal((await get(`/ogc/collections/finds/items?limit=${bad}`)).statusCode, 400, bad);
    });

    test('bbox: exactly the features whose geometry intersects the box; numberMatched and numberReturned agree (/req/core/fc-bbox-*)', async () => {
      const box = [-75.5, 6.8, -75.2, 7.1];
      const expected = await count('hazard WHERE ST_Intersects(geom, ST_MakeEnvelope($1, $2, $3, $4, 4326))', box);
      assert.ok(expected > 10 && expected < (await count('hazard')), 'the box selects some hazards, not all');
      const body = await items(`/ogc/collections/hazards/items?bbox=${box.join(',')}&limit=1000`);
      assert.equal(body.numberMatched, expected);
      assert.equal(body.numberReturned, expected);
      const ids = body.features.map((f) => f.id);
      const inside = await demo.server.db.query<{ id: string }>(
        'SELECT id::text AS id FROM hazard WHERE id = ANY($1::uuid[]) AND ST_Intersects(geom, ST_MakeEnvelope($2, $3, $4, $5, 4326))',
        [ids, ...box],
      );
      assert.equal(inside.length, ids.length);
      const heights = await items(`/ogc/collections/hazards/items?bbox=-75.5,6.8,0,-75.2,7.1,100&limit=1`);
      assert.equal(heights.numberMatched, expected, 'a 6-number bbox ignores heights');
    });

    test('datetime: instants, closed and open intervals select by the collection’s time (/req/core/fc-time-*)', async () => {
      const cases: [string, string, unknown[]][] = [
        ['2020-07-16', "found_on = '2020-07-16'", []],
        ['2020-07-16T12:00:00Z', "found_on = '2020-07-16'", []],
        ['2019-01-01/2019-12-31', "found_on BETWEEN '2019-01-01' AND '2019-12-31'", []],
        ['2021-03-01/..', "found_on >= '2021-03-01'", []],
        ['../2015-06-30', "found_on <= '2015-06-30'", []],
        ['/2015-06-30', "found_on <= '2015-06-30'", []],
      ];
      for (const [datetime, where] of cases) {
        const expected = await count(`find WHERE ${where}`);
        const body = await items(`/ogc/collections/finds/items?datetime=${encodeURIComponent(datetime)}&limit=1`);
        assert.equal(body.numberMatched, expected, datetime);
      }
      const open = await count("hazard WHERE created_at <= '2018-01-01' AND (release_date IS NULL OR release_date >= '2018-01-01')");
      assert.equal((await items('/ogc/collections/hazards/items?datetime=2018-01-01T00:00:00Z&limit=1')).numberMatched, open, 'a hazard is valid from recorded to released');
      assert.equal((await items('/ogc/collections/settlements/items?datetime=2018-01-01')).numberMatched, 0, 'places without time match no instant');
      assert.equal((await get('/ogc/collections/finds/items?datetime=2020-02-30')).statusCode, 400);
      assert.equal((await get('/ogc/collections/finds/items?datetime=2021-01-01/2020-01-01')).statusCode, 400);
    });

    test('paging: next links walk every feature once, prev links walk back; numberMatched on the first page, numberReturned counts each (/req/core/fc-next-*)', async () => {
      const total = await count('release_product');
      const seen: string[] = [];
      const pages: FeatureCollection[] = [];
      let url: string | undefined = '/ogc/collections/release-products/items?limit=37';
      while (url) {
        const body = await items(url);
        pages.push(body);
        assert.equal(body.numberMatched, pages.length === 1 ? total : undefined);
        assert.equal(body.numberReturned, body.features.length);
        seen.push(...body.features.map((f) => f.id));
        const next = linkOf(body.links, 'next');
        url = next && pathOf(next.href);
      }
      assert.equal(seen.length, total);
      assert.equal(new Set(seen).size, total);
      assert.equal(pages.length, Math.ceil(total / 37));
      assert.equal(linkOf(pages[0]!.links, 'prev'), undefined, 'the first page has no prev');
      for (let i = pages.length - 1; i > 0; i--) {
        const back = await items(pathOf(linkOf(pages[i]!.links, 'prev')!.href));
        assert.deepEqual(back.features.map((f) => f.id), pages[i - 1]!.features.map((f) => f.id), `prev of page ${i + 1}`);
      }
      const paged = await items(`/ogc/collections/finds/items?category=ap_mine&limit=25`);
      assert.equal(paged.numberMatched, await count("find WHERE category = 'ap_mine'"));
      const second = await items(pathOf(linkOf(paged.links, 'next')!.href));
      assert.equal(second.features.length, 25);
      assert.ok(second.features.every((f) => f.properties.category === 'ap_mine'), 'next links keep the filters');
    });

    test('unknown or invalid query parameters are refused with 400 naming them (/req/core/query-param-*)', async () => {
      const unknown = await get('/ogc/collections/hazards/items?colour=red');
      assert.equal(unknown.statusCode, 400);
      assert.match(unknown.json().error.message, /colour/);
      assert.equal((await get('/ogc?nonsense=1', {})).statusCode, 400);
      assert.equal((await get('/ogc/collections?x=1')).statusCode, 400);
      assert.equal((await get('/ogc/collections/hazards/items?bbox=1,2,3')).statusCode, 400);
    });

    test('one feature: id, geometry, self and collection links, its version as ETag; unknown ids are 404 (/req/core/f-*)', async () => {
      const [hazard] = await demo.server.db.query<{ id: string; version: number; reference: string }>('SELECT id::text AS id, version, reference FROM hazard ORDER BY reference LIMIT 1');
      const response = await get(`/ogc/collections/hazards/items/${hazard!.id}`);
      assert.equal(response.statusCode, 200);
      assert.match(response.headers['content-type'] as string, /^application\/geo\+json/);
      assert.equal(response.headers.etag, `"${hazard!.version}"`);
      const feature = response.json();
      assert.equal(feature.id, hazard!.id);
      assert.equal(feature.properties.reference, hazard!.reference);
      assert.ok(linkOf(feature.links, 'self'));
      assert.ok(linkOf(feature.links, 'alternate', 'text/html'));
      assert.equal(pathOf(linkOf(feature.links, 'collection')!.href), '/ogc/collections/hazards');
      assert.equal((await get('/ogc/collections/hazards/items/00000000-0000-4000-8000-000000000000')).statusCode, 404);
      assert.equal((await get('/ogc/collections/hazards/items/not-an-id')).statusCode, 404);
    });

    test('HTML: with f=html or when a browser asks for it, every resource is a page (/conf/html)', async () => {
      for (const url of ['/ogc', '/ogc/conformance', '/ogc/collections', '/ogc/collections/hazards', '/ogc/collections/hazards/items', '/ogc/collections/hazards/queryables']) {
        const asked = await get(`${url}?f=html`);
        assert.equal(asked.statusCode, 200, url);
        assert.match(asked.headers['content-type'] as string, /^text\/html/, url);
        assert.match(asked.body, /^<!doctype html>/);
        const browser = await get(url, { ...demo.analyst, accept: 'text/html,application/xhtml+xml,*/*;q=0.8' });
        assert.match(browser.headers['content-type'] as string, /^text\/html/, url);
      }
      const page = (await get('/ogc/collections/hazards/items?f=html&limit=3')).body;
      assert.match(page, /<table>/);
      assert.match(page, /Next page/);
    });

    test('place names: all names and a display name in the display_language setting', async () => {
      const [area] = await demo.server.db.query<{ id: string }>("SELECT admin_area_id::text AS id FROM place_name WHERE language = 'es' AND admin_area_id IS NOT NULL LIMIT 1");
      const show = async () => (await get(`/ogc/collections/administrative-areas/items/${area!.id}`, {})).json().properties as { name: string; names: { name: string; language: string; kind: string }[] };
      const names = await demo.server.db.query<{ name: string; language: string }>('SELECT name, language FROM place_name WHERE admin_area_id = $1', [area!.id]);
      const before = await show();
      assert.equal(before.names.length, names.length);
      assert.equal(before.name, names.find((n) => n.language === 'en')!.name, 'official first without a setting');
      await demo.server.db.query(`INSERT INTO setting (key, value) VALUES ('display_language', '"es"')`);
      try {
        assert.equal((await show()).name, names.find((n) => n.language === 'es')!.name);
      } finally {
        await demo.server.db.query("DELETE FROM setting WHERE key = 'display_language'");
      }
    });

    test('accidents carry no victim details; settlements show displacement only with data.read', async () => {
      const accident = (await items('/ogc/collections/accidents/items?limit=1')).features[0]!;
      assert.deepEqual(Object.keys(accident.properties).filter((k) => /victim|name|age|sex|description/i.test(k)), []);
      const open = (await get('/ogc/collections/settlements/items?limit=1', {})).json().features[0].properties;
      const internal = (await items('/ogc/collections/settlements/items?limit=1')).features[0]!.properties;
      assert.equal('displacedPopulation' in open, false);
      assert.equal('displacedPopulation' in internal, true);
      assert.equal((await get('/ogc/collections/settlements/items?filter=displacedPopulation%20%3E%200', {})).statusCode, 400);
    });
  });
}
