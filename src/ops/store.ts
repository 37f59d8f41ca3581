import { UserError } from '../errors.ts';
import type { Queryable } from '../store/db.ts';

/** SQL for a point or shape given as GeoJSON text in parameter $n (NULL stays NULL). */
export const GEOM = (n: number) => `CASE WHEN $${n}::text IS NULL THEN NULL ELSE ST_SetSRID(ST_GeomFromGeoJSON($${n}::text), 4326) END`;

/**
 * Reads of field operations records: finds, activities, risk education
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

const FIND_COLUMNS = `f.id, f.external_id AS "externalId", f.category, f.ordnance_model_id AS "ordnanceModelId", m.name AS "ordnanceModel",
  f.quantity, f.depth_cm AS "depthCm", f.condition, f.disposal_method AS "disposalMethod", f.found_on::text AS "foundOn",
  f.activity_id AS "activityId", a.reference AS activity, coalesce(f.organisation_id, a.organisation_id) AS "organisationId",
  ST_AsGeoJSON(f.geom, 15)::json AS geometry, f.source, f.version, f.created_at AS "createdAt", f.updated_at AS "updatedAt"`;

const FIND_FROM = 'find f LEFT JOIN ordnance_model m ON m.id = f.ordnance_model_id LEFT JOIN activity a ON a.id = f.activity_id';

export async function listFinds(db: Queryable, filter: FindFilter) {
  const where = new Where();
  bboxCondition(where, 'f.geom', filter.bbox);
  dateConditions(where, 'f.found_on', filter);
  if (filter.organisationId) where.add(`coalesce(f.organisation_id, a.organisation_id) = ${where.param(filter.organisationId)}::uuid`);
  if (filter.activityId) where.add(`f.activity_id = ${where.param(filter.activityId)}::uuid`);
  if (filter.category) where.add(`f.category = ${where.param(filter.category)}`);
  if (filter.ordnanceModelId) where.add(`f.ordnance_model_id = ${where.param(filter.ordnanceModelId)}::uuid`);
  const order = keyset(where, 'f.found_on', 'date', 'f.id', filter, true);
  const rows = await db.query<{ id: string; _key: string }>(`SELECT ${FIND_COLUMNS}, f.found_on::text AS _key FROM ${FIND_FROM} ${where.sql()} ${order}`, where.params);
  return page(rows, filter.limit);
}

export async function getFind(db: Queryable, id: string) {
  const [row] = await db.query(`SELECT ${FIND_COLUMNS} FROM ${FIND_FROM} WHERE f.id = $1`, [id]);
  return row;
}

// Activities ------------------------------------------------------------------------------------

export interface ActivityFilter extends ListOptions {
  kind?: string | undefined;
  status?: string | undefined;
}

const ACTIVITY_COLUMNS = `a.id, a.reference, a.kind, a.organisation_id AS "organisationId", o.name AS organisation, a.team,
  a.start_date::text AS "startDate", a.end_date::text AS "endDate", a.status, ST_AsGeoJSON(a.geom, 15)::json AS geometry,
  (SELECT coalesce(array_agg(ah.hazard_id ORDER BY ah.hazard_id), '{}') FROM activity_hazard ah WHERE ah.activity_id = a.id) AS "hazardIds",
  a.source, a.version, a.created_at AS "createdAt", a.updated_at AS "updatedAt"`;

const ACTIVITY_FROM = 'activity a JOIN organisation o ON o.id = a.organisation_id';

/** Activities in reference order; a date range keeps those whose work overlaps it. */
export async function listActivities(db: Queryable, filter: ActivityFilter) {
  const where = new Where();
  bboxCondition(where, 'a.geom', filter.bbox);
  if (filter.from) where.add(`(a.end_date IS NULL OR a.end_date >= ${where.param(filter.from)}::date)`);
  if (filter.to) where.add(`(a.start_date IS NULL OR a.start_date <= ${where.param(filter.to)}::date)`);
  if (filter.organisationId) where.add(`a.organisation_id = ${where.param(filter.organisationId)}::uuid`);
  if (filter.kind) where.add(`a.kind = ${where.param(filter.kind)}`);
  if (filter.status) where.add(`a.status = ${where.param(filter.status)}`);
  const order = keyset(where, 'a.reference', 'text', 'a.id', filter, false);
  const rows = await db.query<{ id: string; _key: string }>(`SELECT ${ACTIVITY_COLUMNS}, a.reference AS _key FROM ${ACTIVITY_FROM} ${where.sql()} ${order}`, where.params);
  return page(rows, filter.limit);
}

export async function getActivity(db: Queryable, id: string) {
  const [row] = await db.query(`SELECT ${ACTIVITY_COLUMNS} FROM ${ACTIVITY_FROM} WHERE a.id = $1`, [id]);
  return row;
}

// Accidents and victims ---------------------------------------------------------------------------

// Risk education ----------------------------------------------------------------------------------

export interface RiskEducationFilter extends ListOptions {
  method?: string | undefined;
}

const RISK_EDUCATION_COLUMNS = `s.id, s.held_on::text AS "heldOn", ST_AsGeoJSON(s.geom, 15)::json AS geometry, s.settlement_id AS "settlementId",
  s.organisation_id AS "organisationId", o.name AS organisation, s.method, s.girls, s.boys, s.women, s.men,
  s.girls + s.boys + s.women + s.men AS beneficiaries, s.source, s.version, s.created_at AS "createdAt", s.updated_at AS "updatedAt"`;

const RISK_EDUCATION_FROM = 'risk_education_session s JOIN organisation o ON o.id = s.organisation_id';

export async function listRiskEducation(db: Queryable, filter: RiskEducationFilter) {
  const where = new Where();
  bboxCondition(where, 's.geom', filter.bbox);
  dateConditions(where, 's.held_on', filter);
  if (filter.organisationId) where.add(`s.organisation_id = ${where.param(filter.organisationId)}::uuid`);
  if (filter.method) where.add(`s.method = ${where.param(filter.method)}`);
  const order = keyset(where, 's.held_on', 'date', 's.id', filter, true);
  const rows = await db.query<{ id: string; _key: string }>(`SELECT ${RISK_EDUCATION_COLUMNS}, s.held_on::text AS _key FROM ${RISK_EDUCATION_FROM} ${where.sql()} ${order}`, where.params);
  return page(rows, filter.limit);
}

export async function getRiskEducation(db: Queryable, id: string) {
  const [row] = await db.query(`SELECT ${RISK_EDUCATION_COLUMNS} FROM ${RISK_EDUCATION_FROM} WHERE s.id = $1`, [id]);
  return row;
}

// QA visits ------------------------------------------------------------------------------------------

export interface QaVisitFilter extends ListOptions {
  activityId?: string | undefined;
  outcome?: string | undefined;
}

const QA_VISIT_COLUMNS = `q.id, q.activity_id AS "activityId", a.reference AS activity, q.visited_on::text AS "visitedOn", q.inspector,
  q.organisation_id AS "organisationId", q.outcome, q.notes, q.source, q.version, q.created_at AS "createdAt", q.updated_at AS "updatedAt",
  (SELECT coalesce(json_agg(json_build_object('id', n.id, 'description', n.description, 'severity', n.severity,
      'correctiveAction', n.corrective_action, 'closedOn', n.closed_on::text) ORDER BY n.id), '[]'::json)
   FROM qa_nonconformity n WHERE n.qa_visit_id = q.id) AS nonconformities`;

const QA_VISIT_FROM = 'qa_visit q JOIN activity a ON a.id = q.activity_id';

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
  const order = keyset(where, 'q.visited_on', 'date', 'q.id', filter, true);
  const rows = await db.query<{ id: string; _key: string }>(`SELECT ${QA_VISIT_COLUMNS}, q.visited_on::text AS _key FROM ${QA_VISIT_FROM} ${where.sql()} ${order}`, where.params);
  return page(rows, filter.limit);
}

export async function getQaVisit(db: Queryable, id: string) {
  const [row] = await db.query(`SELECT ${QA_VISIT_COLUMNS} FROM ${QA_VISIT_FROM} WHERE q.id = $1`, [id]);
  return row;
}

// Ordnance catalogue -----------------------------------------------------------------------------------

export interface OrdnanceModelFilter {
  limit: number;
  cursor?: string | undefined;
  category?: string | undefined;
  /** Part of the name, any case. */
  q?: string | undefined;
}

const ORDNANCE_MODEL_COLUMNS = `m.id, m.name, m.category, m.subcategory, m.explosive_mass_g::float8 AS "explosiveMassG", m.metal_content AS "metalContent",
  m.fuze, m.notes, m.version, m.created_at AS "createdAt", m.updated_at AS "updatedAt"`;

export async function listOrdnanceModels(db: Queryable, filter: OrdnanceModelFilter) {
  const where = new Where();
  if (filter.category) where.add(`m.category = ${where.param(filter.category)}`);
  if (filter.q) where.add(`strpos(lower(m.name), lower(${where.param(filter.q)})) > 0`);
  const order = keyset(where, 'm.name', 'text', 'm.id', filter, false);
  const rows = await db.query<{ id: string; _key: string }>(`SELECT ${ORDNANCE_MODEL_COLUMNS}, m.name AS _key FROM ordnance_model m ${where.sql()} ${order}`, where.params);
  return page(rows, filter.limit);
}

export async function getOrdnanceModel(db: Queryable, id: string) {
  const [row] = await db.query(`SELECT ${ORDNANCE_MODEL_COLUMNS} FROM ordnance_model m WHERE m.id = $1`, [id]);
  return row;
}
