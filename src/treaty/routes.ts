import { z } from 'zod';
import { route, STATIC_PAGE_POLICY } from '../http/route.ts';
import { safegroundVersion } from '../version.ts';
import { CONVENTION_NAMES, treatyReport } from './report.ts';
import { treatyReportHtml, treatyReportXlsx } from './render.ts';

/** Treaty reports for signed-in users: exact figures (casualties are not suppressed). */
export const treatyRoutes = [
  route({
    method: 'GET',
    path: '/api/treaty-reports/{convention}/{year}',
    summary:
      'The tables of a treaty report for a calendar year (apmbc: Mine Ban Convention Article 7; ccm: Cluster Munitions Article 7; ccw5: CCW Protocol V), ' +
      'as JSON, printable HTML or XLSX, each table with the statement that produced it and the national totals reconciled with the land and casualty statistics',
    tag: 'reports',
    permission: 'data.read',
    params: z.strictObject({ convention: z.enum(CONVENTION_NAMES as [string, ...string[]]), year: z.coerce.number().int().min(1990).max(2100) }),
    query: z.strictObject({ format: z.enum(['json', 'html', 'xlsx']).default('json') }),
    async handler({ db, params, query, reply }) {
      const report = await treatyReport(db, params.convention as (typeof CONVENTION_NAMES)[number], params.year);
      if (query.format === 'json') return report;
      if (query.format === 'html') {
        reply.type('text/html; charset=utf-8');
        reply.header('content-security-policy', STATIC_PAGE_POLICY);
        return treatyReportHtml(report, safegroundVersion());
      }
      reply.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
      reply.header('content-disposition', `attachment; filename="${params.convention}-${params.year}.xlsx"`);
      return treatyReportXlsx(report, safegroundVersion());
    },
  }),
];
