/**
 * Casualty figures from the server's statistics (GET /api/statistics/casualties, one set-based
 * query): by year (killed, injured), sex, age group and victim group, with the national total.
 */
export { AGE_GROUPS, type AgeGroup } from '../../../src/statistics/ageGroups.ts';
export { VICTIM_GROUPS, VICTIM_OUTCOMES as OUTCOMES, VICTIM_SEXES as SEXES } from '../types.ts';

/** The groupings the dashboard asks for, in the API's syntax. */
export const DASHBOARD_GROUPINGS = 'period;sex;ageGroup;victimGroup';

export interface CasualtyStatistics {
  rows: ({ grouping: string[]; victims: number; killed: number; injured: number; accidents: number } & Partial<Record<'period' | 'sex' | 'ageGroup' | 'victimGroup', string | null>>)[];
  total: { victims: number; killed: number; injured: number; accidents: number };
}

export interface CasualtyFigures {
  byYear: Map<string, { killed: number; injured: number }>;
  bySex: Map<string, number>;
  byAgeGroup: Map<string, number>;
  byVictimGroup: Map<string, number>;
  total: number;
  accidents: number;
}

export function casualtyFigures(stats: CasualtyStatistics): CasualtyFigures {
  const of = (dimension: 'period' | 'sex' | 'ageGroup' | 'victimGroup') => stats.rows.filter((r) => r.grouping.length === 1 && r.grouping[0] === dimension);
  return {
    byYear: new Map(of('period').map((r) => [r.period ?? '', { killed: r.killed, injured: r.injured }])),
    bySex: new Map(of('sex').map((r) => [r.sex ?? 'unknown', r.victims])),
    byAgeGroup: new Map(of('ageGroup').map((r) => [r.ageGroup ?? 'unknown', r.victims])),
    byVictimGroup: new Map(of('victimGroup').map((r) => [r.victimGroup ?? 'unknown', r.victims])),
    total: stats.total.victims,
    accidents: stats.total.accidents,
  };
}
