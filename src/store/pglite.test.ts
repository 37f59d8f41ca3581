import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { closeTestServer } from '../../test/support/store.ts';
import { openTestServer } from '../../test/support/server.ts';
import { testBackends } from '../../test/support/backends.ts';
import type { Actors } from '../../test/support/actors.ts';
import type { Db } from './db.ts';
import type { PgliteDb } from './pglite.ts';

/**
 * The embedded store's thread (pglite.ts): what crosses it comes back as it went, errors keep
 * PostgreSQL's fields for the HTTP error mapping, and a thread that has stopped makes requests
 * answer 503 at once instead of waiting for it. npm test runs this file alone: it times answers.
 */
for (const backend of testBackends().filter((b) => b.name === 'pglite')) {
  describe('the embedded store in its own thread', () => {
    let db: Db;
    let app: FastifyInstance;
    let actors: Actors;
    before(async () => ({ db, actors, app } = await openTestServer(backend)));
    after(() => closeTestServer({ db, app }));

    test('values and errors cross the thread unchanged', async () => {
      const at = new Date('2026-12-05T03:30:00.000Z');
      const [row] = await db.query<Record<string, unknown>>('SELECT $1::timestamptz AS at, $2::bytea AS bytes, 9007199254740993::int8 AS big, $3::jsonb AS doc, ARRAY[1, 2] AS list, NULL AS nothing', [
        at,
        Buffer.from([0, 255]),
        JSON.stringify({ a: [1] }),
      ]);
      assert.deepEqual(row, { at, bytes: new Uint8Array([0, 255]), big: 9007199254740993n, doc: { a: [1] }, list: [1, 2], nothing: null });
      await db.exec('CREATE TEMP TABLE crossing (id int PRIMARY KEY)');
      await db.query('INSERT INTO crossing VALUES (1)');
      const error = (await db.query('INSERT INTO crossing VALUES (1)').then(
        () => ({}),
        (e: unknown) => e,
      )) as Record<string, unknown>;
      assert.deepEqual(
        { code: error.code, detail: error.detail, constraint: error.constraint, table: error.table, message: error.message },
        { code: '23505', detail: 'Key (id)=(1) already exists.', constraint: 'crossing_pkey', table: 'crossing', message: 'duplicate key value violates unique constraint "crossing_pkey"' },
      );
      await assert.rejects(db.transaction(async (tx) => {
        await tx.query('INSERT INTO crossing VALUES (2)');
        throw new Error('the caller failed');
      }), /the caller failed/);
      assert.deepEqual(await db.query('SELECT id FROM crossing ORDER BY id'), [{ id: 1 }]);
      await db.exec('DROP TABLE crossing');
    });

    test('health says busy, without waiting, while a long statement runs', async () => {
      let finished = false;
      const long = db.query('SELECT count(*) FROM generate_series(1, 3e6)').then(() => (finished = true));
      await new Promise((resolve) => setTimeout(resolve, 50));
      const health = await app.inject({ method: 'GET', url: '/api/health' });
      const answeredFirst = !finished;
      await long;
      // Health's own queries, queued behind the long statement, are answered before the next test.
      await db.query('SELECT 1');
      assert.equal(health.statusCode, 200, health.body);
      assert.equal(health.json().database, 'busy');
      assert.ok(answeredFirst, 'health answered before the long statement ended');
    });

    test('a stopped thread: health and requests answer 503 at once', async () => {
      await (db as PgliteDb).close();
      const started = performance.now();
      const health = await app.inject({ method: 'GET', url: '/api/health' });
      const hazards = await app.inject({ method: 'GET', url: '/api/hazards', headers: actors.auth('analyst') });
      assert.ok(performance.now() - started < 1000, `answered after ${Math.round(performance.now() - started)} ms`);
      assert.deepEqual([health.statusCode, health.json().database, hazards.statusCode], [503, 'down', 503]);
      assert.equal(hazards.headers['retry-after'], '5');
    });
  });
}
