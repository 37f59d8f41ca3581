/**
 * All SQL of prioritisation: reference layers, the criteria of every active hazard measured in
 * one set-based query, the hazards around each settlement, and the settings with their history.
 * Distances and areas are geodesic (geography); a degree box around each hazard lets the spatial
 * indexes do the searching first.
 */
import { DENSIFY_DEG } from '../geodesy/sql.ts';
import type { Queryable } from '../store/db.ts';
import type { HazardFacts } from './criteria.ts';

/** Rivers and settlements are for the risk map (docs/risk-map.md); prioritisation uses the gazetteer's settlements. */
export const REFERENCE_LAYERS = ['roads', 'corridors', 'utilities', 'reconstruction', 'farmland', 'water', 'rivers', 'settlements'] as const;
export type ReferenceLayer = (typeof REFERENCE_LAYERS)[number];

// Reference layers ---------------------------------------------------------------------------

export interface ReferenceFeatureInput {
  /** Its number in the file, for messages. */
  row: number;
  kind: string;
  name: string | null;
  /** A GeoJSON geometry, or WKT text. */
  geometry: unknown;
  properties: Record<string, unknown>;
  /** The day from which the feature existed (YYYY-MM-DD), when known: the risk map uses a feature only from then on. */
  validFrom?: string | null | undefined;
}

const FEATURE_ROWS = `jsonb_to_recordset($1::text::jsonb) AS t("row" int, kind text, name text, geometry jsonb, wkt text, properties jsonb, valid_from date)`;
const FEATURE_GEOM = `ST_SetSRID(CASE WHEN t.wkt IS NOT NULL THEN ST_GeomFromText(t.wkt) ELSE ST_GeomFromGeoJSON(t.geometry::text) END, 4326)`;

function featureJson(features: readonly ReferenceFeatureInput[]): string {
  return JSON.stringify(
    features.map((f) => ({
      row: f.row,
      kind: f.kind,
      name: f.name,
      geometry: typeof f.geometry === 'string' ? null : f.geometry,
      wkt: typeof f.geometry === 'string' ? f.geometry : null,
      properties: f.properties,
      valid_from: f.validFrom ?? null,
    })),
  );
}

/** Rows whose geometry is not valid, with PostGIS's reason, so the file can be fixed. */
export async function invalidFeatures(tx: Queryable, features: readonly ReferenceFeatureInput[]): Promise<Array<{ row: number; reason: string }>> {
  return tx.query<{ row: number; reason: string }>(`SELECT t."row" AS row, ST_IsValidReason(${FEATURE_GEOM}) AS reason FROM ${FEATURE_ROWS} WHERE NOT ST_IsValid(${FEATURE_GEOM}) ORDER BY t."row"`, [
    featureJson(features),
  ]);
}

export async function insertReferenceFeatures(tx: Queryable, layer: ReferenceLayer, source: string, features: readonly ReferenceFeatureInput[], actorId: string | null): Promise<number> {
  const rows = await tx.query(
    `INSERT INTO reference_feature (layer, kind, name, geom, properties, source, created_by, updated_by, valid_from)
     SELECT $2, t.kind, t.name, ${FEATURE_GEOM}, COALESCE(t.properties, '{}'::jsonb), $3, $4, $4, t.valid_from FROM ${FEATURE_ROWS} RETURNING id`,
    [featureJson(features), layer, source, actorId],
  );
  return rows.length;
}

export async function deleteLayer(tx: Queryable, layer: ReferenceLayer): Promise<number> {
  return (await tx.query('DELETE FROM reference_feature WHERE layer = $1 RETURNING id', [layer])).length;
}

export interface LayerSummary {
  layer: string;
  kind: string;
  features: number;
  sources: string[];
  /** [west, south, east, north] */
  bbox: [number, number, number, number];
}

export async function listLayers(db: Queryable): Promise<LayerSummary[]> {
  const rows = await db.query<{ layer: string; kind: string; features: number; sources: string[]; west: number; south: number; east: number; north: number }>(
    `SELECT layer, kind, count(*)::int AS features, array_agg(DISTINCT source ORDER BY source) AS sources,
       ST_XMin(ST_Extent(geom)) AS west, ST_YMin(ST_Extent(geom)) AS south, ST_XMax(ST_Extent(geom)) AS east, ST_YMax(ST_Extent(geom)) AS north
     FROM reference_feature GROUP BY layer, kind ORDER BY layer, kind`,
  );
  return rows.map((r) => ({ layer: r.layer, kind: r.kind, features: r.features, sources: r.sources, bbox: [r.west, r.south, r.east, r.north] }));
}

export async function layerFeatures(
  db: Queryable,
  filter: { layer: ReferenceLayer; bbox?: readonly [number, number, number, number] | undefined; limit: number; offset: number },
): Promise<Array<{ id: string; kind: string; name: string | null; source: string; version: number; properties: Record<string, unknown>; geometry: unknown }>> {
  const [west, south, east, north] = filter.bbox ?? [null, null, null, null];
  return db.query(
    `SELECT id, kind, name, source, version, properties, ST_AsGeoJSON(geom, 7)::jsonb AS geometry FROM reference_feature
     WHERE layer = $1 AND ($2::float8 IS NULL OR geom && ST_MakeEnvelope($2, $3, $4, $5, 4326))
     ORDER BY id LIMIT $6 OFFSET $7`,
    [filter.layer, west, south, east, north, filter.limit, filter.offset],
  );
}

// Criteria -------------------------------------------------------------------------------------

/** How near things must be to count; instance setting `priority_parameters`. */
export interface CriteriaParameters {
  casualtyRadiusM: number;
  casualtyYears: number;
  settlementRadiusM: number;
  returnHorizonMonths: number;
  /** Farthest a road, utility, project or water point is looked for. */
  searchRadiusM: number;
}

/** A hazard's facts as the store measures them, before record reliability is looked up from its records. */
export type HazardFactsRow = Omit<HazardFacts, 'recordReliability' | 'recordReference'> & { recordIds: string[] };

/**
 * `other` within `radius` metres of the hazard: a degree box first (metres to degrees of
 * longitude at the hazard's latitude, the wider of the two), then the geodesic test.
 */
const near = (other: string, radius: string) => `${other} && ST_Expand(h.geom, ${radius} * h.deg_per_m) AND ST_DWithin(${other}::geography, h.g, ${radius})`;
const nearestIn = (layers: string, alias: string) =>
  `LEFT JOIN LATERAL (SELECT min(ST_Distance(f.geom::geography, h.g)) AS distance_m FROM reference_feature f
     WHERE f.layer IN (${layers}) AND ${near('f.geom', '$6')}) ${alias} ON true`;

/** The criteria of every active hazard, in one query (docs/priorities.md, "Criteria"). */
export async function hazardFacts(db: Queryable, parameters: CriteriaParameters, asOf: string): Promise<HazardFactsRow[]> {
  const rows = await db.query<{
    id: string;
    reference: string;
    kind: string;
    contamination: string[];
    blockages: string[];
    remaining_m2: number;
    recent_victims: number;
    lis_victims: number;
    population: number;
    planned_return: number;
    planned_return_on: string | null;
    road_m: number | null;
    road_inside_m: number;
    utility_m: number | null;
    reconstruction_m: number | null;
    reconstruction_overlap_m2: number;
    farmland_m2: number;
    water_m: number | null;
    record_ids: string[];
  }>(
    `WITH h AS (
       SELECT h.id, h.reference, h.kind, h.contamination, h.blockages, h.geom, h.geom::geography AS g,
         1.0 / (111320 * greatest(cos(radians(abs(ST_YMax(h.geom)) + 0.1)), 0.01)) AS deg_per_m
       FROM hazard h WHERE h.status = 'active'
     )
     SELECT h.id, h.reference, h.kind, h.contamination, h.blockages,
       ST_Area(ST_Segmentize(ST_CollectionExtract(COALESCE(sg_difference(h.geom, u.geom), h.geom), 3), $7)::geography) AS remaining_m2,
       c.recent_victims, c.lis_victims, s.population, s.planned_return, to_char(s.planned_return_on, 'YYYY-MM-DD') AS planned_return_on,
       road.distance_m AS road_m, road_inside.length_m AS road_inside_m, utility.distance_m AS utility_m,
       reconstruction.distance_m AS reconstruction_m, reconstruction_overlap.area_m2 AS reconstruction_overlap_m2,
       farmland.area_m2 AS farmland_m2, water.distance_m AS water_m,
       ARRAY(SELECT r.id::text FROM minefield_record r
             WHERE r.id IN (SELECT m.record_id FROM minefield_record_hazard m WHERE m.hazard_id = h.id)
                OR (r.perimeter && h.geom AND ST_Intersects(r.perimeter, h.geom))
             ORDER BY r.id) AS record_ids
     FROM h
     LEFT JOIN LATERAL (SELECT ST_Union(p.geom) AS geom FROM release_product p WHERE p.hazard_id = h.id) u ON true
     LEFT JOIN LATERAL (
       SELECT count(v.id) FILTER (WHERE a.occurred_on > ($1::date - make_interval(years => $3)))::int AS recent_victims,
              count(v.id) FILTER (WHERE a.occurred_on > ($1::date - interval '24 months'))::int AS lis_victims
       FROM accident a JOIN victim v ON v.accident_id = a.id
       WHERE a.geom IS NOT NULL AND a.occurred_on <= $1::date AND ${near('a.geom', '$2')}
     ) c ON true
     LEFT JOIN LATERAL (
       SELECT COALESCE(sum(st.population), 0)::int AS population,
              COALESCE(sum(st.displaced_population) FILTER (WHERE st.return_planned AND (st.return_planned_on IS NULL OR st.return_planned_on <= ($1::date + make_interval(months => $5)))), 0)::int AS planned_return,
              min(st.return_planned_on) FILTER (WHERE st.return_planned AND st.return_planned_on <= ($1::date + make_interval(months => $5))) AS planned_return_on
       FROM settlement st WHERE ${near('st.geom', '$4')}
     ) s ON true
     ${nearestIn("'roads', 'corridors'", 'road')}
     LEFT JOIN LATERAL (
       SELECT COALESCE(sum(ST_Length(ST_CollectionExtract(ST_Intersection(f.geom, h.geom), 2)::geography)), 0) AS length_m
       FROM reference_feature f WHERE f.layer IN ('roads', 'corridors') AND f.geom && h.geom AND ST_Intersects(f.geom, h.geom)
     ) road_inside ON true
     ${nearestIn("'utilities'", 'utility')}
     ${nearestIn("'reconstruction'", 'reconstruction')}
     LEFT JOIN LATERAL (
       SELECT COALESCE(ST_Area(ST_CollectionExtract(ST_Intersection(ST_Union(ST_CollectionExtract(f.geom, 3)), h.geom), 3)::geography), 0) AS area_m2
       FROM reference_feature f WHERE f.layer = 'reconstruction' AND f.geom && h.geom AND ST_Intersects(f.geom, h.geom)
     ) reconstruction_overlap ON true
     LEFT JOIN LATERAL (
       SELECT COALESCE(ST_Area(ST_CollectionExtract(ST_Intersection(ST_Union(ST_CollectionExtract(f.geom, 3)), h.geom), 3)::geography), 0) AS area_m2
       FROM reference_feature f WHERE f.layer = 'farmland' AND f.geom && h.geom AND ST_Intersects(f.geom, h.geom)
     ) farmland ON true
     ${nearestIn("'water'", 'water')}
     ORDER BY h.reference`,
    [asOf, parameters.casualtyRadiusM, parameters.casualtyYears, parameters.settlementRadiusM, parameters.returnHorizonMonths, parameters.searchRadiusM, DENSIFY_DEG],
  );
  return rows.map((r) => ({
    hazardId: r.id,
    reference: r.reference,
    kind: r.kind,
    contamination: r.contamination,
    blockages: r.blockages,
    remainingAreaM2: r.remaining_m2,
    recentVictims: r.recent_victims,
    lisVictims: r.lis_victims,
    population: r.population,
    plannedReturnDisplaced: r.planned_return,
    plannedReturnOn: r.planned_return_on,
    roadDistanceM: r.road_m,
    roadLengthInsideM: r.road_inside_m,
    utilityDistanceM: r.utility_m,
    reconstructionDistanceM: r.reconstruction_m,
    reconstructionOverlapM2: r.reconstruction_overlap_m2,
    farmlandOverlapM2: r.farmland_m2,
    waterDistanceM: r.water_m,
    recordIds: r.record_ids,
  }));
}

/** References and handover batches of records, to name the record behind a reliability figure. */
export async function recordLabels(db: Queryable, ids: readonly string[]): Promise<Map<string, { reference: string; batch: string | null }>> {
  const rows = await db.query<{ id: string; reference: string; handover_batch: string | null }>('SELECT id, reference, handover_batch FROM minefield_record WHERE id = ANY($1::uuid[])', [ids]);
  return new Map(rows.map((r) => [r.id, { reference: r.reference, batch: r.handover_batch }]));
}

/** Every settlement with active hazards within the radius, named in the display language. */
export async function settlementHazards(db: Queryable, radiusM: number): Promise<Array<{ settlementId: string; name: string; hazardIds: string[] }>> {
  const rows = await db.query<{ id: string; name: string; hazard_ids: string[] }>(
    `WITH h AS (
       SELECT h.id, h.geom, h.geom::geography AS g, 1.0 / (111320 * greatest(cos(radians(abs(ST_YMax(h.geom)) + 0.1)), 0.01)) AS deg_per_m
       FROM hazard h WHERE h.status = 'active'
     )
     SELECT st.id, COALESCE((
         SELECT pn.name FROM place_name pn WHERE pn.settlement_id = st.id
         ORDER BY (pn.language = (SELECT s.value #>> '{}' FROM setting s WHERE s.key = 'display_language')) DESC NULLS LAST, pn.kind = 'official' DESC, pn.name
         LIMIT 1), st.id::text) AS name,
       array_agg(h.id::text ORDER BY h.id) AS hazard_ids
     FROM settlement st JOIN h ON ${near('st.geom', '$1')}
     GROUP BY st.id ORDER BY st.id`,
    [radiusM],
  );
  return rows.map((r) => ({ settlementId: r.id, name: r.name, hazardIds: r.hazard_ids }));
}

// Settings ------------------------------------------------------------------------------------

/**
 * Settings have a text key but history rows have a uuid id: the id of a setting's history is
 * md5('setting:' || key) read as a uuid, the same on every instance.
 */
const SETTING_ID = (n: number) => `md5('setting:' || $${n})::uuid`;

export async function readSettings(db: Queryable, keys: readonly string[]): Promise<Map<string, { value: unknown; version: number }>> {
  const rows = await db.query<{ key: string; value: unknown; version: number }>('SELECT key, value, version FROM setting WHERE key = ANY($1::text[])', [keys]);
  return new Map(rows.map((r) => [r.key, { value: r.value, version: r.version }]));
}

/** Writes a setting and its new version in the history; returns the version written. */
export async function writeSetting(tx: Queryable, key: string, value: unknown, actorId: string | null, reason: string | null): Promise<number> {
  const [row] = await tx.query<{ version: number }>(
    `INSERT INTO setting AS s (key, value, version, updated_at, updated_by) VALUES ($1, $2::text::jsonb, 1, now(), $3)
     ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, version = s.version + 1, updated_at = now(), updated_by = EXCLUDED.updated_by
     RETURNING version`,
    [key, JSON.stringify(value), actorId],
  );
  await tx.query(`UPDATE record_version SET valid_to = now() WHERE entity_type = 'setting' AND entity_id = ${SETTING_ID(1)} AND valid_to IS NULL`, [key]);
  await tx.query(
    `INSERT INTO record_version (entity_type, entity_id, version, valid_from, data, changed_by, change_reason)
     VALUES ('setting', ${SETTING_ID(1)}, $2, now(), jsonb_build_object('key', $1::text, 'value', $3::text::jsonb), $4, $5)`,
    [key, row!.version, JSON.stringify(value), actorId, reason],
  );
  return row!.version;
}

export async function lockSetting(tx: Queryable, key: string): Promise<number | null> {
  const [row] = await tx.query<{ version: number }>('SELECT version FROM setting WHERE key = $1 FOR UPDATE', [key]);
  return row?.version ?? null;
}

export interface SettingVersion {
  version: number;
  validFrom: Date;
  validTo: Date | null;
  value: unknown;
  changedBy: string | null;
  reason: string | null;
}

export async function settingHistory(db: Queryable, key: string): Promise<SettingVersion[]> {
  const rows = await db.query<{ version: number; valid_from: Date; valid_to: Date | null; value: unknown; changed_by: string | null; change_reason: string | null }>(
    `SELECT rv.version, rv.valid_from, rv.valid_to, rv.data -> 'value' AS value, u.username AS changed_by, rv.change_reason
     FROM record_version rv LEFT JOIN app_user u ON u.id = rv.changed_by
     WHERE rv.entity_type = 'setting' AND rv.entity_id = ${SETTING_ID(1)} ORDER BY rv.version`,
    [key],
  );
  return rows.map((r) => ({ version: r.version, validFrom: r.valid_from, validTo: r.valid_to, value: r.value, changedBy: r.changed_by, reason: r.change_reason }));
}
