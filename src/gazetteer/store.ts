import type { Queryable } from '../store/db.ts';

/** One place found by one of its names. */
export interface PlaceMatch {
  id: string;
  kind: 'admin_area' | 'settlement';
  /** The name to display: in the display_language setting when the place has one, official first. */
  name: string;
  /** The name that matched, and its language: a former or other-language name may be what was typed. */
  matchedName: string;
  matchedLanguage: string;
  level: number | null;
  /** [west, south, east, north]; a settlement's is its point. */
  bbox: [number, number, number, number];
}

/** LIKE patterns take the text literally: %, _ and \ typed by a user match themselves. */
function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * Places whose any name contains the text (case-insensitive), whole-name matches first, then
 * names that start with it; each place once, by its best-matching name. Every name counts alike,
 * whatever its language or kind, so the search takes no side.
 */
export async function searchPlaces(db: Queryable, text: string, limit: number): Promise<PlaceMatch[]> {
  const rows = await db.query<{ id: string; kind: 'admin_area' | 'settlement'; name: string; matched_name: string; matched_language: string; level: number | null; west: number; south: number; east: number; north: number }>(
    `WITH matches AS (
       SELECT DISTINCT ON (coalesce(pn.admin_area_id, pn.settlement_id))
         coalesce(pn.admin_area_id, pn.settlement_id) AS id,
         CASE WHEN pn.admin_area_id IS NOT NULL THEN 'admin_area' ELSE 'settlement' END AS kind,
         pn.name AS matched_name, pn.language AS matched_language,
         CASE WHEN lower(pn.name) = lower($1) THEN 0 WHEN lower(pn.name) LIKE lower($2) || '%' THEN 1 ELSE 2 END AS rank
       FROM place_name pn
       WHERE lower(pn.name) LIKE '%' || lower($2) || '%'
       ORDER BY coalesce(pn.admin_area_id, pn.settlement_id), rank, pn.name
     )
     SELECT m.id, m.kind, m.matched_name, m.matched_language, a.level,
       (SELECT pn.name FROM place_name pn WHERE pn.admin_area_id = m.id OR pn.settlement_id = m.id
        ORDER BY (pn.language = (SELECT s.value #>> '{}' FROM setting s WHERE s.key = 'display_language')) DESC NULLS LAST, pn.kind = 'official' DESC, pn.name LIMIT 1) AS name,
       ST_XMin(g.geom) AS west, ST_YMin(g.geom) AS south, ST_XMax(g.geom) AS east, ST_YMax(g.geom) AS north
     FROM matches m
     LEFT JOIN admin_area a ON a.id = m.id
     LEFT JOIN settlement s ON s.id = m.id
     CROSS JOIN LATERAL (SELECT coalesce(a.geom, s.geom) AS geom) g
     ORDER BY m.rank, m.kind, a.level NULLS LAST, name
     LIMIT $3`,
    [text, likeLiteral(text), limit],
  );
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    name: r.name,
    matchedName: r.matched_name,
    matchedLanguage: r.matched_language,
    level: r.level,
    bbox: [r.west, r.south, r.east, r.north],
  }));
}

/**
 * SQL of two CTEs (in a WITH RECURSIVE): `chain` walks up from the area each row of `table` lies
 * in, and `area_rollup` gives each such area its level-1 and level-2 ancestors (admin1_id,
 * admin2_id), by which statistics group.
 */
export function areaRollup(table: 'hazard' | 'accident'): string {
  return `chain AS (
    SELECT a.id AS area_id, a.id AS ancestor_id, a.parent_id, a.level FROM admin_area a WHERE a.id IN (SELECT admin_area_id FROM ${table})
    UNION ALL
    SELECT c.area_id, a.id, a.parent_id, a.level FROM chain c JOIN admin_area a ON a.id = c.parent_id
  ),
  area_rollup AS (
    SELECT area_id, (array_agg(ancestor_id) FILTER (WHERE level = 1))[1] AS admin1_id, (array_agg(ancestor_id) FILTER (WHERE level = 2))[1] AS admin2_id
    FROM chain GROUP BY area_id
  )`;
}
