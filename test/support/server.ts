import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/http/server.ts';
import type { Route } from '../../src/http/route.ts';
import type { Db } from '../../src/store/db.ts';
import type { Actors } from './actors.ts';
import type { TestBackend } from './backends.ts';
import { openTestStore } from './store.ts';

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
