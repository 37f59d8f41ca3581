/**
 * QGIS 3.22 (Debian bookworm's, headless through its Python bindings) and OWSLib as real clients,
 * on every backend: src/ogc/desktop-clients.py opens every collection over the OGC API with an API
 * token in a Basic authentication configuration, filters, sorts and renders a layer to PNG, and
 * reads the gis views over PostgreSQL: the embedded store's GIS socket on PGlite, a role made by
 * `gis-role create` on PostgreSQL. What they saw must equal what the database holds.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testBackends, testDatabaseUrl } from '../../test/support/backends.ts';
import type { PgliteDb } from '../store/pglite.ts';
import type { GisSocket } from '../store/socket.ts';
import { createGisRole, startGisSocket } from './gis.ts';
import { type DemoServer, demoServer } from './test-support.ts';

const run = promisify(execFile);
const COLLECTIONS: [string, string][] = [
  ['hazards', 'hazard'],
  ['release-products', 'release_product'],
  ['finds', 'find'],
  ['activities', 'activity'],
  ['minefield-records', 'minefield_record'],
  ['accidents', 'accident'],
  ['settlements', 'settlement'],
  ['administrative-areas', 'admin_area'],
];

interface Described {
  valid: boolean;
  error?: string;
  featureCount: number;
  keys: string[];
  fields: Record<string, string>;
}
interface Rendered {
  path: string;
  width: number;
  height: number;
  drawnSamples: number;
}
interface Seen {
  owslib: { url: string; title: string; collections: string[]; conformsToCore: boolean };
  oapif: Record<string, Described>;
  oapifFilter: Described;
  oapifDateFilter: Described;
  oapifSorted: string[];
  oapifRender: Rendered;
  postgres: Record<string, Described>;
  postgresFilter: Described;
  postgresRender: Rendered;
}

for (const backend of testBackends()) {
  describe(`QGIS and OWSLib read Safeground on ${backend.name}`, () => {
    let server: DemoServer;
    let folder: string;
    let socket: GisSocket | null = null;
    let role: string | null = null;
    let seen: Seen;
    const requests: { url: string; authorization: string }[] = [];

    before(async () => {
      server = await demoServer(backend);
      server.app.addHook('onRequest', async (request) => {
        requests.push({ url: request.url, authorization: request.headers.authorization ?? '' });
      });
      await server.app.listen({ port: 0, host: '127.0.0.1' });
      folder = await mkdtemp(join(tmpdir(), 'safeground-qgis-'));
      const token = server.actors.tokens.analyst;
      let postgres: Record<string, unknown>;
      if (backend.name === 'pglite') {
        socket = await startGisSocket(server.db as PgliteDb, { port: 0, host: '127.0.0.1', dataDir: folder, unitSeconds: 30 });
        postgres = { host: '127.0.0.1', port: socket.port, dbname: 'safeground', user: 'test_analyst', password: token };
      } else {
        const [{ database } = { database: '' }] = await server.db.query<{ database: string }>('SELECT current_database() AS database');
        role = `sg_gis_${process.pid}`;
        await server.db.transaction((tx) => createGisRole(tx, role!, 'a long test password'));
        const url = new URL(testDatabaseUrl!);
        postgres = { host: url.hostname, port: Number(url.port || 5432), dbname: database, user: role, password: 'a long test password' };
      }
      const config = {
        ogc: `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}/ogc`,
        username: 'test_analyst',
        token,
        collections: COLLECTIONS.map(([id]) => id),
        png: join(folder, 'hazards-oapif.png'),
        postgres: { ...postgres, png: join(folder, 'finds-postgres.png') },
      };
      const { stdout } = await run('/usr/bin/python3', [new URL('./desktop-clients.py', import.meta.url).pathname, JSON.stringify(config)], {
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, QT_QPA_PLATFORM: 'offscreen' },
      });
      seen = JSON.parse(stdout) as Seen;
    });
    after(async () => {
      await socket?.close();
      if (role) await server.db.exec(`DROP OWNED BY ${role}; DROP ROLE ${role}`);
      await server.close();
      await rm(folder, { recursive: true, force: true });
    });

    const ids = async (sql: string) => (await server.db.query<{ id: string }>(`SELECT id::text AS id FROM ${sql}`)).map((r) => r.id).sort();

    test('OWSLib reads the landing page with the trailing slash it adds, the conformance and every collection', () => {
      assert.match(seen.owslib.url, /\/ogc\/$/);
      assert.equal(seen.owslib.title, 'Safeground');
      assert.ok(seen.owslib.conformsToCore);
      assert.deepEqual(seen.owslib.collections, COLLECTIONS.map(([id]) => id));
    });

    test('QGIS opens every collection with a token in a Basic authentication configuration: the same features as the database', async () => {
      for (const [collection, table] of COLLECTIONS) {
        const layer = seen.oapif[collection]!;
        assert.ok(layer.valid, `${collection}: ${layer.error}`);
        assert.deepEqual([...layer.keys].sort(), await ids(table), collection);
      }
      assert.ok(requests.length > 0 && requests.every((r) => r.authorization.startsWith('Basic ')), 'QGIS sends Basic credentials on every request');
      const pages = requests.filter((r) => /\/collections\/finds\/items\?limit=/.test(r.url) && !/limit=10(&|$)/.test(r.url));
      assert.ok(pages.length > 0 && pages.every((r) => /limit=10000/.test(r.url)), `QGIS pages by the advertised 10,000: ${pages.map((r) => r.url).join(' ')}`);
    });

    test('QGIS takes numbers, dates and times as such', () => {
      const hazards = seen.oapif.hazards!.fields;
      assert.equal(hazards.estimatedAreaM2, 'Real', 'a round area keeps its decimal point');
      assert.equal(hazards.releaseDate, 'Date');
      assert.equal(hazards.createdAt, 'DateTime');
      assert.equal(hazards.version, 'Integer');
      assert.equal(seen.oapif.finds!.fields.foundOn, 'Date');
    });

    test('QGIS filters: by attribute (evaluated by QGIS 3.22) and by date (sent as datetime)', async () => {
      assert.deepEqual([...seen.oapifFilter.keys].sort(), await ids("hazard WHERE kind = 'cha'"));
      const dated = await ids("find WHERE found_on >= '2020-01-01'");
      assert.ok(dated.length > 0 && dated.length < (await ids('find')).length);
      assert.deepEqual([...seen.oapifDateFilter.keys].sort(), dated);
      assert.ok(requests.some((r) => /\/collections\/finds\/items\?.*datetime=2020-01-01/.test(r.url)), 'the date filter reaches the server');
    });

    test('QGIS sorts the features it read as the database sorts them', async () => {
      const expected = await server.db.query<{ external_id: string }>('SELECT external_id FROM find ORDER BY found_on DESC, external_id ASC');
      assert.deepEqual(seen.oapifSorted, expected.map((r) => r.external_id));
    });

    test('QGIS renders the hazards to a PNG', async () => {
      assert.deepEqual([seen.oapifRender.width, seen.oapifRender.height], [400, 400]);
      assert.ok(seen.oapifRender.drawnSamples > 10, `hazards drawn: ${seen.oapifRender.drawnSamples} samples`);
      const png = await readFile(seen.oapifRender.path);
      assert.deepEqual([...png.subarray(1, 4)], [...Buffer.from('PNG')]);
    });

    test(`QGIS reads the gis views over PostgreSQL (${backend.name === 'pglite' ? 'the embedded store’s GIS socket' : 'a role from gis-role create'}), filters and renders them`, async () => {
      const views: [string, string][] = [
        ['hazards', 'hazard'],
        ['finds', 'find'],
        ['accidents', 'accident'],
        ['settlements', 'settlement'],
      ];
      for (const [view, table] of views) {
        const layer = seen.postgres[view]!;
        assert.ok(layer.valid, `${view}: ${layer.error}`);
        assert.deepEqual([...layer.keys].sort(), await ids(table), view);
      }
      assert.equal(seen.postgres.hazards!.fields.estimated_area_m2, 'float8');
      assert.deepEqual([...seen.postgresFilter.keys].sort(), await ids("hazard WHERE kind = 'cha'"));
      assert.ok(seen.postgresRender.drawnSamples > 10, `finds drawn: ${seen.postgresRender.drawnSamples} samples`);
    });
  });
}
