import { z } from 'zod';
import { route } from '../http/route.ts';
import { casualtyCsv, casualtyStatistics, parseGroupings } from './casualties.ts';
import { CASUALTY_PERIODS } from './casualtiesStore.ts';

export const Groupings = z
  .string()
  .max(500)
  .default('period')
  .transform((value, ctx) => {
    try {
      return parseGroupings(value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  });

/** Casualty statistics for signed-in users: exact counts (the public page has them with small counts suppressed). */
export const statisticsRoutes = [
  route({
    method: 'GET',
    readOnly: true,
    path: '/api/statistics/casualties',
    summary:
      'Victims (killed, injured) and accidents by groupings of admin1, admin2, period, sex, ageGroup, victimGroup, deviceCategory and activityAtTime ' +
      '(by=period;sex;admin1,ageGroup: sets separated by ;), with the national total and the SQL that produced them; no identifying details',
    tag: 'casualties',
    permission: 'data.read',
    query: z.strictObject({
      by: Groupings,
      period: z.enum(CASUALTY_PERIODS).default('year'),
      from: z.iso.date().optional(),
      to: z.iso.date().optional(),
      format: z.enum(['json', 'csv']).default('json'),
    }),
    async handler({ db, query, reply }) {
      const stats = await casualtyStatistics(db, { groupings: query.by, period: query.period, from: query.from ?? null, to: query.to ?? null });
      if (query.format === 'json') return stats;
      reply.type('text/csv; charset=utf-8');
      return casualtyCsv(stats);
    },
  }),
];
