/**
 * Minefield records in the database: the only module with SQL for them.
 *
 * A record is stored as its definition (the JSON document, docs/minefield-record-format.md) and,
 * in the same transaction, its reconstruction in queryable form: the perimeter and row lines on
 * `minefield_record`, every named point, the legs that place a point, the rows and every mine
 * position (listed or predicted). The definition is the truth; the rest is derived from it and
 * rewritten whenever it changes. Every change is a new version in `record_version` and a line in
 * `audit_log`; `version` guards against two people saving over each other.
 */
import type { Actor } from '../access/permissions.ts';
import { writeAudit } from '../access/store.ts';
import { UserError } from '../errors.ts';
import type { Db, Queryable } from '../store/db.ts';
import {
  aggregateAudits,
  auditBlockers,
  auditPointsOf,
  auditRecordWithFinds,
  isMine,
  problemText,
  type Accident,
  type AuditAggregate,
  type AuditPoints,
  type AuditResult,
  type Find,
  type FindUse,
  type LeftOutFind,
  type SkippedRecord,
} from './audit.ts';
import { AuditPool, auditWorkerCount, runAuditTask, type AuditOutcome, type AuditTask } from './auditPool.ts';
import { recordLabel, validateMinefieldRecord, type MinefieldRecord } from './format.ts';
import { reconstruct, type Problem, type Reconstruction } from './reconstruct.ts';

export const ENTITY_TYPE = 'minefield_record';

/** Largest systematic shift the audit searches for, and so how far around a record finds are loaded. */
export const DEFAULT_MAX_SHIFT_M = 200;

/**
 * "The land the record covers", for the audit: the convex hull of everything the record places
 * (perimeter, row lines, mine positions), widened by the largest shift the audit searches for
 * plus τ. A find farther out cannot be brought within τ of the record by any correction the audit
 * considers, so it cannot change A(τ), completeness or the fitted shift; it would only inflate
 * the outside share, which is therefore "outside the perimeter + τ, among the finds within this
 * distance". Distances are geodesic (geography), with a degree box around the hull first so the
 * spatial index of `find` does the searching.
 */
export function coverDistanceM(options: { tolerance: number; maxShift: number }): number {
  return options.maxShift + options.tolerance;
}

export const AUDIT_METHOD =
  'finds and accidents within the record\'s maximum shift + τ (geodesic) of the hull of its perimeter, rows and mines; positional accuracy A(τ) = found mines within τ of a row line or mine position; completeness = recorded or predicted mine positions paired one-to-one with a found mine within τ; records whose reconstruction has errors are left out and listed; shares pooled over records (sum of counts over sum of totals); A(τ) after correction applies only significant corrections';

export interface StoredRecord {
  id: string;
  version: number;
  record: MinefieldRecord;
  hazardIds: string[];
  createdAt: Date;
  updatedAt: Date;
}

export interface SaveOptions {
  /** Hazards the record backs (links replace the previous ones when given). */
  hazardIds?: readonly string[] | undefined;
  reason?: string | null | undefined;
  /**
   * Store the record even though its reconstruction has errors. It is then flagged: its history
   * says it was kept with them, listings count them, and audits leave it out. Without this, a
   * record with errors is refused with every error listed.
   */
  keepWithErrors?: boolean | undefined;
}

/**
 * The reconstruction, refused if it has errors unless the caller keeps them; and the reason for
 * the history, which says when a record was kept with errors.
 */
function checkedReconstruction(record: MinefieldRecord, options: SaveOptions): { reconstruction: Reconstruction; errors: Problem[]; reason: string | null } {
  const reconstruction = reconstruct(record);
  const errors = auditBlockers(reconstruction);
  if (errors.length > 0 && options.keepWithErrors !== true) {
    throw new UserError(
      `minefield record "${record.reference}" was not stored: its reconstruction has ${errors.length} error${errors.length === 1 ? '' : 's'}: ${errors.map((p) => problemText(reconstruction, p)).join('; ')}. Fix the record, or keep it with its errors (it is then stored flagged and left out of audits)`,
      'reconstruction_errors',
      { reference: record.reference, problems: errors },
    );
  }
  const flag = errors.length === 0 ? null : `kept with ${errors.length} reconstruction error${errors.length === 1 ? '' : 's'}`;
  const reason = [options.reason ?? null, flag].filter((r) => r !== null).join('; ') || null;
  return { reconstruction, errors, reason };
}

/**
 * Validates a posted record: a format problem becomes a 400 naming the record and every field.
 * Row names must be unique too, since predicted mines are named after their row.
 */
export function recordFromInput(input: unknown): MinefieldRecord {
  const result = validateMinefieldRecord(input);
  if (!result.ok) {
    const [head, ...lines] = result.message.split('\n');
    throw new UserError(`${head}: ${lines.map((l) => l.trim()).join('; ')}`, 'invalid_record', { reference: result.reference, issues: result.issues });
  }
  const seen = new Map<string, number>();
  for (const [i, row] of result.record.rows.entries()) {
    const first = seen.get(row.name);
    if (first !== undefined) {
      const message = `minefield record ${recordLabel(result.record)}: rows[${i}].name: row "${row.name}" is already the name of rows[${first}]; row names must be unique`;
      throw new UserError(message, 'invalid_record', { reference: result.record.reference, issues: [{ path: `rows[${i}].name`, message, value: row.name }] });
    }
    seen.set(row.name, i);
  }
  return result.record;
}

/** Stores a new record with its reconstruction; a reference already stored is a 409. */
export async function createRecord(db: Db, input: MinefieldRecord, actor: Actor | null, options: SaveOptions = {}): Promise<{ id: string; version: number; reconstruction: Reconstruction }> {
  return db.transaction(async (tx) => {
    const [taken] = await tx.query<{ id: string }>('SELECT id FROM minefield_record WHERE reference = $1', [input.reference]);
    if (taken) throw new UserError(`minefield record "${input.reference}" is already stored (id ${taken.id}); replace it with PUT /api/minefield-records/${taken.id}`, 'conflict', { id: taken.id });
    const [row] = await tx.query<{ id: string }>('SELECT gen_random_uuid() AS id');
    const id = row!.id;
    const record = { ...input, id };
    const { reconstruction, errors, reason } = checkedReconstruction(record, options);
    await tx.query(
      `INSERT INTO minefield_record (id, reference, angle_unit, north_reference, definition, source, created_by, updated_by)
       VALUES ($1, $2, $3, $4, $5::text::jsonb, $6, $7, $7)`,
      [id, record.reference, record.angleUnit, record.north.reference, JSON.stringify(record), record.provenance.source, actor?.userId ?? null],
    );
    await writeDerived(tx, id, record, reconstruction, options.hazardIds ?? []);
    await writeVersion(tx, id, 1, record, actor, reason);
    await writeAudit(tx, actor, 'minefield_record.create', { type: ENTITY_TYPE, id }, { reference: record.reference, version: 1, reconstructionErrors: errors.length });
    return { id, version: 1, reconstruction };
  });
}

/**
 * Replaces a record's definition. `version` is the one the caller read: if someone saved since,
 * the change is refused (409) rather than silently overwriting theirs.
 */
export async function replaceRecord(
  db: Db,
  id: string,
  version: number,
  input: MinefieldRecord,
  actor: Actor | null,
  options: SaveOptions = {},
): Promise<{ id: string; version: number; reconstruction: Reconstruction }> {
  if (input.id !== undefined && input.id !== id) {
    throw new UserError(`minefield record "${input.reference}": id ${input.id} in the record differs from ${id} in the path`, 'invalid_record');
  }
  return db.transaction(async (tx) => {
    const [current] = await tx.query<{ version: number; reference: string }>('SELECT version, reference FROM minefield_record WHERE id = $1 FOR UPDATE', [id]);
    if (!current) throw new UserError(`minefield record ${id} not found`, 'not_found');
    if (current.version !== version) {
      throw new UserError(
        `minefield record "${current.reference}" is at version ${current.version}, but the change was made to version ${version}; reload it and apply the change again`,
        'version_conflict',
        { id, currentVersion: current.version },
      );
    }
    const [taken] = await tx.query<{ id: string }>('SELECT id FROM minefield_record WHERE reference = $1 AND id <> $2', [input.reference, id]);
    if (taken) throw new UserError(`minefield record "${input.reference}": that reference is already used by record ${taken.id}`, 'conflict', { id: taken.id });
    const record = { ...input, id };
    const { reconstruction, errors, reason } = checkedReconstruction(record, options);
    const next = version + 1;
    await tx.query(
      `UPDATE minefield_record SET reference = $2, angle_unit = $3, north_reference = $4, definition = $5::text::jsonb, source = $6,
         version = $7, updated_at = now(), updated_by = $8 WHERE id = $1`,
      [id, record.reference, record.angleUnit, record.north.reference, JSON.stringify(record), record.provenance.source, next, actor?.userId ?? null],
    );
    for (const table of ['minefield_record_point', 'minefield_record_leg', 'minefield_record_row', 'minefield_record_mine']) {
      await tx.query(`DELETE FROM ${table} WHERE record_id = $1`, [id]);
    }
    if (options.hazardIds !== undefined) await tx.query('DELETE FROM minefield_record_hazard WHERE record_id = $1', [id]);
    await writeDerived(tx, id, record, reconstruction, options.hazardIds ?? []);
    await writeVersion(tx, id, next, record, actor, reason);
    await writeAudit(tx, actor, 'minefield_record.replace', { type: ENTITY_TYPE, id }, { reference: record.reference, version: next, reconstructionErrors: errors.length });
    return { id, version: next, reconstruction };
  });
}

type PointKind = 'reference_point' | 'landmark' | 'intermediate' | 'turning_point' | 'row_end';

/** The reconstruction in queryable form, and the summary columns, from one reconstruction. */
async function writeDerived(tx: Queryable, id: string, record: MinefieldRecord, r: Reconstruction, hazardIds: readonly string[]): Promise<void> {
  const p = record.provenance;
  const rowLines = r.rows.length === 0 ? null : JSON.stringify({ type: 'MultiLineString', coordinates: r.rows.map((row) => [[row.start.lon, row.start.lat], [row.end.lon, row.end.lat]]) });
  await tx.query(
    `UPDATE minefield_record SET handover_batch = $2, handover_date = $3, laying_date = $4, stated_mine_total = $5, declination_deg = $6, notes = $7,
       perimeter = ST_SetSRID(ST_GeomFromGeoJSON($8), 4326), row_lines = ST_SetSRID(ST_GeomFromGeoJSON($9), 4326)
     WHERE id = $1`,
    [
      id,
      p.handoverBatch ?? null,
      p.handoverDate ?? null,
      p.layingDate ?? null,
      p.statedMineTotal ?? null,
      r.magnetic?.declinationDeg ?? null,
      p.notes ?? null,
      r.perimeter === null ? null : JSON.stringify(r.perimeter),
      rowLines,
    ],
  );

  const located = new Map(r.points.map((point) => [point.name, point]));
  const perimeter = new Set(record.perimeter ?? []);
  const rowEnds = new Set(record.rows.flatMap((row) => [row.start, row.end]));
  const points = new Map<string, { name: string; kind: PointKind; surveyed: boolean }>();
  for (const rp of record.referencePoints) {
    if (!points.has(rp.name)) points.set(rp.name, { name: rp.name, kind: rp.coordinates ? 'reference_point' : 'landmark', surveyed: rp.coordinates !== undefined });
  }
  for (const leg of record.legs) {
    if (leg.check === true || points.has(leg.to)) continue;
    points.set(leg.to, { name: leg.to, kind: perimeter.has(leg.to) ? 'turning_point' : rowEnds.has(leg.to) ? 'row_end' : 'intermediate', surveyed: false });
  }
  await tx.query(
    `INSERT INTO minefield_record_point (record_id, name, kind, surveyed, geom)
     SELECT $1, t.name, t.kind, t.surveyed, CASE WHEN t.lon IS NULL THEN NULL ELSE ST_SetSRID(ST_MakePoint(t.lon, t.lat), 4326) END
     FROM jsonb_to_recordset($2::text::jsonb) AS t(name text, kind text, surveyed boolean, lon float8, lat float8)`,
    [id, JSON.stringify([...points.values()].map((pt) => ({ ...pt, lon: located.get(pt.name)?.lon ?? null, lat: located.get(pt.name)?.lat ?? null })))],
  );

  // Legs that can be walked (check legs and distances ≤ 0 stay in the definition only); seq is the index in `legs`.
  const legs = record.legs.flatMap((leg, seq) =>
    leg.check === true || !(leg.distance > 0)
      ? []
      : [{ seq, from_point: leg.from, to_point: leg.to, azimuth: leg.azimuth, angle_unit: leg.unit ?? record.angleUnit, north_reference: leg.north ?? record.north.reference, distance_m: leg.distance }],
  );
  await tx.query(
    `INSERT INTO minefield_record_leg (record_id, seq, from_point, to_point, azimuth, angle_unit, north_reference, distance_m)
     SELECT $1, t.seq, t.from_point, t.to_point, t.azimuth, t.angle_unit, t.north_reference, t.distance_m
     FROM jsonb_to_recordset($2::text::jsonb) AS t(seq int, from_point text, to_point text, azimuth float8, angle_unit text, north_reference text, distance_m float8)`,
    [id, JSON.stringify(legs)],
  );

  const placed = new Map(r.rows.map((row) => [row.index, row]));
  const rows = record.rows.map((row, i) => {
    const line = placed.get(i);
    return {
      name: row.name,
      start_point: row.start,
      end_point: row.end,
      mine_count: row.mineCount ?? null,
      mine_model: row.mineModel ?? null,
      spacing_m: row.spacing !== undefined && row.spacing > 0 ? row.spacing : null,
      pattern: row.pattern ?? null,
      line: line === undefined ? null : { type: 'LineString', coordinates: [[line.start.lon, line.start.lat], [line.end.lon, line.end.lat]] },
    };
  });
  await tx.query(
    `INSERT INTO minefield_record_row (record_id, name, start_point, end_point, mine_count, mine_model, spacing_m, pattern, geom)
     SELECT $1, t.name, t.start_point, t.end_point, t.mine_count, t.mine_model, t.spacing_m, t.pattern,
       CASE WHEN t.line IS NULL THEN NULL ELSE ST_SetSRID(ST_GeomFromGeoJSON(t.line::text), 4326) END
     FROM jsonb_to_recordset($2::text::jsonb) AS t(name text, start_point text, end_point text, mine_count int, mine_model text, spacing_m float8, pattern text, line jsonb)`,
    [id, JSON.stringify(rows)],
  );

  const mines = r.predictedMines.map((m, k) => ({ seq: k + 1, row_name: m.row ?? null, mine_model: m.model ?? null, predicted: m.source === 'row', lon: m.lon, lat: m.lat }));
  await tx.query(
    `INSERT INTO minefield_record_mine (record_id, seq, row_name, mine_model, predicted, geom)
     SELECT $1, t.seq, t.row_name, t.mine_model, t.predicted, ST_SetSRID(ST_MakePoint(t.lon, t.lat), 4326)
     FROM jsonb_to_recordset($2::text::jsonb) AS t(seq int, row_name text, mine_model text, predicted boolean, lon float8, lat float8)`,
    [id, JSON.stringify(mines)],
  );

  if (hazardIds.length > 0) {
    const found = await tx.query<{ id: string }>('SELECT id FROM hazard WHERE id IN (SELECT (jsonb_array_elements_text($1::text::jsonb))::uuid)', [JSON.stringify(hazardIds)]);
    const missing = hazardIds.filter((h) => !found.some((f) => f.id === h));
    if (missing.length > 0) throw new UserError(`minefield record "${record.reference}": hazards: no hazard ${missing.join(', ')}`, 'invalid_record', { path: 'hazards', missing });
    await tx.query(
      `INSERT INTO minefield_record_hazard (record_id, hazard_id) SELECT $1, h::uuid FROM jsonb_array_elements_text($2::text::jsonb) AS h ON CONFLICT DO NOTHING`,
      [id, JSON.stringify(hazardIds)],
    );
  }
}

/** Closes the open version and opens the new one; its geometry is the perimeter, else the row lines. */
async function writeVersion(tx: Queryable, id: string, version: number, record: MinefieldRecord, actor: Actor | null, reason: string | null): Promise<void> {
  await tx.query('UPDATE record_version SET valid_to = now() WHERE entity_type = $1 AND entity_id = $2 AND valid_to IS NULL', [ENTITY_TYPE, id]);
  await tx.query(
    `INSERT INTO record_version (entity_type, entity_id, version, valid_from, data, geom, changed_by, change_reason)
     SELECT $1, r.id, $3, now(), $4::text::jsonb, COALESCE(r.perimeter, r.row_lines), $5, $6 FROM minefield_record r WHERE r.id = $2`,
    [ENTITY_TYPE, id, version, JSON.stringify(record), actor?.userId ?? null, reason],
  );
}

interface RecordRow {
  id: string;
  version: number;
  definition: MinefieldRecord;
  hazard_ids: string[] | null;
  created_at: Date;
  updated_at: Date;
}

function storedRecord(row: RecordRow): StoredRecord {
  return { id: row.id, version: row.version, record: row.definition, hazardIds: row.hazard_ids ?? [], createdAt: row.created_at, updatedAt: row.updated_at };
}

const RECORD_SELECT = `SELECT r.id, r.version, r.definition, r.created_at, r.updated_at,
    (SELECT array_agg(h.hazard_id::text ORDER BY h.hazard_id) FROM minefield_record_hazard h WHERE h.record_id = r.id) AS hazard_ids
  FROM minefield_record r`;

export async function getRecord(db: Queryable, id: string): Promise<StoredRecord | undefined> {
  const [row] = await db.query<RecordRow>(`${RECORD_SELECT} WHERE r.id = $1`, [id]);
  return row ? storedRecord(row) : undefined;
}

/** A record by its id or, failing that, by its reference (for the command line). */
export async function findRecord(db: Queryable, idOrReference: string): Promise<StoredRecord | undefined> {
  const isId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(idOrReference);
  const [row] = await db.query<RecordRow>(`${RECORD_SELECT} WHERE ${isId ? 'r.id = $1::uuid' : 'r.reference = $1'}`, [idOrReference]);
  return row ? storedRecord(row) : undefined;
}

export interface RecordSummary {
  id: string;
  reference: string;
  handoverBatch: string | null;
  handoverDate: string | null;
  version: number;
  statedMineTotal: number | null;
  rowCount: number;
  minePositions: number;
  perimeterAreaM2: number | null;
  /** Errors of its reconstruction: a record stored with errors (kept with them) is flagged by this, and left out of audits. */
  reconstructionErrors: number;
  updatedAt: Date;
}

/**
 * What a listing derives from a record row besides its columns: the errors of the definition's
 * reconstruction and the perimeter's geodesic area. Kept by row version (the id and `xmin`, the
 * transaction that wrote that version of the row), so a listing works them out only for rows it
 * has not seen: reconstructing is geodesic work on every mine (about 0.6 ms a record, 30 ms a
 * page of 50), the area on the spheroid 1.3 ms a page, and a page asked for again and again
 * would redo both each time. Any write to the row, in the workflow or not, gives it a new `xmin`,
 * so an entry is never stale, and the count is that of the code now running. Bounded, the oldest
 * entry going first.
 */
interface Derived {
  reconstructionErrors: number;
  perimeterAreaM2: number | null;
}
const derived = new Map<string, Derived>();
const DERIVED_KEPT = 10_000;

/**
 * One page of records and how many there are. The page is picked first: counted in the same
 * query level, PostgreSQL would count the mines and rows of every record OFFSET skips as well.
 * Errors are counted on the reconstruction of each listed definition, like every read, so the
 * flag is always what the definition says; the statement gives each row's version, and only the
 * rows not seen before are read again for their definition and area (a second statement).
 */
export async function listRecords(db: Queryable, filter: { batch?: string | undefined; limit: number; offset: number }): Promise<{ total: number; records: RecordSummary[] }> {
  const rows = await db.query<Omit<RecordSummary, 'reconstructionErrors' | 'perimeterAreaM2'> & { total: number; rowVersion: string }>(
    `SELECT r.id, r.reference, r.handover_batch AS "handoverBatch", to_char(r.handover_date, 'YYYY-MM-DD') AS "handoverDate", r.version,
       r.stated_mine_total AS "statedMineTotal",
       (SELECT count(*) FROM minefield_record_row w WHERE w.record_id = r.id)::int AS "rowCount",
       (SELECT count(*) FROM minefield_record_mine m WHERE m.record_id = r.id)::int AS "minePositions",
       r.updated_at AS "updatedAt", r.id || '/' || r.xmin AS "rowVersion",
       (SELECT count(*) FROM minefield_record WHERE $1::text IS NULL OR handover_batch = $1)::int AS total
     FROM (
       SELECT *, xmin FROM minefield_record WHERE $1::text IS NULL OR handover_batch = $1 ORDER BY reference LIMIT $2 OFFSET $3
     ) r
     ORDER BY r.reference`,
    [filter.batch ?? null, filter.limit, filter.offset],
  );
  const unseen = rows.filter((r) => !derived.has(r.rowVersion)).map((r) => r.id);
  /** What this call derived, by record: a row written again between the two statements takes its newer version's. */
  const fresh = new Map<string, Derived>();
  if (unseen.length > 0) {
    const definitions = await db.query<{ id: string; rowVersion: string; definition: MinefieldRecord; area: number | null }>(
      `SELECT id, id || '/' || xmin AS "rowVersion", definition, ST_Area(perimeter::geography) AS area FROM minefield_record WHERE id = ANY($1::uuid[])`,
      [unseen],
    );
    for (const { id, rowVersion, definition, area } of definitions) {
      if (derived.size >= DERIVED_KEPT) derived.delete(derived.keys().next().value!);
      const values = { reconstructionErrors: auditBlockers(reconstruct(definition)).length, perimeterAreaM2: area };
      derived.set(rowVersion, values);
      fresh.set(id, values);
    }
  }
  const total = rows[0]?.total ?? (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM minefield_record WHERE $1::text IS NULL OR handover_batch = $1', [filter.batch ?? null]))[0]?.n ?? 0;
  const records = rows.map((r) => {
    const known = derived.get(r.rowVersion) ?? fresh.get(r.id);
    return {
      id: r.id,
      reference: r.reference,
      handoverBatch: r.handoverBatch,
      handoverDate: r.handoverDate,
      version: r.version,
      statedMineTotal: r.statedMineTotal,
      rowCount: r.rowCount,
      minePositions: r.minePositions,
      perimeterAreaM2: known?.perimeterAreaM2 ?? null,
      updatedAt: r.updatedAt,
      reconstructionErrors: known?.reconstructionErrors ?? 0,
    };
  });
  return { total, records };
}

export interface AuditInputs {
  finds: Find[];
  accidents: Accident[];
}

/**
 * The land each record covers (see `coverDistanceM`), as a CTE `search` of (id, box, geog,
 * scaled, k, within_surely, beyond_surely) for the records in $1 (a JSON array of ids), $2 being the distance.
 *
 * Deciding "within $2 metres, geodesically" for every find is most of a load's time when it is
 * done on geography, so it is done in three steps: the degree box around the hull (the spatial
 * index); then a planar distance in degrees with longitude scaled by the ratio of a degree of
 * longitude to a degree of latitude at the hull's mid-latitude, which is the geodesic distance
 * to within a relative error ε; only the finds whose planar distance lies within ε of $2 (a
 * band about a metre wide) are decided on geography. ε is 0.2% (the ellipsoid's radii, the
 * chords of the hull's great-circle edges and the plane's curvature over a few kilometres, all
 * far smaller) plus how much cos(latitude) changes across the box, so the result is exactly the
 * geography test's.
 */
const SEARCH_CTE = `cover AS MATERIALIZED (
      SELECT r.id, (SELECT ST_ConvexHull(ST_Collect(g)) FROM (
          SELECT r.perimeter AS g UNION ALL SELECT r.row_lines
          UNION ALL SELECT m.geom FROM minefield_record_mine m WHERE m.record_id = r.id) parts) AS geom
      FROM minefield_record r WHERE r.id IN (SELECT (jsonb_array_elements_text($1::text::jsonb))::uuid)
    ), boxed AS (
      SELECT id, geom, radians((ST_YMin(geom) + ST_YMax(geom)) / 2) AS lat0,
        ST_Expand(geom, $2 / (110000 * cos(radians(least(89, greatest(abs(ST_YMin(geom)), abs(ST_YMax(geom))))))), $2 / 110000.0) AS box
      FROM cover WHERE geom IS NOT NULL
    ), scaled AS (
      SELECT id, geom, box, lat0,
        -- metres per degree of latitude and longitude at lat0 on WGS84
        pi() / 180 * 6378137 * (1 - 0.00669437999014) / power(1 - 0.00669437999014 * sin(lat0) ^ 2, 1.5) AS m_lat,
        pi() / 180 * 6378137 * cos(lat0) / sqrt(1 - 0.00669437999014 * sin(lat0) ^ 2) AS m_lon,
        0.002 + greatest(abs(cos(radians(least(89.9, ST_YMin(box)))) / cos(lat0) - 1), abs(cos(radians(least(89.9, ST_YMax(box)))) / cos(lat0) - 1)) AS eps
      FROM boxed
    ), search AS MATERIALIZED (
      SELECT id, box, geom::geography AS geog, m_lon / m_lat AS k, ST_Scale(geom, m_lon / m_lat, 1) AS scaled,
        $2 * (1 - eps) / m_lat AS within_surely, $2 * (1 + eps) / m_lat AS beyond_surely
      FROM scaled
    )`;

/** Whether `geom` (a point column) lies in the land of the `search` row `s`; see `SEARCH_CTE`. */
function inCover(geom: string): string {
  return `${geom} && s.box AND (ST_DWithin(ST_Scale(${geom}, s.k, 1), s.scaled, s.within_surely)
    OR (ST_DWithin(ST_Scale(${geom}, s.k, 1), s.scaled, s.beyond_surely) AND ST_DWithin(${geom}::geography, s.geog, $2)))`;
}

/**
 * Finds and accidents in the land each record covers (see `coverDistanceM`), for many records in
 * two set-based queries, with their ids and models (for the report). A find of several items at
 * one point counts as that many found mines.
 */
export async function loadAuditInputs(db: Queryable, recordIds: readonly string[], distanceM: number): Promise<Map<string, AuditInputs>> {
  const inputs = new Map<string, AuditInputs>(recordIds.map((id) => [id, { finds: [], accidents: [] }]));
  if (recordIds.length === 0) return inputs;
  const ids = JSON.stringify(recordIds);
  const finds = await db.query<{ record_id: string; id: string; category: string; model: string | null; quantity: number; lat: number; lon: number }>(
    `WITH ${SEARCH_CTE}
     SELECT s.id AS record_id, f.id, f.category, o.name AS model, f.quantity, ST_Y(f.geom) AS lat, ST_X(f.geom) AS lon
     FROM search s JOIN find f ON ${inCover('f.geom')}
     LEFT JOIN ordnance_model o ON o.id = f.ordnance_model_id
     ORDER BY s.id, f.id`,
    [ids, distanceM],
  );
  for (const f of finds) {
    const list = inputs.get(f.record_id)?.finds;
    for (let k = 0; k < f.quantity; k++) {
      list?.push({ id: f.quantity === 1 ? f.id : `${f.id}#${k + 1}`, lat: f.lat, lon: f.lon, category: f.category, ...(f.model !== null && { model: f.model }) });
    }
  }
  const accidents = await db.query<{ record_id: string; id: string; lat: number; lon: number }>(
    `WITH ${SEARCH_CTE}
     SELECT s.id AS record_id, a.reference AS id, ST_Y(a.geom) AS lat, ST_X(a.geom) AS lon
     FROM search s JOIN accident a ON ${inCover('a.geom')}
     ORDER BY s.id, a.reference`,
    [ids, distanceM],
  );
  for (const a of accidents) inputs.get(a.record_id)?.accidents.push({ id: a.id, lat: a.lat, lon: a.lon });
  return inputs;
}

/**
 * The same finds and accidents as `loadAuditInputs`, in the same order, as coordinate columns:
 * one query and one row per record, for batch audits, where a million rows and objects would
 * cost more than the audit of them. Each record's finds come as one bytea sorted once: per find
 * its point as WKB (21 bytes, little-endian x and y at offsets 5 and 13), its quantity (int4,
 * big-endian) and its category (int4 length, then UTF-8).
 *
 * JIT compilation is turned off for the query when `db` can open a transaction of its own (within a
 * caller's transaction the server's setting stands): its many PostGIS calls make the planner's
 * cost estimate high enough for the JIT to inline and optimise, which took 3 s of 5 for 250
 * records and sped up nothing.
 */
export async function loadAuditPoints(db: Queryable, recordIds: readonly string[], distanceM: number): Promise<Map<string, AuditPoints>> {
  const points = new Map<string, AuditPoints>(recordIds.map((id) => [id, auditPointsOf([], [])]));
  if (recordIds.length === 0) return points;
  const query = (q: Queryable) =>
    q.query<{ record_id: string; finds: Uint8Array | null; accident_lat: number[] | null; accident_lon: number[] | null }>(
      `WITH ${SEARCH_CTE}
       SELECT s.id AS record_id, f.finds, a.lat AS accident_lat, a.lon AS accident_lon
       FROM search s
       CROSS JOIN LATERAL (
         SELECT string_agg(ST_AsBinary(f.geom, 'NDR') || int4send(f.quantity) || int4send(octet_length(f.category)) || convert_to(f.category, 'UTF8'), ''::bytea ORDER BY f.id) AS finds
         FROM find f WHERE ${inCover('f.geom')}) f
       CROSS JOIN LATERAL (
         SELECT array_agg(ST_Y(a.geom) ORDER BY a.reference) AS lat, array_agg(ST_X(a.geom) ORDER BY a.reference) AS lon
         FROM accident a WHERE ${inCover('a.geom')}) a`,
      [JSON.stringify(recordIds), distanceM],
    );
  const rows =
    'transaction' in db
      ? await (db as Db).transaction(async (tx) => {
          await tx.query('SET LOCAL jit = off');
          return query(tx);
        })
      : await query(db);
  const decoder = new TextDecoder();
  for (const row of rows) {
    const lat: number[] = [];
    const lon: number[] = [];
    const mine: number[] = [];
    if (row.finds !== null) {
      const view = new DataView(row.finds.buffer, row.finds.byteOffset, row.finds.byteLength);
      for (let at = 0; at < view.byteLength; ) {
        const x = view.getFloat64(at + 5, true);
        const y = view.getFloat64(at + 13, true);
        const quantity = view.getInt32(at + 21);
        const length = view.getInt32(at + 25);
        const category = decoder.decode(row.finds.subarray(at + 29, at + 29 + length));
        at += 29 + length;
        const isMineFind = isMine({ category }) ? 1 : 0;
        for (let k = 0; k < quantity; k++) {
          lat.push(y);
          lon.push(x);
          mine.push(isMineFind);
        }
      }
    }
    points.set(row.record_id, {
      findLat: Float64Array.from(lat),
      findLon: Float64Array.from(lon),
      findIsMine: Uint8Array.from(mine),
      accidentLat: Float64Array.from(row.accident_lat ?? []),
      accidentLon: Float64Array.from(row.accident_lon ?? []),
    });
  }
  return points;
}

/**
 * Finds the search radius `distanceM` leaves out, up to twice that distance, nearest first. The
 * radius test is geography's `ST_DWithin`, the one `loadAuditInputs` gives the same answers as,
 * so a find is either used or listed here, never both.
 */
export async function loadLeftOutFinds(db: Queryable, recordId: string, distanceM: number): Promise<LeftOutFind[]> {
  const rows = await db.query<{ id: string; category: string; model: string | null; quantity: number; lat: number; lon: number; distance_m: number }>(
    `WITH ${SEARCH_CTE}
     SELECT f.id, f.category, o.name AS model, f.quantity, ST_Y(f.geom) AS lat, ST_X(f.geom) AS lon, ST_Distance(f.geom::geography, s.geog) AS distance_m
     FROM search s JOIN find f ON ${inCover('f.geom')} AND NOT ST_DWithin(f.geom::geography, s.geog, $3)
     LEFT JOIN ordnance_model o ON o.id = f.ordnance_model_id
     ORDER BY distance_m, f.id`,
    [JSON.stringify([recordId]), 2 * distanceM, distanceM],
  );
  return rows.map((f) => ({ id: f.id, lat: f.lat, lon: f.lon, category: f.category, ...(f.model !== null && { model: f.model }), quantity: f.quantity, distanceM: f.distance_m }));
}

export interface RecordAudit extends AuditInputs {
  stored: StoredRecord;
  reconstruction: Reconstruction;
  audit: AuditResult;
  /** How each find was used, in the order of `finds`. */
  findUse: FindUse[];
  /** Distances to the record are measured up to this, metres. */
  reachM: number;
  /** The search radius: finds and accidents within it of the record's hull are used. */
  searchRadiusM: number;
  leftOut: LeftOutFind[];
  /** Errors of the reconstruction: a record kept with errors is audited on its own for diagnosis, never pooled. */
  errors: Problem[];
}

/** One stored record audited against the finds and accidents in the land it covers. */
export async function auditStoredRecord(db: Queryable, id: string, options: { tolerance: number; maxShift?: number }): Promise<RecordAudit | undefined> {
  const stored = await getRecord(db, id);
  if (!stored) return undefined;
  const reconstruction = reconstruct(stored.record);
  if (reconstruction.origin === null) {
    throw new UserError(`minefield record "${stored.record.reference}" cannot be audited: no reference point has usable coordinates, so nothing is placed`, 'not_auditable');
  }
  const maxShift = options.maxShift ?? DEFAULT_MAX_SHIFT_M;
  const searchRadiusM = coverDistanceM({ tolerance: options.tolerance, maxShift });
  const inputs = (await loadAuditInputs(db, [id], searchRadiusM)).get(id) ?? { finds: [], accidents: [] };
  const leftOut = await loadLeftOutFinds(db, id, searchRadiusM);
  const { audit, findUse, reachM } = auditRecordWithFinds(reconstruction, inputs.finds, inputs.accidents, { tolerance: options.tolerance, maxShift });
  return { stored, reconstruction, audit, findUse, reachM, searchRadiusM, leftOut, errors: auditBlockers(reconstruction), ...inputs };
}

export interface BatchAudit {
  toleranceM: number;
  maxShiftM: number;
  method: string;
  records: Array<{ id: string; audit: AuditResult }>;
  /** Records left out because their reconstruction has errors (the reason lists them). */
  skipped: Array<SkippedRecord & { id: string; errors: Problem[] }>;
  /** Pooled figures per handover batch, each naming the records it leaves out. */
  batches: AuditAggregate[];
}

/** Records per find query: bounds the finds held in memory at once (two chunks'), and the first load, which nothing overlaps. */
const AUDIT_CHUNK = 100;

/**
 * Audits every record of a handover batch (or every record) in a few set-based queries: one for
 * the records, then one per chunk of records for their finds and accidents. Records are audited
 * on worker threads (`workers`, by default as many as `auditWorkerCount` says) while the next
 * chunk loads; the figures are the same with or without them.
 */
export async function auditBatch(
  db: Queryable,
  options: { batch?: string | undefined; tolerance: number; maxShift?: number; workers?: number; onProgress?: (done: number, total: number) => void },
): Promise<BatchAudit> {
  const maxShift = options.maxShift ?? DEFAULT_MAX_SHIFT_M;
  const rows = await db.query<RecordRow>(`${RECORD_SELECT} WHERE $1::text IS NULL OR r.handover_batch = $1 ORDER BY r.reference`, [options.batch ?? null]);
  const chunks: StoredRecord[][] = [];
  for (let start = 0; start < rows.length; start += AUDIT_CHUNK) chunks.push(rows.slice(start, start + AUDIT_CHUNK).map(storedRecord));
  const load = (chunk: StoredRecord[]) => loadAuditPoints(db, chunk.map((s) => s.id), coverDistanceM({ tolerance: options.tolerance, maxShift }));
  const workers = options.workers ?? auditWorkerCount(rows.length);
  const pool = workers > 0 ? new AuditPool(workers) : null;
  let done = 0;
  const audit = async (task: AuditTask): Promise<AuditOutcome> => {
    const outcome = pool === null ? runAuditTask(task) : await pool.run(task);
    options.onProgress?.(++done, rows.length);
    return outcome;
  };
  const outcomes: AuditOutcome[][] = [];
  try {
    let loading = chunks.length > 0 ? load(chunks[0]!) : null;
    let previous: Promise<AuditOutcome[]> | null = null;
    for (const [c, chunk] of chunks.entries()) {
      const points = await loading!;
      // The next chunk loads while this one is audited (a rejection is awaited in its turn).
      loading = c + 1 < chunks.length ? load(chunks[c + 1]!) : null;
      loading?.catch(() => undefined);
      if (previous !== null) outcomes.push(await previous);
      const tasks = chunk.map((stored) => audit({ record: stored.record, points: points.get(stored.id) ?? auditPointsOf([], []), options: { tolerance: options.tolerance, maxShift } }));
      previous = Promise.all(tasks);
      previous.catch(() => undefined);
    }
    if (previous !== null) outcomes.push(await previous);
  } finally {
    await pool?.close();
  }
  const records: BatchAudit['records'] = [];
  const skipped: BatchAudit['skipped'] = [];
  const flat = outcomes.flat();
  chunks.flat().forEach((stored, i) => {
    const outcome = flat[i]!;
    if ('audit' in outcome) records.push({ id: stored.id, audit: outcome.audit });
    else skipped.push({ id: stored.id, reference: stored.record.reference, handoverBatch: stored.record.provenance.handoverBatch, ...outcome.skipped });
  });
  return {
    toleranceM: options.tolerance,
    maxShiftM: maxShift,
    method: AUDIT_METHOD,
    records,
    skipped,
    batches: aggregateAudits(
      records.map((r) => r.audit),
      'handoverBatch',
      skipped,
    ),
  };
}
