import { z } from 'zod';
import { isDatabaseUnavailable } from '../store/db.ts';
import { storeInfo } from '../store/open.ts';
import { RETRY_AFTER_S } from './errors.ts';
import { route } from './route.ts';

/** How long health waits for the database before calling it down. */
export const HEALTH_DATABASE_WAIT_MS = 2_000;

const Health = z.object({
  /** `down` (with status 503 and Retry-After) while the database cannot be reached. */
  status: z.enum(['ok', 'down']),
  backend: z.enum(['pglite', 'postgres']),
  database: z.enum(['up', 'down']),
  postgresVersion: z.string().optional(),
  postgisVersion: z.string().optional(),
  demo: z.object({ scale: z.string(), seed: z.number(), synthetic: z.boolean() }).nullable().optional(),
  message: z.string().optional(),
});

export const healthRoutes = [
  route({
    method: 'GET',
    path: '/api/health',
    summary: 'Whether the server and its database answer (503 with database down when it cannot be reached), and which backend and PostGIS version run',
    tag: 'system',
    permission: 'public.read',
    response: Health,
    async handler({ db, reply }) {
      let timer: NodeJS.Timeout | undefined;
      const slow = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${HEALTH_DATABASE_WAIT_MS} ms`), { code: 'ETIMEDOUT' })), HEALTH_DATABASE_WAIT_MS);
      });
      const asked = (async () => {
        const info = await storeInfo(db);
        const [demo] = await db.query<{ value: z.infer<typeof Health>['demo'] }>("SELECT value FROM setting WHERE key = 'demo'");
        return { status: 'ok' as const, database: 'up' as const, ...info, demo: demo?.value ?? null };
      })();
      asked.catch(() => undefined);
      try {
        return await Promise.race([asked, slow]);
      } catch (error) {
        if (!isDatabaseUnavailable(error)) throw error;
        reply.status(503).header('Retry-After', String(RETRY_AFTER_S));
        return { status: 'down' as const, backend: db.backend, database: 'down' as const, message: `The database cannot be reached: ${(error as Error).message}` };
      } finally {
        clearTimeout(timer);
      }
    },
  }),
];
