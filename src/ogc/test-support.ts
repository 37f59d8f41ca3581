import type { FastifyInstance } from 'fastify';
import { type Actors, seedActors } from '../../test/support/actors.ts';
import type { TestBackend } from '../../test/support/backends.ts';
import { generateDemo } from '../demo/generate.ts';
import { buildServer } from '../http/server.ts';
import type { Db } from '../store/db.ts';

/** A store with the small demo dataset and a user per role, and the server over it. */
export interface DemoServer {
  db: Db;
  app: FastifyInstance;
  actors: Actors;
  close(): Promise<void>;
}

export async function demoServer(backend: TestBackend): Promise<DemoServer> {
  const db = await backend.open();
  await generateDemo(db, { scale: 'small' });
  const actors = await seedActors(db);
  const app = await buildServer({ db });
  return {
    db,
    app,
    actors,
    async close() {
      await app.close();
      await db.close();
    },
  };
}

export interface Link {
  href: string;
  rel: string;
  type: string;
}

export function linkOf(links: readonly Link[], rel: string, type?: string): Link | undefined {
  return links.find((l) => l.rel === rel && (type === undefined || l.type === type));
}

/** The path and query of an absolute link, for app.inject. */
export function pathOf(href: string): string {
  const url = new URL(href);
  return `${url.pathname}${url.search}`;
}
