/** The SQL of hazard and activity imports beyond what the land store already offers. */
import type { Queryable } from '../store/db.ts';

/**
 * The shape of a position-only hazard: the point or line buffered on the ellipsoid so that the
 * area is the estimated area (a circle of radius √(A/π) around a point; around a line of length
 * L, a band of half-width w with 2wL + πw² = A), as a MultiPolygon in GeoJSON.
 */
export async function positionOnlyShape(tx: Queryable, geometry: unknown, areaM2: number): Promise<unknown> {
  const [row] = await tx.query<{ geometry: unknown }>(
    `WITH g AS (SELECT ST_SetSRID(ST_GeomFromGeoJSON($1::text), 4326) AS geom), l AS (SELECT geom, ST_Length(geom::geography) AS len FROM g)
     SELECT ST_AsGeoJSON(ST_Multi(ST_Buffer(geom::geography, (sqrt(4 * len * len + 4 * pi() * $2::float8) - 2 * len) / (2 * pi()), 'quad_segs=16')::geometry), 15)::json AS geometry FROM l`,
    [JSON.stringify(geometry), areaM2],
  );
  return row!.geometry;
}

/** The organisation a name or acronym names (the name first), or null. */
export async function organisationIdByName(tx: Queryable, name: string): Promise<string | null> {
  const [row] = await tx.query<{ id: string }>(
    'SELECT id FROM organisation WHERE lower(name) = lower($1) OR lower(acronym) = lower($1) ORDER BY lower(name) = lower($1) DESC LIMIT 1',
    [name],
  );
  return row?.id ?? null;
}

/** The hazards of these references, by reference; those missing are absent. */
export async function hazardIdsByReference(tx: Queryable, references: readonly string[]): Promise<Map<string, string>> {
  const rows = await tx.query<{ reference: string; id: string }>('SELECT reference, id FROM hazard WHERE reference = ANY($1::text[])', [references]);
  return new Map(rows.map((r) => [r.reference, r.id]));
}
