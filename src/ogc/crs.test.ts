/**
 * OGC API – Features Part 2 (coordinate reference systems) against the demo dataset on every
 * backend: output in each offered CRS, bbox in another CRS, and the refusals.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testBackends } from '../../test/support/backends.ts';
import { CRS84, offeredCrs, parseCrs, utmZones } from './crs.ts';
import { parseBbox } from './query.ts';
import { demoSuite } from './test-support.ts';

const EPSG = 'http://www.opengis.net/def/crs/EPSG/0/';

test('UTM zones of an area: every zone it spans, north and south of the equator', () => {
  assert.deepEqual(utmZones([-75.9, 6.6, -74.9, 7.4]), [32618]);
  assert.deepEqual(utmZones([-73, -1, -65, 2]), [32618, 32619, 32620, 32718, 32719, 32720]);
  assert.deepEqual(utmZones([-180, -80, 180, 80]), [], 'the whole world is no field area');
  assert.deepEqual(offeredCrs(null), [CRS84, `${EPSG}4326`, `${EPSG}3857`]);
});

test('CRS names: URIs and the short forms clients send; anything else is refused naming the value', () => {
  assert.equal(parseCrs('crs', undefined).uri, CRS84);
  assert.equal(parseCrs('crs', '[OGC:CRS84]').uri, CRS84);
  assert.deepEqual(parseCrs('crs', 'EPSG:4326'), { uri: `${EPSG}4326`, srid: 4326, latitudeFirst: true });
  assert.equal(parseCrs('crs', `${EPSG}32718`).srid, 32718);
  assert.throws(() => parseCrs('bbox-crs', 'EPSG:2154'), /query\.bbox-crs: "EPSG:2154" is not a CRS this server supports/);
  assert.throws(() => parseCrs('crs', `${EPSG}32661`), /not a CRS/);
});

test('bbox: axis order of its CRS, antimeridian split, ranges checked', () => {
  const crs84 = parseCrs('bbox-crs', undefined);
  const epsg4326 = parseCrs('bbox-crs', 'EPSG:4326');
  assert.deepEqual(parseBbox('1,2,3,4', crs84).polygons[0]!.coordinates[0]![2], [3, 4]);
  assert.deepEqual(parseBbox('2,1,4,3', epsg4326).polygons[0]!.coordinates[0]![2], [4, 3], 'kept in lat/lon order; the store swaps it');
  assert.equal(parseBbox('170,-10,-170,10', crs84).polygons.length, 2);
  assert.throws(() => parseBbox('1,20,3,10', crs84), /southern edge north of its northern edge/);
  assert.throws(() => parseBbox('-100,6,-99,7', epsg4326), /outside longitude -180..180 or latitude -90..90; the order is lat,lon,lat,lon/);
  assert.throws(() => parseBbox('1,2,x,4', crs84), /not 4 \(or 6, with heights\) comma-separated numbers/);
  assert.throws(() => parseBbox('500,0,400,10', parseCrs('bbox-crs', 'EPSG:32618')), /minimum above its maximum/);
});

for (const backend of testBackends()) {
  describe(`OGC API – Features CRS on ${backend.name}`, () => {
    const demo = demoSuite(backend);
    const get = demo.get;

    test('collections offer CRS84, EPSG:4326, Web Mercator and the UTM zone of the demo area; storage is CRS84', async () => {
      const collection = (await get('/ogc/collections/finds')).json();
      assert.deepEqual(collection.crs, [CRS84, `${EPSG}4326`, `${EPSG}3857`, `${EPSG}32618`]);
      assert.equal(collection.storageCrs, CRS84);
    });

    test('features in each offered CRS match PostGIS, with Content-Crs; EPSG:4326 is latitude first', async () => {
      const [find] = await demo.server.db.query<{ id: string; lon: number; lat: number }>('SELECT id::text AS id, ST_X(geom) AS lon, ST_Y(geom) AS lat FROM find ORDER BY id LIMIT 1');
      const cases: [string | null, string, [number, number]][] = [
        [null, CRS84, [find!.lon, find!.lat]],
        ['EPSG:4326', `${EPSG}4326`, [find!.lat, find!.lon]],
      ];
      for (const srid of [3857, 32618]) {
        const [p] = await demo.server.db.query<{ x: number; y: number }>(`SELECT ST_X(g) AS x, ST_Y(g) AS y FROM (SELECT ST_Transform(geom, ${srid}) AS g FROM find WHERE id = $1) t`, [find!.id]);
        cases.push([`${EPSG}${srid}`, `${EPSG}${srid}`, [p!.x, p!.y]]);
      }
      for (const [crs, uri, [x, y]] of cases) {
        const query = crs ? `?crs=${encodeURIComponent(crs)}` : '';
        const item = await get(`/ogc/collections/finds/items/${find!.id}${query}`);
        assert.equal(item.headers['content-crs'], `<${uri}>`);
        const [gx, gy] = item.json().geometry.coordinates;
        assert.ok(Math.abs(gx - x) < 1e-6 && Math.abs(gy - y) < 1e-6, `${uri}: ${gx},${gy} against ${x},${y}`);
        const page = await get(`/ogc/collections/finds/items?limit=1${query ? `&${query.slice(1)}` : ''}`);
        assert.equal(page.headers['content-crs'], `<${uri}>`);
      }
    });

    test('bbox-crs: a latitude-first EPSG:4326 box selects what the same CRS84 box does; a UTM box what PostGIS finds in UTM', async () => {
      const crs84 = (await get('/ogc/collections/finds/items?bbox=-75.5,6.8,-75.2,7.1&limit=1')).json().numberMatched;
      const latLon = (await get(`/ogc/collections/finds/items?bbox=6.8,-75.5,7.1,-75.2&bbox-crs=${encodeURIComponent(`${EPSG}4326`)}&limit=1`)).json().numberMatched;
      assert.ok(crs84 > 0);
      assert.equal(latLon, crs84);
      const box = [440_000, 750_000, 470_000, 780_000];
      const [expected] = await demo.server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM find WHERE ST_Intersects(ST_Transform(geom, 32618), ST_MakeEnvelope($1, $2, $3, $4, 32618))', box);
      assert.ok(expected!.n > 0);
      const utm = await get(`/ogc/collections/finds/items?bbox=${box.join(',')}&bbox-crs=EPSG:32618&crs=EPSG:32618&limit=10000`);
      const body = utm.json();
      assert.equal(body.numberMatched, expected!.n);
      for (const feature of body.features) {
        const [x, y] = feature.geometry.coordinates;
        assert.ok(x >= box[0]! && x <= box[2]! && y >= box[1]! && y <= box[3]!, `${feature.id} at ${x},${y}`);
      }
    });

    test('an unknown CRS in crs, bbox-crs or filter-crs is 400 naming the parameter and value', async () => {
      for (const parameter of ['crs', 'bbox-crs', 'filter-crs']) {
        const response = await get(`/ogc/collections/hazards/items?${parameter}=EPSG:27700${parameter === 'bbox-crs' ? '&bbox=1,2,3,4' : ''}`);
        assert.equal(response.statusCode, 400);
        assert.match(response.json().error.message, new RegExp(`query\\.${parameter}: "EPSG:27700" is not a CRS this server supports`));
      }
      const item = await get(`/ogc/collections/hazards/items/00000000-0000-4000-8000-000000000000?crs=EPSG:1`);
      assert.equal(item.statusCode, 400);
    });

    test('an invalid bbox is 400 saying what is wrong', async () => {
      const cases: [string, RegExp][] = [
        ['1,2,3', /not 4 \(or 6, with heights\) comma-separated numbers/],
        ['a,b,c,d', /not 4/],
        ['-75,7.1,-74,6.8', /southern edge north of its northern edge/],
        ['-75,95,-74,96', /outside longitude -180..180 or latitude -90..90/],
      ];
      for (const [bbox, message] of cases) {
        const response = await get(`/ogc/collections/hazards/items?bbox=${bbox}`);
        assert.equal(response.statusCode, 400, bbox);
        assert.match(response.json().error.message, message, bbox);
      }
    });
  });
}
