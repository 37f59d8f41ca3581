import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Db } from '../store/db.ts';
import { testBackends } from '../../test/support/backends.ts';
import { allRoutes } from './routes.ts';
import { route } from './route.ts';
import { buildServer } from './server.ts';

const probeRoutes = [
  ...allRoutes,
  route({
    method: 'GET',
    path: '/api/test/echo/{n}',
    summary: 'Echo a number (test only)',
    tag: 'test',
    permission: 'public.read',
    params: z.object({ n: z.coerce.number().int().min(1) }),
    query: z.strictObject({ times: z.coerce.number().int().max(3).default(1) }),
    async handler({ params, query }) {
      return { value: params.n * query.times };
    },
  }),
  route({
    method: 'POST',
    path: '/api/test/sum',
    summary: 'Add numbers (test only)',
    tag: 'test',
    permission: 'public.read',
    body: z.object({ values: z.array(z.number()) }),
    async handler({ body }) {
      return { sum: body.values.reduce((a, b) => a + b, 0) };
    },
  }),
  route({
    method: 'POST',
    path: '/api/test/organisation',
    summary: 'Add an organisation, then fail when asked to (test only)',
    tag: 'test',
    permission: 'public.read',
    body: z.object({ name: z.string(), fail: z.boolean() }),
    async handler({ db, body }) {
      await db.transaction(async (tx) => tx.query("INSERT INTO organisation (name, kind) VALUES ($1, 'ngo')", [body.name]));
      if (body.fail) throw new Error('the handler fails after its write');
      return { added: body.name };
    },
  }),
  route({
    method: 'GET',
    path: '/api/test/crash',
    summary: 'Fail with an internal error (test only)',
    tag: 'test',
    permission: 'public.read',
    async handler({ db }) {
      await db.query('SELECT * FROM no_such_table_with_secret_name');
    },
  }),
];


for (const backend of testBackends()) {
  describe(`HTTP server on ${backend.name}`, () => {
    let db: Db;
    let app: FastifyInstance;
    before(async () => {
      db = await backend.open();
      app = await buildServer({ db, routes: probeRoutes });
    });
    after(async () => {
      await app.close();
      await db.close();
    });

    test('health names the backend and the PostGIS version', async () => {
      const response = await app.inject({ method: 'GET', url: '/api/health' });
      assert.equal(response.statusCode, 200);
      const body = response.json();
      assert.equal(body.backend, backend.name);
      assert.match(body.postgisVersion, /^3\./);
    });

    test('the OpenAPI document lists every route with its parameters', async () => {
      const document = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
      assert.equal(document.openapi, '3.0.3');
      for (const r of probeRoutes) assert.ok(document.paths[r.path]?.[r.method.toLowerCase()], `${r.method} ${r.path} missing`);
      const echo = document.paths['/api/test/echo/{n}'].get;
      assert.deepEqual(echo.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`), ['path:n', 'query:times']);
    });

    test('inputs are validated at the edge with a message naming the field and value', async () => {
      assert.deepEqual((await app.inject({ method: 'GET', url: '/api/test/echo/4?times=2' })).json(), { value: 8 });
      const bad = await app.inject({ method: 'GET', url: '/api/test/echo/0?times=9' });
      assert.equal(bad.statusCode, 400);
      const { error } = bad.json();
      assert.equal(error.code, 'invalid_request');
      assert.match(error.message, /path\.n/);
      assert.match(error.message, /query\.times/);
      const unknown = await app.inject({ method: 'GET', url: '/api/test/echo/1?tmies=2' });
      assert.equal(unknown.statusCode, 400);
      assert.match(unknown.json().error.message, /tmies/);
    });

    test('unknown routes and internal errors use the one error shape, without internals', async () => {
      const missing = await app.inject({ method: 'GET', url: '/api/nothing-here' });
      assert.equal(missing.statusCode, 404);
      assert.equal(missing.json().error.code, 'not_found');
      const crash = await app.inject({ method: 'GET', url: '/api/test/crash' });
      assert.equal(crash.statusCode, 500);
      assert.equal(crash.json().error.code, 'internal');
      assert.doesNotMatch(crash.body, /no_such_table|secret/);
    });

    test('malformed JSON bodies are a 400 in the same shape', async () => {
      const ok = await app.inject({ method: 'POST', url: '/api/test/sum', payload: { values: [1, 2.5] } });
      assert.deepEqual(ok.json(), { sum: 3.5 });
      const malformed = await app.inject({ method: 'POST', url: '/api/test/sum', headers: { 'content-type': 'application/json' }, payload: '{"values":' });
      assert.equal(malformed.statusCode, 400);
      assert.equal(malformed.json().error.code, 'invalid_request');
      const wrongType = await app.inject({ method: 'POST', url: '/api/test/sum', payload: { values: [1, 'two'] } });
      assert.equal(wrongType.statusCode, 400);
      assert.match(wrongType.json().error.message, /body\.values\.1/);
    });

    test('a write and its audit-log row commit together or not at all', async () => {
      const rows = async (name: string) => {
        const [row] = await db.query<{ organisations: number; audits: number }>(
          `SELECT (SELECT count(*) FROM organisation WHERE name = $1)::int AS organisations,
                  (SELECT count(*) FROM audit_log WHERE action = 'POST /api/test/organisation')::int AS audits`,
          [name],
        );
        return row;
      };
      const post = (name: string, fail: boolean) => app.inject({ method: 'POST', url: '/api/test/organisation', payload: { name, fail } });
      const [before] = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log WHERE action = 'POST /api/test/organisation'");

      assert.equal((await post('Written Org', false)).statusCode, 200);
      assert.deepEqual(await rows('Written Org'), { organisations: 1, audits: before!.n + 1 });

      assert.equal((await post('Handler Fails Org', true)).statusCode, 500);
      assert.deepEqual(await rows('Handler Fails Org'), { organisations: 0, audits: before!.n + 1 }, 'the handler failed: neither its write nor an audit row');

      await db.exec("ALTER TABLE audit_log ADD CONSTRAINT test_refuses_audit CHECK (action <> 'POST /api/test/organisation') NOT VALID");
      try {
        assert.equal((await post('Audit Fails Org', false)).statusCode, 500);
        assert.deepEqual(await rows('Audit Fails Org'), { organisations: 0, audits: before!.n + 1 }, 'the audit row failed: the write is rolled back with it');
      } finally {
        await db.exec('ALTER TABLE audit_log DROP CONSTRAINT test_refuses_audit');
      }
    });

    test('the web app (placeholder for now) is served at /', async () => {
      const response = await app.inject({ method: 'GET', url: '/' });
      assert.equal(response.statusCode, 200);
      assert.match(response.body, /<title>Safeground<\/title>/);
    });

    describe('closing the server', () => {
      test('close waits for a handler whose client hung up, so the store can be closed after it', async () => {
        const db = await backend.open();
        let started!: () => void;
        const handlerStarted = new Promise<void>((resolve) => (started = resolve));
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        let answered = false;
        const slow = route({
          method: 'GET',
          path: '/api/test/slow',
          summary: 'Wait for the test, then read the store (test only)',
          tag: 'test',
          permission: 'public.read',
          async handler({ db }) {
            started();
            await gate;
            await db.query('SELECT 1');
            answered = true;
            return {};
          },
        });
        const app = await buildServer({ db, routes: [slow] });
        await app.listen({ port: 0, host: '127.0.0.1' });
        const { port } = app.server.address() as AddressInfo;
        const request = http.get({ host: '127.0.0.1', port, path: '/api/test/slow' });
        request.on('error', () => {});
        await handlerStarted;
        request.destroy();
        let closed = false;
        const closing = app.close().then(() => (closed = true));
        try {
          await new Promise((resolve) => setTimeout(resolve, 50));
          assert.equal(closed, false, 'close returned while the handler was still running');
        } finally {
          release();
        }
        await closing;
        assert.equal(answered, true);
        await db.close();
      });
    });
  });
}
