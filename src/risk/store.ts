/**
 * All SQL of the risk map: the events with their types and periods, the distances from every grid
 * cell to the reference layers as known on a day, the extent of the data, imported event files
 * and rasters.
 *
 * Events are finds and accidents from the register, or the events of one imported dataset
 * (`risk_event`). "Known on a day" means: hazards as the history had them at the end of it
 * (`record_version`), minefield records handed over by then, reference features whose
 * `valid_from` is on or before it. Undated reference features are never used (docs/risk-map.md).
 * Nearest features are found by the spatial index in degrees and measured on the ellipsoid; in
 * rare cases the index's nearest is not the geodesically nearest, by at most the difference
 * between a degree of longitude and of latitude at the cell.
 */
import type { Queryable } from '../store/db.ts';
import { type CellLayers, dayOf, type EventType, FAR_M, type RiskEvent } from './features.ts';
import type { Bbox, Grid } from './grid.ts';

interface EventSource {
  table: string;
  from: string;
  to: string;
  type: string;
  where: string;
}

/** Where events come from: the register's finds and accidents, or one dataset (parameter `param`). */
function eventSources(dataset: string | null, param: number): EventSource[] {
  if (dataset !== null) return [{ table: 'risk_event', from: 'x.occurred_on', to: 'x.occurred_to', type: 'x.event_type', where: `x.dataset = $${param}` }];
  // A find or accident dated to a month or a year may have happened on any day of it.
  return [
    { table: 'find', from: 'x.found_on', to: 'date_period_end(x.found_on, x.found_on_precision)', type: "'find'", where: 'true' },
    { table: 'accident', from: 'x.occurred_on', to: 'date_period_end(x.occurred_on, x.occurred_on_precision)', type: "'accident'", where: 'x.geom IS NOT NULL' },
  ];
}

const CELLS = `cell AS (
    SELECT j * $5 + i AS cell, ST_SetSRID(ST_MakePoint($1 + (i + 0.5) * $3, $2 + (j + 0.5) * $4), 4326) AS c
    FROM generate_series(0, $6 - 1) AS j CROSS JOIN generate_series(0, $5 - 1) AS i
  )`;
const gridParams = (g: Grid) => [g.west, g.south, g.cellLon, g.cellLat, g.columns, g.rows];
/** End of the day, as an instant, for the history's timestamps. */
const END_OF = (p: string) => `((${p}::date + 1)::timestamp AT TIME ZONE 'UTC')`;

/** What each layer is, as a FROM and WHERE over rows known at the end of $7, with the geometry column. */
const LAYERS: Record<keyof CellLayers, { from: string; geom: string; where: string }> = {
  hazardDistanceM: {
    from: 'record_version rv',
    geom: 'rv.geom',
    where: `rv.entity_type = 'hazard' AND NOT rv.deleted AND rv.geom IS NOT NULL AND rv.valid_from < ${END_OF('$7')} AND (rv.valid_to IS NULL OR rv.valid_to >= ${END_OF('$7')})`,
  },
  recordDistanceM: { from: 'minefield_record r', geom: 'r.perimeter', where: 'r.perimeter IS NOT NULL AND COALESCE(r.handover_date, r.created_at::date) <= $7::date' },
  roadDistanceM: { from: 'reference_feature f', geom: 'f.geom', where: "f.layer IN ('roads', 'corridors') AND f.valid_from <= $7::date" },
  riverDistanceM: { from: 'reference_feature f', geom: 'f.geom', where: "f.layer = 'rivers' AND f.valid_from <= $7::date" },
  settlementDistanceM: { from: 'reference_feature f', geom: 'f.geom', where: "f.layer = 'settlements' AND f.valid_from <= $7::date" },
};

/**
 * Distances from every cell's centre to each layer as known at the end of `asOf` (YYYY-MM-DD), in
 * cell order, FAR_M at most; null for a layer with nothing known then.
 */
export async function cellLayers(db: Queryable, grid: Grid, asOf: string): Promise<CellLayers> {
  const keys = Object.keys(LAYERS) as Array<keyof CellLayers>;
  const [present] = await db.query<Record<string, boolean>>(
    `SELECT ${keys.map((k) => `EXISTS (SELECT 1 FROM ${LAYERS[k].from} WHERE ${LAYERS[k].where.replaceAll('$7', '$1')}) AS "${k}"`).join(', ')}`,
    [asOf],
  );
  const wanted = keys.filter((k) => present![k]);
  const result: CellLayers = { hazardDistanceM: null, recordDistanceM: null, roadDistanceM: null, riverDistanceM: null, settlementDistanceM: null };
  if (wanted.length === 0) return result;
  const rows = await db.query<Record<string, number>>(
    `WITH ${CELLS}
     SELECT cell.cell, ${wanted.map((k, n) => `LEAST(COALESCE(l${n}.d, ${FAR_M}), ${FAR_M}) AS "${k}"`).join(', ')}
     FROM cell
     ${wanted
       .map((k, n) => `LEFT JOIN LATERAL (SELECT ST_Distance(${LAYERS[k].geom}::geography, cell.c::geography) AS d FROM ${LAYERS[k].from} WHERE ${LAYERS[k].where} ORDER BY ${LAYERS[k].geom} <-> cell.c LIMIT 1) l${n} ON true`)
       .join('\n     ')}
     ORDER BY cell.cell`,
    [...gridParams(grid), asOf],
  );
  for (const k of wanted) result[k] = Float64Array.from(rows, (r) => r[k]!);
  return result;
}

/** Reference features the risk map leaves out for want of a date, by layer. */
export async function undatedFeatures(db: Queryable): Promise<Array<{ layer: string; features: number }>> {
  return layerRows(db.query(
    `SELECT layer, count(*)::int AS features FROM reference_feature WHERE valid_from IS NULL AND layer IN ('roads', 'corridors', 'rivers', 'settlements') GROUP BY layer ORDER BY layer`,
  ));
}

/** Features of each risk layer known at the end of `asOf`. */
export async function layerCounts(db: Queryable, asOf: string): Promise<Array<{ layer: string; features: number }>> {
  return layerRows(db.query(
    `SELECT layer, count(*)::int AS features FROM reference_feature WHERE valid_from <= $1::date AND layer IN ('roads', 'corridors', 'rivers', 'settlements') GROUP BY layer ORDER BY layer`,
    [asOf],
  ));
}

async function layerRows(rows: Promise<Array<{ layer: string; features: number }>>): Promise<Array<{ layer: string; features: number }>> {
  return (await rows).map((r) => ({ layer: r.layer, features: r.features }));
}

/** Every event within `marginDeg` of the box, with its type and the period it may have happened in. */
export async function riskEvents(db: Queryable, bbox: Bbox, marginDeg: number, dataset: string | null): Promise<RiskEvent[]> {
  const sources = eventSources(dataset, 6);
  const rows = await db.query<{ lon: number; lat: number; from: string; to: string; type: EventType }>(
    `SELECT ST_X(e.geom) AS lon, ST_Y(e.geom) AS lat, e.from_day::text AS "from", e.to_day::text AS "to", e.type
     FROM (${sources.map((s) => `SELECT x.geom, ${s.from} AS from_day, ${s.to} AS to_day, ${s.type} AS type FROM ${s.table} x WHERE ${s.where}`).join(' UNION ALL ')}) e
     WHERE e.geom && ST_MakeEnvelope($1::float8 - $5::float8, $2::float8 - $5, $3::float8 + $5, $4::float8 + $5, 4326)`,
    [...bbox, marginDeg, ...(dataset === null ? [] : [dataset])],
  );
  return rows.map((r) => ({ lon: r.lon, lat: r.lat, from: dayOf(r.from), to: dayOf(r.to), type: r.type }));
}

/** The box around the events (and, for the register, its hazards); null when there are none. */
export async function eventExtent(db: Queryable, dataset: string | null): Promise<{ bbox: Bbox; firstYear: number; lastYear: number } | null> {
  const sources = eventSources(dataset, 1);
  const [row] = await db.query<{ west: number | null; south: number; east: number; north: number; first_year: number | null; last_year: number | null }>(
    `WITH e AS (${sources.map((s) => `SELECT x.geom, ${s.from} AS from_day, ${s.to} AS to_day FROM ${s.table} x WHERE ${s.where}`).join(' UNION ALL ')}),
     g AS (SELECT geom FROM e ${dataset === null ? 'UNION ALL SELECT geom FROM hazard' : ''})
     SELECT ST_XMin(x.b) AS west, ST_YMin(x.b) AS south, ST_XMax(x.b) AS east, ST_YMax(x.b) AS north,
       (SELECT extract(year FROM min(from_day))::int FROM e) AS first_year, (SELECT extract(year FROM max(to_day))::int FROM e) AS last_year
     FROM (SELECT ST_Extent(geom) AS b FROM g) x`,
    dataset === null ? [] : [dataset],
  );
  if (!row || row.west === null || row.first_year === null || row.last_year === null) return null;
  return { bbox: [row.west, row.south, row.east, row.north], firstYear: row.first_year, lastYear: row.last_year };
}

export interface EventInput {
  type: EventType;
  /** First and last day it may have happened (YYYY-MM-DD). */
  occurredOn: string;
  occurredTo: string;
  lon: number;
  lat: number;
}

export async function deleteEvents(tx: Queryable, dataset: string): Promise<number> {
  return (await tx.query('DELETE FROM risk_event WHERE dataset = $1 RETURNING id', [dataset])).length;
}

export async function insertEvents(tx: Queryable, dataset: string, events: readonly EventInput[]): Promise<number> {
  if (events.length === 0) return 0;
  const rows = await tx.query(
    `INSERT INTO risk_event (dataset, event_type, occurred_on, occurred_to, geom)
     SELECT $2, t.type, t.occurred_on, t.occurred_to, ST_SetSRID(ST_MakePoint(t.lon, t.lat), 4326)
     FROM jsonb_to_recordset($1::text::jsonb) AS t(type text, occurred_on date, occurred_to date, lon float8, lat float8) RETURNING id`,
    [JSON.stringify(events.map((e) => ({ type: e.type, occurred_on: e.occurredOn, occurred_to: e.occurredTo, lon: e.lon, lat: e.lat }))), dataset],
  );
  return rows.length;
}

// Rasters -----------------------------------------------------------------------------------------

export type RasterKind = 'elevation' | 'land_cover';

export interface RasterInput {
  kind: RasterKind;
  validFrom: string | null;
  file: string;
  width: number;
  height: number;
  bbox: Bbox;
  content: Uint8Array;
}

/** Stores a raster, replacing the one of the same kind and day. */
export async function putRaster(tx: Queryable, r: RasterInput): Promise<{ replaced: boolean }> {
  const gone = await tx.query(`DELETE FROM risk_raster WHERE kind = $1 AND valid_from IS NOT DISTINCT FROM $2::date RETURNING id`, [r.kind, r.validFrom]);
  await tx.query(
    `INSERT INTO risk_raster (kind, valid_from, file, width, height, west, south, east, north, content) VALUES ($1, $2::date, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [r.kind, r.validFrom, r.file, r.width, r.height, ...r.bbox, r.content],
  );
  return { replaced: gone.length > 0 };
}

export interface StoredRaster {
  id: number;
  kind: RasterKind;
  validFrom: string | null;
  file: string;
}

/** The raster of a kind that describes the ground at the end of `asOf`: the latest dated on or before it (an undated elevation always counts). */
export async function rasterFor(db: Queryable, kind: RasterKind, asOf: string): Promise<(StoredRaster & { content: Uint8Array }) | null> {
  const [row] = await db.query<{ id: number; kind: RasterKind; valid_from: string | null; file: string; content: Uint8Array }>(
    `SELECT id::int, kind, valid_from::text, file, content FROM risk_raster
     WHERE kind = $1 AND (valid_from IS NULL OR valid_from <= $2::date)
     ORDER BY valid_from DESC NULLS LAST LIMIT 1`,
    [kind, asOf],
  );
  return row ? { id: row.id, kind: row.kind, validFrom: row.valid_from, file: row.file, content: row.content } : null;
}

export async function listRasters(db: Queryable): Promise<Array<StoredRaster & { width: number; height: number; bbox: Bbox }>> {
  const rows = await db.query<{ id: number; kind: RasterKind; valid_from: string | null; file: string; width: number; height: number; west: number; south: number; east: number; north: number }>(
    'SELECT id::int, kind, valid_from::text, file, width, height, west, south, east, north FROM risk_raster ORDER BY kind, valid_from NULLS FIRST',
  );
  return rows.map((r) => ({ id: r.id, kind: r.kind, validFrom: r.valid_from, file: r.file, width: r.width, height: r.height, bbox: [r.west, r.south, r.east, r.north] }));
}
