/**
 * What desktop GIS clients need of the OGC API beyond Part 1, on every backend: trailing slashes,
 * 405 and OPTIONS with Allow, 401 challenges, Basic authentication with an API token, sortby with
 * keyset paging, property selection, CQL2 JSON, CASEI and ACCENTI, and the schemas QGIS reads.
 * Expected figures come from SQL written here, not from the code under test.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testBackends } from '../../test/support/backends.ts';
import { demoSuite, type Link, linkOf, pathOf } from './test-support.ts';

interface Page {
  numberMatched?: number;
  numberReturned: number;
  features: { id: string; properties: Record<string, unknown>; geometry: unknown }[];
  links: Link[];
}

const basic = (username: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` });

for (const backend of testBackends()) {
  describe(`OGC API – Features for desktop clients on ${backend.name}`, () => {
    const demo = demoSuite(backend);
    const get = demo.get;
    const page = async (url: string): Promise<Page> => {
      const response = await get(url);
      assert.equal(response.statusCode, 200, `${url}: ${response.body}`);
      return response.json();
    };
    /** Every feature id, following next links from the first page. */
    const walk = async (url: string): Promise<{ ids: string[]; pages: Page[] }> => {
      const ids: string[] = [];
      const pages: Page[] = [];
      for (let next: string | undefined = url; next; ) {
        const body = await page(next);
        pages.push(body);
        ids.push(...body.features.map((f) => f.id));
        const link = linkOf(body.links, 'next');
        next = link && pathOf(link.href);
      }
      return { ids, pages };
    };
    const ids = async (sql: string, params: unknown[] = []) => (await demo.server.db.query<{ id: string }>(`SELECT t.id::text AS id FROM ${sql}`, params)).map((r) => r.id);

    test('a trailing slash reaches the same resource (OWSLib and QGIS add one)', async () => {
      for (const path of ['/ogc', '/ogc/collections', '/ogc/conformance', '/ogc/collections/hazards']) {
        const plain = await get(path);
        const slashed = await get(`${path}/`);
        assert.equal(slashed.statusCode, 200, path);
        assert.deepEqual(slashed.json().conformsTo ?? slashed.json().collections?.length ?? slashed.json().id, plain.json().conformsTo ?? plain.json().collections?.length ?? plain.json().id, path);
      }
    });

    test('a method a path does not take is 405 with Allow; OPTIONS lists them; unknown paths stay 404', async () => {
      const post = await demo.server.app.inject({ method: 'POST', url: '/ogc/collections/finds/items', headers: { ...demo.analyst, 'content-type': 'application/json' }, payload: '{}' });
      assert.equal(post.statusCode, 405);
      assert.equal(post.headers.allow, 'GET, HEAD');
      assert.match(post.json().error.message, /POST \/ogc\/collections\/finds\/items is not allowed; use GET, HEAD/);
      const del = await demo.server.app.inject({ method: 'DELETE', url: '/ogc/collections/hazards/items', headers: demo.analyst });
      assert.equal(del.statusCode, 405);
      assert.equal(del.headers.allow, 'GET, HEAD, POST');
      assert.equal((await demo.server.app.inject({ method: 'PUT', url: '/ogc/', headers: demo.analyst })).headers.allow, 'GET, HEAD');
      const options = await demo.server.app.inject({ method: 'OPTIONS', url: '/ogc/collections/hazards/items' });
      assert.equal(options.statusCode, 204);
      assert.equal(options.headers.allow, 'GET, HEAD, POST, OPTIONS');
      const readOnly = await demo.server.app.inject({ method: 'OPTIONS', url: '/ogc/collections/finds/items/00000000-0000-4000-8000-000000000000' });
      assert.equal(readOnly.headers.allow, 'GET, HEAD, OPTIONS');
      assert.equal((await demo.server.app.inject({ method: 'POST', url: '/ogc/collections/nothing/items' })).statusCode, 404);
    });

    test('401s say how to authenticate: Basic or Bearer on the OGC API, Bearer elsewhere', async () => {
      const ogc = await get('/ogc/collections/hazards/items', {});
      assert.equal(ogc.statusCode, 401);
      assert.equal(ogc.headers['www-authenticate'], 'Basic realm="Safeground", Bearer');
      const api = await get('/api/hazards', {});
      assert.equal(api.statusCode, 401);
      assert.equal(api.headers['www-authenticate'], 'Bearer', 'no Basic challenge where a browser would pop up a password dialog over the web app');
      assert.equal((await get('/ogc/collections/settlements/items?limit=1', {})).headers['www-authenticate'], undefined);
    });

    test('HTTP Basic with the owner’s username and an API token as the password acts as the token', async () => {
      const token = demo.server.actors.tokens.analyst;
      const body = (await get('/ogc/collections', basic('test_analyst', token))).json<{ collections: { id: string }[] }>();
      assert.equal(body.collections.length, 8, 'the demo.analyst sees every collection');
      assert.equal((await get('/ogc/collections/hazards/items?limit=1', basic('test_analyst', token))).statusCode, 200);
      const someoneElse = await get('/ogc/collections/hazards/items?limit=1', basic('test_field_user', token));
      assert.equal(someoneElse.statusCode, 401);
      assert.match(someoneElse.json().error.message, /not one of "test_field_user"'s/);
      const revokedOrWrong = await get('/ogc/collections/hazards/items?limit=1', basic('test_analyst', `${token}x`));
      assert.equal(revokedOrWrong.statusCode, 401);
      assert.match(revokedOrWrong.json().error.message, /given as the password is not valid/);
      const garbled = await get('/ogc/collections', { authorization: 'Basic %%%' });
      assert.equal(garbled.statusCode, 401);
      assert.match(garbled.json().error.message, /Bearer <token>", or Basic with a username and an API token/);
    });

    test('a write with Basic credentials is taken from a GIS client and refused when another site makes a browser send it', async () => {
      const feature = {
        type: 'Feature',
        geometry: { type: 'Polygon', coordinates: [[[-75.3, 6.9], [-75.29, 6.9], [-75.29, 6.91], [-75.3, 6.9]]] },
        properties: { reference: 'QGIS-BASIC-1', kind: 'sha', status: 'active', source: 'QGIS' },
      };
      const headers = { ...basic('test_field_user', demo.server.actors.tokens.field_user), 'content-type': 'application/geo+json' };
      const post = (extra: Record<string, string>) => demo.server.app.inject({ method: 'POST', url: '/ogc/collections/hazards/items', headers: { ...headers, ...extra }, payload: JSON.stringify(feature) });
      assert.equal((await post({})).statusCode, 202);
      const crossSite = await post({ origin: 'https://elsewhere.example', 'sec-fetch-site': 'cross-site' });
      assert.equal(crossSite.statusCode, 403);
      assert.match(crossSite.json().error.message, /Basic credentials from another site/);
      assert.equal((await post({ origin: 'https://elsewhere.example' })).statusCode, 403, 'Origin alone, from browsers without Sec-Fetch-Site');
    });

    test('sortby orders as SQL does, nulls last ascending and first descending, and next links page through it by cursor', async () => {
      const cases: [string, string, string, number][] = [
        ['finds', '-foundOn,category', 'find t ORDER BY found_on DESC NULLS FIRST, category ASC NULLS LAST, t.id', 700],
        ['finds', 'ordnanceModel,-depthCm', 'find t LEFT JOIN ordnance_model m ON m.id = t.ordnance_model_id ORDER BY m.name ASC NULLS LAST, depth_cm DESC NULLS FIRST, t.id', 700],
        ['hazards', 'releaseDate', 'hazard t ORDER BY release_date ASC NULLS LAST, t.id', 30],
        ['hazards', '-releaseDate,+kind', 'hazard t ORDER BY release_date DESC NULLS FIRST, kind ASC NULLS LAST, t.id', 30],
      ];
      const [nulls] = await demo.server.db.query<{ n: number; released: number }>('SELECT count(*) FILTER (WHERE release_date IS NULL)::int AS n, count(release_date)::int AS released FROM hazard');
      assert.ok(nulls!.n > 60 && nulls!.released > 60, 'hazards with and without a release date span pages, so null ordering is tested');
      for (const [collection, sortby, sql, limit] of cases) {
        const expected = await ids(sql);
        const { ids: got, pages } = await walk(`/ogc/collections/${collection}/items?sortby=${encodeURIComponent(sortby)}&limit=${limit}`);
        assert.deepEqual(got, expected, sortby);
        assert.equal(pages.length, Math.ceil(expected.length / limit));
        for (let i = 1; i < pages.length; i++) {
          const back = await page(pathOf(linkOf(pages[i]!.links, 'prev')!.href));
          assert.deepEqual(back.features.map((f) => f.id), pages[i - 1]!.features.map((f) => f.id), `${sortby}: prev of page ${i + 1}`);
        }
      }
      const unencodedPlus = await page('/ogc/collections/finds/items?sortby=+depthCm&limit=5');
      assert.deepEqual(unencodedPlus.features.map((f) => f.id), (await ids('find t ORDER BY depth_cm ASC NULLS LAST, t.id')).slice(0, 5), 'a + sent unencoded arrives as a space');
      const unknown = await get('/ogc/collections/finds/items?sortby=colour');
      assert.equal(unknown.statusCode, 400);
      assert.match(unknown.json().error.message, /query\.sortby: "colour" is not a sortable property; use externalId, category/);
      const forged = await get('/ogc/collections/finds/items?sortby=depthCm&after=00000000-0000-4000-8000-000000000000');
      assert.equal(forged.statusCode, 400);
      assert.match(forged.json().error.message, /not a cursor of this query/);
      const sortables = (await get('/ogc/collections/finds/sortables')).json();
      assert.equal(sortables.properties.foundOn.format, 'date');
      assert.equal(sortables.properties.geometry, undefined);
    });

    test('a page of 10,000 is read in chunks yet is one ordered page; the default page is the largest', async () => {
      const expected = await ids('find t ORDER BY t.id');
      const body = await page('/ogc/collections/finds/items');
      assert.deepEqual(body.features.map((f) => f.id), expected.slice(0, 10_000));
      assert.equal(body.numberMatched, expected.length);
    });

    test('properties returns only the properties named; unknown names are refused', async () => {
      const body = await page('/ogc/collections/finds/items?properties=category,foundOn&limit=3');
      for (const feature of body.features) assert.deepEqual(Object.keys(feature.properties), ['category', 'foundOn']);
      assert.ok(body.features.every((f) => f.geometry !== null), 'the geometry stays');
      assert.deepEqual(Object.keys((await page('/ogc/collections/finds/items?properties=&limit=1')).features[0]!.properties), []);
      const one = (await get(`/ogc/collections/finds/items/${body.features[0]!.id}?properties=depthCm`)).json();
      assert.deepEqual(Object.keys(one.properties), ['depthCm']);
      const wrong = await get('/ogc/collections/finds/items?properties=category,victimName');
      assert.equal(wrong.statusCode, 400);
      assert.match(wrong.json().error.message, /"victimName" is not a property of finds/);
      assert.equal((await get('/ogc/collections/settlements/items?properties=displacedPopulation', {})).statusCode, 400, 'internal properties stay hidden from the public');
    });

    test('CQL2 JSON selects what the same CQL2 text and SQL select', async () => {
      const json = { op: 'and', args: [{ op: '=', args: [{ property: 'category' }, 'at_mine'] }, { op: '>=', args: [{ property: 'foundOn' }, { date: '2020-01-01' }] }, { op: 's_intersects', args: [{ property: 'geometry' }, { bbox: [-75.9, 6.6, -75.3, 7.4] }] }] };
      const expected = await ids("find t WHERE category = 'at_mine' AND found_on >= '2020-01-01' AND ST_Intersects(geom, ST_MakeEnvelope(-75.9, 6.6, -75.3, 7.4, 4326)) ORDER BY t.id");
      assert.ok(expected.length > 0);
      const viaJson = await page(`/ogc/collections/finds/items?filter-lang=cql2-json&filter=${encodeURIComponent(JSON.stringify(json))}`);
      assert.deepEqual(viaJson.features.map((f) => f.id), expected);
      const viaText = await page(`/ogc/collections/finds/items?filter=${encodeURIComponent("category = 'at_mine' AND foundOn >= DATE('2020-01-01') AND S_INTERSECTS(geometry, BBOX(-75.9, 6.6, -75.3, 7.4))")}`);
      assert.deepEqual(viaText.features.map((f) => f.id), expected);
      const bad = await get(`/ogc/collections/finds/items?filter-lang=cql2-json&filter=${encodeURIComponent('{"op": "=", "args": [{"property": "colour"}, 1]}')}`);
      assert.equal(bad.statusCode, 400);
      assert.match(bad.json().error.message, /"colour" is not a queryable of finds; .* at \$\.args\[0\]$/);
    });

    test('CASEI and ACCENTI compare without case and accents, as the same folding in JavaScript does', async () => {
      const references = await demo.server.db.query<{ reference: string }>('SELECT reference FROM hazard ORDER BY reference LIMIT 1');
      const lower = references[0]!.reference.toLowerCase();
      assert.notEqual(lower, references[0]!.reference);
      assert.equal((await page(`/ogc/collections/hazards/items?filter=${encodeURIComponent(`reference = '${lower}'`)}`)).numberMatched, 0);
      assert.equal((await page(`/ogc/collections/hazards/items?filter=${encodeURIComponent(`CASEI(reference) = CASEI('${lower}')`)}`)).numberMatched, 1);
      await demo.server.db.query(`INSERT INTO setting (key, value) VALUES ('display_language', '"es"')`);
      try {
        const names = await demo.server.db.query<{ name: string }>("SELECT name FROM place_name WHERE language = 'es' AND admin_area_id IS NOT NULL");
        const folded = (text: string) => text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
        const wanted = 'region demo 1';
        const expected = names.filter((n) => folded(n.name) === wanted).length;
        assert.ok(expected > 0 && names.some((n) => n.name !== folded(n.name)), 'the names have accents and capitals');
        const matched = async (filter: string) => (await page(`/ogc/collections/administrative-areas/items?filter=${encodeURIComponent(filter)}`)).numberMatched;
        assert.equal(await matched(`ACCENTI(CASEI(name)) = '${wanted}'`), expected);
        assert.equal(await matched(`CASEI(name) = '${wanted}'`), 0, 'case alone does not fold the accent');
        assert.equal(await matched(`ACCENTI(CASEI(name)) LIKE 'region demo %'`), names.filter((n) => folded(n.name).startsWith('region demo ')).length);
      } finally {
        await demo.server.db.query("DELETE FROM setting WHERE key = 'display_language'");
      }
      const wrongType = await get(`/ogc/collections/finds/items?filter=${encodeURIComponent('CASEI(depthCm) = 1')}`);
      assert.equal(wrongType.statusCode, 400);
    });

    test('queryables list the values of enumerated properties; the Part 5 schema gives every property its type', async () => {
      const queryables = (await get('/ogc/collections/finds/queryables')).json();
      assert.deepEqual(queryables.properties.category.enum, ['ap_mine', 'at_mine', 'uxo', 'axo', 'submunition', 'ied']);
      const [categories] = await demo.server.db.query<{ values: string[] }>('SELECT array_agg(DISTINCT category) AS values FROM find');
      assert.ok(categories!.values.every((c) => queryables.properties.category.enum.includes(c)), 'every stored category is listed');
      const collection = (await get('/ogc/collections/hazards')).json();
      const schemaLink = collection.links.find((l: Link) => l.rel === 'http://www.opengis.net/def/rel/ogc/1.0/schema');
      assert.equal(schemaLink.type, 'application/schema+json');
      const schema = (await get(pathOf(schemaLink.href))).json();
      assert.equal(schema.properties.id['x-ogc-role'], 'id');
      assert.deepEqual(schema.properties.geometry, { 'x-ogc-role': 'primary-geometry', format: 'geometry-multipolygon' });
      assert.equal(schema.properties.estimatedAreaM2.type, 'number');
      assert.equal(schema.properties.releaseDate.format, 'date');
      assert.equal(schema.properties.createdAt.format, 'date-time');
      assert.deepEqual(schema.properties.evidence.items.enum.slice(0, 2), ['old_survey', 'former_front_line']);
      assert.equal(schema.properties.version.readOnly, true);
      const sequence = Object.values(schema.properties as Record<string, { 'x-ogc-propertySeq'?: number }>).flatMap((p) => p['x-ogc-propertySeq'] ?? []);
      assert.deepEqual(sequence, sequence.map((_, i) => i + 1));
      const feature = (await page('/ogc/collections/hazards/items?limit=1')).features[0]!;
      assert.deepEqual(Object.keys(feature.properties), Object.keys(schema.properties).filter((k) => k !== 'id' && k !== 'geometry'));
    });

    test('a round area keeps its decimal point, so clients that guess types from the first features make it a real number', async () => {
      const [round] = await demo.server.db.query<{ id: string }>('SELECT id::text AS id FROM hazard WHERE estimated_area_m2 = trunc(estimated_area_m2) LIMIT 1');
      assert.ok(round, 'the demo has a hazard with a whole-number area');
      const text = (await get(`/ogc/collections/hazards/items?filter=${encodeURIComponent(`"estimatedAreaM2" IS NOT NULL`)}&limit=10000`)).body;
      const match = new RegExp(`"id":"${round.id}".*?"estimatedAreaM2":([^,}]+)`).exec(text);
      assert.match(match![1]!, /^\d+\.0$/);
    });
  });
}
