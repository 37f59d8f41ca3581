/**
 * All SQL of the hazard register and land release. Areas are geodesic, on the WGS84 ellipsoid,
 * in m²: ST_Area on geography, which PostGIS computes with GeographicLib's algorithm.
 */
import type { Queryable } from '../store/db.ts';
import type { EntityState } from '../reports/handlers.ts';
import { type GeometryProblem, problem } from './geometry.ts';
import { methodRankSql, type ReleaseMethod } from './rules.ts';

/** GeoJSON (text) to a stored multipolygon. */
const GEOM = (n: number) => `ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON($${n}::text), 4326))`;
/**
 * Geodesic area of the polygonal part of a shape. PostGIS cuts shapes along straight lines in
 * longitude and latitude (as GeoJSON draws edges), while a geodesic measure joins vertices by
 * geodesics; measured as they are, a hazard edge cut in two would gain or lose the sliver between
 * one long geodesic and two short ones (0.02 m² for a 111 m edge at 60°N), and the pieces would
 * not add up to the hazard. Densifying every edge along its straight line to 0.0001° (about 11 m)
 * before measuring gives hazard and pieces the same boundary; the measure stays within a few
 * parts per million of ST_Area on the undensified shape.
 */
export const DENSIFY_DEG = 0.0001;
const AREA = (sql: string) => `ST_Area(ST_Segmentize(ST_CollectionExtract(${sql}, 3), ${DENSIFY_DEG})::geography)`;

// Hazards ------------------------------------------------------------------------------------

const HAZARD_PAYLOAD = `jsonb_build_object(
  'reference', h.reference, 'kind', h.kind, 'status', h.status, 'estimatedAreaM2', h.estimated_area_m2,
  'evidence', to_jsonb(h.evidence), 'contamination', to_jsonb(h.contamination), 'blockages', to_jsonb(h.blockages),
  'adminAreaId', h.admin_area_id, 'organisationId', h.organisation_id, 'description', h.description,
  'releaseDate', to_char(h.release_date, 'YYYY-MM-DD'), 'source', h.source,
  'minefieldRecordIds', COALESCE((SELECT jsonb_agg(m.record_id ORDER BY m.record_id) FROM minefield_record_hazard m WHERE m.hazard_id = h.id), '[]'::jsonb))`;

export interface HazardPayload {
  reference: string;
  kind: string;
  status: string;
  estimatedAreaM2?: number | null | undefined;
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
       organisation_id, description, release_date, source, version, created_by, updated_by)
     VALUES ($1, $2, $3, $4, ${GEOM(5)}, $6, $7, $8, $9,
       COALESCE($10, (SELECT a.id FROM admin_area a WHERE ST_Intersects(a.geom, ST_PointOnSurface(${GEOM(5)})) ORDER BY a.level DESC LIMIT 1)),
       $11, $12, $13, $14, $15, $16, $16)
     ON CONFLICT (id) DO UPDATE SET reference = EXCLUDED.reference, kind = EXCLUDED.kind, status = EXCLUDED.status, geom = EXCLUDED.geom,
       estimated_area_m2 = EXCLUDED.estimated_area_m2, evidence = EXCLUDED.evidence, contamination = EXCLUDED.contamination,
       blockages = EXCLUDED.blockages, admin_area_id = EXCLUDED.admin_area_id, organisation_id = EXCLUDED.organisation_id,
       description = EXCLUDED.description, release_date = EXCLUDED.release_date, source = EXCLUDED.source, version = EXCLUDED.version,
       updated_at = now(), updated_by = EXCLUDED.updated_by`,
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
    ],
  );
  await tx.query('DELETE FROM minefield_record_hazard WHERE hazard_id = $1', [id]);
  if (hazard.minefieldRecordIds.length > 0) {
    await tx.query('INSERT INTO minefield_record_hazard (record_id, hazard_id) SELECT unnest($2::uuid[]), $1', [id, hazard.minefieldRecordIds]);
  }
}

export async function deleteRow(tx: Queryable, table: 'hazard' | 'activity' | 'release_product', id: string): Promise<void> {
  await tx.query(`DELETE FROM ${table} WHERE id = $1`, [id]);
}

/** The records that still point at a hazard or activity, which must go first. */
export async function dependentsOf(tx: Queryable, column: 'hazard_id' | 'activity_id', id: string): Promise<number> {
  const [row] = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM release_product WHERE ${column} = $1`, [id]);
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
       ${AREA('COALESCE(sg_difference(h.geom, u.geom), h.geom)')} AS remaining_m2
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

// Geometry checks that need the store ------------------------------------------------------

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

export async function duplicateProblems(tx: Queryable, geometry: unknown, excludeHazardId: string | null): Promise<GeometryProblem[]> {
  const rows = await tx.query<{ id: string; reference: string; share: number }>(
    `WITH g AS (SELECT ${GEOM(1)} AS geom)
     SELECT h.id, h.reference, ${AREA('ST_Intersection(h.geom, g.geom)')} / NULLIF(${AREA('g.geom')}, 0) AS share
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
    `SELECT ST_AsGeoJSON(r, 15)::jsonb AS geometry, ${AREA('r')} AS area_m2
     FROM (SELECT ST_Multi(ST_CollectionExtract(ST_MakeValid(${GEOM(1)}, 'method=structure'), 3)) AS r) x`,
    [JSON.stringify(geometry)],
  );
  return { geometry: row!.geometry, areaM2: row!.area_m2 };
}

// Land-release accounting ------------------------------------------------------------------

/**
 * One row per release product and hazard: the product clipped to its hazard, minus every product
 * of that hazard that precedes it. Precedence is the method (cleared > reduced > cancelled), then
 * the earlier release date, then the id, so every piece of land is counted once, for one
 * product; the pieces of a hazard partition the union of its products inside it. Set-based over
 * whichever hazards `hazardFilter` selects (a fixed SQL condition on h, never user text).
 */
function productPiecesSql(hazardFilter: string): string {
  return `hz AS (SELECT h.id, h.geom FROM hazard h WHERE ${hazardFilter}),
  product AS (
    SELECT rp.id, rp.hazard_id, rp.method, rp.release_date, rp.geom, a.organisation_id, ${methodRankSql('rp.method')} AS rank
    FROM release_product rp JOIN hz ON hz.id = rp.hazard_id JOIN activity a ON a.id = rp.activity_id
  ),
  clipped AS (
    SELECT p.*, hz.geom AS hazard_geom, ST_CollectionExtract(ST_Intersection(p.geom, hz.geom), 3) AS inside, prior.geom AS prior_geom
    FROM product p JOIN hz ON hz.id = p.hazard_id
    LEFT JOIN LATERAL (
      SELECT ST_Union(q.geom) AS geom FROM release_product q
      WHERE q.hazard_id = p.hazard_id AND q.id <> p.id AND ST_Intersects(q.geom, p.geom)
        AND (${methodRankSql('q.method')}, q.release_date, q.id) < (p.rank, p.release_date, p.id)
    ) prior ON true
  ),
  piece AS (
    SELECT id AS product_id, hazard_id, method, release_date, organisation_id,
      ${AREA('geom')} AS product_m2,
      ${AREA('inside')} AS inside_m2,
      ${AREA('sg_difference(geom, hazard_geom)')} AS outside_m2,
      CASE WHEN prior_geom IS NULL THEN ${AREA('inside')} ELSE ${AREA('sg_difference(inside, prior_geom)')} END AS counted_m2
    FROM clipped
  )`;
}

// Stored pieces ------------------------------------------------------------------------------

/**
 * The hazards whose stored pieces no longer match their rows (docs/land-release.md, "Stored
 * pieces"): a hazard without a stored remaining area or whose version or updated_at changed, and
 * every hazard on either side of a product that is new, gone, moved, or changed since its piece
 * was computed. Set-based: two joins over the ids, no geometry.
 */
const STALE_HAZARDS = `target AS (
    SELECT h.id AS hazard_id FROM hazard h LEFT JOIN land_hazard_remaining r ON r.hazard_id = h.id
    WHERE r.hazard_id IS NULL OR r.hazard_version <> h.version OR r.hazard_updated_at <> h.updated_at
    UNION
    SELECT unnest(ARRAY[rp.hazard_id, lp.hazard_id]) FROM release_product rp FULL JOIN land_release_piece lp ON lp.product_id = rp.id
    WHERE rp.id IS NULL OR lp.product_id IS NULL OR lp.hazard_id <> rp.hazard_id OR lp.product_version <> rp.version OR lp.product_updated_at <> rp.updated_at
  )`;

/** The given hazards, and any hazard still holding the piece of a product that now lies in one of them. */
const GIVEN_HAZARDS = `target AS (
    SELECT unnest($1::uuid[]) AS hazard_id
    UNION
    SELECT lp.hazard_id FROM land_release_piece lp JOIN release_product rp ON rp.id = lp.product_id WHERE rp.hazard_id = ANY($1::uuid[])
  )`;

/**
 * One statement that computes the pieces and remaining area of the `target` hazards with the
 * same SQL as the live accounting (productPiecesSql) and writes them with the fingerprint of the
 * rows they came from; pieces of products no longer in those hazards are removed. A single
 * statement, so it is atomic even outside a transaction.
 */
function refreshSql(target: string): string {
  return `WITH ${target}, ${productPiecesSql('h.id IN (SELECT hazard_id FROM target)')},
  fresh_remaining AS (
    SELECT h.id AS hazard_id, h.version, h.updated_at, ${AREA('COALESCE(sg_difference(h.geom, u.geom), h.geom)')} AS remaining_m2
    FROM hazard h CROSS JOIN LATERAL (SELECT ST_Union(geom) AS geom FROM release_product WHERE hazard_id = h.id) u
    WHERE h.id IN (SELECT hazard_id FROM target)
  ),
  gone AS (
    DELETE FROM land_release_piece lp WHERE lp.hazard_id IN (SELECT hazard_id FROM target) AND lp.product_id NOT IN (SELECT product_id FROM piece)
    RETURNING 1
  ),
  pieces AS (
    INSERT INTO land_release_piece AS lp (product_id, hazard_id, product_version, product_updated_at, activity_id, method, release_date,
      product_m2, inside_m2, outside_m2, counted_m2, computed_at)
    SELECT piece.product_id, piece.hazard_id, rp.version, rp.updated_at, rp.activity_id, piece.method, piece.release_date,
      piece.product_m2, piece.inside_m2, piece.outside_m2, piece.counted_m2, now()
    FROM piece JOIN release_product rp ON rp.id = piece.product_id
    ON CONFLICT (product_id) DO UPDATE SET hazard_id = EXCLUDED.hazard_id, product_version = EXCLUDED.product_version,
      product_updated_at = EXCLUDED.product_updated_at, activity_id = EXCLUDED.activity_id, method = EXCLUDED.method,
      release_date = EXCLUDED.release_date, product_m2 = EXCLUDED.product_m2, inside_m2 = EXCLUDED.inside_m2,
      outside_m2 = EXCLUDED.outside_m2, counted_m2 = EXCLUDED.counted_m2, computed_at = EXCLUDED.computed_at
    RETURNING 1
  ),
  remaining AS (
    INSERT INTO land_hazard_remaining AS r (hazard_id, hazard_version, hazard_updated_at, remaining_m2, computed_at)
    SELECT hazard_id, version, updated_at, remaining_m2, now() FROM fresh_remaining
    ON CONFLICT (hazard_id) DO UPDATE SET hazard_version = EXCLUDED.hazard_version, hazard_updated_at = EXCLUDED.hazard_updated_at,
      remaining_m2 = EXCLUDED.remaining_m2, computed_at = EXCLUDED.computed_at
    RETURNING 1
  )
  SELECT (SELECT count(*) FROM remaining)::int AS hazards, (SELECT count(*) FROM pieces)::int AS pieces, (SELECT count(*) FROM gone)::int AS removed`;
}

export interface RefreshResult {
  /** Hazards whose remaining area was written. */
  hazards: number;
  /** Product pieces written. */
  pieces: number;
  /** Pieces removed because their product left the hazard or is gone. */
  removed: number;
}

/**
 * Held shared by approvals that refresh a few hazards and exclusively by a refresh of every stale
 * hazard, so a refresh computed from an older snapshot never overwrites an approval's pieces.
 */
const PIECES_LOCK = 7240_0310;

/**
 * Computes the stored pieces of the given hazards again, inside the caller's transaction: the
 * approval that changed a hazard or its products calls this, so readers never see the change
 * without its pieces.
 */
export async function refreshLandPieces(tx: Queryable, hazardIds: readonly string[]): Promise<RefreshResult> {
  if (hazardIds.length === 0) return { hazards: 0, pieces: 0, removed: 0 };
  await tx.query('SELECT pg_advisory_xact_lock_shared($1)', [PIECES_LOCK]);
  const [row] = await tx.query<RefreshResult>(refreshSql(GIVEN_HAZARDS), [[...new Set(hazardIds)]]);
  return row!;
}

/**
 * The exclusive refresh lock, and no JIT for the rest of the transaction: the planner guesses
 * tens of thousands of stale hazards from the staleness joins, and PostgreSQL would spend 0.6 s
 * compiling a statement that, for the usual handful of hazards, runs in 30 ms (the time of a full
 * rebuild is in GEOS, which JIT does not speed up).
 */
async function lockForRefresh(tx: Queryable): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1)', [PIECES_LOCK]);
  await tx.query('SET LOCAL jit = off');
}

/** Whether any hazard's stored pieces are stale (cheap: ids, versions and timestamps only). */
export async function landPiecesStale(tx: Queryable): Promise<boolean> {
  const [row] = await tx.query<{ stale: boolean }>(`WITH ${STALE_HAZARDS} SELECT EXISTS (SELECT 1 FROM target WHERE hazard_id IS NOT NULL) AS stale`);
  return row!.stale;
}

/**
 * Computes the pieces of every stale hazard (all of them when the table is empty, e.g. after the
 * demo generator or an import loaded rows in bulk), in one statement, under the exclusive lock
 * (held to the end of the caller's transaction), so two requests never compute the same hazards
 * at once.
 */
export async function refreshStaleLandPieces(tx: Queryable): Promise<RefreshResult> {
  await lockForRefresh(tx);
  const [row] = await tx.query<RefreshResult>(refreshSql(STALE_HAZARDS));
  return row!;
}

/** Throws away every stored piece and computes them all again, in the caller's transaction. */
export async function rebuildLandPieces(tx: Queryable): Promise<RefreshResult> {
  await lockForRefresh(tx);
  await tx.query('DELETE FROM land_release_piece');
  await tx.query('DELETE FROM land_hazard_remaining');
  const [row] = await tx.query<RefreshResult>(refreshSql(STALE_HAZARDS));
  return row!;
}

export interface ProductPiece {
  productId: string;
  activityId: string;
  method: ReleaseMethod;
  releaseDate: string;
  organisationId: string;
  productM2: number;
  /** The part inside the hazard. */
  insideM2: number;
  /** The part outside the hazard: flagged, never counted. */
  outsideM2: number;
  /** What this product releases after precedence. */
  countedM2: number;
  /** Inside the hazard but already counted for a product of higher precedence. */
  overlapM2: number;
}

export interface HazardAccountingFacts {
  hazardId: string;
  reference: string;
  status: string;
  releaseDate: string | null;
  areaM2: number;
  estimatedAreaM2: number | null;
  remainingM2: number;
  remainingGeometry: unknown;
  pieces: ProductPiece[];
  overlaps: { productId: string; otherProductId: string; areaM2: number }[];
}

/** Everything the accounting of one hazard needs, from three statements on the same snapshot of rows. */
export async function hazardAccountingFacts(tx: Queryable, hazardId: string): Promise<HazardAccountingFacts | null> {
  const [hazard] = await tx.query<{
    reference: string;
    status: string;
    release_date: string | null;
    area_m2: number;
    estimated_area_m2: number | null;
    remaining_m2: number;
    remaining_geometry: unknown;
  }>(
    `SELECT h.reference, h.status, to_char(h.release_date, 'YYYY-MM-DD') AS release_date, ${AREA('h.geom')} AS area_m2, h.estimated_area_m2,
       ${AREA('r.geom')} AS remaining_m2, ST_AsGeoJSON(r.geom, 15)::jsonb AS remaining_geometry
     FROM hazard h
     CROSS JOIN LATERAL (SELECT ST_Union(geom) AS geom FROM release_product WHERE hazard_id = h.id) u
     CROSS JOIN LATERAL (SELECT ST_Multi(ST_CollectionExtract(COALESCE(sg_difference(h.geom, u.geom), h.geom), 3)) AS geom) r
     WHERE h.id = $1`,
    [hazardId],
  );
  if (!hazard) return null;
  const pieces = await tx.query<{
    product_id: string;
    activity_id: string;
    method: ReleaseMethod;
    release_date: string;
    organisation_id: string;
    product_m2: number;
    inside_m2: number;
    outside_m2: number;
    counted_m2: number;
  }>(
    `WITH ${productPiecesSql('h.id = $1')}
     SELECT piece.product_id, rp.activity_id, piece.method, to_char(piece.release_date, 'YYYY-MM-DD') AS release_date, piece.organisation_id,
       piece.product_m2, piece.inside_m2, piece.outside_m2, piece.counted_m2
     FROM piece JOIN release_product rp ON rp.id = piece.product_id
     ORDER BY ${methodRankSql('piece.method')}, piece.release_date, piece.product_id`,
    [hazardId],
  );
  const overlaps = await tx.query<{ product_id: string; other_product_id: string; area_m2: number }>(
    `SELECT a.id AS product_id, b.id AS other_product_id, ${AREA('ST_Intersection(ST_Intersection(a.geom, b.geom), h.geom)')} AS area_m2
     FROM release_product a JOIN release_product b ON b.hazard_id = a.hazard_id AND a.id < b.id AND ST_Intersects(a.geom, b.geom)
     JOIN hazard h ON h.id = a.hazard_id
     WHERE a.hazard_id = $1`,
    [hazardId],
  );
  return {
    hazardId,
    reference: hazard.reference,
    status: hazard.status,
    releaseDate: hazard.release_date,
    areaM2: hazard.area_m2,
    estimatedAreaM2: hazard.estimated_area_m2,
    remainingM2: hazard.remaining_m2,
    remainingGeometry: hazard.remaining_geometry,
    pieces: pieces.map((p) => ({
      productId: p.product_id,
      activityId: p.activity_id,
      method: p.method,
      releaseDate: p.release_date,
      organisationId: p.organisation_id,
      productM2: p.product_m2,
      insideM2: p.inside_m2,
      outsideM2: p.outside_m2,
      countedM2: p.counted_m2,
      overlapM2: Math.max(0, p.inside_m2 - p.counted_m2),
    })),
    overlaps: overlaps.filter((o) => o.area_m2 > 0).map((o) => ({ productId: o.product_id, otherProductId: o.other_product_id, areaM2: o.area_m2 })),
  };
}

// Statistics -------------------------------------------------------------------------------

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
const HAZARD_AREAS = `chain AS (
    SELECT a.id AS area_id, a.id AS ancestor_id, a.parent_id, a.level FROM admin_area a WHERE a.id IN (SELECT admin_area_id FROM hazard)
    UNION ALL
    SELECT c.area_id, a.id, a.parent_id, a.level FROM chain c JOIN admin_area a ON a.id = c.parent_id
  ),
  area_rollup AS (
    SELECT area_id, (array_agg(ancestor_id) FILTER (WHERE level = 1))[1] AS admin1_id, (array_agg(ancestor_id) FILTER (WHERE level = 2))[1] AS admin2_id
    FROM chain GROUP BY area_id
  ),
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

// Register and history ---------------------------------------------------------------------

export interface HazardListing {
  id: string;
  version: number;
  payload: Record<string, unknown>;
  areaM2: number;
}

/**
 * The register now, from the hazard table; its area is stored with the row (migration 0020), as
 * AREA measures it. The page is chosen first and only its rows are built: PostgreSQL builds
 * every row an OFFSET skips, which made the last page of 12,000 hazards take a quarter of a second.
 */
export async function listHazards(tx: Queryable, filter: { id?: string; status?: string; kind?: string; limit: number; offset: number }): Promise<HazardListing[]> {
  const rows = await tx.query<{ id: string; version: number; payload: Record<string, unknown>; area_m2: number }>(
    `SELECT h.id, h.version, ${HAZARD_PAYLOAD} || jsonb_build_object('geometry', ST_AsGeoJSON(h.geom, 15)::jsonb) AS payload, h.area_m2
     FROM (SELECT s.id FROM hazard s WHERE ($1::text IS NULL OR s.status = $1) AND ($2::text IS NULL OR s.kind = $2) AND ($5::uuid IS NULL OR s.id = $5)
           ORDER BY s.reference LIMIT $3 OFFSET $4) page
     JOIN hazard h ON h.id = page.id
     ORDER BY h.reference`,
    [filter.status ?? null, filter.kind ?? null, filter.limit, filter.offset, filter.id ?? null],
  );
  return rows.map((r) => ({ id: r.id, version: r.version, payload: r.payload, areaM2: r.area_m2 }));
}

/** The register as it stood at an instant, from the history alone. */
export async function hazardsAsOf(tx: Queryable, asOf: Date, filter: { status?: string; kind?: string; limit: number; offset: number }): Promise<HazardListing[]> {
  const rows = await tx.query<{ id: string; version: number; payload: Record<string, unknown>; area_m2: number }>(
    `SELECT rv.entity_id AS id, rv.version, rv.data || jsonb_build_object('geometry', ST_AsGeoJSON(rv.geom, 15)::jsonb) AS payload,
       ${AREA('rv.geom')} AS area_m2
     FROM record_version rv
     WHERE rv.entity_type = 'hazard' AND rv.valid_from <= $1 AND (rv.valid_to IS NULL OR rv.valid_to > $1) AND NOT rv.deleted
       AND ($2::text IS NULL OR rv.data ->> 'status' = $2) AND ($3::text IS NULL OR rv.data ->> 'kind' = $3)
     ORDER BY rv.data ->> 'reference' LIMIT $4 OFFSET $5`,
    [asOf, filter.status ?? null, filter.kind ?? null, filter.limit, filter.offset],
  );
  return rows.map((r) => ({ id: r.id, version: r.version, payload: r.payload, areaM2: r.area_m2 }));
}

export interface HistoryEntry {
  version: number;
  validFrom: Date;
  validTo: Date | null;
  deleted: boolean;
  data: Record<string, unknown>;
  geometry: unknown;
  areaM2: number | null;
  changedBy: { id: string; username: string } | null;
  reason: string | null;
  report: { id: string; action: string; reportedBy: string | null; undoesReportId: string | null } | null;
}

export async function history(tx: Queryable, entityType: string, entityId: string): Promise<HistoryEntry[]> {
  const rows = await tx.query<{
    version: number;
    valid_from: Date;
    valid_to: Date | null;
    deleted: boolean;
    data: Record<string, unknown>;
    geometry: unknown;
    area_m2: number | null;
    changed_by: string | null;
    changed_by_username: string | null;
    change_reason: string | null;
    report_id: string | null;
    report_action: string | null;
    reported_by: string | null;
    undoes_report_id: string | null;
  }>(
    `SELECT rv.version, rv.valid_from, rv.valid_to, rv.deleted, rv.data, ST_AsGeoJSON(rv.geom, 15)::jsonb AS geometry,
       ${AREA('rv.geom')} AS area_m2, rv.changed_by, u.username AS changed_by_username, rv.change_reason,
       rv.report_id, r.action AS report_action, ru.username AS reported_by, r.undoes_report_id
     FROM record_version rv
     LEFT JOIN app_user u ON u.id = rv.changed_by
     LEFT JOIN report r ON r.id = rv.report_id
     LEFT JOIN app_user ru ON ru.id = r.created_by
     WHERE rv.entity_type = $1 AND rv.entity_id = $2 ORDER BY rv.version`,
    [entityType, entityId],
  );
  return rows.map((r) => ({
    version: r.version,
    validFrom: r.valid_from,
    validTo: r.valid_to,
    deleted: r.deleted,
    data: r.data,
    geometry: r.geometry,
    areaM2: r.area_m2,
    changedBy: r.changed_by ? { id: r.changed_by, username: r.changed_by_username ?? '' } : null,
    reason: r.change_reason,
    report: r.report_id ? { id: r.report_id, action: r.report_action ?? '', reportedBy: r.reported_by, undoesReportId: r.undoes_report_id } : null,
  }));
}

/** The products and activities of a hazard, for its page. */
export async function hazardLinks(tx: Queryable, hazardId: string) {
  const products = await tx.query<{ id: string; activity_id: string; method: string; release_date: string; version: number; area_m2: number }>(
    `SELECT id, activity_id, method, to_char(release_date, 'YYYY-MM-DD') AS release_date, version, ${AREA('geom')} AS area_m2
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
