import { z } from 'zod';
import { route } from '../http/route.ts';
import { searchPlaces } from './store.ts';

export const gazetteerRoutes = [
  route({
    method: 'GET',
    path: '/api/places',
    summary: 'Administrative areas and settlements by any of their names (any language, former names too), whole-name matches first',
    tag: 'gazetteer',
    permission: 'public.read',
    query: z.strictObject({
      q: z.string().trim().min(1).max(200),
      limit: z.coerce.number().int().min(1).max(100).default(10),
    }),
    async handler({ db, query }) {
      return { places: await searchPlaces(db, query.q, query.limit) };
    },
  }),
];
