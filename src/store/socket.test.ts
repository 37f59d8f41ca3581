/**
 * The embedded store's PostgreSQL socket for GIS clients: what its statement check lets through,
 * and, with a real PostgreSQL client (postgres.js) on the socket, that clients sign in with an
 * API token, read the gis views and nothing else, cannot become the owner, leave the web app's
 * session as they found it, and cannot hold the store longer than a unit may.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { type Actors, seedActors } from '../../test/support/actors.ts';
import { testBackends } from '../../test/support/backends.ts';
import { startGisSocket } from '../ogc/gis.ts';
import type { PgliteDb } from './pglite.ts';
import { type GisSocket, statementProblem } from './socket.ts';

test('reading statements, transaction control, cursors and client settings pass the check', () => {
  const allowed = [
    'SELECT * FROM gis.hazards',
    'select count(*) from gis.finds; select 1',
    "WITH x AS (SELECT 1) SELECT * FROM x",
    '(SELECT 1) UNION (SELECT 2)',
    'VALUES (1), (2)',
    'TABLE gis.finds',
    'SHOW search_path',
    'EXPLAIN (FORMAT JSON) SELECT 1',
    'EXPLAIN ANALYZE VERBOSE SELECT 1',
    'BEGIN; DECLARE c1 BINARY CURSOR FOR SELECT geom FROM gis.finds; FETCH 500 IN c1; CLOSE c1; COMMIT',
    'START TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY',
    'DECLARE c CURSOR WITHOUT HOLD FOR SELECT 1',
    'SAVEPOINT a; ROLLBACK TO SAVEPOINT a; RELEASE a',
    "SET search_path = gis, public",
    "SET LOCAL DateStyle TO 'ISO'",
    'SET SESSION extra_float_digits = 3',
    'SET ENABLE_SEQSCAN = OFF',
    "SET TIME ZONE 'UTC'",
    "SET NAMES 'UTF8'",
    'RESET application_name',
    'RESET ALL',
    'SET TRANSACTION READ ONLY',
    'DEALLOCATE ALL',
    "SELECT 'DELETE FROM hazard; SET ROLE postgres' AS text, $$ ; DROP TABLE x $$ AS more -- ; DELETE",
    'SELECT 1 /* ; DELETE FROM x /* nested */ ; */',
    "SELECT E'it\\'s; DELETE' AS escaped",
  ];
  for (const sql of allowed) assert.equal(statementProblem(sql), null, sql);
});

test('writes, DDL, role changes and everything else are refused, whatever the quoting', () => {
  const refused: [string, RegExp][] = [
    ['DELETE FROM gis.finds', /DELETE statements are not allowed/],
    ['select 1; delete from hazard', /DELETE statements are not allowed/],
    ["SELECT '; '; INSERT INTO x VALUES (1)", /INSERT statements/],
    ['/* SELECT */ UPDATE hazard SET kind = 1', /UPDATE statements/],
    ['SELECT 1 -- ;\n; DROP TABLE hazard', /DROP statements/],
    ['SET SESSION AUTHORIZATION postgres', /SET ROLE and SET SESSION AUTHORIZATION are not allowed/],
    ['SET ROLE postgres', /SET ROLE and SET SESSION AUTHORIZATION are not allowed/],
    ['SET "session_authorization" = postgres', /SET "session_authorization" is not allowed/],
    ['SET U&"role" = postgres', /is not allowed/],
    ['RESET SESSION AUTHORIZATION', /SET SESSION AUTHORIZATION are not allowed/],
    ['RESET ROLE', /SET ROLE and SET SESSION AUTHORIZATION are not allowed/],
    ['SET default_transaction_read_only = off', /is not allowed/],
    ['SET statement_timeout = 0', /is not allowed/],
    ['DISCARD ALL', /DISCARD statements/],
    ['DO $$ BEGIN PERFORM 1; END $$', /DO statements/],
    ['COPY gis.finds TO STDOUT', /COPY statements/],
    ['BEGIN READ WRITE', /read-only/],
    ['SET TRANSACTION READ WRITE', /read-only/],
    ['SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE', /read-only/],
    ['PREPARE TRANSACTION \'x\'', /PREPARE statements|two-phase/],
    ['COMMIT PREPARED \'x\'', /two-phase/],
    ['PREPARE q AS DELETE FROM hazard', /PREPARE statements/],
    ['DECLARE c CURSOR WITH HOLD FOR SELECT 1', /WITH HOLD/],
    ['EXPLAIN ANALYZE DELETE FROM hazard', /EXPLAIN is allowed of queries only/],
    ['LISTEN x', /LISTEN statements/],
    ['CREATE TEMP TABLE t (x int)', /CREATE statements/],
    ["SELECT 'unterminated", /unterminated/],
    ['SELECT 1 /* open comment', /unterminated/],
    ['SELECT $tag$ never closed', /unterminated/],
  ];
  for (const [sql, message] of refused) assert.match(statementProblem(sql) ?? 'accepted', message, sql);
});

for (const backend of testBackends().filter((b) => b.name === 'pglite')) {
  describe('the GIS socket of the embedded store, with a PostgreSQL client', () => {
    let db: PgliteDb;
    let actors: Actors;
    let socket: GisSocket;
    let folder: string;
    const clients: postgres.Sql[] = [];

    before(async () => {
      db = (await backend.openDemo()) as PgliteDb;
      actors = await seedActors(db);
      folder = await mkdtemp(join(tmpdir(), 'safeground-socket-'));
      socket = await startGisSocket(db, { port: 0, host: '127.0.0.1', dataDir: folder, unitSeconds: 1 });
    });
    after(async () => {
      await Promise.all(clients.map((c) => c.end({ timeout: 1 })));
      await socket.close();
      await db.close();
      await rm(folder, { recursive: true, force: true });
    });

    const connect = (user: string, password: string) => {
      const client = postgres({ host: '127.0.0.1', port: socket.port, user, password, database: 'safeground', max: 1, onnotice: () => {}, connect_timeout: 5, idle_timeout: 0 });
      clients.push(client);
      return client;
    };
    const analyst = () => connect('test_analyst', actors.tokens.analyst);
    const failure = async (work: Promise<unknown>): Promise<string> => {
      try {
        await work;
      } catch (error) {
        return (error as Error).message;
      }
      assert.fail('the statement ran');
    };

    test('sign-in: the username of the token’s owner and the token as the password, with data.read', async () => {
      const [row] = await analyst()`SELECT count(*)::int AS n FROM gis.finds`;
      const [expected] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM find');
      assert.equal(row!.n, expected!.n);
      assert.match(await failure(connect('test_analyst', 'sgt_not-a-token')`SELECT 1`), /password must be an API token/);
      assert.match(await failure(connect('test_field_user', actors.tokens.analyst)`SELECT 1`), /not one of "test_field_user"'s/);
      assert.match(await failure(connect('test_public', actors.tokens.public)`SELECT 1`), /lacks data\.read/);
    });

    test('the views and nothing else: no tables, no restricted data, no way back to the owner', async () => {
      const sql = analyst();
      const [who] = await sql`SELECT current_user AS c, session_user AS s`;
      assert.deepEqual(who, { c: 'safeground_gis', s: 'safeground_gis' });
      assert.match(await failure(sql`SELECT * FROM hazard LIMIT 1`), /permission denied for table hazard/);
      assert.match(await failure(sql`SELECT * FROM victim_identity`), /permission denied for table victim_identity/);
      assert.match(await failure(sql`SELECT * FROM report_contact`), /permission denied for table report_contact/);
      assert.match(await failure(sql`SELECT set_config('session_authorization', 'postgres', false)`), /permission denied for function set_config/);
      assert.match(await failure(sql.unsafe('SET SESSION AUTHORIZATION postgres')), /Safeground GIS socket: SET ROLE and SET SESSION AUTHORIZATION are not allowed/);
      assert.match(await failure(sql.unsafe('DELETE FROM gis.finds')), /DELETE statements are not allowed/);
      assert.match(await failure(sql`SELECT pg_sleep(5)`), /permission denied for function pg_sleep/);
      assert.match(await failure(sql.unsafe('CREATE TEMP TABLE t AS SELECT 1')), /CREATE statements are not allowed/);
      const [still] = await sql`SELECT current_user AS c`;
      assert.equal(still!.c, 'safeground_gis');
      const columns = await sql`SELECT column_name FROM information_schema.columns WHERE table_schema = 'gis' AND table_name = 'accidents'`;
      assert.equal(columns.some((c) => /description|name|contact/.test(c.column_name as string)), false, 'accidents carry no free text or personal data');
    });

    test('a client’s settings last for its session and never reach the web app’s queries', async () => {
      const appSettings = () =>
        db.query<{ u: string; p: string; d: string; e: string; r: string }>(
          "SELECT current_user AS u, current_setting('search_path') AS p, current_setting('DateStyle') AS d, current_setting('enable_seqscan') AS e, current_setting('default_transaction_read_only') AS r",
        );
      const [unchanged] = await appSettings();
      assert.deepEqual(unchanged, { u: 'postgres', p: 'public', d: 'ISO, MDY', e: 'on', r: 'off' });
      const sql = analyst();
      await sql.unsafe("SET search_path = gis, public; SET DateStyle = 'German'; SET enable_seqscan = off");
      const [mine] = await sql`SELECT current_setting('search_path') AS p, current_setting('DateStyle') AS d, current_setting('enable_seqscan') AS e`;
      assert.deepEqual(mine, { p: 'gis, public', d: 'German, DMY', e: 'off' });
      assert.deepEqual((await appSettings())[0], unchanged);
      const [count] = await sql`SELECT count(*)::int AS n FROM hazards`;
      assert.ok(count!.n > 0, 'the search_path set earlier still finds gis.hazards');
      await db.query("INSERT INTO setting (key, value) VALUES ('gis_socket_test', '1')");
      await db.query("DELETE FROM setting WHERE key = 'gis_socket_test'");
    });

    test('a transaction holding the store past the bound is rolled back and its connection closed; the web app then runs', async () => {
      const holder = analyst();
      let holding: () => void = () => {};
      const inUnit = new Promise<void>((resolve) => (holding = resolve));
      const held = holder.begin(async (tx) => {
        await tx`SELECT count(*) FROM gis.finds`;
        holding();
        await new Promise((resolve) => setTimeout(resolve, 2500));
        await tx`SELECT 1`;
      });
      // Its failure is taken now: the connection may close before the app's query has its answer.
      const heldFailure = failure(held);
      // From the moment the client's transaction holds the store (signing in takes a while on a busy machine).
      await inUnit;
      const started = Date.now();
      const [app] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM hazard');
      const waited = Date.now() - started;
      assert.ok(app!.n > 0);
      assert.ok(waited >= 700 && waited < 2400, `the app waited for the bound (1 s), not for the client: ${waited} ms`);
      assert.match(await heldFailure, /held the store for more than 1 s and was rolled back|CONNECTION_CLOSED|closed/i);
      const [after] = await db.query<{ u: string; t: boolean }>('SELECT current_user AS u, now() = statement_timestamp() AS t');
      assert.equal(after!.u, 'postgres');
      const [again] = await analyst()`SELECT count(*)::int AS n FROM gis.hazards`;
      assert.equal(again!.n, app!.n, 'others still connect');
    });

    test('a refused statement inside a transaction fails it as PostgreSQL would, and the transaction ends cleanly', async () => {
      const sql = analyst();
      const message = await failure(
        sql.begin(async (tx) => {
          await tx`SELECT 1`;
          await tx.unsafe('UPDATE gis.hazards SET kind = kind');
        }),
      );
      assert.match(message, /UPDATE statements are not allowed/);
      const [ok] = await sql`SELECT 1 AS one`;
      assert.equal(ok!.one, 1);
    });
  });
}
