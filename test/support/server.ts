import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/http/server.ts';
import type { Route } from '../../src/http/route.ts';
import type { Db } from '../../src/store/db.ts';
import type { Actors } from './actors.ts';
import type { TestBackend } from './backends.ts';
import { closeTestServer, openTestStore } from './store.ts';

/**
 * A fresh store of one backend with the test actors, whatever `seed` adds, and the server on it.
 *
 * @example before(async () => ({ db, actors, app } = await openTestServer(backend)));
 *          after(() => closeTestServer({ db, app }));
 */
export async function openTestServer(
  backend: TestBackend,
  options: { seed?: (db: Db, actors: Actors) => Promise<void>; routes?: readonly Route[]; deadlineMs?: number } = {},
): Promise<{ db: Db; actors: Actors; app: FastifyInstance }> {
  const { db, actors } = await openTestStore(backend, options.seed);
  const app = await buildServer({ db, ...(options.routes ? { routes: options.routes } : {}), ...(options.deadlineMs ? { deadlineMs: options.deadlineMs } : {}) });
  return { db, actors, app };
}

/** The store, actors and server `useTestServer` opens, there from its before hook on. */
export interface TestServer {
  db: Db;
  actors: Actors;
  app: FastifyInstance;
}

/**
 * Opens a test server (as `openTestServer`) before the tests of the enclosing describe and closes
 * it after them, so a describe of HTTP tests starts with one line.
 *
 * @example const server = useTestServer(backend);
 *          test('...', async () => assert.equal((await server.app.inject({ method: 'GET', url: '/health' })).statusCode, 200));
 */
export function useTestServer(backend: TestBackend, options: Parameters<typeof openTestServer>[1] = {}): TestServer {
  const server = {} as TestServer;
  before(async () => {
    Object.assign(server, await openTestServer(backend, options));
  });
  after(() => closeTestServer(server));
  return server;
}

/**
 * A report (the body of POST /api/reports) through the whole workflow over HTTP: `writer` writes
 * and submits it, the manager of the writer's organisation verifies it, a national officer
 * approves it; each step must succeed. Returns the report's id and the record it made or changed.
 */
export async function approveOverHttp(
  server: Pick<TestServer, 'app' | 'actors'>,
  body: object,
  writer: Parameters<Actors['auth']>[0] = 'field_user',
): Promise<{ id: string; entityId: string }> {
  const call = (who: Parameters<Actors['auth']>[0], url: string, payload: object) => server.app.inject({ method: 'POST', url, headers: server.actors.auth(who), payload });
  const created = await call(writer, '/api/reports', { ...body, submit: true });
  assert.equal(created.statusCode, 201, created.body);
  const id = created.json().id as string;
  const manager = writer.endsWith('_b') ? 'organisation_manager_b' : 'organisation_manager';
  const verified = await call(manager, `/api/reports/${id}/verify`, {});
  assert.equal(verified.statusCode, 200, verified.body);
  const approved = await call('national_information_officer', `/api/reports/${id}/approve`, {});
  assert.equal(approved.statusCode, 200, approved.body);
  return { id, entityId: approved.json().entityId };
}
