/**
 * GDAL as a real client: its OAPIF driver (ogrinfo, ogr2ogr) against the server listening on a
 * port, and its PostgreSQL driver on the gis views (the embedded store's GIS socket on PGlite, a
 * role from gis-role create on PostgreSQL), over the small demo dataset, on every backend. What
 * GDAL reads (counts, and a checksum of ids and coordinates) must equal what the database holds.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Geometry, Position } from 'geojson';
import { testBackends, testDatabaseUrl } from '../../test/support/backends.ts';
import type { PgliteDb } from '../store/pglite.ts';
import type { GisSocket } from '../store/socket.ts';
import { createGisRole, startGisSocket } from './gis.ts';
import { type DemoServer, demoServer } from './test-support.ts';

const run = promisify(execFile);

/** Every coordinate of a geometry, in order. */
function positions(geometry: Geometry): Position[] {
  switch (geometry.type) {
    case 'Point':
      return [geometry.coordinates];
    case 'MultiPoint':
    case 'LineString':
      return geometry.coordinates;
    case 'MultiLineString':
    case 'Polygon':
      return geometry.coordinates.flat();
    case 'MultiPolygon':
      return geometry.coordinates.flat(2);
    case 'GeometryCollection':
      return geometry.geometries.flatMap(positions);
  }
}

/** Sorted ids with their coordinates rounded to 1e-7 degrees (about a centimetre), hashed. */
function checksum(features: readonly { id: string; geometry: Geometry | null }[]): string {
  const lines = features
    .map((f) => `${f.id} ${f.geometry ? positions(f.geometry).map((p) => p.slice(0, 2).map((v) => Math.round(v * 1e7)).join(',')).join(';') : 'null'}`)
    .sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

for (const backend of testBackends()) {
  describe(`GDAL reads the OGC API on ${backend.name}`, () => {
    let server: DemoServer;
    let source: string;
    let folder: string;
    let token: string;
    let socket: GisSocket | null = null;
    let role: string | null = null;
    /** The gis views over PostgreSQL, as a GDAL connection string. */
    let pg: string;

    before(async () => {
      server = await demoServer(backend);
      await server.app.listen({ port: 0, host: '127.0.0.1' });
      source = `OAPIF:http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}/ogc/`;
      folder = await mkdtemp(join(tmpdir(), 'safeground-gdal-'));
      token = server.actors.tokens.analyst;
      if (backend.name === 'pglite') {
        socket = await startGisSocket(server.db as PgliteDb, { port: 0, host: '127.0.0.1', dataDir: folder, unitSeconds: 30 });
        pg = `PG:host=127.0.0.1 port=${socket.port} dbname=safeground user=test_analyst password=${token}`;
      } else {
        const [{ database } = { database: '' }] = await server.db.query<{ database: string }>('SELECT current_database() AS database');
        role = `sg_gdal_${process.pid}`;
        await server.db.transaction((tx) => createGisRole(tx, role!, 'a long test password'));
        const url = new URL(testDatabaseUrl!);
        pg = `PG:host=${url.hostname} port=${url.port || 5432} dbname=${database} user=${role} password='a long test password'`;
      }
    });
    after(async () => {
      await socket?.close();
      if (role) await server.db.exec(`DROP OWNED BY ${role}; DROP ROLE ${role}`);
      await server.close();
      await rm(folder, { recursive: true, force: true });
    });

    /**
     * A GDAL command, authenticated as the analyst by HTTP Basic with the API token as the password
     * (or a bearer token header, or not at all); its output with debug messages.
     */
    async function gdal(command: 'ogrinfo' | 'ogr2ogr', args: string[], options: { auth?: 'basic' | 'bearer' | 'none' } = {}): Promise<string> {
      const auth = {
        basic: ['--config', 'GDAL_HTTP_USERPWD', `test_analyst:${token}`, '--config', 'GDAL_HTTP_AUTH', 'BASIC'],
        bearer: ['--config', 'GDAL_HTTP_HEADERS', `Authorization: Bearer ${token}`],
        none: [],
      }[options.auth ?? 'basic'];
      const { stdout, stderr } = await run(command, [...auth, '--config', 'CPL_DEBUG', 'ON', ...args], { maxBuffer: 64 * 1024 * 1024 });
      return `${stdout}\n${stderr}`;
    }

    /** ogr2ogr one collection to a GeoJSON file and read it back; GDAL keeps the string feature id as the `id` field. */
    async function fetchAll(collection: string, args: string[] = []): Promise<{ features: { id: string; geometry: Geometry | null; properties: Record<string, unknown> }[]; log: string }> {
      const file = join(folder, `${collection}-${Math.random().toString(36).slice(2)}.geojson`);
      const log = await gdal('ogr2ogr', ['-f', 'GeoJSON', file, source, collection, ...args]);
      const json = JSON.parse(await readFile(file, 'utf8')) as { features: { geometry: Geometry | null; properties: Record<string, unknown> }[] };
      return { features: json.features.map((f) => ({ id: String(f.properties.id), geometry: f.geometry, properties: f.properties })), log };
    }

    async function stored(table: string, geometry: string, where = 'true', params: unknown[] = []) {
      return server.db.query<{ id: string; geometry: Geometry | null }>(`SELECT id::text AS id, ST_AsGeoJSON(${geometry}, 15)::json AS geometry FROM ${table} WHERE ${where}`, params);
    }

    test('ogrinfo lists every collection to an analyst (Basic or Bearer), the gazetteer to anyone', async () => {
      const layers = (output: string) => [...output.matchAll(/^\d+: ([\w-]+) \(title: /gm)].map((m) => m[1]);
      const all = ['hazards', 'release-products', 'finds', 'activities', 'minefield-records', 'accidents', 'settlements', 'administrative-areas'];
      assert.deepEqual(layers(await gdal('ogrinfo', ['-ro', source])), all);
      assert.deepEqual(layers(await gdal('ogrinfo', ['-ro', source], { auth: 'bearer' })), all);
      assert.deepEqual(layers(await gdal('ogrinfo', ['-ro', source], { auth: 'none' })), ['settlements', 'administrative-areas']);
    });

    test('ogrinfo reports the feature count the database holds (numberMatched)', async () => {
      const output = await gdal('ogrinfo', ['-ro', '-so', source, 'hazards']);
      const [expected] = await server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM hazard');
      assert.match(output, new RegExp(`Feature Count: ${expected!.n}\\n`));
      assert.match(output, /Geometry: Multi Polygon/);
    });

    test('ogr2ogr reads every hazard through the next links, ten a page: same ids and coordinates as the database', async () => {
      const { features, log } = await fetchAll('hazards');
      const expected = await stored('hazard', 'geom');
      assert.equal(features.length, expected.length);
      assert.equal(checksum(features), checksum(expected));
      const pages = [...log.matchAll(/HTTP: Fetch\(\S+\/collections\/hazards\/items\?limit=10\S*after=/g)].length;
      assert.equal(pages, Math.ceil(expected.length / 10) - 1, 'one request per further page');
    });

    test('ogr2ogr reads every find in one page of 10,000 (PAGE_SIZE) and the minefield records’ reconstructed perimeters', async () => {
      const finds = await fetchAll('finds', ['-oo', 'PAGE_SIZE=10000']);
      const expectedFinds = await stored('find', 'geom');
      assert.equal(finds.features.length, expectedFinds.length);
      assert.equal(checksum(finds.features), checksum(expectedFinds));
      assert.match(finds.log, /HTTP: Fetch\(\S+\/collections\/finds\/items\?limit=10000\)/);
      assert.doesNotMatch(finds.log, /\/collections\/finds\/items\?\S*after=/, 'one page (GDAL 3.6 asks for it twice: once for the fields, once for the features)');
      const records = await fetchAll('minefield-records');
      const expectedRecords = await stored('minefield_record', 'perimeter');
      assert.equal(records.features.length, expectedRecords.length);
      assert.equal(checksum(records.features), checksum(expectedRecords));
      assert.equal(typeof finds.features[0]!.properties.foundOn, 'string');
    });

    test('the finds collection’s enclosure link is every find as one GeoPackage, the same points as the database', async () => {
      const port = (server.app.server.address() as AddressInfo).port;
      const basic = `Basic ${Buffer.from(`test_analyst:${token}`).toString('base64')}`;
      const collection = (await (await fetch(`http://127.0.0.1:${port}/ogc/collections/finds`, { headers: { authorization: basic } })).json()) as { links: { rel: string; href: string; type: string }[] };
      const enclosure = collection.links.find((l) => l.rel === 'enclosure');
      assert.equal(enclosure?.type, 'application/geopackage+sqlite3');
      const response = await fetch(enclosure.href, { headers: { authorization: basic } });
      assert.equal(response.status, 200);
      const file = join(folder, 'finds-enclosure.gpkg');
      await writeFile(file, Buffer.from(await response.arrayBuffer()));
      const copy = join(folder, 'finds-enclosure.geojson');
      await run('ogr2ogr', ['-f', 'GeoJSON', copy, file, 'finds']);
      const read = JSON.parse(await readFile(copy, 'utf8')) as { features: { geometry: Geometry }[] };
      const points = (features: { geometry: Geometry | null }[]) => checksum(features.map((f) => ({ id: '', geometry: f.geometry })));
      const expected = await stored('find', 'geom');
      assert.equal(read.features.length, expected.length);
      assert.equal(points(read.features), points(expected));
    });

    test('a spatial filter (-spat) is sent as bbox and selects what PostGIS does', async () => {
      const box = [-75.5, 6.8, -75.2, 7.1];
      const { features, log } = await fetchAll('hazards', ['-spat', ...box.map(String)]);
      const expected = await stored('hazard', 'geom', 'ST_Intersects(geom, ST_MakeEnvelope($1, $2, $3, $4, 4326))', box);
      assert.ok(expected.length > 0);
      assert.match(log, /\/collections\/hazards\/items\?limit=10&bbox=-75\.5,/);
      assert.equal(features.length, expected.length);
      assert.equal(checksum(features), checksum(expected));
    });

    test('an attribute filter (-where) becomes a CQL2 filter on the server and selects what SQL does', async () => {
      const { features, log } = await fetchAll('hazards', ['-where', "kind = 'cha' AND estimatedAreaM2 > 1000"]);
      const expected = await stored('hazard', 'geom', "kind = 'cha' AND estimated_area_m2 > 1000");
      assert.ok(expected.length > 0);
      assert.match(log, /items\?limit=10&filter=\(kind%20%3D%20'cha'\)%20AND%20\(estimatedAreaM2%20%3E%201000\)&filter-lang=cql-text/);
      assert.doesNotMatch(log, /evaluated on client side/);
      assert.equal(features.length, expected.length);
      assert.equal(checksum(features), checksum(expected));
      const dated = await fetchAll('finds', ['-oo', 'PAGE_SIZE=10000', '-where', "category = 'at_mine' AND foundOn >= '2020-01-01'"]);
      const expectedDated = await stored('find', 'geom', "category = 'at_mine' AND found_on >= '2020-01-01'");
      assert.ok(expectedDated.length > 0);
      assert.match(dated.log, /filter=\(category%20%3D%20'at_mine'\)%20AND%20\(foundOn%20%3E%3D%20'2020-01-01T?'\)/, 'GDAL sends the date as text; it is read as a date');
      assert.equal(checksum(dated.features), checksum(expectedDated));
    });

    test('ogrinfo and ogr2ogr read the gis views over PostgreSQL: the same finds as the database, and nothing but the views', async () => {
      const info = await gdal('ogrinfo', ['-ro', pg], { auth: 'none' });
      const views = [...info.matchAll(/^\d+: (gis\.\w+)/gm)].map((m) => m[1]).sort();
      assert.deepEqual(views, ['gis.accidents', 'gis.activities', 'gis.administrative_areas', 'gis.finds', 'gis.hazards', 'gis.minefield_records', 'gis.release_products', 'gis.settlements']);
      const file = join(folder, 'finds-pg.geojson');
      await gdal('ogr2ogr', ['-f', 'GeoJSON', file, pg, 'gis.finds'], { auth: 'none' });
      const json = JSON.parse(await readFile(file, 'utf8')) as { features: { geometry: Geometry | null; properties: Record<string, unknown> }[] };
      const expected = await stored('find', 'geom');
      assert.equal(json.features.length, expected.length);
      assert.equal(checksum(json.features.map((f) => ({ id: String(f.properties.id), geometry: f.geometry }))), checksum(expected));
      const refused = await run('ogrinfo', ['-ro', '-sql', 'SELECT count(*) FROM public.victim_identity', pg]).catch((error: unknown) => error as { stderr: string });
      assert.match((refused).stderr, /permission denied for table victim_identity/);
    });
  });
}
