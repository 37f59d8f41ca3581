/**
 * Reads on a real streaming replica: .ci/run makes one with pg_basebackup (.ci/replica, on port
 * 5434) and sets SAFEGROUND_TEST_REPLICA_URL. The replica is reached through a TCP proxy of the
 * test's own, so it can be taken away and brought back; it is made to lag by pausing its replay
 * (pg_wal_replay_pause). While it is paused, a read that misses a row the primary has proves the
 * read came from the replica, and one that finds it proves it came from the primary.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket, connect } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../http/server.ts';
import { UserError } from '../errors.ts';
import { type Actors, seedActors } from '../../test/support/actors.ts';
import { createTestDatabase, testDatabaseUrl } from '../../test/support/backends.ts';
import { approveOverHttp } from '../../test/support/server.ts';
import { box } from '../land/test-helpers.ts';
import { decodeTile, tileOf } from '../tiles/test-helpers.ts';
import type { Db } from './db.ts';
import { migrate } from './migrate.ts';
import { openPostgres } from './postgres.ts';
import { parseLsn, ReadReplicas, replicaUrls } from './replicas.ts';

const replicaBaseUrl = process.env.SAFEGROUND_TEST_REPLICA_URL;

test('DATABASE_REPLICA_URLS is refused on the embedded store, and checked', () => {
  assert.deepEqual(replicaUrls(undefined, 'pglite'), []);
  assert.deepEqual(replicaUrls(' postgres://a@h1/db , postgres://a@h2/db,', 'postgres'), ['postgres://a@h1/db', 'postgres://a@h2/db']);
  assert.throws(() => replicaUrls('postgres://a@h1/db', 'pglite'), (e: unknown) => e instanceof UserError && /the embedded store has no replicas/.test(e.message));
  assert.throws(() => replicaUrls('mysql://a:secret@h1/db', 'postgres'), /mysql:\/\/a:\*\*\*@h1\/db must start with postgres:\/\//);
});

test('WAL positions compare as numbers', () => {
  assert.equal(parseLsn('0/0'), 0n);
  assert.ok(parseLsn('1/0') > parseLsn('0/FFFFFFFF'));
  assert.equal(parseLsn('16/B374D848'), (0x16n << 32n) + 0xb374d848n);
  assert.throws(() => parseLsn('16B374D848'), /Unexpected WAL position: "16B374D848"/);
});

/** A TCP proxy to the replica that can be closed (the replica is gone: connections refused and cut) and opened again. */
function replicaProxy(target: URL): { port: () => number; open(): Promise<void>; close(): Promise<void> } {
  let server: Server | null = null;
  let port = 0;
  const sockets = new Set<Socket>();
  return {
    port: () => port,
    open: () =>
      new Promise((resolve) => {
        server = createServer((client) => {
          const upstream = connect(Number(target.port), target.hostname);
          for (const socket of [client, upstream]) {
            sockets.add(socket);
            socket.on('close', () => sockets.delete(socket));
            socket.on('error', () => {});
          }
          client.pipe(upstream).pipe(client);
        });
        server.listen(port, '127.0.0.1', () => {
          port = (server!.address() as { port: number }).port;
          resolve();
        });
      }),
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server!.close(() => resolve());
      }),
  };
}

async function until(what: string, ok: () => Promise<boolean> | boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`Not within ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

if (testDatabaseUrl && replicaBaseUrl) describeReplicaReads(testDatabaseUrl, replicaBaseUrl);
else test('reads on a streaming replica', (t) => t.skip('skipped: no streaming replica (set SAFEGROUND_TEST_DATABASE_URL and SAFEGROUND_TEST_REPLICA_URL; .ci/replica makes one)'));

function describeReplicaReads(primaryUrl: string, replicaBaseUrl: string): void {
  describe('reads on a streaming replica', () => {
    let database: Awaited<ReturnType<typeof createTestDatabase>>;
    let db: Db;
    /** A superuser session on the replica, for pausing its replay. */
    let replicaAdmin: Db;
    let replicas: ReadReplicas;
    let app: FastifyInstance;
    let actors: Actors;
    const proxy = replicaProxy(new URL(replicaBaseUrl));
    let replicaUrl: string;
    let n = 0;

    const get = (who: Parameters<Actors['auth']>[0], url: string) => app.inject({ method: 'GET', url, headers: actors.auth(who) });
    const state = () => replicas.status()[0]!.state;

    /** The replica has replayed all the primary has written, then stops replaying. */
    async function pause(): Promise<void> {
      const [{ lsn } = { lsn: '' }] = await db.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn');
      await until('the replica replays what the primary wrote', async () => {
        const [row] = await replicaAdmin.query<{ lsn: string }>('SELECT pg_last_wal_replay_lsn()::text AS lsn');
        return parseLsn(row!.lsn) >= parseLsn(lsn);
      });
      await replicaAdmin.query('SELECT pg_wal_replay_pause()');
      await until('the replay pauses', async () => (await replicaAdmin.query<{ s: string }>('SELECT pg_get_wal_replay_pause_state() AS s'))[0]!.s === 'paused');
    }
    const resume = () => replicaAdmin.query('SELECT pg_wal_replay_resume()');

    /** A hazard through the whole workflow over HTTP: the national officer's approval is the last write. */
    async function approvedHazard(): Promise<{ id: string; reference: string; lon: number; lat: number }> {
      const reference = `HZ-REPLICA-${++n}`;
      const origin = { lon: 20 + n * 0.01, lat: 42 };
      const { entityId } = await approveOverHttp(
        { app, actors },
        { entityType: 'hazard', action: 'create', payload: { reference, kind: 'sha', evidence: ['former_front_line'], source: 'test', geometry: box({ origin, cell: 0.001 }, 0, 0, 2, 2) } },
      );
      return { id: entityId, reference, lon: origin.lon + 0.001, lat: origin.lat + 0.001 };
    }

    before(async () => {
      database = await createTestDatabase(primaryUrl, 'postgis');
      db = await openPostgres(database.url, { max: 4 });
      await migrate(db);
      actors = await seedActors(db);
      await proxy.open();
      const url = new URL(replicaBaseUrl);
      url.port = String(proxy.port());
      url.pathname = new URL(database.url).pathname;
      replicaUrl = url.toString();
      const admin = new URL(replicaBaseUrl);
      admin.pathname = '/postgres';
      replicaAdmin = await openPostgres(admin.toString(), { max: 1 });
      replicas = await ReadReplicas.open(db, [replicaUrl], { checkEveryMs: 200, maxLagMs: 60_000 });
      app = await buildServer({ db, replicas });
      await until('the replica answers', () => state() === 'up');
    });

    after(async () => {
      await resume().catch(() => {});
      await app?.close();
      await replicas?.close();
      await replicaAdmin?.close();
      await db?.close();
      await proxy.close().catch(() => {});
      await database?.drop();
    });

    test('read-only routes answer from the replica; a writer reads its writes from the primary while the replica lags', async () => {
      await pause();
      try {
        const hazard = await approvedHazard();
        const tile = tileOf(hazard.lon, hazard.lat, 14);
        const tileUrl = `/tiles/hazards/${tile.z}/${tile.x}/${tile.y}.mvt`;
        const tileHas = async (who: Parameters<Actors['auth']>[0]) => {
          const response = await get(who, tileUrl);
          assert.equal(response.statusCode, 200, response.body);
          return (decodeTile(response.rawPayload).hazards?.features ?? []).some((f) => f.properties.reference === hazard.reference);
        };

        // The analyst has written nothing: their reads come from the paused replica, which has not replayed it.
        assert.equal((await get('analyst', `/api/hazards/${hazard.id}`)).statusCode, 404);
        assert.equal((await get('analyst', `/ogc/collections/hazards/items/${hazard.id}`)).statusCode, 404);
        assert.equal(await tileHas('analyst'), false);
        assert.equal((await get('analyst', '/api/statistics/land?by=admin1')).statusCode, 200);
        // The officer approved it a moment ago: the register, the OGC API and the map show it at once
        // (the tile the replica rendered is not served from the cache to a reader of the primary).
        assert.equal((await get('national_information_officer', `/api/hazards/${hazard.id}`)).statusCode, 200);
        assert.equal((await get('national_information_officer', `/ogc/collections/hazards/items/${hazard.id}`)).statusCode, 200);
        assert.ok(await tileHas('national_information_officer'));
        assert.equal(state(), 'up', 'nothing fell back to the primary for a fault');

        await resume();
        await until('the analyst sees the hazard once the replica has replayed it', async () => (await get('analyst', `/api/hazards/${hazard.id}`)).statusCode === 200);
        assert.ok(await tileHas('analyst'));
      } finally {
        await resume();
      }
    });

    test('once the replica has replayed a writer’s last write, the writer reads from it again', async () => {
      const hazard = await approvedHazard();
      await pause();
      try {
        // A change behind the API's back, which the paused replica does not see.
        await db.query("UPDATE hazard SET description = 'changed on the primary' WHERE id = $1", [hazard.id]);
        const read = await get('national_information_officer', `/api/hazards/${hazard.id}`);
        assert.equal(read.statusCode, 200);
        assert.notEqual(read.json().description, 'changed on the primary');
      } finally {
        await resume();
      }
    });

    test('a replica that falls too far behind answers no reads until it catches up', async () => {
      const strict = await ReadReplicas.open(db, [replicaUrl], { checkEveryMs: 50, maxLagMs: 300 });
      try {
        await until('reads go to the replica', async () => (await strict.forRead(null)) !== db);
        await pause();
        try {
          await db.query("UPDATE app_user SET display_name = display_name || '.' WHERE username = 'test_analyst'");
          await until('the replica is found lagging', () => strict.status()[0]!.state === 'lagging');
          assert.equal(await strict.forRead(null), db, 'reads go to the primary');
        } finally {
          await resume();
        }
        await until('the replica answers again', () => strict.status()[0]!.state === 'up');
      } finally {
        await strict.close();
      }
    });

    test('a replica that goes away fails no request: its reads go to the primary, and to it again once it is back', async () => {
      const hazard = await approvedHazard();
      await pause();
      try {
        await db.query("UPDATE hazard SET description = 'while the replica was away' WHERE id = $1", [hazard.id]);
        const description = async () => (await get('analyst', `/api/hazards/${hazard.id}`)).json().description as string;
        assert.notEqual(await description(), 'while the replica was away', 'read from the paused replica');
        const request = await replicas.forRead(null);
        assert.notEqual(request, db);
        await proxy.close();
        // The replica goes in the middle of a request: the statement runs on the primary instead.
        const [row] = await request.query<{ description: string }>('SELECT description FROM hazard WHERE id = $1', [hazard.id]);
        assert.equal(row!.description, 'while the replica was away');
        assert.equal(state(), 'down');
        assert.equal(await description(), 'while the replica was away');
        await proxy.open();
        await until('the replica is found back', () => state() === 'up');
        assert.notEqual(await description(), 'while the replica was away', 'read from the replica again');
      } finally {
        await resume();
      }
    });
  });
}
