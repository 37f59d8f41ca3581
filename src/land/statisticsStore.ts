/** The national land-release statistics from the stored pieces, by area, organisation, method and period. */
import { areaRollup } from '../gazetteer/store.ts';
import type { Queryable } from '../store/db.ts';
import type { ReleaseMethod } from './rules.ts';

export const STATISTICS_DIMENSIONS = ['admin1', 'admin2', 'organisation'] as const;
export type StatisticsDimension = (typeof STATISTICS_DIMENSIONS)[number];
export const PERIODS = ['none', 'month', 'quarter', 'year'] as const;
export type Period = (typeof PERIODS)[number];

const DIMENSION_SQL: Record<StatisticsDimension, string> = {
  admin1: 'ha.admin1_id',
  admin2: 'ha.admin2_id',
  organisation: 'p.organisation_id',
};
const PERIOD_SQL: Record<Exclude<Period, 'none'>, string> = {
  month: `to_char(p.release_date, 'YYYY-MM')`,
  quarter: `to_char(p.release_date, 'YYYY-"Q"Q')`,
  year: `to_char(p.release_date, 'YYYY')`,
};

/** Each hazard's level-1 and level-2 administrative areas, walking up from the area it lies in. */
export const HAZARD_AREAS = `${areaRollup('hazard')},
  hazard_area AS (
    SELECT h.id AS hazard_id, r.admin1_id, r.admin2_id FROM hazard h LEFT JOIN area_rollup r ON r.area_id = h.admin_area_id
  )`;

/**
 * The stored pieces (refreshed first: statistics.ts), with the organisation of each product's
 * activity as it is now. The same columns as productPiecesSql's piece.
 */
const STORED_PIECES = `piece AS (
    SELECT lp.product_id, lp.hazard_id, lp.method, lp.release_date, a.organisation_id, lp.counted_m2
    FROM land_release_piece lp JOIN activity a ON a.id = lp.activity_id
  )`;

export interface ReleasedRow {
  admin1Id: string | null;
  admin2Id: string | null;
  organisationId: string | null;
  period: string | null;
  method: ReleaseMethod;
  /** True on the national total of a method, false on the rows of a grouping. */
  total: boolean;
  areaM2: number;
  products: number;
}

/**
 * Released area by method and the chosen grouping, with the national total of each method from
 * the same pieces (GROUPING SETS). Each piece is rounded to 1 cm² and summed as an exact decimal,
 * so the groups add up to the totals digit for digit, whichever way they are cut.
 */
export async function releasedArea(
  tx: Queryable,
  options: { by: readonly StatisticsDimension[]; period: Period; from?: string | null; to?: string | null },
): Promise<ReleasedRow[]> {
  const dims = [...options.by.map((d) => [d, DIMENSION_SQL[d]] as const), ...(options.period === 'none' ? [] : [['period', PERIOD_SQL[options.period]] as const])];
  const select = (name: string) => dims.find(([d]) => d === name)?.[1] ?? 'NULL';
  const grouping = dims.map(([, sql]) => sql);
  const rows = await tx.query<{
    admin1_id: string | null;
    admin2_id: string | null;
    organisation_id: string | null;
    period: string | null;
    method: ReleaseMethod;
    total: boolean;
    area_m2: number;
    products: number;
  }>(
    `WITH RECURSIVE ${STORED_PIECES}, ${HAZARD_AREAS}
     SELECT ${select('admin1')}::uuid AS admin1_id, ${select('admin2')}::uuid AS admin2_id, ${select('organisation')}::uuid AS organisation_id,
       ${select('period')}::text AS period, p.method,
       ${grouping.length > 0 ? `GROUPING(${grouping.join(', ')}) <> 0` : 'true'} AS total,
       sum(round(p.counted_m2::numeric, 4))::float8 AS area_m2, count(*)::int AS products
     FROM piece p JOIN hazard_area ha ON ha.hazard_id = p.hazard_id
     WHERE ($1::date IS NULL OR p.release_date >= $1::date) AND ($2::date IS NULL OR p.release_date <= $2::date)
     GROUP BY ${grouping.length > 0 ? `GROUPING SETS ((${[...grouping, 'p.method'].join(', ')}), (p.method))` : 'p.method'}
     ORDER BY total, ${[...grouping, 'p.method'].map((g) => `${g} NULLS LAST`).join(', ')}`,
    [options.from ?? null, options.to ?? null],
  );
  // Without a grouping, the national rows are both the figures and their totals.
  return rows.flatMap((r) => {
    const row = { admin1Id: r.admin1_id, admin2Id: r.admin2_id, organisationId: r.organisation_id, period: r.period, method: r.method, areaM2: r.area_m2, products: r.products };
    return grouping.length > 0 ? [{ ...row, total: r.total }] : [{ ...row, total: false }, { ...row, total: true }];
  });
}

export interface RemainingRow {
  admin1Id: string | null;
  admin2Id: string | null;
  total: boolean;
  areaM2: number;
  hazards: number;
}

/** Remaining contamination (hazard minus all its products, as stored) by administrative area, with the national total. */
export async function remainingArea(tx: Queryable, options: { by: readonly StatisticsDimension[] }): Promise<RemainingRow[]> {
  const dims = options.by.filter((d) => d !== 'organisation').map((d) => DIMENSION_SQL[d]);
  const select = (d: StatisticsDimension) => (options.by.includes(d) ? DIMENSION_SQL[d] : 'NULL');
  const rows = await tx.query<{ admin1_id: string | null; admin2_id: string | null; total: boolean; area_m2: number; hazards: number }>(
    `WITH RECURSIVE ${HAZARD_AREAS},
     remaining AS (SELECT hazard_id, remaining_m2 AS area_m2 FROM land_hazard_remaining)
     SELECT ${select('admin1')}::uuid AS admin1_id, ${select('admin2')}::uuid AS admin2_id,
       ${dims.length > 0 ? `GROUPING(${dims.join(', ')}) <> 0` : 'true'} AS total,
       sum(round(r.area_m2::numeric, 4))::float8 AS area_m2, count(*) FILTER (WHERE r.area_m2 >= 0.01)::int AS hazards
     FROM remaining r JOIN hazard_area ha ON ha.hazard_id = r.hazard_id
     ${dims.length > 0 ? `GROUP BY GROUPING SETS ((${dims.join(', ')}), ())` : ''}
     ORDER BY total${dims.map((d) => `, ${d} NULLS LAST`).join('')}`,
  );
  return rows.flatMap((r) => {
    const row = { admin1Id: r.admin1_id, admin2Id: r.admin2_id, areaM2: r.area_m2, hazards: r.hazards };
    return dims.length > 0 ? [{ ...row, total: r.total }] : [{ ...row, total: false }, { ...row, total: true }];
  });
}

/** Codes and display names of administrative areas and organisations, for labelling figures. */
export async function labels(tx: Queryable, adminAreaIds: readonly string[], organisationIds: readonly string[]): Promise<Map<string, { code: string | null; name: string }>> {
  const rows = await tx.query<{ id: string; code: string | null; name: string }>(
    `SELECT a.id, a.code, COALESCE((
        SELECT pn.name FROM place_name pn WHERE pn.admin_area_id = a.id
        ORDER BY (pn.language = (SELECT s.value #>> '{}' FROM setting s WHERE s.key = 'display_language')) DESC NULLS LAST, pn.kind = 'official' DESC, pn.name
        LIMIT 1), a.code, a.id::text) AS name
     FROM admin_area a WHERE a.id = ANY($1::uuid[])
     UNION ALL
     SELECT o.id, o.acronym, o.name FROM organisation o WHERE o.id = ANY($2::uuid[])`,
    [adminAreaIds, organisationIds],
  );
  return new Map(rows.map((r) => [r.id, { code: r.code, name: r.name }]));
}
