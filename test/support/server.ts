import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/http/server.ts';
import type { Route } from '../../src/http/route.ts';
import type { Db } from '../../src/store/db.ts';
import { type Actors, seedActors } from './actors.ts';
import type { TestBackend } from './backends.ts';

/**
 * What most store and HTTP tests start from: a fresh store of one backend with the test actors,
 * whatever `seed` adds, and (for `openTestServer`) the server on it.
 *
 * @example before(async () => ({ db, actors, app } = await openTestServer(backend)));
 *          after(() => closeTestServer({ db, app }));
 */
export async function openTestStore(backend: TestBackend, seed?: (db: Db, actors: Actors) => Promise<void>): Promise<{ db: Db; actors: Actors }> {
  const db = await backend.open();
  const actors = await seedActors(db);
  await seed?.(db, actors);
  return { db, actors };
}

export async function openTestServer(
  backend: TestBackend,
  options: { seed?: (db: Db, actors: Actors) => Promise<void>; routes?: readonly Route[] } = {},
): Promise<{ db: Db; actors: Actors; app: FastifyInstance }> {
  const { db, actors } = await openTestStore(backend, options.seed);
  const app = await buildServer({ db, ...(options.routes ? { routes: options.routes } : {}) });
  return { db, actors, app };
}

/** Closes what `openTestServer` or `openTestStore` opened, as far as it got. */
export async function closeTestServer(opened: { db?: Db | undefined; app?: FastifyInstance | undefined }): Promise<void> {
  await opened.app?.close();
  await opened.db?.close();
}
