import { z } from 'zod';
import { Bbox, route } from '../http/route.ts';
import { searchPlaces, settlementsIn } from './store.ts';

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
  route({
    method: 'GET',
    path: '/api/settlements',
    summary: 'Settlements in an area (bbox), each with every name (language and kind), its position and population, by display name; the most populous kept past the limit, and truncated says so',
    tag: 'gazetteer',
    permission: 'public.read',
    query: z.strictObject({
      bbox: Bbox,
      limit: z.coerce.number().int().min(1).max(20_000).default(5000),
    }),
    async handler({ db, query }) {
      return settlementsIn(db, query.bbox, query.limit);
    },
  }),
];
