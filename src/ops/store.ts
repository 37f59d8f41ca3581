import { UserError } from '../errors.ts';
import type { EntityState } from '../reports/handlers.ts';
import type { Queryable } from '../store/db.ts';
import { isoTimestamp, JsonText } from '../store/json.ts';

/** SQL for a point or shape given as GeoJSON text in parameter $n (NULL stays NULL). */
export const GEOM = (n: number) => `CASE WHEN $${n}::text IS NULL THEN NULL ELSE ST_SetSRID(ST_GeomFromGeoJSON($${n}::text), 4326) END`;

/**
 * Reads of field operations records: finds, activities and their daily progress, risk education
 * sessions, QA visits and the ordnance catalogue. Every list is paged by a keyset cursor (the
 * sort key and id of the last row), so page 10,000 of ten million finds costs what page 1 does,
 * and rows added meanwhile never shift a page.
 */

export type Bbox = readonly [minLon: number, minLat: number, maxLon: number, maxLat: number];

export interface ListOptions {
  limit: number;
  cursor?: string | undefined;
  bbox?: Bbox | undefined;
  /** Inclusive dates, YYYY-MM-DD. */
  from?: string | undefined;
  to?: string | undefined;
  organisationId?: string | undefined;
}

export interface Page<T> {
  items: T[];
  /** Pass as `cursor` for the next page; null on the last page. */
  next: string | null;
}

type Cursor = [key: string, id: string];

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(text: string): Cursor {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'string')) return value as Cursor;
  } catch {
    // reported below
  }
  throw new UserError(`query.cursor: ${JSON.stringify(text)} is not a cursor this API gave`, 'bad_input');
}

/** Conditions and their parameters, numbered as they are added. */
export class Where {
  readonly params: unknown[] = [];
  private readonly parts: string[] = [];

  param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  add(condition: string): void {
    this.parts.push(condition);
  }

  sql(): string {
    return this.parts.length > 0 ? `WHERE ${this.parts.join(' AND ')}` : '';
  }
}

/**
 * Adds the page condition and returns ORDER BY and LIMIT; rows come newest (or last) first when
 * descending.
 */
export function keyset(where: Where, key: string, keyType: 'date' | 'text', id: string, options: { limit: number; cursor?: string | undefined }, descending: boolean): string {
  if (options.cursor) {
    const [k, i] = decodeCursor(options.cursor);
    where.add(`(${key}, ${id}) ${descending ? '<' : '>'} (${where.param(k)}::${keyType}, ${where.param(i)}::uuid)`);
  }
  const direction = descending ? 'DESC' : 'ASC';
  return `ORDER BY ${key} ${direction}, ${id} ${direction} LIMIT ${where.param(options.limit + 1)}`;
}

/** Rows carry their sort key as `_key`; it becomes the cursor and is not part of the answer. */
export function page<T extends { id: string; _key: string }>(rows: T[], limit: number): Page<Omit<T, '_key'>> {
  const more = rows.length > limit;
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    items: items.map(({ _key, ...item }) => item),
    next: more && last ? encodeCursor([last._key, last.id]) : null,
  };
}

/** What a list and a read of one record select: the columns as the API names them, FROM with the main table as `alias`. */
interface Selection {
  columns: string;
  from: string;
  alias: string;
}

/**
 * One page of a selection in the order of `sort` (a date or text column), the id breaking ties, as
 * the JSON text of a Page: each row's JSON is built by PostgreSQL (its columns, named as the API
 * names them, in their order), and only the cursor is made here.
 */
async function selectPage(db: Queryable, selection: Selection, where: Where, sort: { key: string; type: 'date' | 'text'; descending: boolean }, options: { limit: number; cursor?: string | undefined }): Promise<JsonText> {
  const order = keyset(where, sort.key, sort.type, `${selection.alias}.id`, options, sort.descending);
  const rows = await db.query<{ item: string; id: string; _key: string }>(
    `SELECT (SELECT row_to_json(item)::text FROM (SELECT ${selection.columns}) item) AS item, ${selection.alias}.id, ${sort.key}::text AS _key
     FROM ${selection.from} ${where.sql()} ${order}`,
    where.params,
  );
  return pageJson(rows, options.limit);
}

/** Rows carrying their JSON text as `item` and their sort key as `_key`, as the JSON text of a Page. */
export function pageJson(rows: readonly { item: string; id: string; _key: string }[], limit: number): JsonText {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  const next = rows.length > limit && last ? encodeCursor([last._key, last.id]) : null;
  return new JsonText(`{"items":[${items.map((r) => r.item).join(',')}],"next":${JSON.stringify(next)}}`);
}

/** One record of a selection by its id; undefined when there is none. */
async function selectOne(db: Queryable, selection: Selection, id: string) {
  const [row] = await db.query(`SELECT ${selection.columns} FROM ${selection.from} WHERE ${selection.alias}.id = $1`, [id]);
  return row;
}

export function bboxCondition(where: Where, geom: string, bbox: Bbox | undefined): void {
  if (!bbox) return;
  where.add(`${geom} && ST_MakeEnvelope(${bbox.map((v) => where.param(v)).join(', ')}, 4326)`);
}

export function dateConditions(where: Where, column: string, options: ListOptions): void {
  if (options.from) where.add(`${column} >= ${where.param(options.from)}::date`);
  if (options.to) where.add(`${column} <= ${where.param(options.to)}::date`);
}

// Finds -----------------------------------------------------------------------------------------

export interface FindFilter extends ListOptions {
  activityId?: string | undefined;
  category?: string | undefined;
  ordnanceModelId?: string | undefined;
}

const FINDS: Selection = {
  columns: `f.id, f.external_id AS "externalId", f.category, f.ordnance_model_id AS "ordnanceModelId", m.name AS "ordnanceModel",
  f.quantity, f.depth_cm AS "depthCm", f.condition, f.disposal_method AS "disposalMethod", date_as_known(f.found_on, f.found_on_precision) AS "foundOn",
  f.activity_id AS "activityId", a.reference AS activity, coalesce(f.organisation_id, a.organisation_id) AS "organisationId",
  ST_AsGeoJSON(f.geom, 15)::json AS geometry, f.source, f.version, ${isoTimestamp('f.created_at')} AS "createdAt", ${isoTimestamp('f.updated_at')} AS "updatedAt"`,
  from: 'find f LEFT JOIN ordnance_model m ON m.id = f.ordnance_model_id LEFT JOIN activity a ON a.id = f.activity_id',
  alias: 'f',
};

export async function listFinds(db: Queryable, filter: FindFilter) {
  const where = new Where();
  bboxCondition(where, 'f.geom', filter.bbox);
  dateConditions(where, 'f.found_on', filter);
  if (filter.organisationId) where.add(`coalesce(f.organisation_id, a.organisation_id) = ${where.param(filter.organisationId)}::uuid`);
  if (filter.activityId) where.add(`f.activity_id = ${where.param(filter.activityId)}::uuid`);
  if (filter.category) where.add(`f.category = ${where.param(filter.category)}`);
  if (filter.ordnanceModelId) where.add(`f.ordnance_model_id = ${where.param(filter.ordnanceModelId)}::uuid`);
  return selectPage(db, FINDS, where, { key: 'f.found_on', type: 'date', descending: true }, filter);
}

export async function getFind(db: Queryable, id: string) {
  return selectOne(db, FINDS, id);
}

// Activities ------------------------------------------------------------------------------------

export interface ActivityFilter extends ListOptions {
  kind?: string | undefined;
  status?: string | undefined;
}

const ACTIVITIES: Selection = {
  columns: `a.id, a.reference, a.kind, a.organisation_id AS "organisationId", o.name AS organisation, a.team,
  a.start_date::text AS "startDate", a.end_date::text AS "endDate", a.status, ST_AsGeoJSON(a.geom, 15)::json AS geometry,
  (SELECT coalesce(array_agg(ah.hazard_id ORDER BY ah.hazard_id), '{}') FROM activity_hazard ah WHERE ah.activity_id = a.id) AS "hazardIds",
  a.source, a.version, ${isoTimestamp('a.created_at')} AS "createdAt", ${isoTimestamp('a.updated_at')} AS "updatedAt"`,
  from: 'activity a JOIN organisation o ON o.id = a.organisation_id',
  alias: 'a',
};

/** Activities in reference order; a date range keeps those whose work overlaps it. */
export async function listActivities(db: Queryable, filter: ActivityFilter) {
  const where = new Where();
  bboxCondition(where, 'a.geom', filter.bbox);
  if (filter.from) where.add(`(a.end_date IS NULL OR a.end_date >= ${where.param(filter.from)}::date)`);
  if (filter.to) where.add(`(a.start_date IS NULL OR a.start_date <= ${where.param(filter.to)}::date)`);
  if (filter.organisationId) where.add(`a.organisation_id = ${where.param(filter.organisationId)}::uuid`);
  if (filter.kind) where.add(`a.kind = ${where.param(filter.kind)}`);
  if (filter.status) where.add(`a.status = ${where.param(filter.status)}`);
  return selectPage(db, ACTIVITIES, where, { key: 'a.reference', type: 'text', descending: false }, filter);
}

export async function getActivity(db: Queryable, id: string) {
  return selectOne(db, ACTIVITIES, id);
}

// Daily progress of activities ------------------------------------------------------------------

export interface ProgressFilter extends ListOptions {
  activityId?: string | undefined;
}

const PROGRESS_REPORTS: Selection = {
  columns: `p.id, p.activity_id AS "activityId", a.reference AS activity, a.organisation_id AS "organisationId", o.name AS organisation,
  p.report_date::text AS "reportDate", p.area_processed_m2 AS "areaProcessedM2", p.notes, p.source, ST_AsGeoJSON(p.geom, 15)::json AS geometry,
  p.version, ${isoTimestamp('p.created_at')} AS "createdAt", ${isoTimestamp('p.updated_at')} AS "updatedAt"`,
  from: 'progress_report p JOIN activity a ON a.id = p.activity_id JOIN organisation o ON o.id = a.organisation_id',
  alias: 'p',
};

/** Days of work, newest first; the organisation is the activity's operator. */
export async function listProgressReports(db: Queryable, filter: ProgressFilter) {
  const where = new Where();
  bboxCondition(where, 'p.geom', filter.bbox);
  dateConditions(where, 'p.report_date', filter);
  if (filter.organisationId) where.add(`a.organisation_id = ${where.param(filter.organisationId)}::uuid`);
  if (filter.activityId) where.add(`p.activity_id = ${where.param(filter.activityId)}::uuid`);
  return selectPage(db, PROGRESS_REPORTS, where, { key: 'p.report_date', type: 'date', descending: true }, filter);
}

export async function getProgressReport(db: Queryable, id: string) {
  return selectOne(db, PROGRESS_REPORTS, id);
}

// Risk education ----------------------------------------------------------------------------------

export interface RiskEducationFilter extends ListOptions {
  method?: string | undefined;
}

const RISK_EDUCATION: Selection = {
  columns: `s.id, s.held_on::text AS "heldOn", ST_AsGeoJSON(s.geom, 15)::json AS geometry, s.settlement_id AS "settlementId",
  s.organisation_id AS "organisationId", o.name AS organisation, s.method, s.girls, s.boys, s.women, s.men,
  s.girls + s.boys + s.women + s.men AS beneficiaries, s.source, s.version, ${isoTimestamp('s.created_at')} AS "createdAt", ${isoTimestamp('s.updated_at')} AS "updatedAt"`,
  from: 'risk_education_session s JOIN organisation o ON o.id = s.organisation_id',
  alias: 's',
};

export async function listRiskEducation(db: Queryable, filter: RiskEducationFilter) {
  const where = new Where();
  bboxCondition(where, 's.geom', filter.bbox);
  dateConditions(where, 's.held_on', filter);
  if (filter.organisationId) where.add(`s.organisation_id = ${where.param(filter.organisationId)}::uuid`);
  if (filter.method) where.add(`s.method = ${where.param(filter.method)}`);
  return selectPage(db, RISK_EDUCATION, where, { key: 's.held_on', type: 'date', descending: true }, filter);
}

export async function getRiskEducation(db: Queryable, id: string) {
  return selectOne(db, RISK_EDUCATION, id);
}

// QA visits ------------------------------------------------------------------------------------------

export interface QaVisitFilter extends ListOptions {
  activityId?: string | undefined;
  outcome?: string | undefined;
}

const QA_VISITS: Selection = {
  columns: `q.id, q.activity_id AS "activityId", a.reference AS activity, q.visited_on::text AS "visitedOn", q.inspector,
  q.organisation_id AS "organisationId", q.outcome, q.notes, q.source, q.version, ${isoTimestamp('q.created_at')} AS "createdAt", ${isoTimestamp('q.updated_at')} AS "updatedAt",
  (SELECT coalesce(json_agg(json_build_object('id', n.id, 'description', n.description, 'severity', n.severity,
      'correctiveAction', n.corrective_action, 'closedOn', n.closed_on::text) ORDER BY n.id), '[]'::json)
   FROM qa_nonconformity n WHERE n.qa_visit_id = q.id) AS nonconformities`,
  from: 'qa_visit q JOIN activity a ON a.id = q.activity_id',
  alias: 'q',
};

/** The organisation filter matches the inspected activity's operator or the inspecting organisation. */
export async function listQaVisits(db: Queryable, filter: QaVisitFilter) {
  const where = new Where();
  bboxCondition(where, 'a.geom', filter.bbox);
  dateConditions(where, 'q.visited_on', filter);
  if (filter.organisationId) {
    const organisation = where.param(filter.organisationId);
    where.add(`(a.organisation_id = ${organisation}::uuid OR q.organisation_id = ${organisation}::uuid)`);
  }
  if (filter.activityId) where.add(`q.activity_id = ${where.param(filter.activityId)}::uuid`);
  if (filter.outcome) where.add(`q.outcome = ${where.param(filter.outcome)}`);
  return selectPage(db, QA_VISITS, where, { key: 'q.visited_on', type: 'date', descending: true }, filter);
}

export async function getQaVisit(db: Queryable, id: string) {
  return selectOne(db, QA_VISITS, id);
}

// Ordnance catalogue -----------------------------------------------------------------------------------

export interface OrdnanceModelFilter {
  limit: number;
  cursor?: string | undefined;
  category?: string | undefined;
  /** Part of the name, any case. */
  q?: string | undefined;
}

const ORDNANCE_MODELS: Selection = {
  columns: `m.id, m.name, m.category, m.subcategory, m.explosive_mass_g::float8 AS "explosiveMassG", m.metal_content AS "metalContent",
  m.fuze, m.notes, m.version, ${isoTimestamp('m.created_at')} AS "createdAt", ${isoTimestamp('m.updated_at')} AS "updatedAt"`,
  from: 'ordnance_model m',
  alias: 'm',
};

export async function listOrdnanceModels(db: Queryable, filter: OrdnanceModelFilter) {
  const where = new Where();
  if (filter.category) where.add(`m.category = ${where.param(filter.category)}`);
  if (filter.q) where.add(`strpos(lower(m.name), lower(${where.param(filter.q)})) > 0`);
  return selectPage(db, ORDNANCE_MODELS, where, { key: 'm.name', type: 'text', descending: false }, filter);
}

export async function getOrdnanceModel(db: Queryable, id: string) {
  return selectOne(db, ORDNANCE_MODELS, id);
}

// Writes of the reports workflow (src/ops/handlers.ts) -------------------------------------------

export type Table = 'activity' | 'organisation' | 'admin_area' | 'settlement';

export async function exists(tx: Queryable, table: Table, id: string): Promise<boolean> {
  const rows = await tx.query(`SELECT 1 FROM ${table} WHERE id = $1`, [id]);
  return rows.length > 0;
}

/** The organisation that runs an activity, or null when there is no such activity. */
export async function activityOrganisation(tx: Queryable, activityId: string): Promise<string | null> {
  const [row] = await tx.query<{ organisation_id: string }>('SELECT organisation_id FROM activity WHERE id = $1', [activityId]);
  return row?.organisation_id ?? null;
}

/** Locks a record's row until the transaction ends (the workflow reads it before it writes it). */
export async function lockRow(tx: Queryable, table: string, id: string): Promise<void> {
  await tx.query(`SELECT 1 FROM ${table} WHERE id = $1 FOR UPDATE`, [id]);
}

/** A record's version and payload, read by a query of one row with the id as $1. */
export async function readPayload(tx: Queryable, sql: string, id: string): Promise<EntityState | null> {
  const [row] = await tx.query<EntityState>(sql, [id]);
  return row ?? null;
}

export async function deleteRecord(tx: Queryable, table: 'find' | 'risk_education_session' | 'qa_visit', id: string): Promise<void> {
  await tx.query(`DELETE FROM ${table} WHERE id = $1`, [id]);
}

export async function readFindPayload(tx: Queryable, id: string): Promise<EntityState | null> {
  return readPayload(
    tx,
    `SELECT f.version, jsonb_build_object(
       'externalId', f.external_id, 'activityId', f.activity_id, 'organisationId', f.organisation_id, 'category', f.category,
       'ordnanceModel', m.name, 'quantity', f.quantity, 'depthCm', f.depth_cm, 'condition', f.condition, 'disposalMethod', f.disposal_method,
       'foundOn', date_as_known(f.found_on, f.found_on_precision), 'source', f.source, 'geometry', ST_AsGeoJSON(f.geom, 15)::jsonb) AS payload
     FROM find f LEFT JOIN ordnance_model m ON m.id = f.ordnance_model_id WHERE f.id = $1`,
    id,
  );
}

/** Another find that already has this external id, if any. */
export async function findWithExternalId(tx: Queryable, externalId: string, exceptId: string): Promise<string | null> {
  const [taken] = await tx.query<{ id: string }>('SELECT id FROM find WHERE external_id = $1 AND id <> $2', [externalId, exceptId]);
  return taken?.id ?? null;
}

/** Inserts or updates a find; `values` in the order of the INSERT's columns. */
export async function writeFind(tx: Queryable, values: readonly unknown[]): Promise<void> {
  await tx.query(
    `INSERT INTO find (id, external_id, activity_id, organisation_id, category, ordnance_model_id, quantity, depth_cm, condition, disposal_method,
       found_on, found_on_precision, geom, source, version, created_by, updated_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, ${GEOM(13)}, $14, $15, $16, $16)
     ON CONFLICT (id) DO UPDATE SET external_id = EXCLUDED.external_id, activity_id = EXCLUDED.activity_id, organisation_id = EXCLUDED.organisation_id,
       category = EXCLUDED.category, ordnance_model_id = EXCLUDED.ordnance_model_id, quantity = EXCLUDED.quantity, depth_cm = EXCLUDED.depth_cm,
       condition = EXCLUDED.condition, disposal_method = EXCLUDED.disposal_method, found_on = EXCLUDED.found_on,
       found_on_precision = EXCLUDED.found_on_precision, geom = EXCLUDED.geom, source = EXCLUDED.source, version = EXCLUDED.version, updated_at = now(), updated_by = EXCLUDED.updated_by`,
    values,
  );
}

/** Inserts or updates a risk education session; `values` in the order of the INSERT's columns. */
export async function writeRiskEducationSession(tx: Queryable, values: readonly unknown[]): Promise<void> {
  await tx.query(
    `INSERT INTO risk_education_session (id, held_on, geom, settlement_id, organisation_id, method, girls, boys, women, men, source, version, created_by, updated_by)
     VALUES ($1, $2, ${GEOM(3)}, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)
     ON CONFLICT (id) DO UPDATE SET held_on = EXCLUDED.held_on, geom = EXCLUDED.geom, settlement_id = EXCLUDED.settlement_id,
       organisation_id = EXCLUDED.organisation_id, method = EXCLUDED.method, girls = EXCLUDED.girls, boys = EXCLUDED.boys, women = EXCLUDED.women,
       men = EXCLUDED.men, source = EXCLUDED.source, version = EXCLUDED.version, updated_at = now(), updated_by = EXCLUDED.updated_by`,
    values,
  );
}

export async function readRiskEducationPayload(tx: Queryable, id: string): Promise<EntityState | null> {
  return readPayload(
    tx,
    `SELECT s.version, jsonb_build_object(
       'heldOn', to_char(s.held_on, 'YYYY-MM-DD'), 'geometry', ST_AsGeoJSON(s.geom, 15)::jsonb, 'settlementId', s.settlement_id,
       'organisationId', s.organisation_id, 'method', s.method, 'girls', s.girls, 'boys', s.boys, 'women', s.women, 'men', s.men,
       'source', s.source) AS payload
     FROM risk_education_session s WHERE s.id = $1`,
    id,
  );
}

export async function readQaVisitPayload(tx: Queryable, id: string): Promise<EntityState | null> {
  return readPayload(
    tx,
    `SELECT q.version, jsonb_build_object(
       'activityId', q.activity_id, 'visitedOn', to_char(q.visited_on, 'YYYY-MM-DD'), 'inspector', q.inspector, 'organisationId', q.organisation_id,
       'outcome', q.outcome, 'notes', q.notes, 'source', q.source,
       'nonconformities', COALESCE((SELECT jsonb_agg(jsonb_build_object('description', n.description, 'severity', n.severity,
           'correctiveAction', n.corrective_action, 'closedOn', to_char(n.closed_on, 'YYYY-MM-DD')) ORDER BY n.ctid)
         FROM qa_nonconformity n WHERE n.qa_visit_id = q.id), '[]'::jsonb)) AS payload
     FROM qa_visit q WHERE q.id = $1`,
    id,
  );
}

/** Inserts or updates a QA visit (`values` in the order of the INSERT's columns) and replaces its non-conformities. */
export async function writeQaVisit(
  tx: Queryable,
  id: string,
  values: readonly unknown[],
  nonconformities: readonly { description: string; severity: string; correctiveAction?: string | null | undefined; closedOn?: string | null | undefined }[],
): Promise<void> {
  await tx.query(
    `INSERT INTO qa_visit (id, activity_id, visited_on, inspector, organisation_id, outcome, notes, source, version, created_by, updated_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
     ON CONFLICT (id) DO UPDATE SET activity_id = EXCLUDED.activity_id, visited_on = EXCLUDED.visited_on, inspector = EXCLUDED.inspector,
       organisation_id = EXCLUDED.organisation_id, outcome = EXCLUDED.outcome, notes = EXCLUDED.notes, source = EXCLUDED.source,
       version = EXCLUDED.version, updated_at = now(), updated_by = EXCLUDED.updated_by`,
    values,
  );
  await tx.query('DELETE FROM qa_nonconformity WHERE qa_visit_id = $1', [id]);
  for (const n of nonconformities) {
    await tx.query('INSERT INTO qa_nonconformity (qa_visit_id, description, severity, corrective_action, closed_on) VALUES ($1, $2, $3, $4, $5)', [
      id,
      n.description,
      n.severity,
      n.correctiveAction ?? null,
      n.closedOn ?? null,
    ]);
  }
}
