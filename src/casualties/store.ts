import type { Actor } from '../access/permissions.ts';
import { logRestrictedAccess } from '../access/store.ts';
import { bboxCondition, dateConditions, GEOM, keyset, type ListOptions, page, pageJson, Where } from '../ops/store.ts';
import type { EntityState } from '../reports/handlers.ts';
import type { Queryable } from '../store/db.ts';
import { isoTimestamp, type JsonText } from '../store/json.ts';
import type { AccidentPayload } from './rules.ts';
import { type Problems, queryProblems } from '../exchange/problems.ts';
import { checkCountry, type Country } from '../exchange/store.ts';
import type { AccidentRow } from './validate.ts';
import { readDateAsKnown } from '../ops/datePrecision.ts';

/**
 * The SQL of accident imports and exports. As for finds (store.ts), the checked rows stream into
 * a temporary staging table, the checks that need the whole file or the database run set-wise
 * there, and the merge into accident, victim and victim_identity is a few statements, all in the
 * caller's transaction.
 *
 * A staged row is one victim (or an accident without victims); the accident's fields are
 * repeated on each of its rows and grouped by reference. Victims are matched to recorded ones by
 * `victim_id` when the row gives it, else by position: the accident's n-th victim row without an
 * id is its n-th recorded victim not matched by id, in the order the history lists victims
 * (created_at, id). New victims get ids that sort in the file's order, so that order holds on
 * the next import of the same file.
 */

export const ACCIDENT_STAGING_COLUMNS = [
  'row_number',
  'reference',
  'occurred_on',
  'occurred_on_precision',
  'lon',
  'lat',
  'location_precision_m',
  'admin_area',
  'device_category',
  'ordnance_model_id',
  'demining_related',
  'activity_ref',
  'description',
  'has_victim',
  'victim_id',
  'outcome',
  'sex',
  'age',
  'age_min',
  'age_max',
  'age_reported',
  'victim_group',
  'activity_at_time',
  'injuries',
  'displacement_status',
  'has_identity',
  'full_name',
  'date_of_birth',
  'address',
  'contact',
] as const;

export function accidentStagingRow(row: AccidentRow): unknown[] {
  const v = row.victim;
  const i = v?.identity ?? null;
  return [
    row.row,
    row.reference,
    row.occurredOn,
    row.occurredOnPrecision,
    row.longitude,
    row.latitude,
    row.locationPrecisionM,
    row.adminArea,
    row.deviceCategory,
    row.ordnanceModelId,
    row.deminingRelated,
    row.activity,
    row.description,
    v !== null,
    v?.victimId ?? null,
    v?.outcome ?? null,
    v?.sex ?? null,
    v?.age ?? null,
    v?.ageMin ?? null,
    v?.ageMax ?? null,
    v?.ageReported ?? null,
    v?.victimGroup ?? null,
    v?.activityAtTime ?? null,
    v?.injuries ?? null,
    v?.displacementStatus ?? null,
    i !== null,
    i?.fullName ?? null,
    i?.dateOfBirth ?? null,
    i?.address ?? null,
    i?.contact ?? null,
  ];
}

/** Temporary, private to the transaction, dropped at its end; no indexes (the checks are hash joins). */
export async function createAccidentStaging(tx: Queryable): Promise<void> {
  await tx.exec(`SET LOCAL work_mem = '64MB'; SET LOCAL jit = off; CREATE TEMP TABLE import_accident (
    row_number integer NOT NULL,
    reference text NOT NULL,
    occurred_on date NOT NULL,
    occurred_on_precision text NOT NULL,
    lon float8,
    lat float8,
    location_precision_m float8,
    admin_area text,
    device_category text,
    ordnance_model_id uuid,
    demining_related boolean NOT NULL,
    activity_ref text,
    description text,
    has_victim boolean NOT NULL,
    victim_id uuid,
    outcome text,
    sex text,
    age integer,
    age_min integer,
    age_max integer,
    age_reported text,
    victim_group text,
    activity_at_time text,
    injuries text[],
    displacement_status text,
    has_identity boolean NOT NULL,
    full_name text,
    date_of_birth date,
    address text,
    contact text
  ) ON COMMIT DROP`);
}

/** Each accident's first row, which gives its fields (the others must repeat them). */
const FIRST_ROWS = '(SELECT DISTINCT ON (reference) * FROM import_accident ORDER BY reference, row_number)';

/** The accident fields a row repeats, as staging column and file field. */
const REPEATED_COLUMNS: readonly (readonly [string, string])[] = [
  ['occurred_on', 'occurredOn'],
  ['occurred_on_precision', 'occurredOn'],
  ['lon', 'longitude'],
  ['lat', 'latitude'],
  ['location_precision_m', 'locationPrecisionM'],
  ['admin_area', 'adminArea'],
  ['device_category', 'deviceCategory'],
  ['ordnance_model_id', 'ordnanceModel'],
  ['demining_related', 'deminingRelated'],
  ['activity_ref', 'activity'],
  ['description', 'description'],
];

/** The condition on admin_area `a` of the areas a file's value names: by id or by code. */
const namesAdminArea = (value: string) => `(a.id::text = ${value} OR a.code = ${value})`;

/** The checks that need the whole file or the database: repeated fields, references, victims' ids, the country. */
export async function checkAccidentStaging(tx: Queryable, problems: Problems, country: Country | null, rowLabel: string): Promise<void> {
  await queryProblems<{ row_number: number; total: number; reference: string; first_row: number; fields: string[] }>(
    tx,
    problems,
    `SELECT * FROM (
       SELECT s.row_number, s.reference, f.row_number AS first_row, d.fields, count(*) OVER () AS total
       FROM import_accident s JOIN ${FIRST_ROWS} f ON f.reference = s.reference AND f.row_number <> s.row_number
       CROSS JOIN LATERAL (SELECT array_remove(ARRAY[${REPEATED_COLUMNS.map(([c, field]) => `CASE WHEN s.${c} IS DISTINCT FROM f.${c} THEN '${field}' END`).join(', ')}], NULL) AS fields) d
       WHERE cardinality(d.fields) > 0) t`,
    [],
    (r) => ({
      field: 'reference',
      value: r.reference,
      message: `differs in ${r.fields.join(', ')} from ${rowLabel} ${r.first_row}, the accident's first; each row of an accident (one per victim) repeats its fields`,
    }),
  );
  await queryProblems<{ row_number: number; total: number; activity_ref: string }>(
    tx,
    problems,
    `SELECT row_number, activity_ref, count(*) OVER () AS total FROM ${FIRST_ROWS} s
     WHERE activity_ref IS NOT NULL AND NOT EXISTS (SELECT 1 FROM activity a WHERE a.reference = s.activity_ref)`,
    [],
    (r) => ({ field: 'activity', value: r.activity_ref, message: 'is not the reference of any activity' }),
  );
  await queryProblems<{ row_number: number; total: number; admin_area: string; n: number }>(
    tx,
    problems,
    `SELECT * FROM (
       SELECT row_number, admin_area, (SELECT count(*)::int FROM admin_area a WHERE ${namesAdminArea('s.admin_area')}) AS n, count(*) OVER () AS total
       FROM ${FIRST_ROWS} s WHERE admin_area IS NOT NULL) t
     WHERE n <> 1`,
    [],
    (r) => ({
      field: 'adminArea',
      value: r.admin_area,
      message: r.n === 0 ? 'is not the id or code of any administrative area of the gazetteer' : `is the code of ${r.n} administrative areas; give the area's id`,
    }),
  );
  await queryProblems<{ row_number: number; total: number; victim_id: string; first_row: number }>(
    tx,
    problems,
    `SELECT row_number, victim_id, first_row, count(*) OVER () AS total FROM (
       SELECT row_number, victim_id, min(row_number) OVER (PARTITION BY victim_id) AS first_row FROM import_accident WHERE victim_id IS NOT NULL
     ) t WHERE row_number <> first_row`,
    [],
    (r) => ({ field: 'victimId', value: r.victim_id, message: `appears again; first at ${rowLabel} ${r.first_row}` }),
  );
  await queryProblems<{ row_number: number; total: number; victim_id: string; other: string }>(
    tx,
    problems,
    `SELECT s.row_number, s.victim_id, x.reference AS other, count(*) OVER () AS total
     FROM import_accident s JOIN victim v ON v.id = s.victim_id JOIN accident x ON x.id = v.accident_id
     WHERE x.reference <> s.reference`,
    [],
    (r) => ({ field: 'victimId', value: r.victim_id, message: `is a victim of accident ${JSON.stringify(r.other)}, not of this one` }),
  );
  if (country) await checkCountry(tx, problems, country, `SELECT row_number, lon, lat FROM ${FIRST_ROWS} f WHERE lon IS NOT NULL`);
}

export interface AccidentMergeCounts {
  created: number;
  updated: number;
  unchanged: number;
  victims: { created: number; updated: number; deleted: number; unchanged: number; identities: number };
}

/** The victim fields compared to tell a changed victim. */
const VICTIM_COLUMNS = ['outcome', 'sex', 'age', 'age_min', 'age_max', 'age_reported', 'victim_group', 'activity_at_time', 'injuries', 'displacement_status'] as const;

/**
 * A time-ordered id (the UUIDv7 layout: milliseconds, version 7, a 12-bit sequence, then the
 * random half of a v4 UUID), so that ids made in one statement sort in `seq` order.
 */
const orderedId = (ms: string, seq: string) =>
  `encode(int8send(((${ms} + ${seq} / 4096) << 16) | 28672 | (${seq} % 4096)) || substring(uuid_send(gen_random_uuid()) FROM 9), 'hex')::uuid`;

/**
 * Matches staged accidents by reference and victims by id or position, resolves activities and
 * admin areas, and says what a commit would do.
 */
export async function resolveAccidentStaging(tx: Queryable): Promise<AccidentMergeCounts> {
  await tx.query(
    `CREATE TEMP TABLE import_accident_resolved ON COMMIT DROP AS
     SELECT f.reference, coalesce(x.id, gen_random_uuid()) AS id, x.id IS NOT NULL AS existing,
       greatest(x.version, (SELECT max(version) FROM record_version r WHERE r.entity_type = 'accident' AND r.entity_id = x.id)) + 1 AS new_version,
       f.occurred_on, f.occurred_on_precision, g.geom, f.location_precision_m, ar.id AS admin_area_id, f.device_category, f.ordnance_model_id, f.demining_related,
       act.id AS activity_id, f.description,
       x.id IS NOT NULL
         AND (x.occurred_on, x.occurred_on_precision, x.location_precision_m, x.admin_area_id, x.device_category, x.ordnance_model_id, x.demining_related, x.activity_id, x.description)
           IS NOT DISTINCT FROM (f.occurred_on, f.occurred_on_precision, f.location_precision_m, ar.id, f.device_category, f.ordnance_model_id, f.demining_related, act.id, f.description)
         AND x.geom IS NOT DISTINCT FROM g.geom AS fields_unchanged
     FROM ${FIRST_ROWS} f
     CROSS JOIN LATERAL (SELECT CASE WHEN f.lon IS NULL THEN NULL ELSE ST_SetSRID(ST_MakePoint(f.lon, f.lat), 4326) END AS geom) g
     LEFT JOIN accident x ON x.reference = f.reference
     LEFT JOIN activity act ON act.reference = f.activity_ref
     LEFT JOIN LATERAL (SELECT a.id FROM admin_area a WHERE ${namesAdminArea('f.admin_area')} ORDER BY a.id LIMIT 1) ar ON true`,
  );
  await tx.query(
    `CREATE TEMP TABLE import_victim_resolved ON COMMIT DROP AS
     WITH fv AS (
       SELECT s.*, a.id AS accident_id FROM import_accident s JOIN import_accident_resolved a ON a.reference = s.reference WHERE s.has_victim
     ), by_id AS (
       SELECT fv.row_number, v.id FROM fv JOIN victim v ON v.id = fv.victim_id AND v.accident_id = fv.accident_id
     ), file_rest AS (
       SELECT row_number, accident_id, row_number() OVER (PARTITION BY accident_id ORDER BY row_number) AS n FROM fv WHERE victim_id IS NULL
     ), recorded_rest AS (
       SELECT v.id, v.accident_id, row_number() OVER (PARTITION BY v.accident_id ORDER BY v.created_at, v.id) AS n
       FROM victim v JOIN import_accident_resolved a ON a.id = v.accident_id AND a.existing
       WHERE v.id NOT IN (SELECT id FROM by_id)
     ), matched AS (
       SELECT row_number, id FROM by_id
       UNION ALL SELECT r.row_number, d.id FROM file_rest r JOIN recorded_rest d ON d.accident_id = r.accident_id AND d.n = r.n
     ), numbered AS (
       SELECT fv.*, m.id AS matched_id, row_number() OVER (ORDER BY fv.row_number) AS seq FROM fv LEFT JOIN matched m ON m.row_number = fv.row_number
     )
     SELECT n.row_number, n.accident_id, coalesce(n.matched_id, n.victim_id, ${orderedId('b.ms', 'n.seq')}) AS id, n.matched_id IS NOT NULL AS existing,
       ${VICTIM_COLUMNS.map((c) => `n.${c}`).join(', ')}, n.has_identity, n.full_name, n.date_of_birth, n.address, n.contact,
       n.matched_id IS NOT NULL AND (${VICTIM_COLUMNS.map((c) => `v.${c}`).join(', ')}) IS NOT DISTINCT FROM (${VICTIM_COLUMNS.map((c) => `n.${c}`).join(', ')}) AS unchanged,
       n.has_identity AND (i.victim_id IS NULL OR (i.full_name, i.date_of_birth, i.address, i.contact) IS DISTINCT FROM (n.full_name, n.date_of_birth, n.address, n.contact)) AS identity_changed
     FROM numbered n CROSS JOIN (SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint AS ms) b
     LEFT JOIN victim v ON v.id = n.matched_id LEFT JOIN victim_identity i ON i.victim_id = n.matched_id`,
  );
  // Recorded victims of the file's accidents that no row matched: the file lists each accident's victims in full.
  await tx.query(
    `CREATE TEMP TABLE import_victim_gone ON COMMIT DROP AS
     SELECT v.id, v.accident_id FROM victim v JOIN import_accident_resolved a ON a.id = v.accident_id AND a.existing
     WHERE v.id NOT IN (SELECT id FROM import_victim_resolved WHERE existing)`,
  );
  await tx.exec(
    `ALTER TABLE import_accident_resolved ADD COLUMN unchanged boolean;
     UPDATE import_accident_resolved a SET unchanged = a.fields_unchanged
       AND NOT EXISTS (SELECT 1 FROM import_victim_resolved r WHERE r.accident_id = a.id AND NOT r.unchanged)
       AND NOT EXISTS (SELECT 1 FROM import_victim_gone g WHERE g.accident_id = a.id)`,
  );
  const [counts] = await tx.query<{ created: number; updated: number; unchanged: number; v_created: number; v_updated: number; v_unchanged: number; v_deleted: number; identities: number }>(
    `SELECT count(*) FILTER (WHERE NOT existing)::int AS created, count(*) FILTER (WHERE existing AND NOT unchanged)::int AS updated,
       count(*) FILTER (WHERE unchanged)::int AS unchanged,
       (SELECT count(*) FILTER (WHERE NOT existing)::int FROM import_victim_resolved) AS v_created,
       (SELECT count(*) FILTER (WHERE existing AND NOT unchanged)::int FROM import_victim_resolved) AS v_updated,
       (SELECT count(*) FILTER (WHERE unchanged)::int FROM import_victim_resolved) AS v_unchanged,
       (SELECT count(*)::int FROM import_victim_gone) AS v_deleted,
       (SELECT count(*) FILTER (WHERE identity_changed)::int FROM import_victim_resolved) AS identities
     FROM import_accident_resolved`,
  );
  const c = counts!;
  return {
    created: c.created,
    updated: c.updated,
    unchanged: c.unchanged,
    victims: { created: c.v_created, updated: c.v_updated, deleted: c.v_deleted, unchanged: c.v_unchanged, identities: c.identities },
  };
}

/**
 * An accident's state as the history keeps it: what the reports workflow records (the accident
 * handler's read, src/ops/handlers.ts, without the geometry), victims without identities. A test
 * holds the two to the same shape.
 */
function versionData(x: string): string {
  return `jsonb_build_object(
    'reference', ${x}.reference, 'occurredOn', date_as_known(${x}.occurred_on, ${x}.occurred_on_precision), 'locationPrecisionM', ${x}.location_precision_m,
    'adminAreaId', ${x}.admin_area_id, 'deviceCategory', ${x}.device_category,
    'ordnanceModel', (SELECT m.name FROM ordnance_model m WHERE m.id = ${x}.ordnance_model_id),
    'deminingRelated', ${x}.demining_related, 'activityId', ${x}.activity_id, 'description', ${x}.description, 'source', ${x}.source,
    'victims', COALESCE((SELECT jsonb_agg(jsonb_build_object('id', v.id, 'outcome', v.outcome, 'sex', v.sex, 'age', v.age, 'ageMin', v.age_min, 'ageMax', v.age_max, 'ageReported', v.age_reported, 'victimGroup', v.victim_group,
        'activityAtTime', v.activity_at_time, 'injuries', to_jsonb(v.injuries), 'displacementStatus', v.displacement_status) ORDER BY v.created_at, v.id)
      FROM victim v WHERE v.accident_id = ${x}.id), '[]'::jsonb))`;
}

/**
 * Writes the resolved accidents and victims: new accidents at version 1, changed ones as a new
 * version, each with its row in record_version (the state replaced is recorded first when the
 * history lacked it). Identities go to victim_identity only.
 */
export async function applyAccidentStaging(tx: Queryable, change: { actorId: string | null; source: string; reason: string }): Promise<void> {
  const changed = 'SELECT id FROM import_accident_resolved WHERE existing AND NOT unchanged';
  await tx.query(
    `INSERT INTO record_version (entity_type, entity_id, version, valid_from, data, geom, changed_by)
     SELECT 'accident', x.id, x.version, x.updated_at, ${versionData('x')}, x.geom, x.updated_by
     FROM accident x WHERE x.id IN (${changed})
       AND NOT EXISTS (SELECT 1 FROM record_version v WHERE v.entity_type = 'accident' AND v.entity_id = x.id AND v.version = x.version)`,
  );
  await tx.query(`UPDATE record_version SET valid_to = now() WHERE entity_type = 'accident' AND entity_id IN (${changed}) AND valid_to IS NULL`);
  await tx.query(
    `UPDATE accident x SET occurred_on = r.occurred_on, occurred_on_precision = r.occurred_on_precision, geom = r.geom, location_precision_m = r.location_precision_m, admin_area_id = r.admin_area_id,
       device_category = r.device_category, ordnance_model_id = r.ordnance_model_id, demining_related = r.demining_related, activity_id = r.activity_id,
       description = r.description, source = $2, version = r.new_version, updated_at = now(), updated_by = $1
     FROM import_accident_resolved r WHERE x.id = r.id AND r.existing AND NOT r.unchanged`,
    [change.actorId, change.source],
  );
  await tx.query(
    `INSERT INTO accident (id, reference, occurred_on, occurred_on_precision, geom, location_precision_m, admin_area_id, device_category, ordnance_model_id, demining_related,
       activity_id, description, source, created_by, updated_by)
     SELECT id, reference, occurred_on, occurred_on_precision, geom, location_precision_m, admin_area_id, device_category, ordnance_model_id, demining_related,
       activity_id, description, $2, $1, $1
     FROM import_accident_resolved WHERE NOT existing`,
    [change.actorId, change.source],
  );
  await tx.query('DELETE FROM victim WHERE id IN (SELECT id FROM import_victim_gone)'); // their identities go with them (ON DELETE CASCADE)
  await tx.query(
    `UPDATE victim v SET ${VICTIM_COLUMNS.map((c) => `${c} = r.${c}`).join(', ')}, version = v.version + 1, updated_at = now(), updated_by = $1
     FROM import_victim_resolved r WHERE v.id = r.id AND r.existing AND NOT r.unchanged`,
    [change.actorId],
  );
  await tx.query(
    `INSERT INTO victim (id, accident_id, ${VICTIM_COLUMNS.join(', ')}, created_by, updated_by)
     SELECT id, accident_id, ${VICTIM_COLUMNS.map((c) => (c === 'injuries' ? "coalesce(injuries, '{}')" : c)).join(', ')}, $1, $1
     FROM import_victim_resolved WHERE NOT existing ORDER BY id`,
    [change.actorId],
  );
  await tx.query(
    `INSERT INTO victim_identity (victim_id, full_name, date_of_birth, address, contact)
     SELECT id, full_name, date_of_birth, address, contact FROM import_victim_resolved WHERE identity_changed
     ON CONFLICT (victim_id) DO UPDATE SET full_name = EXCLUDED.full_name, date_of_birth = EXCLUDED.date_of_birth,
       address = EXCLUDED.address, contact = EXCLUDED.contact`,
  );
  await tx.query(
    `INSERT INTO record_version (entity_type, entity_id, version, valid_from, data, geom, changed_by, change_reason)
     SELECT 'accident', x.id, x.version, now(), ${versionData('x')}, x.geom, $1, $2
     FROM accident x JOIN import_accident_resolved r ON r.id = x.id WHERE NOT r.existing OR NOT r.unchanged`,
    [change.actorId, change.reason],
  );
}

// Exports -------------------------------------------------------------------------------------------

export interface AccidentExportFilter {
  bbox?: readonly [number, number, number, number] | undefined;
  from?: string | undefined;
  to?: string | undefined;
  /** The operator of the accidents' activities. */
  organisationId?: string | undefined;
  deviceCategory?: string | undefined;
  deminingRelated?: boolean | undefined;
}

/** One victim of an accident (or an accident without victims), flat, as the import reads it. */
export interface ExportAccidentRow {
  accidentId: string;
  reference: string;
  occurredOn: string;
  locationPrecisionM: number | null;
  adminArea: string | null;
  deviceCategory: string | null;
  ordnanceModel: string | null;
  /** `true` or `false` as text, so spreadsheets and shapefiles show it as written and the import reads it back. */
  deminingRelated: string;
  activity: string | null;
  description: string | null;
  victimId: string | null;
  outcome: string | null;
  sex: string | null;
  /** A whole number of years, or a range as the import reads it back ("0-17", "61+"). */
  age: string | null;
  /** The age in the source's words ("menor de 18"), when it was not a whole number. */
  ageReported: string | null;
  victimGroup: string | null;
  activityAtTime: string | null;
  injuries: string | null;
  displacementStatus: string | null;
  fullName?: string | null;
  dateOfBirth?: string | null;
  address?: string | null;
  contact?: string | null;
  longitude: number | null;
  latitude: number | null;
}

/** Accidents per page; each page is read with its victims in one query. */
export const ACCIDENT_EXPORT_PAGE = 1000;

/**
 * Who reads victims' identities in an export, for the restricted access log: a user, or the
 * command line (which has the database itself, and is logged with no user).
 */
export type IdentityReader = { actor: Actor | null; purpose: string };

async function logIdentityRead(db: Queryable, reader: IdentityReader, victimIds: string[]): Promise<void> {
  if (reader.actor) await logRestrictedAccess(db, reader.actor, 'victim', victimIds, reader.purpose);
  else if (victimIds.length > 0) {
    await db.query("INSERT INTO restricted_access_log (actor_id, entity_type, entity_id, purpose) SELECT NULL, 'victim', unnest($1::uuid[]), $2", [victimIds, reader.purpose]);
  }
}

/**
 * Accidents with their victims, one row per victim, page by page in accident id order (keyset),
 * so memory holds one page whatever the size of the export. Identities are joined only when an
 * identity reader is given (the caller has checked restricted.read and the request); each page's
 * victims are logged as read before the page is given out.
 */
export async function* exportAccidents(db: Queryable, filter: AccidentExportFilter, identityReader: IdentityReader | null): AsyncGenerator<ExportAccidentRow> {
  const conditions: string[] = ['x.id > $1::uuid'];
  const params: unknown[] = [null];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (filter.bbox) conditions.push(`x.geom && ST_MakeEnvelope(${filter.bbox.map(param).join(', ')}, 4326)`);
  if (filter.from) conditions.push(`x.occurred_on >= ${param(filter.from)}::date`);
  if (filter.to) conditions.push(`x.occurred_on <= ${param(filter.to)}::date`);
  if (filter.organisationId) conditions.push(`x.activity_id IN (SELECT id FROM activity WHERE organisation_id = ${param(filter.organisationId)}::uuid)`);
  if (filter.deviceCategory) conditions.push(`x.device_category = ${param(filter.deviceCategory)}`);
  if (filter.deminingRelated !== undefined) conditions.push(`x.demining_related = ${param(filter.deminingRelated)}`);
  const identity = identityReader
    ? `, i.full_name AS "fullName", to_char(i.date_of_birth, 'YYYY-MM-DD') AS "dateOfBirth", i.address, i.contact`
    : '';
  const sql = `SELECT x.id AS "accidentId", x.reference, date_as_known(x.occurred_on, x.occurred_on_precision) AS "occurredOn", x.location_precision_m AS "locationPrecisionM",
      coalesce(ad.code, ad.id::text) AS "adminArea", x.device_category AS "deviceCategory", m.name AS "ordnanceModel", x.demining_related::text AS "deminingRelated",
      act.reference AS activity, x.description, v.id AS "victimId", v.outcome, v.sex, CASE WHEN v.age_min = v.age_max THEN v.age_min::text WHEN v.age_min IS NOT NULL THEN v.age_min || coalesce('-' || v.age_max, '+') END AS age,
      v.age_reported AS "ageReported", v.victim_group AS "victimGroup",
      v.activity_at_time AS "activityAtTime", nullif(array_to_string(v.injuries, '; '), '') AS injuries, v.displacement_status AS "displacementStatus"${identity},
      ST_X(x.geom) AS longitude, ST_Y(x.geom) AS latitude
    FROM (SELECT * FROM accident x WHERE ${conditions.join(' AND ')} ORDER BY x.id LIMIT ${ACCIDENT_EXPORT_PAGE}) x
      LEFT JOIN admin_area ad ON ad.id = x.admin_area_id LEFT JOIN ordnance_model m ON m.id = x.ordnance_model_id
      LEFT JOIN activity act ON act.id = x.activity_id LEFT JOIN victim v ON v.accident_id = x.id
      ${identityReader ? 'LEFT JOIN victim_identity i ON i.victim_id = v.id' : ''}
    ORDER BY x.id, v.created_at, v.id`;
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    params[0] = after;
    const rows = await db.query<ExportAccidentRow>(sql, params);
    if (identityReader) await logIdentityRead(db, identityReader, rows.flatMap((r) => (r.victimId ? [r.victimId] : [])));
    yield* rows;
    const accidents = new Set(rows.map((r) => r.accidentId)).size;
    if (accidents < ACCIDENT_EXPORT_PAGE) return;
    after = rows.at(-1)!.accidentId;
  }
}

// Reads: the accident list and one accident, and victims' identities ----------------------------

export interface AccidentFilter extends ListOptions {
  deviceCategory?: string | undefined;
  deminingRelated?: boolean | undefined;
}

/** Victims without identifying details: those live in victim_identity, read only by victimIdentities. */
const ACCIDENT_COLUMNS = `x.id, x.reference, date_as_known(x.occurred_on, x.occurred_on_precision) AS "occurredOn", x.occurred_on_precision AS "occurredOnPrecision", ST_AsGeoJSON(x.geom, 15)::json AS geometry,
  x.location_precision_m AS "locationPrecisionM", x.admin_area_id AS "adminAreaId", x.device_category AS "deviceCategory",
  x.ordnance_model_id AS "ordnanceModelId", m.name AS "ordnanceModel", x.demining_related AS "deminingRelated",
  x.activity_id AS "activityId", x.description, x.source, x.version, ${isoTimestamp('x.created_at')} AS "createdAt", ${isoTimestamp('x.updated_at')} AS "updatedAt",
  (SELECT coalesce(json_agg(json_build_object('id', v.id, 'outcome', v.outcome, 'sex', v.sex, 'age', v.age, 'ageMin', v.age_min, 'ageMax', v.age_max, 'ageReported', v.age_reported, 'victimGroup', v.victim_group,
      'activityAtTime', v.activity_at_time, 'injuries', v.injuries, 'displacementStatus', v.displacement_status) ORDER BY v.id), '[]'::json)
   FROM victim v WHERE v.accident_id = x.id) AS victims`;

const ACCIDENT_FROM = 'accident x LEFT JOIN ordnance_model m ON m.id = x.ordnance_model_id';

/** The conditions and order of a page of accidents, newest first. */
function accidentPage(filter: AccidentFilter): { where: Where; order: string } {
  const where = new Where();
  bboxCondition(where, 'x.geom', filter.bbox);
  dateConditions(where, 'x.occurred_on', filter);
  if (filter.organisationId) where.add(`x.activity_id IN (SELECT id FROM activity WHERE organisation_id = ${where.param(filter.organisationId)}::uuid)`);
  if (filter.deviceCategory) where.add(`x.device_category = ${where.param(filter.deviceCategory)}`);
  if (filter.deminingRelated !== undefined) where.add(`x.demining_related = ${where.param(filter.deminingRelated)}`);
  return { where, order: keyset(where, 'x.occurred_on', 'date', 'x.id', filter, true) };
}

/** A page of accidents as rows, for an answer that adds to them (victims' identities). */
export async function listAccidents(db: Queryable, filter: AccidentFilter) {
  const { where, order } = accidentPage(filter);
  const rows = await db.query<{ id: string; _key: string }>(`SELECT ${ACCIDENT_COLUMNS}, x.occurred_on::text AS _key FROM ${ACCIDENT_FROM} ${where.sql()} ${order}`, where.params);
  return page(rows, filter.limit);
}

/** The same page as JSON text built by PostgreSQL (src/store/json.ts). */
export async function listAccidentsJson(db: Queryable, filter: AccidentFilter): Promise<JsonText> {
  const { where, order } = accidentPage(filter);
  const rows = await db.query<{ item: string; id: string; _key: string }>(
    `SELECT (SELECT row_to_json(item)::text FROM (SELECT ${ACCIDENT_COLUMNS}) item) AS item, x.id, x.occurred_on::text AS _key FROM ${ACCIDENT_FROM} ${where.sql()} ${order}`,
    where.params,
  );
  return pageJson(rows, filter.limit);
}

export async function getAccident(db: Queryable, id: string) {
  const [row] = await db.query(`SELECT ${ACCIDENT_COLUMNS} FROM ${ACCIDENT_FROM} WHERE x.id = $1`, [id]);
  return row;
}

export interface VictimIdentity {
  victimId: string;
  fullName: string | null;
  dateOfBirth: string | null;
  address: string | null;
  contact: string | null;
}

/** Restricted personal data: the caller checks restricted.read and logs the read. */
export async function victimIdentities(db: Queryable, victimIds: readonly string[]): Promise<VictimIdentity[]> {
  if (victimIds.length === 0) return [];
  return db.query<VictimIdentity>(
    `SELECT victim_id AS "victimId", full_name AS "fullName", date_of_birth::text AS "dateOfBirth", address, contact
     FROM victim_identity WHERE victim_id = ANY($1::uuid[])`,
    [victimIds],
  );
}

// Writes of the reports workflow (src/casualties/handlers.ts) -------------------------------------

/** An accident with its victims as its report states it; victims without identities (see rules.ts). */
export async function readAccidentPayload(tx: Queryable, id: string): Promise<EntityState | null> {
  const [row] = await tx.query<EntityState>(
    `SELECT x.version, jsonb_build_object(
       'reference', x.reference, 'occurredOn', date_as_known(x.occurred_on, x.occurred_on_precision), 'geometry', ST_AsGeoJSON(x.geom, 15)::jsonb,
       'locationPrecisionM', x.location_precision_m, 'adminAreaId', x.admin_area_id, 'deviceCategory', x.device_category, 'ordnanceModel', m.name,
       'deminingRelated', x.demining_related, 'activityId', x.activity_id, 'description', x.description, 'source', x.source,
       'victims', COALESCE((SELECT jsonb_agg(jsonb_build_object('id', v.id, 'outcome', v.outcome, 'sex', v.sex, 'age', v.age, 'ageMin', v.age_min, 'ageMax', v.age_max, 'ageReported', v.age_reported, 'victimGroup', v.victim_group,
           'activityAtTime', v.activity_at_time, 'injuries', to_jsonb(v.injuries), 'displacementStatus', v.displacement_status) ORDER BY v.created_at, v.id)
         FROM victim v WHERE v.accident_id = x.id), '[]'::jsonb)) AS payload
     FROM accident x LEFT JOIN ordnance_model m ON m.id = x.ordnance_model_id WHERE x.id = $1`,
    [id],
  );
  return row ?? null;
}

/** Another accident that already has this reference, if any. */
export async function accidentWithReference(tx: Queryable, reference: string, exceptId: string): Promise<string | null> {
  const [taken] = await tx.query<{ id: string }>('SELECT id FROM accident WHERE reference = $1 AND id <> $2', [reference, exceptId]);
  return taken?.id ?? null;
}

/** Which of these victims belong to an accident other than this one. */
export async function victimsOfOtherAccidents(tx: Queryable, victimIds: readonly string[], accidentId: string): Promise<string[]> {
  const rows = await tx.query<{ id: string }>('SELECT id FROM victim WHERE id = ANY($1::uuid[]) AND accident_id <> $2', [victimIds, accidentId]);
  return rows.map((r) => r.id);
}

/** Victims and their identities go with it (ON DELETE CASCADE). */
export async function deleteAccident(tx: Queryable, id: string): Promise<void> {
  await tx.query('DELETE FROM accident WHERE id = $1', [id]);
}

export interface AccidentWrite {
  id: string;
  payload: AccidentPayload;
  deviceCategory: string | null;
  ordnanceModelId: string | null;
  version: number;
  actorId: string | null;
}

/** Writes the accident, replaces its victims by the report's (keeping those it names by id) and their identities as the report says. */
export async function writeAccident(tx: Queryable, write: AccidentWrite): Promise<void> {
  const { id, payload: accident, actorId } = write;
  const occurredOn = readDateAsKnown(accident.occurredOn)!;
  await tx.query(
    `INSERT INTO accident (id, reference, occurred_on, geom, location_precision_m, admin_area_id, device_category, ordnance_model_id, demining_related,
       activity_id, description, source, version, created_by, updated_by, occurred_on_precision)
     VALUES ($1, $2, $3, ${GEOM(4)}, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, $15)
     ON CONFLICT (id) DO UPDATE SET reference = EXCLUDED.reference, occurred_on = EXCLUDED.occurred_on, occurred_on_precision = EXCLUDED.occurred_on_precision, geom = EXCLUDED.geom,
       location_precision_m = EXCLUDED.location_precision_m, admin_area_id = EXCLUDED.admin_area_id, device_category = EXCLUDED.device_category,
       ordnance_model_id = EXCLUDED.ordnance_model_id, demining_related = EXCLUDED.demining_related, activity_id = EXCLUDED.activity_id,
       description = EXCLUDED.description, source = EXCLUDED.source, version = EXCLUDED.version, updated_at = now(), updated_by = EXCLUDED.updated_by`,
    [
      id,
      accident.reference,
      occurredOn.date,
      accident.geometry ? JSON.stringify(accident.geometry) : null,
      accident.locationPrecisionM ?? null,
      accident.adminAreaId ?? null,
      write.deviceCategory,
      write.ordnanceModelId,
      accident.deminingRelated,
      accident.activityId ?? null,
      accident.description ?? null,
      accident.source,
      write.version,
      actorId,
      occurredOn.precision,
    ],
  );
  const kept = accident.victims.flatMap((v) => (v.id ? [v.id] : []));
  await tx.query('DELETE FROM victim WHERE accident_id = $1 AND NOT (id = ANY($2::uuid[]))', [id, kept]);
  for (const victim of accident.victims) {
    const [row] = await tx.query<{ id: string }>(
      `INSERT INTO victim (id, accident_id, outcome, sex, age, age_min, age_max, age_reported, victim_group, activity_at_time, injuries, displacement_status, created_by, updated_by)
       VALUES (COALESCE($1::uuid, gen_random_uuid()), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::text[], $12, $13, $13)
       ON CONFLICT (id) DO UPDATE SET outcome = EXCLUDED.outcome, sex = EXCLUDED.sex, age = EXCLUDED.age, age_min = EXCLUDED.age_min, age_max = EXCLUDED.age_max,
         age_reported = EXCLUDED.age_reported, victim_group = EXCLUDED.victim_group,
         activity_at_time = EXCLUDED.activity_at_time, injuries = EXCLUDED.injuries, displacement_status = EXCLUDED.displacement_status,
         version = victim.version + 1, updated_at = now(), updated_by = EXCLUDED.updated_by
       RETURNING id`,
      [
        victim.id ?? null,
        id,
        victim.outcome,
        victim.sex ?? null,
        victim.age ?? null,
        victim.ageMin ?? victim.age ?? null,
        victim.ageMax ?? victim.age ?? null,
        victim.ageReported ?? null,
        victim.victimGroup,
        victim.activityAtTime ?? null,
        victim.injuries,
        victim.displacementStatus ?? null,
        actorId,
      ],
    );
    if (victim.identity === null) {
      await tx.query('DELETE FROM victim_identity WHERE victim_id = $1', [row!.id]);
    } else if (victim.identity) {
      const identity = victim.identity;
      await tx.query(
        `INSERT INTO victim_identity (victim_id, full_name, date_of_birth, address, contact) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (victim_id) DO UPDATE SET full_name = EXCLUDED.full_name, date_of_birth = EXCLUDED.date_of_birth,
           address = EXCLUDED.address, contact = EXCLUDED.contact`,
        [row!.id, identity.fullName ?? null, identity.dateOfBirth ?? null, identity.address ?? null, identity.contact ?? null],
      );
    }
  }
}
