import { z } from 'zod';
import { isDatabaseUnavailable } from '../store/db.ts';
import { type StoreInfo, storeInfo } from '../store/open.ts';
import type { PgliteDb } from '../store/pglite.ts';
import { RETRY_AFTER_S } from './errors.ts';
import { route } from './route.ts';

/** How long health waits for the database before calling it down. */
export const HEALTH_DATABASE_WAIT_MS = 2_000;

/**
 * How long health waits for the embedded store before answering from what it knows without it.
 * The store runs in a thread of its own, one statement at a time: behind a long one (PostGIS
 * validating a 50,000-vertex polygon) health's query waits for seconds while the thread is alive
 * and the server answers. That store is busy, not down.
 */
export const HEALTH_EMBEDDED_WAIT_MS = 100;

/** The versions last read from each store: they do not change while it runs, so a busy store's health still names them. */
const knownVersions = new WeakMap<object, StoreInfo>();

const Health = z.object({
  /** `down` (with status 503 and Retry-After) while the database cannot be reached. */
  status: z.enum(['ok', 'down']),
  backend: z.enum(['pglite', 'postgres']),
  /** `busy` on the embedded store: its thread runs but is in the middle of a long statement. */
  database: z.enum(['up', 'busy', 'down']),
  postgresVersion: z.string().optional(),
  postgisVersion: z.string().optional(),
  demo: z.object({ scale: z.string(), seed: z.number(), synthetic: z.boolean() }).nullable().optional(),
  message: z.string().optional(),
});

export const healthRoutes = [
  route({
    method: 'GET',
    path: '/api/health',
    summary: 'Whether the server and its database answer (503 with database down when it cannot be reached; busy while the embedded store runs a long statement), and which backend and PostGIS version run',
    tag: 'system',
    permission: 'public.read',
    response: Health,
    async handler({ db, reply }) {
      let timer: NodeJS.Timeout | undefined;
      let busyTimer: NodeJS.Timeout | undefined;
      const embedded = db.backend === 'pglite' && 'state' in db ? (db as PgliteDb) : null;
      const slow = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${HEALTH_DATABASE_WAIT_MS} ms`), { code: 'ETIMEDOUT' })), HEALTH_DATABASE_WAIT_MS);
      });
      const started = performance.now();
      // Busy: the store has been held for HEALTH_EMBEDDED_WAIT_MS by a statement or transaction
      // begun before health asked (a slow answer to health's own query, on a loaded machine, is
      // waited for as on PostgreSQL).
      const busy = new Promise<z.infer<typeof Health>>((resolve) => {
        if (!embedded) return;
        busyTimer = setTimeout(() => {
          const { alive, busyForMs } = embedded.state();
          if (!alive || busyForMs === null || busyForMs <= performance.now() - started) return;
          resolve({
            status: 'ok',
            database: 'busy',
            ...(knownVersions.get(embedded) ?? { backend: 'pglite' }),
            message: `The embedded store is busy with a statement or transaction begun ${(busyForMs / 1000).toFixed(1)} s ago; requests wait their turn`,
          });
        }, Math.max(0, HEALTH_EMBEDDED_WAIT_MS - (embedded.state().busyForMs ?? 0)));
      });
      const asked = (async () => {
        const info = await storeInfo(db);
        if (embedded) knownVersions.set(embedded, info);
        const [demo] = await db.query<{ value: z.infer<typeof Health>['demo'] }>("SELECT value FROM setting WHERE key = 'demo'");
        return { status: 'ok' as const, database: 'up' as const, ...info, demo: demo?.value ?? null };
      })();
      asked.catch(() => undefined);
      try {
        return await Promise.race([asked, busy, slow]);
      } catch (error) {
        if (!isDatabaseUnavailable(error)) throw error;
        reply.status(503).header('Retry-After', String(RETRY_AFTER_S));
        return { status: 'down' as const, backend: db.backend, database: 'down' as const, message: `The database cannot be reached: ${(error as Error).message}` };
      } finally {
        clearTimeout(timer);
        clearTimeout(busyTimer);
      }
    },
  }),
];
