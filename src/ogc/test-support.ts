import { after, before } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { type Actors, seedActors } from '../../test/support/actors.ts';
import type { TestBackend } from '../../test/support/backends.ts';
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
  const db = await backend.openDemo();
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

/** The demo server of one describe block: started before its tests, closed after them. */
export interface DemoSuite {
  readonly server: DemoServer;
  /** The analyst's headers (a token with data.read). */
  readonly analyst: { authorization: string };
  /** A GET, as the analyst unless other headers are given. */
  readonly get: (url: string, headers?: Record<string, string>) => Promise<LightMyRequestResponse>;
}

export function demoSuite(backend: TestBackend): DemoSuite {
  let server: DemoServer | undefined;
  before(async () => {
    server = await demoServer(backend);
  });
  after(() => server?.close());
  const started = () => {
    if (!server) throw new Error('The demo server starts in before(); use it inside a test');
    return server;
  };
  return {
    get server() {
      return started();
    },
    get analyst() {
      return started().actors.auth('analyst');
    },
    get: (url, headers) => {
      const s = started();
      return s.app.inject({ method: 'GET', url, headers: headers ?? s.actors.auth('analyst') });
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
