/**
 * The SQL of the hazard register's rows: hazards, activities, their daily progress and release products as the reports
 * workflow reads and writes them. Geometry checks, stored pieces, statistics and listing have
 * stores of their own beside this one; the history of versions is src/reports/history.ts.
 */
import { geodesicArea } from '../geodesy/sql.ts';
import type { EntityState } from '../reports/handlers.ts';
import type { Queryable } from '../store/db.ts';
import type { ReleaseMethod } from './rules.ts';

/** GeoJSON (text) to a stored multipolygon. */
export const GEOM = (n: number) => `ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON($${n}::text), 4326))`;

// Hazards ------------------------------------------------------------------------------------

export const HAZARD_PAYLOAD = `jsonb_build_object(
  'reference', h.reference, 'kind', h.kind, 'status', h.status, 'estimatedAreaM2', h.estimated_area_m2, 'positionOnly', h.position_only,
  'evidence', to_jsonb(h.evidence), 'contamination', to_jsonb(h.contamination), 'blockages', to_jsonb(h.blockages),
  'adminAreaId', h.admin_area_id, 'organisationId', h.organisation_id, 'description', h.description,
  'releaseDate', to_char(h.release_date, 'YYYY-MM-DD'), 'source', h.source,
  'minefieldRecordIds', COALESCE((SELECT jsonb_agg(m.record_id ORDER BY m.record_id) FROM minefield_record_hazard m WHERE m.hazard_id = h.id), '[]'::jsonb))`;

export interface HazardPayload {
  reference: string;
  kind: string;
  status: string;
  estimatedAreaM2?: number | null | undefined;
  /** The polygon is drawn around a position from its estimated area, not surveyed. */
  positionOnly?: boolean | undefined;
  evidence: string[];
  contamination: string[];
  blockages: string[];
  adminAreaId?: string | null | undefined;
  organisationId?: string | null | undefined;
  description?: string | null | undefined;
  releaseDate?: string | null | undefined;
  source: string;
  minefieldRecordIds: string[];
  geometry: unknown;
}

export async function readHazard(tx: Queryable, id: string, options: { lock: boolean }): Promise<EntityState | null> {
  if (options.lock) await tx.query('SELECT 1 FROM hazard WHERE id = $1 FOR UPDATE', [id]);
  const [row] = await tx.query<EntityState>(
    `SELECT h.version, ${HAZARD_PAYLOAD} || jsonb_build_object('geometry', ST_AsGeoJSON(h.geom, 15)::jsonb) AS payload FROM hazard h WHERE h.id = $1`,
    [id],
  );
  return row ?? null;
}

/**
 * Writes a hazard's whole state. Without an administrative area, the hazard is placed in the
 * smallest one containing a point of it, so statistics by area find it.
 */
export async function writeHazard(tx: Queryable, id: string, version: number, hazard: HazardPayload, actorId: string | null): Promise<void> {
  await tx.query(
    `INSERT INTO hazard AS h (id, reference, kind, status, geom, estimated_area_m2, evidence, contamination, blockages, admin_area_id,
       organisation_id, description, release_date, source, version, created_by, updated_by, position_only)
     VALUES ($1, $2, $3, $4, ${GEOM(5)}, $6, $7, $8, $9,
       COALESCE($10, (SELECT a.id FROM admin_area a WHERE ST_Intersects(a.geom, ST_PointOnSurface(${GEOM(5)})) ORDER BY a.level DESC LIMIT 1)),
       $11, $12, $13, $14, $15, $16, $16, $17)
     ON CONFLICT (id) DO UPDATE SET reference = EXCLUDED.reference, kind = EXCLUDED.kind, status = EXCLUDED.status, geom = EXCLUDED.geom,
       estimated_area_m2 = EXCLUDED.estimated_area_m2, evidence = EXCLUDED.evidence, contamination = EXCLUDED.contamination,
       blockages = EXCLUDED.blockages, admin_area_id = EXCLUDED.admin_area_id, organisation_id = EXCLUDED.organisation_id,
       description = EXCLUDED.description, release_date = EXCLUDED.release_date, source = EXCLUDED.source, version = EXCLUDED.version,
       updated_at = now(), updated_by = EXCLUDED.updated_by, position_only = EXCLUDED.position_only`,
    [
      id,
      hazard.reference,
      hazard.kind,
      hazard.status,
      JSON.stringify(hazard.geometry),
      hazard.estimatedAreaM2 ?? null,
      hazard.evidence,
      hazard.contamination,
      hazard.blockages,
      hazard.adminAreaId ?? null,
      hazard.organisationId ?? null,
      hazard.description ?? null,
      hazard.releaseDate ?? null,
      hazard.source,
      version,
      actorId,
      hazard.positionOnly ?? false,
    ],
  );
  await tx.query('DELETE FROM minefield_record_hazard WHERE hazard_id = $1', [id]);
  if (hazard.minefieldRecordIds.length > 0) {
    await tx.query('INSERT INTO minefield_record_hazard (record_id, hazard_id) SELECT unnest($2::uuid[]), $1', [id, hazard.minefieldRecordIds]);
  }
}

export async function deleteRow(tx: Queryable, table: 'hazard' | 'activity' | 'release_product' | 'progress_report', id: string): Promise<void> {
  await tx.query(`DELETE FROM ${table} WHERE id = $1`, [id]);
}

/** The records that still point at a hazard or activity, which must go first. */
export async function dependentsOf(tx: Queryable, column: 'hazard_id' | 'activity_id', id: string): Promise<number> {
  const [row] = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM release_product WHERE ${column} = $1`, [id]);
  return row!.n;
}

/** How many daily progress reports an activity has (they go with it in the database, so a report never deletes them silently). */
export async function progressReportsOf(tx: Queryable, activityId: string): Promise<number> {
  const [row] = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM progress_report WHERE activity_id = $1', [activityId]);
  return row!.n;
}

/** Which of the ids have no row in the table, to name them in the error. */
export async function missingIds(tx: Queryable, table: 'hazard' | 'activity' | 'organisation' | 'admin_area' | 'minefield_record', ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await tx.query<{ id: string }>(`SELECT x.id FROM unnest($1::uuid[]) AS x(id) WHERE NOT EXISTS (SELECT 1 FROM ${table} t WHERE t.id = x.id)`, [ids]);
  return rows.map((r) => r.id);
}

export async function recordWithReference(tx: Queryable, table: 'hazard' | 'activity', reference: string, exceptId: string): Promise<string | null> {
  const [row] = await tx.query<{ id: string }>(`SELECT id FROM ${table} WHERE reference = $1 AND id <> $2`, [reference, exceptId]);
  return row?.id ?? null;
}

export async function hazardReference(tx: Queryable, id: string): Promise<string | null> {
  const [row] = await tx.query<{ reference: string }>('SELECT reference FROM hazard WHERE id = $1', [id]);
  return row?.reference ?? null;
}

/** What decides whether a hazard is released: what remains of it and the date of its last product. */
export async function releaseState(
  tx: Queryable,
  hazardId: string,
): Promise<{ status: string; releaseDate: string | null; version: number; remainingM2: number; products: number; lastProductDate: string | null }> {
  await tx.query('SELECT 1 FROM hazard WHERE id = $1 FOR UPDATE', [hazardId]);
  const [row] = await tx.query<{ status: string; release_date: string | null; version: number; remaining_m2: number; products: number; last_date: string | null }>(
    `SELECT h.status, to_char(h.release_date, 'YYYY-MM-DD') AS release_date, h.version, u.products,
       to_char(u.last_date, 'YYYY-MM-DD') AS last_date,
       ${geodesicArea('COALESCE(sg_difference(h.geom, u.geom), h.geom)')} AS remaining_m2
     FROM hazard h
     CROSS JOIN LATERAL (SELECT ST_Union(geom) AS geom, max(release_date) AS last_date, count(*)::int AS products FROM release_product WHERE hazard_id = h.id) u
     WHERE h.id = $1`,
    [hazardId],
  );
  return {
    status: row!.status,
    releaseDate: row!.release_date,
    version: row!.version,
    remainingM2: row!.remaining_m2,
    products: row!.products,
    lastProductDate: row!.last_date,
  };
}

export async function setHazardRelease(tx: Queryable, id: string, change: { status: string; releaseDate: string | null; version: number; actorId: string | null }): Promise<void> {
  await tx.query('UPDATE hazard SET status = $2, release_date = $3, version = $4, updated_at = now(), updated_by = $5 WHERE id = $1', [
    id,
    change.status,
    change.releaseDate,
    change.version,
    change.actorId,
  ]);
}

// Activities ---------------------------------------------------------------------------------

export interface ActivityPayload {
  reference: string;
  kind: string;
  organisationId: string;
  team?: string | null | undefined;
  startDate?: string | null | undefined;
  endDate?: string | null | undefined;
  status: string;
  source: string;
  hazardIds: string[];
  geometry?: unknown;
}

export async function readActivity(tx: Queryable, id: string, options: { lock: boolean }): Promise<EntityState | null> {
  if (options.lock) await tx.query('SELECT 1 FROM activity WHERE id = $1 FOR UPDATE', [id]);
  const [row] = await tx.query<EntityState>(
    `SELECT a.version, jsonb_build_object(
       'reference', a.reference, 'kind', a.kind, 'organisationId', a.organisation_id, 'team', a.team,
       'startDate', to_char(a.start_date, 'YYYY-MM-DD'), 'endDate', to_char(a.end_date, 'YYYY-MM-DD'), 'status', a.status, 'source', a.source,
       'hazardIds', COALESCE((SELECT jsonb_agg(ah.hazard_id ORDER BY ah.hazard_id) FROM activity_hazard ah WHERE ah.activity_id = a.id), '[]'::jsonb),
       'geometry', ST_AsGeoJSON(a.geom, 15)::jsonb) AS payload
     FROM activity a WHERE a.id = $1`,
    [id],
  );
  return row ?? null;
}

export async function writeActivity(tx: Queryable, id: string, version: number, activity: ActivityPayload, actorId: string | null): Promise<void> {
  await tx.query(
    `INSERT INTO activity (id, reference, kind, organisation_id, team, start_date, end_date, status, geom, source, version, created_by, updated_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CASE WHEN $9::text IS NULL THEN NULL ELSE ${GEOM(9)} END, $10, $11, $12, $12)
     ON CONFLICT (id) DO UPDATE SET reference = EXCLUDED.reference, kind = EXCLUDED.kind, organisation_id = EXCLUDED.organisation_id,
       team = EXCLUDED.team, start_date = EXCLUDED.start_date, end_date = EXCLUDED.end_date, status = EXCLUDED.status, geom = EXCLUDED.geom,
       source = EXCLUDED.source, version = EXCLUDED.version, updated_at = now(), updated_by = EXCLUDED.updated_by`,
    [
      id,
      activity.reference,
      activity.kind,
      activity.organisationId,
      activity.team ?? null,
      activity.startDate ?? null,
      activity.endDate ?? null,
      activity.status,
      activity.geometry ? JSON.stringify(activity.geometry) : null,
      activity.source,
      version,
      actorId,
    ],
  );
  await tx.query('DELETE FROM activity_hazard WHERE activity_id = $1', [id]);
  if (activity.hazardIds.length > 0) await tx.query('INSERT INTO activity_hazard (activity_id, hazard_id) SELECT $1, unnest($2::uuid[])', [id, activity.hazardIds]);
}

export async function activityFacts(tx: Queryable, id: string): Promise<{ organisationId: string; reference: string; hazardIds: string[] } | null> {
  const [row] = await tx.query<{ organisation_id: string; reference: string; hazard_ids: string[] }>(
    `SELECT a.organisation_id, a.reference, COALESCE(array_agg(ah.hazard_id) FILTER (WHERE ah.hazard_id IS NOT NULL), '{}') AS hazard_ids
     FROM activity a LEFT JOIN activity_hazard ah ON ah.activity_id = a.id WHERE a.id = $1 GROUP BY a.id`,
    [id],
  );
  return row ? { organisationId: row.organisation_id, reference: row.reference, hazardIds: row.hazard_ids } : null;
}

/** Which of the hazards hold release products of the activity. */
export async function hazardsWithProductsOf(tx: Queryable, activityId: string, hazardIds: readonly string[]): Promise<string[]> {
  if (hazardIds.length === 0) return [];
  const rows = await tx.query<{ hazard_id: string }>(
    'SELECT DISTINCT hazard_id FROM release_product WHERE activity_id = $1 AND hazard_id = ANY($2::uuid[]) ORDER BY hazard_id',
    [activityId, hazardIds],
  );
  return rows.map((r) => r.hazard_id);
}

/** An activity's start and end dates; null when there is no such activity. */
export async function activityDates(tx: Queryable, id: string): Promise<{ startDate: string | null; endDate: string | null } | null> {
  const [row] = await tx.query<{ startDate: string | null; endDate: string | null }>(
    `SELECT to_char(start_date, 'YYYY-MM-DD') AS "startDate", to_char(end_date, 'YYYY-MM-DD') AS "endDate" FROM activity WHERE id = $1`,
    [id],
  );
  return row ?? null;
}

// Daily progress -----------------------------------------------------------------------------

export interface ProgressReportPayload {
  activityId: string;
  reportDate: string;
  areaProcessedM2: number;
  notes?: string | null | undefined;
  source: string;
  geometry?: unknown;
}

export async function readProgressReport(tx: Queryable, id: string, options: { lock: boolean }): Promise<EntityState | null> {
  const [row] = await tx.query<EntityState>(
    `SELECT p.version, jsonb_build_object(
       'activityId', p.activity_id, 'reportDate', to_char(p.report_date, 'YYYY-MM-DD'), 'areaProcessedM2', p.area_processed_m2,
       'notes', p.notes, 'source', p.source, 'geometry', ST_AsGeoJSON(p.geom, 15)::jsonb) AS payload
     FROM progress_report p WHERE p.id = $1${options.lock ? ' FOR UPDATE' : ''}`,
    [id],
  );
  return row ?? null;
}

export async function writeProgressReport(tx: Queryable, id: string, version: number, report: ProgressReportPayload, actorId: string | null): Promise<void> {
  await tx.query(
    `INSERT INTO progress_report (id, activity_id, report_date, area_processed_m2, notes, source, geom, version, created_by, updated_by)
     VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $7::text IS NULL THEN NULL ELSE ${GEOM(7)} END, $8, $9, $9)
     ON CONFLICT (id) DO UPDATE SET activity_id = EXCLUDED.activity_id, report_date = EXCLUDED.report_date, area_processed_m2 = EXCLUDED.area_processed_m2,
       notes = EXCLUDED.notes, source = EXCLUDED.source, geom = EXCLUDED.geom, version = EXCLUDED.version, updated_at = now(), updated_by = EXCLUDED.updated_by`,
    [id, report.activityId, report.reportDate, report.areaProcessedM2, report.notes ?? null, report.source, report.geometry ? JSON.stringify(report.geometry) : null, version, actorId],
  );
}

// Release products ---------------------------------------------------------------------------

export interface ReleaseProductPayload {
  activityId: string;
  hazardId: string;
  method: ReleaseMethod;
  technicalAssets?: boolean | null | undefined;
  clearanceDepthCm?: number | null | undefined;
  releaseDate: string;
  source: string;
  geometry: unknown;
}

export async function readReleaseProduct(tx: Queryable, id: string, options: { lock: boolean }): Promise<EntityState | null> {
  const [row] = await tx.query<EntityState>(
    `SELECT p.version, jsonb_build_object(
       'activityId', p.activity_id, 'hazardId', p.hazard_id, 'method', p.method, 'technicalAssets', p.technical_assets,
       'clearanceDepthCm', p.clearance_depth_cm, 'releaseDate', to_char(p.release_date, 'YYYY-MM-DD'), 'source', p.source,
       'geometry', ST_AsGeoJSON(p.geom, 15)::jsonb) AS payload
     FROM release_product p WHERE p.id = $1${options.lock ? ' FOR UPDATE' : ''}`,
    [id],
  );
  return row ?? null;
}

export async function writeReleaseProduct(tx: Queryable, id: string, version: number, product: ReleaseProductPayload, actorId: string | null): Promise<void> {
  await tx.query(
    `INSERT INTO release_product (id, activity_id, hazard_id, method, technical_assets, clearance_depth_cm, geom, release_date, source, version, created_by, updated_by)
     VALUES ($1, $2, $3, $4, $5, $6, ${GEOM(7)}, $8, $9, $10, $11, $11)
     ON CONFLICT (id) DO UPDATE SET activity_id = EXCLUDED.activity_id, hazard_id = EXCLUDED.hazard_id, method = EXCLUDED.method,
       technical_assets = EXCLUDED.technical_assets, clearance_depth_cm = EXCLUDED.clearance_depth_cm, geom = EXCLUDED.geom,
       release_date = EXCLUDED.release_date, source = EXCLUDED.source, version = EXCLUDED.version, updated_at = now(), updated_by = EXCLUDED.updated_by`,
    [
      id,
      product.activityId,
      product.hazardId,
      product.method,
      product.technicalAssets ?? null,
      product.clearanceDepthCm ?? null,
      JSON.stringify(product.geometry),
      product.releaseDate,
      product.source,
      version,
      actorId,
    ],
  );
}
