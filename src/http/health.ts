import { z } from 'zod';
import { storeInfo } from '../store/open.ts';
import { route } from './route.ts';

const Health = z.object({
  status: z.literal('ok'),
  backend: z.enum(['pglite', 'postgres']),
  postgresVersion: z.string(),
  postgisVersion: z.string(),
  demo: z.object({ scale: z.string(), seed: z.number(), synthetic: z.boolean() }).nullable(),
});

export const healthRoutes = [
  route({
    method: 'GET',
    path: '/api/health',
    summary: 'Whether the server and its database answer, and which backend and PostGIS version run',
    tag: 'system',
    permission: 'public.read',
    response: Health,
    async handler({ db }) {
      const info = await storeInfo(db);
      const [demo] = await db.query<{ value: z.infer<typeof Health>['demo'] }>("SELECT value FROM setting WHERE key = 'demo'");
      return { status: 'ok' as const, ...info, demo: demo?.value ?? null };
    },
  }),
];
