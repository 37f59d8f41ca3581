import { z } from 'zod';
import { type ReadArea, readRoute } from '../http/readRoutes.ts';
import { STATIC_PAGE_POLICY } from '../http/route.ts';
import { landStatistics, statisticsCsv } from '../land/statistics.ts';
import { casualtyCsv } from '../statistics/casualties.ts';
import { Groupings } from '../statistics/routes.ts';
import { nationalProgress, progressHtml, publicCasualties } from './progress.ts';

/** What everyone may read without signing in, answered by a replica when there is one. */
const PUBLIC: ReadArea = { tag: 'public', permission: 'public.read', readOnly: true };

/** The public page and its open downloads: no sign-in, aggregates only, small casualty counts withheld. */
export const publicRoutes = [
  readRoute(PUBLIC, {
    path: '/public',
    summary: 'National progress for everyone: remaining contamination, land released per year by method, casualties per year (small counts withheld), open downloads',
    produces: 'text/html; charset=utf-8',
    async handler({ db, reply }) {
      reply.header('content-security-policy', STATIC_PAGE_POLICY);
      return progressHtml(await nationalProgress(db));
    },
  }),
  readRoute(PUBLIC, {
    path: '/api/public/progress',
    summary: 'The figures of the public page as JSON (casualty counts under the threshold are null)',
    async handler({ db }) {
      return nationalProgress(db);
    },
  }),
  readRoute(PUBLIC, {
    path: '/api/public/casualties',
    summary: 'Casualty statistics for everyone (the groupings of /api/statistics/casualties), with small counts withheld; JSON or CSV',
    query: z.strictObject({ by: Groupings, format: z.enum(['json', 'csv']).default('json') }),
    async handler({ db, query, reply }) {
      const stats = await publicCasualties(db, query.by);
      if (query.format === 'json') return stats;
      reply.type('text/csv; charset=utf-8');
      return casualtyCsv(stats);
    },
  }),
  readRoute(PUBLIC, {
    path: '/api/public/land',
    summary: 'Land released by admin1, year and method, and remaining contamination by admin1 (the land statistics), JSON or CSV',
    query: z.strictObject({ format: z.enum(['json', 'csv']).default('csv') }),
    async handler({ db, query, reply }) {
      const stats = await landStatistics(db, { by: ['admin1'], period: 'year' });
      if (query.format === 'json') return stats;
      reply.type('text/csv; charset=utf-8');
      return statisticsCsv(stats);
    },
  }),
];
