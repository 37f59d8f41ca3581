/** The land-release accounting in SQL: each hazard's pieces by method and what remains, stored and refreshed. */
import { geodesicArea } from '../geodesy/sql.ts';
import type { Queryable } from '../store/db.ts';
import { methodRankSql, type ReleaseMethod } from './rules.ts';

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
      ${geodesicArea('geom')} AS product_m2,
      ${geodesicArea('inside')} AS inside_m2,
      ${geodesicArea('sg_difference(geom, hazard_geom)')} AS outside_m2,
      CASE WHEN prior_geom IS NULL THEN ${geodesicArea('inside')} ELSE ${geodesicArea('sg_difference(inside, prior_geom)')} END AS counted_m2
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
    SELECT h.id AS hazard_id, h.version, h.updated_at, ${geodesicArea('COALESCE(sg_difference(h.geom, u.geom), h.geom)')} AS remaining_m2
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
    `SELECT h.reference, h.status, to_char(h.release_date, 'YYYY-MM-DD') AS release_date, ${geodesicArea('h.geom')} AS area_m2, h.estimated_area_m2,
       ${geodesicArea('r.geom')} AS remaining_m2, ST_AsGeoJSON(r.geom, 15)::jsonb AS remaining_geometry
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
    `SELECT a.id AS product_id, b.id AS other_product_id, ${geodesicArea('ST_Intersection(ST_Intersection(a.geom, b.geom), h.geom)')} AS area_m2
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
