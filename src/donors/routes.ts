import { z } from 'zod';
import { route } from '../http/route.ts';
import { safegroundVersion } from '../version.ts';
import { donorFigures, donorFiguresCsv, donorFiguresXlsx } from './figures.ts';

/** Donor figures for signed-in users who may read the register. */
export const donorRoutes = [
  route({
    method: 'GET',
    path: '/api/donor-figures',
    summary:
      'Per organisation (or one) over a period: land released by method (geodesic m², each piece counted once), items found and destroyed by category, ' +
      'activities by kind (active, completed), risk education; with the total over organisations, as JSON, CSV or XLSX',
    tag: 'reports',
    permission: 'data.read',
    query: z.strictObject({
      from: z.iso.date(),
      to: z.iso.date(),
      organisation: z.uuid().optional(),
      format: z.enum(['json', 'csv', 'xlsx']).default('json'),
    }),
    async handler({ db, query, reply }) {
      const figures = await donorFigures(db, { from: query.from, to: query.to, organisationId: query.organisation ?? null });
      if (query.format === 'json') return figures;
      if (query.format === 'csv') {
        reply.type('text/csv; charset=utf-8');
        return donorFiguresCsv(figures);
      }
      reply.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
      reply.header('content-disposition', `attachment; filename="donor-figures-${query.from}-${query.to}.xlsx"`);
      return donorFiguresXlsx(figures, safegroundVersion());
    },
  }),
];
