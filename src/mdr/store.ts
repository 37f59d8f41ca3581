/**
 * The rows of the GICHD minimum data requirements exports (mdr.ts), read page by page in id order
 * (keyset pagination, as the finds export does), so a national export holds one page at a time on
 * either backend. Land release rows read the stored accounting pieces, which `report land` sums.
 */
import { ensureLandPieces } from '../land/statistics.ts';
import type { Queryable } from '../store/db.ts';

export const MDR_PAGE = 5000;

export interface MdrFilter {
  /** First and last day counted (release date, date found), inclusive; null for no bound. */
  from: string | null;
  to: string | null;
}

export interface LandReleaseRow {
  id: string;
  release_product_id: string;
  hazard_reference: string;
  hazard_type: string;
  contamination: string;
  activity_reference: string;
  activity_type: string;
  implementing_organisation: string;
  activity_start_date: string | null;
  activity_end_date: string | null;
  activity_status: string;
  release_method: string;
  technical_assets: string | null;
  clearance_depth_cm: number | null;
  release_date: string;
  product_area_m2: number;
  released_area_m2: number;
  outside_hazard_m2: number;
  items_found: number;
  benchmark_latitude: number;
  benchmark_longitude: number;
  perimeter_wkt: string;
}

export interface ExplosiveOrdnanceRow {
  id: string;
  find_id: string;
  category: string;
  ordnance_model: string | null;
  quantity: number;
  condition: string | null;
  depth_cm: number | null;
  disposal_method: string | null;
  destroyed: string;
  found_on: string;
  activity_reference: string | null;
  activity_type: string | null;
  implementing_organisation: string | null;
  hazard_reference: string | null;
  release_product_id: string | null;
  latitude: number;
  longitude: number;
}

/** Rows carry their record's id, the key of the next page. */
async function* pages<R extends { id: string }>(db: Queryable, sql: string, params: unknown[]): AsyncGenerator<R> {
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const rows = await db.query<R>(sql, [after, ...params]);
    yield* rows;
    if (rows.length < MDR_PAGE) return;
    after = rows.at(-1)!.id;
  }
}

/**
 * One row per release product dated in the period: the product's stored piece (its area, the part
 * inside its hazard counted after precedence, the part outside), its hazard, its activity and the
 * finds of that activity inside it. The sum of released_area_m2 by method is `report land`'s.
 */
export async function* landReleaseRows(db: Queryable, filter: MdrFilter): AsyncGenerator<LandReleaseRow> {
  await ensureLandPieces(db);
  yield* pages<LandReleaseRow>(
    db,
    `SELECT rp.id, rp.id::text AS release_product_id, h.reference AS hazard_reference, h.kind AS hazard_type, array_to_string(h.contamination, ';') AS contamination,
       a.reference AS activity_reference, a.kind AS activity_type, o.name AS implementing_organisation,
       to_char(a.start_date, 'YYYY-MM-DD') AS activity_start_date, to_char(a.end_date, 'YYYY-MM-DD') AS activity_end_date, a.status AS activity_status,
       lp.method AS release_method, CASE WHEN rp.technical_assets THEN 'yes' WHEN NOT rp.technical_assets THEN 'no' END AS technical_assets,
       rp.clearance_depth_cm, to_char(lp.release_date, 'YYYY-MM-DD') AS release_date,
       round(lp.product_m2::numeric, 4)::float8 AS product_area_m2, round(lp.counted_m2::numeric, 4)::float8 AS released_area_m2,
       round(lp.outside_m2::numeric, 4)::float8 AS outside_hazard_m2,
       (SELECT coalesce(sum(f.quantity), 0) FROM find f WHERE f.activity_id = rp.activity_id AND ST_Intersects(f.geom, rp.geom))::int AS items_found,
       ST_Y(ST_PointOnSurface(rp.geom)) AS benchmark_latitude, ST_X(ST_PointOnSurface(rp.geom)) AS benchmark_longitude, ST_AsText(rp.geom, 7) AS perimeter_wkt
     FROM land_release_piece lp JOIN release_product rp ON rp.id = lp.product_id JOIN hazard h ON h.id = lp.hazard_id
       JOIN activity a ON a.id = rp.activity_id JOIN organisation o ON o.id = a.organisation_id
     WHERE rp.id > $1::uuid AND ($2::date IS NULL OR lp.release_date >= $2::date) AND ($3::date IS NULL OR lp.release_date <= $3::date)
     ORDER BY rp.id LIMIT ${MDR_PAGE}`,
    [filter.from, filter.to],
  );
}

/**
 * One row per find dated in the period (all of its date, at its precision, inside it), with its
 * activity, and the hazard and release product of that activity it lies in (where several
 * overlap: the first hazard by reference, and the product the accounting counts the place for,
 * cleared > reduced > cancelled, then the earlier). The sum of quantity by category is the register's.
 */
export async function* explosiveOrdnanceRows(db: Queryable, filter: MdrFilter): AsyncGenerator<ExplosiveOrdnanceRow> {
  yield* pages<ExplosiveOrdnanceRow>(
    db,
    `SELECT f.id, coalesce(f.external_id, f.id::text) AS find_id, f.category, m.name AS ordnance_model, f.quantity, f.condition, f.depth_cm, f.disposal_method,
       CASE WHEN f.disposal_method IN ('destroyed_in_situ', 'removed_and_destroyed') THEN 'yes' ELSE 'no' END AS destroyed,
       date_as_known(f.found_on, f.found_on_precision) AS found_on, a.reference AS activity_reference, a.kind AS activity_type, o.name AS implementing_organisation,
       (SELECT h.reference FROM activity_hazard ah JOIN hazard h ON h.id = ah.hazard_id WHERE ah.activity_id = f.activity_id AND ST_Intersects(h.geom, f.geom) ORDER BY h.reference LIMIT 1) AS hazard_reference,
       (SELECT rp.id::text FROM release_product rp WHERE rp.activity_id = f.activity_id AND ST_Intersects(rp.geom, f.geom)
        ORDER BY array_position(ARRAY['cleared', 'reduced', 'cancelled'], rp.method), rp.release_date, rp.id LIMIT 1) AS release_product_id,
       ST_Y(f.geom) AS latitude, ST_X(f.geom) AS longitude
     FROM find f LEFT JOIN ordnance_model m ON m.id = f.ordnance_model_id LEFT JOIN activity a ON a.id = f.activity_id
       LEFT JOIN organisation o ON o.id = coalesce(f.organisation_id, a.organisation_id)
     WHERE f.id > $1::uuid AND ($2::date IS NULL OR f.found_on >= $2::date) AND ($3::date IS NULL OR date_period_end(f.found_on, f.found_on_precision) <= $3::date)
     ORDER BY f.id LIMIT ${MDR_PAGE}`,
    [filter.from, filter.to],
  );
}
