/**
 * The SQL of treaty reports that the land and casualty statistics do not already answer: the
 * same stored land-release pieces and remaining areas (src/land), limited to the hazardous areas
 * of one kind of contamination, and the items found, risk education and the areas' outlines.
 * Each function also gives its statement, to print beside the figures.
 */
import { geodesicArea } from '../geodesy/sql.ts';
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

/**
 * Each hazardous area as the register held it at the end of the year ($2), from the history
 * (record_version; a hazard loaded outside the workflow, with no history, from its row if it was
 * made by then), and its remaining area then. Where its outline then is the one stored now, that
 * is its remaining area now plus the pieces of its products dated after the year, as the stored
 * accounting counts them (docs/land-release.md: each piece of land counted once, cleared > reduced
 * > cancelled), so that the treaty reports of successive years and `report land` add up: remaining
 * at the end of one year, minus what `report land` says was released the next, is the remaining at
 * the end of the next. A hazard redrawn since is cut again: its outline then minus its products
 * dated in or before the year. Products are as the register knows them now, so late reports of
 * the year's work count, as they do in the released tables. The history's data has the workflow's
 * keys (adminAreaId) or, for the demo, the column names (admin_area_id).
 */
const HAZARDS_AT_YEAR_END = `year_end AS (SELECT make_date($2::int, 12, 31) AS last_day, make_timestamptz($2::int + 1, 1, 1, 0, 0, 0, 'UTC') AS instant),
  known AS (
    SELECT rv.entity_id AS hazard_id, rv.data ->> 'kind' AS kind, ARRAY(SELECT jsonb_array_elements_text(rv.data -> 'contamination')) AS contamination,
      COALESCE(rv.data ->> 'adminAreaId', rv.data ->> 'admin_area_id')::uuid AS admin_area_id, rv.geom
    FROM record_version rv, year_end
    WHERE rv.entity_type = 'hazard' AND rv.valid_from < year_end.instant AND (rv.valid_to IS NULL OR rv.valid_to >= year_end.instant) AND NOT rv.deleted
    UNION ALL
    SELECT h.id, h.kind, h.contamination, h.admin_area_id, h.geom FROM hazard h, year_end
    WHERE h.created_at < year_end.instant AND NOT EXISTS (SELECT 1 FROM record_version rv WHERE rv.entity_type = 'hazard' AND rv.entity_id = h.id)
  ),
  released_since AS (
    SELECT lp.hazard_id, sum(round(lp.counted_m2::numeric, 4)) AS m2 FROM land_release_piece lp, year_end WHERE lp.release_date > year_end.last_day GROUP BY lp.hazard_id
  ),
  hazard_at_year_end AS (
    SELECT k.hazard_id, k.kind, COALESCE(k.admin_area_id, h.admin_area_id) AS admin_area_id, k.geom,
      s.hazard_id IS NOT NULL AND ST_OrderingEquals(h.geom, k.geom) AS outline_unchanged,
      CASE WHEN s.hazard_id IS NOT NULL AND ST_OrderingEquals(h.geom, k.geom)
        THEN round(s.remaining_m2::numeric, 4) + coalesce((SELECT m2 FROM released_since l WHERE l.hazard_id = k.hazard_id), 0)
        ELSE (SELECT round(${geodesicArea('COALESCE(sg_difference(k.geom, ST_Union(rp.geom)), k.geom)')}::numeric, 4)
              FROM release_product rp WHERE rp.hazard_id = k.hazard_id AND rp.release_date <= year_end.last_day)
      END AS remaining_m2
    FROM known k CROSS JOIN year_end LEFT JOIN hazard h ON h.id = k.hazard_id
      LEFT JOIN land_hazard_remaining s ON s.hazard_id = h.id AND s.hazard_version = h.version AND s.hazard_updated_at = h.updated_at
    WHERE $1::text IS NULL OR $1::text = ANY(k.contamination)
  ),
  chain AS (
    SELECT a.id AS area_id, a.id AS ancestor_id, a.parent_id, a.level FROM admin_area a WHERE a.id IN (SELECT admin_area_id FROM hazard_at_year_end)
    UNION ALL
    SELECT c.area_id, a.id, a.parent_id, a.level FROM chain c JOIN admin_area a ON a.id = c.parent_id
  ),
  area_admin1 AS (SELECT area_id, (array_agg(ancestor_id) FILTER (WHERE level = 1))[1] AS admin1_id FROM chain GROUP BY area_id)`;

/**
 * Hazardous areas with land remaining at the end of the year (≥ 0.01 m², as the land statistics
 * count them) by admin1, SHA and CHA, with the national total: the register as it stood on
 * 31 December, not as it is now.
 */
export function remainingAtYearEnd(db: Queryable, contamination: string | null, year: number): Promise<Statement<RemainingByArea>> {
  return run(
    db,
    `WITH RECURSIVE ${HAZARDS_AT_YEAR_END}
SELECT a.admin1_id, GROUPING(a.admin1_id) <> 0 AS total,
  count(*) FILTER (WHERE r.remaining_m2 >= 0.01 AND r.kind = 'sha')::int AS sha, count(*) FILTER (WHERE r.remaining_m2 >= 0.01 AND r.kind = 'cha')::int AS cha,
  coalesce(sum(r.remaining_m2), 0)::float8 AS area_m2
FROM hazard_at_year_end r LEFT JOIN area_admin1 a ON a.area_id = r.admin_area_id
GROUP BY GROUPING SETS ((a.admin1_id), ())
ORDER BY total, a.admin1_id`,
    [contamination, year],
  );
}

export interface RemainingCheck {
  /** Remaining at the year end, as the treaty table counts it, of the hazards whose outline is unchanged since. */
  at_year_end_m2: number;
  /** Hazards now that are not among those: recorded or redrawn after the year; their remaining area now plus their pieces released since. */
  not_then: number;
  not_then_m2: number;
  /** Hazards of the year end redrawn or removed since, and their remaining area then (cut from their outline then). */
  changed: number;
  changed_m2: number;
}

/**
 * What the year-end figure is checked with against `report land` (report.ts): the hazards whose
 * outline is unchanged since the year's end, and those the register holds now that were recorded
 * or redrawn after it (to take out of `report land`'s totals), and those of the year end redrawn
 * or removed since (which nothing now can confirm).
 */
export function remainingCheck(db: Queryable, year: number): Promise<Statement<RemainingCheck>> {
  return run(
    db,
    `WITH RECURSIVE ${HAZARDS_AT_YEAR_END},
  not_then AS (
    SELECT round(s.remaining_m2::numeric, 4) + coalesce(l.m2, 0) AS m2 FROM land_hazard_remaining s LEFT JOIN released_since l ON l.hazard_id = s.hazard_id
    WHERE s.hazard_id NOT IN (SELECT hazard_id FROM hazard_at_year_end WHERE outline_unchanged)
  )
SELECT (SELECT coalesce(sum(remaining_m2), 0) FROM hazard_at_year_end WHERE outline_unchanged)::float8 AS at_year_end_m2,
  (SELECT count(*) FROM not_then)::int AS not_then, (SELECT coalesce(sum(m2), 0) FROM not_then)::float8 AS not_then_m2,
  (SELECT count(*) FROM hazard_at_year_end WHERE NOT outline_unchanged)::int AS changed,
  (SELECT coalesce(sum(remaining_m2), 0) FROM hazard_at_year_end WHERE NOT outline_unchanged)::float8 AS changed_m2`,
    [null, year],
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
 * hazardous areas of the contamination that had land remaining at the end of the year, as they
 * were drawn then, simplified to about 50 m.
 */
export async function mapOutlines(db: Queryable, contamination: string | null, year: number): Promise<{ outlines: Outline[]; extent: [number, number, number, number] | null }> {
  const outlines = await db.query<Outline>(
    `WITH RECURSIVE ${HAZARDS_AT_YEAR_END}
SELECT 'area' AS kind, ST_AsSVG(ST_SimplifyPreserveTopology(geom, 0.005), 0, 4) AS svg FROM admin_area WHERE level = 1 AND geom && (SELECT ST_Extent(geom) FROM known)
UNION ALL
SELECT 'hazard', ST_AsSVG(ST_SimplifyPreserveTopology(r.geom, 0.0005), 0, 5) FROM hazard_at_year_end r WHERE r.remaining_m2 >= 0.01`,
    [contamination, year],
  );
  const [box] = await db.query<{ xmin: number | null; ymin: number; xmax: number; ymax: number }>(
    `WITH RECURSIVE ${HAZARDS_AT_YEAR_END}
SELECT ST_XMin(e) AS xmin, ST_YMin(e) AS ymin, ST_XMax(e) AS xmax, ST_YMax(e) AS ymax FROM (SELECT ST_Extent(geom)::geometry AS e FROM known) t`,
    [null, year],
  );
  return { outlines, extent: box?.xmin === null || box?.xmin === undefined ? null : [box.xmin, box.ymin, box.xmax, box.ymax] };
}
