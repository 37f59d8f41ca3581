/**
 * All SQL of the risk map: the features of every grid cell as known on a day, the cells where
 * events happened in a period, the extent of the data, and events imported from files.
 *
 * Events are finds and accidents from the register, or the events of one imported dataset
 * (`risk_event`). "Known on a day" means: finds and accidents dated on or before it, hazards as
 * the history had them at the end of it (`record_version`), minefield records handed over by
 * then. Roads and settlements have no dates and are taken as they are now (docs/risk-map.md).
 * Nearest features are found by the spatial index in degrees and measured on the ellipsoid; in
 * rare cases the index's nearest is not the geodesically nearest, by at most the difference
 * between a degree of longitude and of latitude at the cell.
 */
import type { Queryable } from '../store/db.ts';
import type { Bbox, Grid } from './grid.ts';
import type { WeightedPoint } from './points.ts';

/** Distances beyond this are recorded as this: "far", whatever the distance. */
export const FAR_M = 50_000;

/** What the database measures for each cell; the event features are counted in memory (points.ts). */
export interface CellSurroundings {
  cell: number;
  hazardDistanceM: number;
  recordDistanceM: number;
  roadDistanceM: number;
  settlementDistanceM: number;
}

interface EventSource {
  table: string;
  date: string;
  where: string;
}

/** Where events come from: the register's finds and accidents, or one dataset (parameter `param`). */
function eventSources(dataset: string | null, param: number): EventSource[] {
  if (dataset !== null) return [{ table: 'risk_event', date: 'occurred_on', where: `x.dataset = $${param}` }];
  return [
    { table: 'find', date: 'found_on', where: 'true' },
    { table: 'accident', date: 'occurred_on', where: 'x.geom IS NOT NULL' },
  ];
}

const CELLS = `cell AS (
    SELECT j * $5 + i AS cell, ST_SetSRID(ST_MakePoint($1 + (i + 0.5) * $3, $2 + (j + 0.5) * $4), 4326) AS c
    FROM generate_series(0, $6 - 1) AS j CROSS JOIN generate_series(0, $5 - 1) AS i
  )`;
const gridParams = (g: Grid) => [g.west, g.south, g.cellLon, g.cellLat, g.columns, g.rows];
/** End of the day, as an instant, for the history's timestamps. */
const END_OF = (p: string) => `((${p}::date + 1)::timestamp AT TIME ZONE 'UTC')`;
const nearest = (from: string, geom: string, where: string, alias: string) =>
  `LEFT JOIN LATERAL (SELECT ST_Distance(${geom}::geography, cell.c::geography) AS d FROM ${from} WHERE ${where} ORDER BY ${geom} <-> cell.c LIMIT 1) ${alias} ON true`;

/** Distances from every cell's centre to what was known at the end of `asOf` (YYYY-MM-DD), in cell order. */
export async function cellSurroundings(db: Queryable, grid: Grid, asOf: string): Promise<CellSurroundings[]> {
  const rows = await db.query<{ cell: number; hazard_m: number; record_m: number; road_m: number; settlement_m: number }>(
    `WITH ${CELLS}
     SELECT cell.cell, LEAST(COALESCE(hz.d, ${FAR_M}), ${FAR_M}) AS hazard_m, LEAST(COALESCE(rec.d, ${FAR_M}), ${FAR_M}) AS record_m,
       LEAST(COALESCE(road.d, ${FAR_M}), ${FAR_M}) AS road_m, LEAST(COALESCE(st.d, ${FAR_M}), ${FAR_M}) AS settlement_m
     FROM cell
     ${nearest('record_version rv', 'rv.geom', `rv.entity_type = 'hazard' AND NOT rv.deleted AND rv.geom IS NOT NULL AND rv.valid_from < ${END_OF('$7')} AND (rv.valid_to IS NULL OR rv.valid_to >= ${END_OF('$7')})`, 'hz')}
     ${nearest('minefield_record r', 'r.perimeter', 'r.perimeter IS NOT NULL AND COALESCE(r.handover_date, r.created_at::date) <= $7::date', 'rec')}
     ${nearest('reference_feature f', 'f.geom', "f.layer IN ('roads', 'corridors')", 'road')}
     ${nearest('settlement s', 's.geom', 'true', 'st')}
     ORDER BY cell.cell`,
    [...gridParams(grid), asOf],
  );
  return rows.map((r) => ({ cell: r.cell, hazardDistanceM: r.hazard_m, recordDistanceM: r.record_m, roadDistanceM: r.road_m, settlementDistanceM: r.settlement_m }));
}

/**
 * Events dated on or before `asOf` within `marginDeg` of the box, merged where they fall within
 * about 1 m of each other (5 decimal places of a degree) with their count.
 */
export async function eventPoints(db: Queryable, bbox: Bbox, marginDeg: number, asOf: string, dataset: string | null): Promise<WeightedPoint[]> {
  const sources = eventSources(dataset, 7);
  return db.query<WeightedPoint>(
    `SELECT round(ST_X(e.geom)::numeric, 5)::float8 AS lon, round(ST_Y(e.geom)::numeric, 5)::float8 AS lat, count(*)::int AS count
     FROM (${sources.map((s) => `SELECT x.geom FROM ${s.table} x WHERE x.${s.date} <= $5::date AND ${s.where}`).join(' UNION ALL ')}) e
     WHERE e.geom && ST_MakeEnvelope($1::float8 - $6::float8, $2::float8 - $6, $3::float8 + $6, $4::float8 + $6, 4326)
     GROUP BY 1, 2`,
    [...bbox, asOf, marginDeg, ...(dataset === null ? [] : [dataset])],
  );
}

/** Cells in which at least one event happened from `from` to `to` (inclusive, YYYY-MM-DD). */
export async function cellsWithEvents(db: Queryable, grid: Grid, from: string, to: string, dataset: string | null): Promise<Set<number>> {
  const sources = eventSources(dataset, 9);
  const rows = await db.query<{ cell: number }>(
    `SELECT DISTINCT floor((ST_Y(e.geom) - $2) / $4)::int * $5 + floor((ST_X(e.geom) - $1) / $3)::int AS cell
     FROM (${sources.map((s) => `SELECT x.geom FROM ${s.table} x WHERE x.${s.date} BETWEEN $7::date AND $8::date AND ${s.where}`).join(' UNION ALL ')}) e
     WHERE ST_X(e.geom) >= $1 AND ST_X(e.geom) < $1 + $5 * $3 AND ST_Y(e.geom) >= $2 AND ST_Y(e.geom) < $2 + $6 * $4`,
    [...gridParams(grid), from, to, ...(dataset === null ? [] : [dataset])],
  );
  return new Set(rows.map((r) => r.cell));
}

/** The box around the events (and, for the register, its hazards); null when there are none. */
export async function eventExtent(db: Queryable, dataset: string | null): Promise<{ bbox: Bbox; firstYear: number; lastYear: number } | null> {
  const sources = eventSources(dataset, 1);
  const [row] = await db.query<{ west: number | null; south: number; east: number; north: number; first_year: number | null; last_year: number | null }>(
    `WITH e AS (${sources.map((s) => `SELECT x.geom, x.${s.date} AS on_date FROM ${s.table} x WHERE ${s.where}`).join(' UNION ALL ')}),
     g AS (SELECT geom FROM e ${dataset === null ? 'UNION ALL SELECT geom FROM hazard' : ''})
     SELECT ST_XMin(x.b) AS west, ST_YMin(x.b) AS south, ST_XMax(x.b) AS east, ST_YMax(x.b) AS north,
       (SELECT extract(year FROM min(on_date))::int FROM e) AS first_year, (SELECT extract(year FROM max(on_date))::int FROM e) AS last_year
     FROM (SELECT ST_Extent(geom) AS b FROM g) x`,
    dataset === null ? [] : [dataset],
  );
  if (!row || row.west === null || row.first_year === null || row.last_year === null) return null;
  return { bbox: [row.west, row.south, row.east, row.north], firstYear: row.first_year, lastYear: row.last_year };
}

export interface EventInput {
  row: number;
  kind: 'find' | 'accident';
  occurredOn: string;
  /** GeoJSON point or WKT text. */
  geometry: unknown;
}

const EVENT_ROWS = `jsonb_to_recordset($1::text::jsonb) AS t("row" int, kind text, occurred_on date, geometry jsonb, wkt text)`;
const EVENT_GEOM = `ST_SetSRID(CASE WHEN t.wkt IS NOT NULL THEN ST_GeomFromText(t.wkt) ELSE ST_GeomFromGeoJSON(t.geometry::text) END, 4326)`;

function eventJson(events: readonly EventInput[]): string {
  return JSON.stringify(
    events.map((e) => ({
      row: e.row,
      kind: e.kind,
      occurred_on: e.occurredOn,
      geometry: typeof e.geometry === 'string' ? null : e.geometry,
      wkt: typeof e.geometry === 'string' ? e.geometry : null,
    })),
  );
}

/** Rows whose geometry is not a point, with the type they are. */
export async function nonPointEvents(tx: Queryable, events: readonly EventInput[]): Promise<Array<{ row: number; type: string }>> {
  return tx.query(`SELECT t."row" AS row, GeometryType(${EVENT_GEOM}) AS type FROM ${EVENT_ROWS} WHERE GeometryType(${EVENT_GEOM}) <> 'POINT' ORDER BY t."row"`, [eventJson(events)]);
}

export async function deleteEvents(tx: Queryable, dataset: string): Promise<number> {
  return (await tx.query('DELETE FROM risk_event WHERE dataset = $1 RETURNING id', [dataset])).length;
}

export async function insertEvents(tx: Queryable, dataset: string, events: readonly EventInput[]): Promise<number> {
  const rows = await tx.query(`INSERT INTO risk_event (dataset, kind, occurred_on, geom) SELECT $2, t.kind, t.occurred_on, ${EVENT_GEOM} FROM ${EVENT_ROWS} RETURNING id`, [
    eventJson(events),
    dataset,
  ]);
  return rows.length;
}
