/**
 * The SQL of casualty statistics: victims counted by any groupings of their accident's
 * administrative area, period, device category, and their sex, age group, victim group and
 * activity at the time, in one GROUPING SETS query with the national total. An accident counts in
 * a date range when all of its date, at its precision, lies in it; ages count from their reported
 * bounds (age_min, age_max). Victims' identifying details (victim_identity) are never read here.
 */
import { areaRollup } from '../gazetteer/store.ts';
import type { Queryable } from '../store/db.ts';
import { ageGroupSql } from './ageGroups.ts';

export const CASUALTY_DIMENSIONS = ['admin1', 'admin2', 'period', 'sex', 'ageGroup', 'victimGroup', 'deviceCategory', 'activityAtTime'] as const;
export type CasualtyDimension = (typeof CASUALTY_DIMENSIONS)[number];
export const CASUALTY_PERIODS = ['year', 'month'] as const;
export type CasualtyPeriod = (typeof CASUALTY_PERIODS)[number];

/**
 * Dates keep their precision (migration 0025): an accident known only to the year is counted in
 * its year, and by month under the year alone ("2019"), never in a month it may not have been in.
 */
const PERIOD_SQL: Record<CasualtyPeriod, string> = {
  year: `to_char(x.occurred_on, 'YYYY')`,
  month: `date_as_known(x.occurred_on, CASE x.occurred_on_precision WHEN 'day' THEN 'month' ELSE x.occurred_on_precision END)`,
};

/** Each victim with the values it is grouped by; the names are the dimensions'. */
function victimFacts(period: CasualtyPeriod): string {
  return `facts AS (
    SELECT x.id AS accident_id, v.outcome, r.admin1_id AS "admin1", r.admin2_id AS "admin2", ${PERIOD_SQL[period]} AS "period",
      coalesce(v.sex, 'unknown') AS "sex", ${ageGroupSql('v.age_min', 'v.age_max')} AS "ageGroup", v.victim_group AS "victimGroup",
      coalesce(x.device_category, 'unknown') AS "deviceCategory", nullif(lower(btrim(v.activity_at_time)), '') AS "activityAtTime"
    FROM victim v JOIN accident x ON x.id = v.accident_id LEFT JOIN area_rollup r ON r.area_id = x.admin_area_id
    WHERE ($1::date IS NULL OR x.occurred_on >= $1::date) AND ($2::date IS NULL OR date_period_end(x.occurred_on, x.occurred_on_precision) <= $2::date)
  )`;
}

/** Each accident's level-1 and level-2 administrative areas, walking up from the area it is recorded in. */
const ACCIDENT_AREAS = areaRollup('accident');

export interface CasualtyQuery {
  /** Each grouping is one set of dimensions; the national total is always added. */
  groupings: readonly (readonly CasualtyDimension[])[];
  period: CasualtyPeriod;
  from?: string | null;
  to?: string | null;
}

export interface CasualtyCountRow {
  /** The grouping this row belongs to (an empty one is the national total). */
  grouping: CasualtyDimension[];
  values: Partial<Record<CasualtyDimension, string | null>>;
  victims: number;
  killed: number;
  injured: number;
  accidents: number;
}

/** Dimensions that can differ between the victims of one accident; the others are the accident's. */
const VICTIM_DIMENSIONS: readonly CasualtyDimension[] = ['sex', 'ageGroup', 'victimGroup', 'activityAtTime'];

/** The victim dimensions of each grouping, once each (the accident-level groupings and the total share []). */
function victimDimensionSets(query: CasualtyQuery): CasualtyDimension[][] {
  const sets = new Map<string, CasualtyDimension[]>([['', []]]);
  for (const g of query.groupings) {
    const dims = VICTIM_DIMENSIONS.filter((d) => g.includes(d));
    sets.set(dims.join(','), dims);
  }
  return [...sets.values()];
}

/**
 * The one statement behind the figures, as run (parameters $1 = from, $2 = to), to show beside them.
 * An accident counts once in a group: a victim is its accident's first in a group when it is the
 * first of its accident with the same values of the grouping's victim dimensions (first_k, one per
 * set of those). Counting those firsts, instead of count(DISTINCT accident_id), lets PostgreSQL hash
 * every grouping set in one pass rather than sort the victims once per set (docs/reporting.md).
 */
export function casualtyStatisticsSql(query: CasualtyQuery): string {
  const used = CASUALTY_DIMENSIONS.filter((d) => query.groupings.some((g) => g.includes(d)));
  const sets = [...query.groupings.filter((g) => g.length > 0).map((g) => `(${g.map((d) => `"${d}"`).join(', ')})`), '()'];
  const firsts = victimDimensionSets(query);
  return `WITH RECURSIVE ${ACCIDENT_AREAS}, ${victimFacts(query.period)},
  counted AS (
    SELECT facts.*, ${firsts.map((dims, k) => `row_number() OVER (PARTITION BY ${['accident_id', ...dims.map((d) => `"${d}"`)].join(', ')}) = 1 AS first_${k}`).join(',\n      ')}
    FROM facts
  )
SELECT ${used.map((d) => `"${d}"::text, `).join('')}${used.length > 0 ? `GROUPING(${used.map((d) => `"${d}"`).join(', ')})` : '0'} AS grouping_mask,
  count(*)::int AS victims, count(*) FILTER (WHERE outcome = 'killed')::int AS killed, count(*) FILTER (WHERE outcome = 'injured')::int AS injured,
  ${firsts.map((_, k) => `count(*) FILTER (WHERE first_${k})::int AS accidents_${k}`).join(', ')}
FROM counted
GROUP BY GROUPING SETS (${[...new Set(sets)].join(', ')})
ORDER BY grouping_mask DESC${used.map((d) => `, "${d}" NULLS LAST`).join('')}`;
}

export async function casualtyCounts(db: Queryable, query: CasualtyQuery): Promise<CasualtyCountRow[]> {
  const used = CASUALTY_DIMENSIONS.filter((d) => query.groupings.some((g) => g.includes(d)));
  const firsts = victimDimensionSets(query).map((dims) => dims.join(','));
  const rows = await db.query<Record<string, string | number | null> & { grouping_mask: number; victims: number; killed: number; injured: number }>(
    casualtyStatisticsSql(query),
    [query.from ?? null, query.to ?? null],
  );
  // GROUPING() sets a bit for each dimension left out of the row's set, the last dimension lowest.
  return rows.map((r) => {
    const members = used.filter((_, i) => (r.grouping_mask & (1 << (used.length - 1 - i))) === 0);
    // In the order the grouping was asked for ("deviceCategory,sex" stays so).
    const grouping = [...(query.groupings.find((g) => g.length === members.length && members.every((d) => g.includes(d))) ?? members)];
    const k = firsts.indexOf(VICTIM_DIMENSIONS.filter((d) => members.includes(d)).join(','));
    return {
      grouping,
      values: Object.fromEntries(grouping.map((d) => [d, (r[d] as string | null) ?? null])),
      victims: r.victims,
      killed: r.killed,
      injured: r.injured,
      accidents: r[`accidents_${k}`] as number,
    };
  });
}

/** The national setting `public_suppression_threshold` (a whole number), else the default. */
export async function suppressionThreshold(db: Queryable, fallback: number): Promise<number> {
  const [row] = await db.query<{ value: unknown }>("SELECT value FROM setting WHERE key = 'public_suppression_threshold'");
  const value = row?.value;
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 ? value : fallback;
}
