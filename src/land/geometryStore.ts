/** Checks of a shape that need the store: validity as PostGIS sees it, swapped coordinates, duplicates, products outside their hazard, repair. */
import { geodesicArea } from '../geodesy/sql.ts';
import type { Queryable } from '../store/db.ts';
import { type GeometryProblem, problem } from './geometry.ts';
import { GEOM } from './store.ts';

/** PostGIS's full validity test (rings crossing each other, holes outside shells), naming where. */
export async function validityProblems(tx: Queryable, geometry: unknown): Promise<GeometryProblem[]> {
  const [row] = await tx.query<{ valid: boolean; reason: string | null; x: number | null; y: number | null }>(
    `SELECT d.valid, d.reason, ST_X(d.location) AS x, ST_Y(d.location) AS y FROM ST_IsValidDetail(${GEOM(1)}) AS d`,
    [JSON.stringify(geometry)],
  );
  if (!row || row.valid) return [];
  const at = row.x === null ? '' : ` at (${row.x}, ${row.y})`;
  return [problem('invalid_polygon', `${row.reason ?? 'invalid polygon'}${at}`, row.x === null ? {} : { position: [row.x, row.y!] })];
}

/**
 * Whether latitude and longitude look exchanged: the mean vertex lies outside the instance's
 * country (setting `country`, the code of a level-0 area) and the exchanged point inside it.
 * Without a country setting, the extent of the other active hazards, widened by 0.1°, stands in.
 */
export async function swapProblem(tx: Queryable, candidate: { given: [number, number]; swapped: [number, number] }, excludeHazardId: string | null): Promise<GeometryProblem[]> {
  const [row] = await tx.query<{ region: string | null; given_inside: boolean | null; swapped_inside: boolean | null }>(
    `WITH country AS (
       SELECT ST_Union(a.geom) AS geom FROM admin_area a JOIN setting s ON s.key = 'country'
       WHERE a.level = 0 AND a.code = COALESCE(s.value ->> 'code', s.value #>> '{}')
     ), hazards AS (
       SELECT ST_Expand(ST_SetSRID(ST_Extent(geom)::geometry, 4326), 0.1) AS geom FROM hazard WHERE status = 'active' AND id IS DISTINCT FROM $5::uuid
     ), region AS (
       SELECT CASE WHEN c.geom IS NOT NULL THEN 'the country' WHEN h.geom IS NOT NULL THEN 'the area of the other hazards' END AS name,
         COALESCE(c.geom, h.geom) AS geom FROM country c, hazards h
     )
     SELECT name AS region, ST_Intersects(geom, ST_SetSRID(ST_MakePoint($1, $2), 4326)) AS given_inside,
       ST_Intersects(geom, ST_SetSRID(ST_MakePoint($3, $4), 4326)) AS swapped_inside FROM region`,
    [candidate.given[0], candidate.given[1], candidate.swapped[0], candidate.swapped[1], excludeHazardId],
  );
  if (!row?.region || row.given_inside || !row.swapped_inside) return [];
  const [lon, lat] = candidate.given;
  return [
    problem(
      'likely_swapped_coordinates',
      `the shape's mean vertex (${lon.toFixed(5)}, ${lat.toFixed(5)}) lies outside ${row.region}, but with latitude and longitude exchanged (${lat.toFixed(5)}, ${lon.toFixed(5)}) it lies inside; were they swapped?`,
      { position: candidate.given },
    ),
  ];
}

/** Share of a new shape that lies in another active hazard above which it is likely the same hazard again. */
export const DUPLICATE_SHARE = 0.9;

/**
 * The shape is MATERIALIZED so that the planner does not fold the expressions over it into
 * constants: it would compute the geodesic area of a 50,000-vertex shape while planning (9 s on
 * the embedded store), even when no hazard overlaps it.
 */
export async function duplicateProblems(tx: Queryable, geometry: unknown, excludeHazardId: string | null): Promise<GeometryProblem[]> {
  const rows = await tx.query<{ id: string; reference: string; share: number }>(
    `WITH g AS MATERIALIZED (SELECT ${GEOM(1)} AS geom)
     SELECT h.id, h.reference, ${geodesicArea('ST_Intersection(h.geom, g.geom)')} / NULLIF(${geodesicArea('g.geom')}, 0) AS share
     FROM hazard h, g WHERE h.status = 'active' AND ST_Intersects(h.geom, g.geom) AND h.id IS DISTINCT FROM $2::uuid
     ORDER BY share DESC`,
    [JSON.stringify(geometry), excludeHazardId],
  );
  return rows
    .filter((r) => r.share > DUPLICATE_SHARE)
    .map((r) =>
      problem('likely_duplicate', `${(r.share * 100).toFixed(1)}% of the shape lies in active hazard ${r.reference}; is it the same hazard?`, {
        other: { id: r.id, reference: r.reference, overlapShare: r.share },
      }),
    );
}

export async function outsideHazardProblem(tx: Queryable, geometry: unknown, hazardId: string): Promise<GeometryProblem[]> {
  const [row] = await tx.query<{ reference: string; intersects: boolean }>(`SELECT reference, ST_Intersects(geom, ${GEOM(1)}) AS intersects FROM hazard WHERE id = $2`, [
    JSON.stringify(geometry),
    hazardId,
  ]);
  if (!row || row.intersects) return [];
  return [problem('outside_hazard', `the release product does not touch its hazard ${row.reference} at all; the wrong hazard, or swapped coordinates?`)];
}

/** A repaired shape (PostGIS ST_MakeValid, structure method), shown to the reporter rather than stored silently. */
export async function repairGeometry(tx: Queryable, geometry: unknown): Promise<{ geometry: unknown; areaM2: number }> {
  const [row] = await tx.query<{ geometry: unknown; area_m2: number }>(
    `SELECT ST_AsGeoJSON(r, 15)::jsonb AS geometry, ${geodesicArea('r')} AS area_m2
     FROM (SELECT ST_Multi(ST_CollectionExtract(ST_MakeValid(${GEOM(1)}, 'method=structure'), 3)) AS r) x`,
    [JSON.stringify(geometry)],
  );
  return { geometry: row!.geometry, areaM2: row!.area_m2 };
}
