/**
 * The SQL of treaty reports that the land and casualty statistics do not already answer: the
 * same stored land-release pieces and remaining areas (src/land), limited to the hazardous areas
 * of one kind of contamination, and the items found, risk education and the areas' outlines.
 * Each function also gives its statement, to print beside the figures.
 */
import { HAZARD_AREAS } from '../land/statisticsStore.ts';
import type { Queryable } from '../store/db.ts';

export interface Statement<T> {
  rows: T[];
  sql: string;
}

async function run<T>(db: Queryable, sql: string, params: unknown[]): Promise<Statement<T>> {
  return { rows: await db.query<T & Record<string, unknown>>(sql, params), sql };
}

export interface RemainingByArea {
  admin1_id: string | null;
  total: boolean;
  sha: number;
  cha: number;
  area_m2: number;
}

/** Hazardous areas with remaining area (≥ 0.01 m², as the land statistics count them) by admin1, SHA and CHA, with the national total. */
export function remainingByArea(db: Queryable, contamination: string | null): Promise<Statement<RemainingByArea>> {
  return run(
    db,
    `WITH RECURSIVE ${HAZARD_AREAS}
SELECT ha.admin1_id, GROUPING(ha.admin1_id) <> 0 AS total,
  count(*) FILTER (WHERE r.remaining_m2 >= 0.01 AND h.kind = 'sha')::int AS sha, count(*) FILTER (WHERE r.remaining_m2 >= 0.01 AND h.kind = 'cha')::int AS cha,
  coalesce(sum(round(r.remaining_m2::numeric, 4)), 0)::float8 AS area_m2
FROM land_hazard_remaining r JOIN hazard h ON h.id = r.hazard_id JOIN hazard_area ha ON ha.hazard_id = h.id
WHERE $1::text IS NULL OR $1::text = ANY(h.contamination)
GROUP BY GROUPING SETS ((ha.admin1_id), ())
ORDER BY total, ha.admin1_id`,
    [contamination],
  );
}

export interface ReleasedRow {
  year: string;
  /** True on the national figure of a year and method; false on an admin1's (the report's year only). */
  national: boolean;
  admin1_id: string | null;
  method: 'cancelled' | 'reduced' | 'cleared';
  area_m2: number;
}

/**
 * Released area by year (up to the report's) and method, and by admin1 in the report's year, from
 * the stored pieces: the figures of `report land`, for the areas of one contamination or all.
 */
export function releasedByYear(db: Queryable, contamination: string | null, year: number): Promise<Statement<ReleasedRow>> {
  const yearOf = `to_char(lp.release_date, 'YYYY')`;
  return run(
    db,
    `WITH RECURSIVE ${HAZARD_AREAS}
SELECT ${yearOf} AS year, GROUPING(ha.admin1_id) <> 0 AS national, ha.admin1_id, lp.method, sum(round(lp.counted_m2::numeric, 4))::float8 AS area_m2
FROM land_release_piece lp JOIN activity a ON a.id = lp.activity_id JOIN hazard h ON h.id = lp.hazard_id JOIN hazard_area ha ON ha.hazard_id = h.id
WHERE ($1::text IS NULL OR $1::text = ANY(h.contamination)) AND lp.release_date <= make_date($2::int, 12, 31)
GROUP BY GROUPING SETS ((${yearOf}, lp.method), (${yearOf}, ha.admin1_id, lp.method))
HAVING GROUPING(ha.admin1_id) <> 0 OR ${yearOf} = $3
ORDER BY 1, 2 DESC, 3 NULLS LAST, 4`,
    [contamination, year, String(year)],
  );
}

export interface ItemsRow {
  category: string;
  items: number;
  in_areas: number;
  destroyed: number;
}

/** Items found in the year by category, those found by the work on areas of the contamination, and those destroyed. */
export function itemsFound(db: Queryable, categories: readonly string[], contamination: string, year: number): Promise<Statement<ItemsRow>> {
  return run(
    db,
    `SELECT f.category, sum(f.quantity)::int AS items,
  coalesce(sum(f.quantity) FILTER (WHERE EXISTS (SELECT 1 FROM activity_hazard ah JOIN hazard h ON h.id = ah.hazard_id WHERE ah.activity_id = f.activity_id AND $2::text = ANY(h.contamination))), 0)::int AS in_areas,
  coalesce(sum(f.quantity) FILTER (WHERE f.disposal_method IN ('destroyed_in_situ', 'removed_and_destroyed')), 0)::int AS destroyed
FROM find f
WHERE f.category = ANY($1::text[]) AND extract(year FROM f.found_on) = $3
GROUP BY f.category ORDER BY f.category`,
    [categories, contamination, year],
  );
}

export interface RiskEducationRow {
  sessions: number;
  girls: number;
  boys: number;
  women: number;
  men: number;
}

export function riskEducation(db: Queryable, year: number): Promise<Statement<RiskEducationRow>> {
  return run(
    db,
    `SELECT count(*)::int AS sessions, coalesce(sum(girls), 0)::int AS girls, coalesce(sum(boys), 0)::int AS boys,
  coalesce(sum(women), 0)::int AS women, coalesce(sum(men), 0)::int AS men
FROM risk_education_session WHERE extract(year FROM held_on) = $1`,
    [year],
  );
}

export interface Outline {
  kind: 'area' | 'hazard';
  svg: string;
}

/**
 * Outlines for the report's map, as SVG path data in degrees (y down): the level-1 areas, and the
 * hazardous areas of the contamination that have land remaining, simplified to about 50 m.
 */
export async function mapOutlines(db: Queryable, contamination: string | null): Promise<{ outlines: Outline[]; extent: [number, number, number, number] | null }> {
  const outlines = await db.query<Outline>(
    `SELECT 'area' AS kind, ST_AsSVG(ST_SimplifyPreserveTopology(geom, 0.005), 0, 4) AS svg FROM admin_area WHERE level = 1 AND geom && (SELECT ST_Extent(geom) FROM hazard)
UNION ALL
SELECT 'hazard', ST_AsSVG(ST_SimplifyPreserveTopology(h.geom, 0.0005), 0, 5) FROM hazard h JOIN land_hazard_remaining r ON r.hazard_id = h.id
WHERE r.remaining_m2 >= 0.01 AND ($1::text IS NULL OR $1::text = ANY(h.contamination))`,
    [contamination],
  );
  const [box] = await db.query<{ xmin: number | null; ymin: number; xmax: number; ymax: number }>(
    `SELECT ST_XMin(e) AS xmin, ST_YMin(e) AS ymin, ST_XMax(e) AS xmax, ST_YMax(e) AS ymax FROM (SELECT ST_Extent(geom)::geometry AS e FROM hazard) t`,
  );
  return { outlines, extent: box?.xmin === null || box?.xmin === undefined ? null : [box.xmin, box.ymin, box.xmax, box.ymax] };
}
