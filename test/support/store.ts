import type { FastifyInstance } from 'fastify';
import type { Db } from '../../src/store/db.ts';
import { type Actors, seedActors } from './actors.ts';
import type { TestBackend } from './backends.ts';

/**
 * What most store tests start from: a fresh store of one backend with the test actors and
 * whatever `seed` adds (test/support/server.ts adds the server). Kept apart from the server so a
 * test of one domain loads only that domain's modules.
 *
 * @example before(async () => ({ db, actors } = await openTestStore(backend)));
 *          after(() => closeTestServer({ db }));
 */
export async function openTestStore(backend: TestBackend, seed?: (db: Db, actors: Actors) => Promise<void>): Promise<{ db: Db; actors: Actors }> {
  const db = await backend.open();
  const actors = await seedActors(db);
  await seed?.(db, actors);
  return { db, actors };
}

/** Closes what `openTestServer` or `openTestStore` opened, as far as it got. */
export async function closeTestServer(opened: { db?: Db | undefined; app?: FastifyInstance | undefined }): Promise<void> {
  await opened.app?.close();
  await opened.db?.close();
}
