import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import type { Db } from '../store/db.ts';
import { allRoutes } from '../http/routes.ts';
import { buildServer } from '../http/server.ts';
import { testBackends } from '../../test/support/backends.ts';
import { type Actors, seedActors } from '../../test/support/actors.ts';
import { PERMISSIONS, ROLE_PERMISSIONS, ROLES, type Role } from './permissions.ts';

/**
 * Every route of the server × every role, anonymous included: the server must refuse exactly the
 * roles that lack the route's permission (401 anonymous, 403 signed in) and let the others
 * through to validation and the handler. Built from the route list, so a new route is covered
 * the moment it exists.
 */
const [pglite] = testBackends();
let db: Db;
let app: FastifyInstance;
let actors: Actors;

before(async () => {
  db = await pglite!.open();
  actors = await seedActors(db);
  app = await buildServer({ db });
});
after(async () => {
  await app.close();
  await db.close();
});

test('every route names a known permission', () => {
  for (const r of allRoutes) assert.ok(PERMISSIONS.includes(r.permission), `${r.method} ${r.path}: unknown permission ${r.permission}`);
});

for (const who of ['anonymous', ...ROLES] as const) {
  test(`route × role: ${who}`, async () => {
    const rows: string[] = [];
    for (const r of allRoutes) {
      const allowed = who === 'anonymous' ? ROLE_PERMISSIONS.public.includes(r.permission) : ROLE_PERMISSIONS[who as Role].includes(r.permission);
      const url = r.path.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000');
      const headers = who === 'anonymous' ? {} : actors.auth(who as Role);
      const response = await app.inject({ method: r.method, url, headers, ...(r.method === 'GET' || r.method === 'DELETE' ? {} : { payload: {} }) });
      const refused = response.statusCode === 401 || response.statusCode === 403;
      const refusedByRule = refused && /permission|Sign in/.test(response.json().error?.message ?? '');
      if (allowed && refusedByRule) rows.push(`${r.method} ${r.path}: ${who} should be allowed (${r.permission}) but got ${response.statusCode}`);
      if (!allowed && !refused) rows.push(`${r.method} ${r.path}: ${who} should be refused (${r.permission}) but got ${response.statusCode}`);
      if (!allowed && refused) assert.equal(response.statusCode, who === 'anonymous' ? 401 : 403, `${r.method} ${r.path} as ${who}`);
    }
    assert.deepEqual(rows, []);
  });
}
