import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { useTestServer } from '../../test/support/server.ts';
import { testBackends } from '../../test/support/backends.ts';
import { buildServer } from './server.ts';
import { route } from './route.ts';
import type { Queryable } from '../store/db.ts';
import { MAX_VERTICES_PER_GEOMETRY, MAX_VERTICES_PER_REQUEST } from './limits.ts';

/** A closed ring of `vertices` positions (the last repeats the first) around 44.5°N 18.5°E. */
function circle(vertices: number, lon = 18.5): number[][] {
  const ring = Array.from({ length: vertices - 1 }, (_, i) => {
    const a = (2 * Math.PI * i) / (vertices - 1);
    return [lon + 0.001 * Math.cos(a), 44.5 + 0.001 * Math.sin(a)];
  });
  return [...ring, ring[0]!];
}

for (const backend of testBackends()) {
  describe(`the edge: limits, NUL, deadline and security headers (${backend.name})`, () => {
    const server = useTestServer(backend);

    test('a geometry over the vertex limit, or a request over it in all, is refused 413 naming the field and the count', async () => {
      const one = await server.app.inject({
        method: 'POST',
        url: '/api/hazards/check-geometry',
        headers: server.actors.auth('field_user'),
        payload: { geometry: { type: 'Polygon', coordinates: [circle(MAX_VERTICES_PER_GEOMETRY + 1)] } },
      });
      assert.equal(one.statusCode, 413, one.body);
      assert.equal(one.json().error.code, 'too_large');
      assert.match(one.json().error.message, new RegExp(`^body\\.geometry\\.coordinates: ${MAX_VERTICES_PER_GEOMETRY + 1} vertices; a geometry may have at most ${MAX_VERTICES_PER_GEOMETRY}`));
      const each = MAX_VERTICES_PER_GEOMETRY - 10_000;
      const many = await server.app.inject({
        method: 'POST',
        url: '/ogc/collections/hazards/items',
        headers: { ...server.actors.auth('field_user'), 'content-type': 'application/geo+json' },
        payload: { type: 'Feature', geometry: { type: 'Polygon', coordinates: [circle(each)] }, properties: { outline: { type: 'Polygon', coordinates: [circle(each, 18.6)] } } },
      });
      assert.equal(many.statusCode, 413, many.body);
      assert.match(many.json().error.message, new RegExp(`^body: ${2 * each} vertices in 2 geometries; a request may carry at most ${MAX_VERTICES_PER_REQUEST}`));
      const within = await server.app.inject({
        method: 'POST',
        url: '/api/hazards/check-geometry',
        headers: server.actors.auth('field_user'),
        payload: { geometry: { type: 'Polygon', coordinates: [circle(5_000)] } },
      });
      assert.equal(within.statusCode, 200, within.body);
      assert.deepEqual(within.json().problems, []);
    });

    test('a NUL character in any text is refused 400 naming the field, never a 500', async () => {
      const cases = [
        { request: { method: 'GET' as const, url: '/api/places?q=Demo%00District' }, field: 'query.q' },
        { request: { method: 'GET' as const, url: '/api/hazards?status=active%00', headers: server.actors.auth('analyst') }, field: 'query.status' },
        {
          request: { method: 'POST' as const, url: '/api/reports', headers: server.actors.auth('field_user'), payload: { entityType: 'hazard', action: 'create', reason: 'seen\u0000twice', payload: {} } },
          field: 'body.reason',
        },
        { request: { method: 'POST' as const, url: '/api/session', payload: { username: 'a\u0000', password: 'x' } }, field: 'body.username' },
        { request: { method: 'GET' as const, url: '/api/hazards/%00', headers: server.actors.auth('analyst') }, field: 'path.id' },
      ];
      for (const { request, field } of cases) {
        const response = await server.app.inject(request);
        assert.equal(response.statusCode, 400, `${request.url}: ${response.body}`);
        assert.equal(response.json().error.details.field, field, response.body);
        assert.match(response.json().error.message, /NUL character/);
      }
    });

    test('a date the database cannot hold (year 0) is refused 400 naming it, never a 500 (found by the fuzz test)', async () => {
      const response = await server.app.inject({ method: 'GET', url: '/api/statistics/land?period=year&from=0000-01-01&to=1999-12-31', headers: server.actors.auth('national_information_officer') });
      assert.equal(response.statusCode, 400, response.body);
      assert.match(response.json().error.message, /^A value the database cannot hold: .*0000-01-01/);
    });

    test('security headers on every answer: API, errors, the OGC HTML pages and tiles', async () => {
      for (const url of ['/api/health', '/api/hazards', '/ogc?f=html', '/ogc/collections?f=html', '/tiles/style.json', '/no/such/page']) {
        const response = await server.app.inject({ method: 'GET', url });
        const csp = response.headers['content-security-policy'];
        assert.equal(typeof csp, 'string', url);
        assert.match(csp as string, /script-src 'self'(;|$)/, url);
        assert.doesNotMatch(csp as string, /script-src[^;]*unsafe-inline/, url);
        assert.match(csp as string, /frame-ancestors 'none'/, url);
        assert.equal(response.headers['x-content-type-options'], 'nosniff', url);
        assert.equal(response.headers['x-frame-options'], 'DENY', url);
        assert.equal(response.headers['referrer-policy'], 'no-referrer', url);
      }
      const page = await server.app.inject({ method: 'GET', url: '/ogc/collections?f=html' });
      assert.match(page.headers['content-type'] as string, /text\/html/);
      assert.doesNotMatch(page.body, /<script(?![^>]*\bsrc=)[^>]*>/i, 'no inline script in the OGC pages');
    });

    test('no request outlives its deadline: 503 with a clear error, and its writes rolled back', async () => {
      const slow = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
      const limited = await buildServer({
        db: server.db,
        deadlineMs: 300,
        routes: [
          route({ method: 'GET', path: '/slow', summary: 'waits', tag: 'test', permission: 'public.read', handler: () => slow(3000).then(() => ({ done: true })) }),
          route({
            method: 'POST',
            path: '/slow-write',
            summary: 'writes, then waits',
            tag: 'test',
            permission: 'public.read',
            body: z.strictObject({ name: z.string() }),
            async handler({ db: tx, body }) {
              await tx.query("INSERT INTO organisation (name, kind) VALUES ($1, 'ngo')", [body.name]);
              await slow(800);
              return { written: true };
            },
          }),
        ],
      });
      try {
        const started = performance.now();
        const read = await limited.inject({ method: 'GET', url: '/slow' });
        assert.ok(performance.now() - started < 2000, `answered after ${performance.now() - started} ms`);
        assert.equal(read.statusCode, 503, read.body);
        assert.equal(read.json().error.code, 'deadline_exceeded');
        assert.match(read.json().error.message, /deadline of 0\.3 s/);
        assert.ok(read.headers['retry-after']);
        const write = await limited.inject({ method: 'POST', url: '/slow-write', payload: { name: 'Past its deadline' } });
        assert.equal(write.statusCode, 503, write.body);
        await slow(1200);
        const rows = await server.db.query("SELECT 1 FROM organisation WHERE name = 'Past its deadline'");
        assert.equal(rows.length, 0, 'the write of a request past its deadline does not stand');
      } finally {
        await limited.close();
      }
    });

    test("a write's statements stop at its deadline on PostgreSQL; long-running work is not cut by the store's statement timeout", async () => {
      // In milliseconds, as pg_settings keeps it (SHOW would say 5s or 4990ms).
      const timeout = async ({ db: tx }: { db: Queryable }) => (await tx.query<{ ms: string }>("SELECT setting AS ms FROM pg_settings WHERE name = 'statement_timeout'"))[0]!.ms;
      const app = await buildServer({
        db: server.db,
        deadlineMs: 5000,
        routes: [
          route({ method: 'POST', path: '/write', summary: 'a write', tag: 'test', permission: 'public.read', handler: timeout }),
          route({ method: 'POST', path: '/long-write', summary: 'a long write', tag: 'test', permission: 'public.read', longRunning: true, handler: timeout }),
        ],
      });
      try {
        const write = await app.inject({ method: 'POST', url: '/write' });
        const long = await app.inject({ method: 'POST', url: '/long-write' });
        assert.equal(long.body, '0', 'no statement timeout for work that may take minutes');
        if (server.db.backend === 'postgres') {
          const ms = Number(write.body);
          assert.ok(ms > 0 && ms <= 5000, `the deadline's time left, not the store's 60 s: ${write.body}`);
        } else {
          assert.equal(write.body, '0', 'PGlite cannot interrupt a statement');
        }
      } finally {
        await app.close();
      }
    });
  });
}
