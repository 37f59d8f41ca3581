/** The hazard register as listed: a page of hazards now or as of a date, and a hazard's products and activities. */
import { geodesicArea } from '../geodesy/sql.ts';
import type { Queryable } from '../store/db.ts';
import { JsonText } from '../store/json.ts';
import { HAZARD_PAYLOAD } from './store.ts';

export interface HazardListing {
  id: string;
  version: number;
  payload: Record<string, unknown>;
  areaM2: number;
}

/** A hazard now, from the hazard table, with its area as stored with the row (migration 0020). */
export async function hazardListing(tx: Queryable, id: string): Promise<HazardListing | undefined> {
  const [row] = await tx.query<{ id: string; version: number; payload: Record<string, unknown>; area_m2: number }>(
    `SELECT h.id, h.version, ${HAZARD_PAYLOAD} || jsonb_build_object('geometry', ST_AsGeoJSON(h.geom, 15)::jsonb) AS payload, h.area_m2
     FROM hazard h WHERE h.id = $1`,
    [id],
  );
  return row && { id: row.id, version: row.version, payload: row.payload, areaM2: row.area_m2 };
}

/**
 * A page of the register now, as its list answers it, `{"asOf":null,"hazards":[...]}`, as JSON
 * text built by PostgreSQL (src/store/json.ts). The page is chosen first and only its rows are
 * built: PostgreSQL builds every row an OFFSET skips, which made the last page of 12,000 hazards
 * take a quarter of a second. Each hazard gives its id and version, its payload's fields in
 * the payload's order (a jsonb's), its area and its geometry, as hazardJson in routes.ts lays out
 * a listing.
 */
export async function listHazardsJson(tx: Queryable, filter: { status?: string; kind?: string; limit: number; offset: number }): Promise<JsonText> {
  const rows = await tx.query<{ item: string }>(
    `SELECT '{"id":' || to_json(h.id) || ',"version":' || h.version || ',' || left(substr(p.fields, 2), -1)
       || ',"areaM2":' || coalesce(to_json(h.area_m2)::text, 'null') || ',"geometry":' || ST_AsGeoJSON(h.geom, 15) || '}' AS item
     FROM (SELECT s.id FROM hazard s WHERE ($1::text IS NULL OR s.status = $1) AND ($2::text IS NULL OR s.kind = $2)
           ORDER BY s.reference LIMIT $3 OFFSET $4) page
     JOIN hazard h ON h.id = page.id, LATERAL (SELECT (${HAZARD_PAYLOAD})::text AS fields) p
     ORDER BY h.reference`,
    [filter.status ?? null, filter.kind ?? null, filter.limit, filter.offset],
  );
  return new JsonText(`{"asOf":null,"hazards":[${rows.map((r) => r.item).join(',')}]}`);
}

/** The register as it stood at an instant, from the history alone. */
export async function hazardsAsOf(tx: Queryable, asOf: Date, filter: { status?: string; kind?: string; limit: number; offset: number }): Promise<HazardListing[]> {
  const rows = await tx.query<{ id: string; version: number; payload: Record<string, unknown>; area_m2: number }>(
    `SELECT rv.entity_id AS id, rv.version, rv.data || jsonb_build_object('geometry', ST_AsGeoJSON(rv.geom, 15)::jsonb) AS payload,
       ${geodesicArea('rv.geom')} AS area_m2
     FROM record_version rv
     WHERE rv.entity_type = 'hazard' AND rv.valid_from <= $1 AND (rv.valid_to IS NULL OR rv.valid_to > $1) AND NOT rv.deleted
       AND ($2::text IS NULL OR rv.data ->> 'status' = $2) AND ($3::text IS NULL OR rv.data ->> 'kind' = $3)
     ORDER BY rv.data ->> 'reference' LIMIT $4 OFFSET $5`,
    [asOf, filter.status ?? null, filter.kind ?? null, filter.limit, filter.offset],
  );
  return rows.map((r) => ({ id: r.id, version: r.version, payload: r.payload, areaM2: r.area_m2 }));
}

/** The products and activities of a hazard, for its page. */
export async function hazardLinks(tx: Queryable, hazardId: string) {
  const products = await tx.query<{ id: string; activity_id: string; method: string; release_date: string; version: number; area_m2: number }>(
    `SELECT id, activity_id, method, to_char(release_date, 'YYYY-MM-DD') AS release_date, version, ${geodesicArea('geom')} AS area_m2
     FROM release_product WHERE hazard_id = $1 ORDER BY release_date, id`,
    [hazardId],
  );
  const activities = await tx.query<{ id: string; reference: string; kind: string; organisation_id: string; status: string }>(
    `SELECT a.id, a.reference, a.kind, a.organisation_id, a.status FROM activity a JOIN activity_hazard ah ON ah.activity_id = a.id
     WHERE ah.hazard_id = $1 ORDER BY a.reference`,
    [hazardId],
  );
  return {
    releaseProducts: products.map((p) => ({ id: p.id, activityId: p.activity_id, method: p.method, releaseDate: p.release_date, version: p.version, areaM2: p.area_m2 })),
    activities: activities.map((a) => ({ id: a.id, reference: a.reference, kind: a.kind, organisationId: a.organisation_id, status: a.status })),
  };
}
