import { UserError } from '../errors.ts';
import type { Queryable } from '../store/db.ts';
import { type Problems, queryProblems } from './problems.ts';
import type { FindRow } from './validate.ts';

/**
 * The SQL of imports and exports. An import streams its checked rows into a temporary staging
 * table (COPY on PostgreSQL), checks what needs the whole file or the database set-wise there,
 * and merges into `find` with a few statements, all in the caller's transaction: one file is
 * committed whole or not at all.
 */

/**
 * Finds closer than this, found the same day, are taken for one find reported twice. Only finds
 * dated to the day can be: two finds of the same year at a municipal seat's position (where a
 * national file puts events it cannot place better) are two events, not one reported twice.
 */
export const DUPLICATE_METRES = 0.5;
/** Points farther than this outside the instance's country are refused as misplaced. */
const COUNTRY_MARGIN_METRES = 50_000;
/**
 * A bounding-box margin in degrees that contains DUPLICATE_METRES everywhere below 84° of
 * latitude, so the spatial index narrows candidates before the exact geodesic test.
 */
const DUPLICATE_BOX_DEGREES = 0.00005;

export interface Country {
  id: string;
  name: string;
}

/**
 * The instance's country from the `country` setting (a name, an ISO numeric code as the
 * gazetteer stores it, or an admin area id; a string or {"code"|"name"|"id": ...}); null when
 * the setting is absent, and then the country checks are skipped.
 */
export async function countrySetting(db: Queryable): Promise<Country | null> {
  const [setting] = await db.query<{ value: unknown }>("SELECT value FROM setting WHERE key = 'country'");
  if (!setting) return null;
  const value = setting.value;
  const key = typeof value === 'string' ? value : typeof value === 'object' && value !== null ? (['code', 'name', 'id'].map((k) => (value as Record<string, unknown>)[k]).find((v): v is string => typeof v === 'string')) : undefined;
  if (!key) throw new UserError(`The country setting ${JSON.stringify(value)} names no country; set it to a country name or code`, 'bad_config');
  const [country] = await db.query<Country>(
    `SELECT a.id, coalesce((SELECT p.name FROM place_name p WHERE p.admin_area_id = a.id ORDER BY p.kind <> 'conventional', p.name LIMIT 1), a.code) AS name
     FROM admin_area a
     WHERE a.level = 0 AND (a.code = $1 OR a.id::text = $1 OR EXISTS (SELECT 1 FROM place_name p WHERE p.admin_area_id = a.id AND lower(p.name) = lower($1)))
     ORDER BY a.code LIMIT 1`,
    [key],
  );
  if (!country) throw new UserError(`The country setting ${JSON.stringify(key)} matches no country in the gazetteer`, 'bad_config');
  return country;
}

/**
 * Sets the instance's country (a name, ISO numeric code or admin area id of a level-0 area of the
 * gazetteer), refusing one the gazetteer does not know; the caller's transaction keeps the old
 * setting when it is refused.
 */
export async function setCountrySetting(tx: Queryable, key: string, actorId: string | null): Promise<Country> {
  // As priorities' writeSetting does (which this folder cannot import: priorities reads exchange files): a new version and its history row.
  const [row] = await tx.query<{ version: number }>(
    `INSERT INTO setting AS s (key, value, version, updated_at, updated_by) VALUES ('country', to_jsonb($1::text), 1, now(), $2)
     ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, version = s.version + 1, updated_at = now(), updated_by = EXCLUDED.updated_by
     RETURNING version`,
    [key, actorId],
  );
  await tx.query(`UPDATE record_version SET valid_to = now() WHERE entity_type = 'setting' AND entity_id = md5('setting:country')::uuid AND valid_to IS NULL`);
  await tx.query(
    `INSERT INTO record_version (entity_type, entity_id, version, valid_from, data, changed_by, change_reason)
     VALUES ('setting', md5('setting:country')::uuid, $1, now(), jsonb_build_object('key', 'country', 'value', to_jsonb($2::text)), $3, 'country set')`,
    [row!.version, key, actorId],
  );
  return (await countrySetting(tx))!;
}

export const STAGING_COLUMNS = [
  'row_number',
  'external_id',
  'category',
  'ordnance_model_id',
  'quantity',
  'depth_cm',
  'condition',
  'disposal_method',
  'found_on',
  'found_on_precision',
  'activity_ref',
  'organisation_name',
  'lon',
  'lat',
  'duplicate_reason',
] as const;

/** A row's staging values; `duplicateReason` is why it is kept though flagged as a duplicate (null: not accepted). */
export function stagingRow(find: FindRow, duplicateReason: string | null): unknown[] {
  return [
    find.row,
    find.externalId,
    find.category,
    find.ordnanceModelId,
    find.quantity,
    find.depthCm,
    find.condition,
    find.disposalMethod,
    find.foundOn,
    find.foundOnPrecision,
    find.activity,
    find.organisation,
    find.longitude,
    find.latitude,
    duplicateReason,
  ];
}

/**
 * The staging table: temporary (so unlogged, and private to the transaction), without indexes
 * (the checks below are hash joins, and an index built for them costs more than it saves), with
 * the position as two float8 numbers, which COPY parses far faster than WKT; `staged()` makes
 * the point where a check needs it. Sorts and hash joins of a big file get more memory than the
 * default 4 MB for this transaction only, so they stay off disk.
 */
export async function createStaging(tx: Queryable): Promise<void> {
  await tx.exec(`SET LOCAL work_mem = '64MB'; SET LOCAL jit = off; CREATE TEMP TABLE import_find (
    row_number integer NOT NULL,
    external_id text,
    category text NOT NULL,
    ordnance_model_id uuid,
    quantity integer NOT NULL,
    depth_cm integer,
    condition text,
    disposal_method text,
    found_on date NOT NULL,
    found_on_precision text NOT NULL,
    activity_ref text,
    organisation_name text,
    lon float8 NOT NULL,
    lat float8 NOT NULL,
    duplicate_reason text
  ) ON COMMIT DROP`);
}

/** The staged point of row `s`, as a geometry. */
const staged = (s: string) => `ST_SetSRID(ST_MakePoint(${s}.lon, ${s}.lat), 4326)`;

/** Statistics for the planner once the rows are in: the checks then pick hash joins. */
export async function analyseStaging(tx: Queryable): Promise<void> {
  await tx.exec('ANALYZE import_find');
}

/** The checks that need the whole file or the database: references, repeats, duplicates, the country. */
export async function checkStaging(tx: Queryable, problems: Problems, country: Country | null, rowLabel: string): Promise<void> {
  await queryProblems<{ row_number: number; total: number; activity_ref: string }>(
    tx,
    problems,
    `SELECT row_number, activity_ref, count(*) OVER () AS total FROM import_find s
     WHERE activity_ref IS NOT NULL AND NOT EXISTS (SELECT 1 FROM activity a WHERE a.reference = s.activity_ref)`,
    [],
    (r) => ({ field: 'activity', value: r.activity_ref, message: 'is not the reference of any activity' }),
  );
  await queryProblems<{ row_number: number; total: number; organisation_name: string }>(
    tx,
    problems,
    `SELECT row_number, organisation_name, count(*) OVER () AS total FROM import_find s
     WHERE organisation_name IS NOT NULL AND NOT EXISTS (SELECT 1 FROM organisation o WHERE lower(o.name) = lower(s.organisation_name) OR lower(o.acronym) = lower(s.organisation_name))`,
    [],
    (r) => ({ field: 'organisation', value: r.organisation_name, message: 'is not the name of any organisation' }),
  );
  await queryProblems<{ row_number: number; total: number; external_id: string; first_row: number }>(
    tx,
    problems,
    `SELECT row_number, external_id, first_row, count(*) OVER () AS total FROM (
       SELECT row_number, external_id, min(row_number) OVER (PARTITION BY external_id) AS first_row FROM import_find WHERE external_id IS NOT NULL
     ) t WHERE row_number <> first_row`,
    [],
    (r) => ({ field: 'externalId', value: r.external_id, message: `appears again; first at ${rowLabel} ${r.first_row}` }),
  );
  await flagDuplicates(tx);
  await queryProblems<{ row_number: number; total: number; first_row: number | null; existing: string | null; found_on: string }>(
    tx,
    problems,
    `SELECT d.row_number, d.first_row, d.existing, d.found_on::text AS found_on, count(*) OVER () AS total
     FROM import_duplicate d JOIN import_find s USING (row_number) WHERE s.duplicate_reason IS NULL`,
    [],
    (r) =>
      r.first_row !== null
        ? { field: 'latitude/longitude', value: r.found_on, message: `is within ${DUPLICATE_METRES} m of the find at ${rowLabel} ${r.first_row}, found the same day: a duplicate? Report one find with a quantity, correct the position, or accept it with a reason` }
        : { field: 'latitude/longitude', value: r.found_on, message: `is within ${DUPLICATE_METRES} m of find ${r.existing} already in the database, found the same day: a duplicate? Give it that find's externalId to update it, or accept it with a reason` },
  );
  await queryProblems<{ row_number: number; total: number }>(
    tx,
    problems,
    `SELECT s.row_number, count(*) OVER () AS total FROM import_find s
     WHERE s.duplicate_reason IS NOT NULL AND NOT EXISTS (SELECT 1 FROM import_duplicate d WHERE d.row_number = s.row_number)`,
    [],
    () => ({ field: 'acceptDuplicates', value: undefined, message: 'is accepted as a duplicate, but is not flagged as one; accept only the rows the dry run flags' }),
  );
  // The accepted rows' history says what they were flagged as and why they were kept.
  await tx.query(
    `UPDATE import_find s SET duplicate_reason = 'kept although within ${DUPLICATE_METRES} m of ' ||
       CASE WHEN d.first_row IS NOT NULL THEN $1::text || ' ' || d.first_row ELSE 'find ' || d.existing END || ', found the same day: ' || s.duplicate_reason
     FROM import_duplicate d WHERE d.row_number = s.row_number AND s.duplicate_reason IS NOT NULL`,
    [rowLabel],
  );
  if (country) await checkCountry(tx, problems, country, 'SELECT row_number, lon, lat FROM import_find');
}

/**
 * The rows likely to be a find reported twice, in `import_duplicate`: a row within
 * DUPLICATE_METRES of an earlier row of the file (first_row) or of a find in the database
 * (existing), found the same day. A row is flagged once, by its nearest reason: the earliest row,
 * else the database's find.
 */
async function flagDuplicates(tx: Queryable): Promise<void> {
  // A merge join would sort five rows per row; the hash join reads each once.
  await tx.exec('SET LOCAL enable_mergejoin = off');
  await tx.query(
    // Rows are put in grid cells as wide as the box: two rows within the box of each other are in
    // the same or neighbouring cells, so a hash join on (day, cell) over the cell and four of its
    // eight neighbours meets every such pair once (the other four neighbours see it from the other
    // side), and only those few pairs get the exact test.
    `CREATE TEMP TABLE import_duplicate ON COMMIT DROP AS
     WITH cell AS (
       SELECT row_number, external_id, found_on, lon, lat, floor(lon / $1)::int AS cx, floor(lat / $1)::int AS cy FROM import_find WHERE found_on_precision = 'day'
     ), pair AS (
       SELECT least(a.row_number, b.row_number) AS first_row, greatest(a.row_number, b.row_number) AS row_number, a.found_on
       FROM cell a CROSS JOIN (VALUES (0, 0), (1, 0), (0, 1), (1, 1), (1, -1)) d (dx, dy)
         JOIN cell b ON b.found_on = a.found_on AND b.cx = a.cx + d.dx AND b.cy = a.cy + d.dy
       WHERE (d.dx <> 0 OR d.dy <> 0 OR a.row_number < b.row_number)
         AND ${staged('b')} && ST_Expand(${staged('a')}, $1) AND ST_DWithin(${staged('a')}::geography, ${staged('b')}::geography, $2, false)
         AND NOT (a.external_id IS NOT NULL AND a.external_id = b.external_id)
     )
     SELECT row_number, min(first_row) AS first_row, NULL::text AS existing, found_on FROM pair GROUP BY row_number, found_on`,
    [DUPLICATE_BOX_DEGREES, DUPLICATE_METRES],
  );
  await tx.exec('RESET enable_mergejoin');
  await tx.query(
    `INSERT INTO import_duplicate (row_number, first_row, existing, found_on)
     SELECT s.row_number, NULL, min(coalesce(f.external_id, f.id::text)), s.found_on
     FROM import_find s JOIN find f ON f.found_on = s.found_on AND f.found_on_precision = 'day' AND f.geom && ST_Expand(${staged('s')}, $1) AND ST_DWithin(f.geom::geography, ${staged('s')}::geography, $2, false)
     WHERE s.found_on_precision = 'day' AND f.external_id IS DISTINCT FROM s.external_id AND NOT (f.external_id IS NULL AND f.id::text = s.external_id)
       AND NOT EXISTS (SELECT 1 FROM import_duplicate d WHERE d.row_number = s.row_number)
     GROUP BY s.row_number, s.found_on`,
    [DUPLICATE_BOX_DEGREES, DUPLICATE_METRES],
  );
}

/** How many flagged duplicates the staged file keeps with a reason. */
export async function acceptedDuplicates(tx: Queryable): Promise<number> {
  const [row] = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM import_find s JOIN import_duplicate d USING (row_number) WHERE s.duplicate_reason IS NOT NULL');
  return row!.n;
}

/**
 * Points far outside the instance's country, and those inside it once latitude and longitude are
 * swapped. `points` is a query giving row_number, lon and lat of the staged rows to check.
 */
export async function checkCountry(tx: Queryable, problems: Problems, country: Country, points: string): Promise<void> {
  await queryProblems<{ row_number: number; total: number; lon: number; lat: number; cause: string | null; km: number }>(
    tx,
    problems,
    `SELECT * FROM (
       SELECT s.row_number, s.lon, s.lat, round(ST_Distance(c.geom::geography, s.geom::geography) / 1000)::float8 AS km,
         CASE WHEN ST_Intersects(c.geom, ST_SetSRID(ST_MakePoint(-s.lon, s.lat), 4326)) THEN 'longitude'
           WHEN ST_Intersects(c.geom, ST_SetSRID(ST_MakePoint(s.lon, -s.lat), 4326)) THEN 'latitude'
           WHEN ST_Intersects(c.geom, ST_FlipCoordinates(s.geom)) THEN 'swapped'
           WHEN ST_Intersects(c.geom, ST_SetSRID(ST_MakePoint(-s.lon, -s.lat), 4326)) THEN 'both' END AS cause,
         count(*) OVER () AS total
       FROM (SELECT row_number, lon, lat, ST_SetSRID(ST_MakePoint(lon, lat), 4326) AS geom FROM (${points}) p) s, admin_area c
       WHERE c.id = $1 AND NOT ST_Intersects(c.geom, s.geom)) t
     WHERE cause IS NOT NULL OR km * 1000 > $2`,
    [country.id, COUNTRY_MARGIN_METRES],
    (r) => ({
      field: r.cause === 'longitude' ? 'longitude' : r.cause === 'latitude' ? 'latitude' : 'latitude/longitude',
      value: `${r.lat}, ${r.lon}`,
      message: `lies ${r.km} km outside ${country.name}${r.cause ? `, but inside it ${LIKELY_CAUSE[r.cause]}` : ", the instance's country"}`,
    }),
  );
}

/** What turns a point outside the country into one inside it: the likely mistake, named. */
const LIKELY_CAUSE: Record<string, string> = {
  longitude: 'with the sign of the longitude flipped: the longitude looks sign-flipped (west is negative)',
  latitude: 'with the sign of the latitude flipped: the latitude looks sign-flipped (south is negative)',
  swapped: 'with latitude and longitude swapped: they look swapped',
  both: 'with the signs of both coordinates flipped: both look sign-flipped',
};

export interface MergeCounts {
  created: number;
  updated: number;
  unchanged: number;
}

/**
 * The columns of the find a staged row matches. It is matched by external id, or else (the `fe.id
 * IS NULL` in the second join) by the Safeground id of a find without one, so at most one of the
 * two joins gives a row and coalescing each column takes that row's value. Plain joins rather
 * than a lateral subquery per row let the planner hash them for a big file; organisations are
 * matched the same way, by name before acronym.
 */
const FOUND_COLUMNS = ['id', 'category', 'ordnance_model_id', 'quantity', 'depth_cm', 'condition', 'disposal_method', 'found_on', 'found_on_precision', 'activity_id', 'organisation_id', 'geom'] as const;

/** Exports give a find without an external id its Safeground id instead, so that id matches too. */
const UUID_PATTERN = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';

/**
 * Matches staged rows to existing finds by external id, resolves activity and organisation, and
 * says what a commit would do. A find's own organisation is kept only where its activity does not
 * already say it (no activity, or another organisation than the activity's operator): the row's,
 * else the find's current one, else `defaultOrganisationId` (the importing user's).
 */
export async function resolveStaging(tx: Queryable, defaultOrganisationId: string | null): Promise<MergeCounts> {
  // New finds are written in the order of their position along a Hilbert curve (PostGIS sorts
  // geometries so), which keeps the GiST inserts of find and record_version on pages already in
  // the cache, and get time-ordered ids in that order (UUIDv7 layout: 48-bit milliseconds,
  // version 7, a 12-bit sequence, then the random half of a v4 UUID), so that the primary keys of
  // find and record_version are appended to instead of written at random places.
  await tx.query(
    `CREATE TEMP TABLE import_resolved ON COMMIT DROP AS
     SELECT t.row_number, t.seq,
       coalesce(t.found_id, encode(int8send(((b.ms + t.seq / 4096) << 16) | 28672 | (t.seq % 4096)) || substring(uuid_send(gen_random_uuid()) FROM 9), 'hex')::uuid) AS id,
       t.found_id IS NOT NULL AS existing, t.external_id, t.category, t.ordnance_model_id, t.quantity, t.depth_cm, t.condition, t.disposal_method,
       t.found_on, t.found_on_precision, t.activity_id, t.organisation_id, t.geom, t.unchanged, t.duplicate_reason
     FROM (SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint AS ms) b, (
     SELECT s.row_number, row_number() OVER (ORDER BY g.geom) AS seq, f.id AS found_id, s.external_id, s.category, s.ordnance_model_id,
       s.quantity, s.depth_cm, s.condition, s.disposal_method, s.found_on, s.found_on_precision, a.id AS activity_id, n.organisation_id, g.geom,
       f.id IS NOT NULL
         AND (f.category, f.ordnance_model_id, f.quantity, f.depth_cm, f.condition, f.disposal_method, f.found_on, f.found_on_precision, f.activity_id, f.organisation_id)
           IS NOT DISTINCT FROM (s.category, s.ordnance_model_id, s.quantity, s.depth_cm, s.condition, s.disposal_method, s.found_on, s.found_on_precision, a.id, n.organisation_id)
         AND ST_Equals(f.geom, g.geom) AS unchanged, s.duplicate_reason
     FROM import_find s
     CROSS JOIN LATERAL (SELECT ${staged('s')} AS geom) g
     LEFT JOIN find fe ON fe.external_id = s.external_id
     LEFT JOIN find fi ON fe.id IS NULL AND fi.external_id IS NULL
       AND fi.id = CASE WHEN length(s.external_id) = 36 AND s.external_id ~ '${UUID_PATTERN}' THEN s.external_id::uuid END
     CROSS JOIN LATERAL (SELECT ${FOUND_COLUMNS.map((c) => `coalesce(fe.${c}, fi.${c}) AS ${c}`).join(', ')}) f
     LEFT JOIN activity a ON a.reference = s.activity_ref
     LEFT JOIN (
       SELECT DISTINCT ON (k) k, id FROM (
         SELECT lower(name) AS k, id, 0 AS preference FROM organisation
         UNION ALL SELECT lower(acronym), id, 1 FROM organisation WHERE acronym IS NOT NULL
       ) x ORDER BY k, preference
     ) o ON o.k = lower(s.organisation_name)
     CROSS JOIN LATERAL (SELECT CASE WHEN a.id IS NOT NULL AND (o.id IS NULL OR o.id = a.organisation_id) THEN NULL
       ELSE coalesce(o.id, f.organisation_id, $1::uuid) END AS organisation_id) n
     ) t`,
    [defaultOrganisationId],
  );
  await tx.exec('ANALYZE import_resolved (id, existing, unchanged)');
  const [counts] = await tx.query<MergeCounts>(
    `SELECT count(*) FILTER (WHERE NOT existing)::int AS created, count(*) FILTER (WHERE existing AND NOT unchanged)::int AS updated,
       count(*) FILTER (WHERE unchanged)::int AS unchanged FROM import_resolved`,
  );
  return counts!;
}

/**
 * The jsonb of a find's version: every column but geom, as `to_jsonb(f) - 'geom'` gives it, but
 * built with jsonb_build_object over the columns. `to_jsonb(f)` would first turn the geometry
 * into GeoJSON (PostGIS casts geometry to json) only to drop it, which was most of the time of
 * writing the history. The columns are read from the catalogue, so a column added to find later
 * is in the history too.
 */
async function versionData(tx: Queryable): Promise<(alias: string) => string> {
  const columns = await tx.query<{ name: string }>(
    `SELECT attname AS name FROM pg_attribute WHERE attrelid = 'find'::regclass AND attnum > 0 AND NOT attisdropped AND attname <> 'geom' ORDER BY attnum`,
  );
  // jsonb_build_object takes at most 100 arguments.
  if (columns.length > 50) return (alias) => `to_jsonb(${alias}) - 'geom'`;
  const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
  return (alias) => `jsonb_build_object(${columns.map((c) => `'${c.name.replace(/'/g, "''")}', ${alias}.${quote(c.name)}`).join(', ')})`;
}

/**
 * A version's instance and place in the changes feed, given by column defaults that are
 * functions called once a row (a SQL function reading the instance, and one taking the feed's
 * lock before each number): given once a statement, a million finds' history is written some
 * 5 s sooner (200,000 versions: 3.6 s with the defaults, 2.5 s so).
 */
const FEED_COLUMNS = 'origin, change_seq';
const FEED_VALUES = "(SELECT safeground_instance_id()), nextval('record_version_change_seq')";

/** A version's reason: the import's ($3), with why a flagged duplicate was kept when it was. */
const reasonOf = (r: string) => `CASE WHEN ${r}.duplicate_reason IS NULL THEN $3::text ELSE $3::text || '; ' || ${r}.duplicate_reason END`;

/**
 * Writes the resolved rows: new finds at version 1, changed ones as a new version, each with its
 * row in record_version (the state replaced is recorded first when the history lacked it), linked
 * to the report that carried the file when there is one.
 */
export async function applyStaging(tx: Queryable, change: { actorId: string | null; source: string; reason: string; reportId: string | null }): Promise<void> {
  const data = await versionData(tx);
  // Takes the changes feed's lock for the rest of the transaction (migration 0026), so the
  // numbers given below keep the feed in commit order; the number it takes goes unused, as a
  // rolled-back one does.
  await tx.query('SELECT safeground_next_change()');
  await tx.query(
    `INSERT INTO record_version (entity_type, entity_id, version, valid_from, data, geom, changed_by, ${FEED_COLUMNS})
     SELECT 'find', f.id, f.version, f.updated_at, ${data('f')}, f.geom, f.updated_by, ${FEED_VALUES}
     FROM import_resolved r JOIN find f ON f.id = r.id
     WHERE r.existing AND NOT r.unchanged
       AND NOT EXISTS (SELECT 1 FROM record_version v WHERE v.entity_type = 'find' AND v.entity_id = f.id AND v.version = f.version)`,
  );
  await tx.query(
    `UPDATE record_version v SET valid_to = now() FROM import_resolved r
     WHERE r.existing AND NOT r.unchanged AND v.entity_type = 'find' AND v.entity_id = r.id AND v.valid_to IS NULL`,
  );
  await tx.query(
    `WITH changed AS (
       UPDATE find f SET category = r.category, ordnance_model_id = r.ordnance_model_id, quantity = r.quantity, depth_cm = r.depth_cm,
         condition = r.condition, disposal_method = r.disposal_method, found_on = r.found_on, found_on_precision = r.found_on_precision, activity_id = r.activity_id,
         organisation_id = r.organisation_id, geom = r.geom, source = $2, version = f.version + 1, updated_at = now(), updated_by = $1
       FROM import_resolved r WHERE f.id = r.id AND r.existing AND NOT r.unchanged
       RETURNING f.*)
     INSERT INTO record_version (entity_type, entity_id, version, valid_from, data, geom, changed_by, change_reason, report_id, ${FEED_COLUMNS})
     SELECT 'find', c.id, c.version, now(), ${data('c')}, c.geom, $1, ${reasonOf('r')}, $4, ${FEED_VALUES} FROM changed c JOIN import_resolved r ON r.id = c.id`,
    [change.actorId, change.source, change.reason, change.reportId],
  );
  await tx.query(
    `WITH created AS (
       INSERT INTO find (id, external_id, activity_id, organisation_id, category, ordnance_model_id, quantity, geom, depth_cm, condition,
         disposal_method, found_on, found_on_precision, source, created_by, updated_by)
       SELECT id, external_id, activity_id, organisation_id, category, ordnance_model_id, quantity, geom, depth_cm, condition,
         disposal_method, found_on, found_on_precision, $2, $1, $1
       FROM import_resolved WHERE NOT existing ORDER BY seq
       RETURNING *)
     INSERT INTO record_version (entity_type, entity_id, version, valid_from, data, geom, changed_by, change_reason, report_id, ${FEED_COLUMNS})
     SELECT 'find', c.id, c.version, now(), ${data('c')}, c.geom, $1, ${reasonOf('r')}, $4, ${FEED_VALUES} FROM created c JOIN import_resolved r ON r.id = c.id`,
    [change.actorId, change.source, change.reason, change.reportId],
  );
}

// Exports -------------------------------------------------------------------------------------------

export interface ExportFilter {
  bbox?: readonly [number, number, number, number] | undefined;
  from?: string | undefined;
  to?: string | undefined;
  organisationId?: string | undefined;
  activityId?: string | undefined;
  category?: string | undefined;
}

export interface ExportFind {
  id: string;
  externalId: string;
  category: string;
  ordnanceModel: string | null;
  quantity: number;
  depthCm: number | null;
  condition: string | null;
  disposalMethod: string | null;
  foundOn: string;
  activity: string | null;
  organisation: string | null;
  longitude: number;
  latitude: number;
}

export const EXPORT_PAGE = 5000;

/**
 * Finds page by page in id order (keyset pagination), so an export of ten million finds holds
 * one page at a time and works the same on PGlite, which has no server-side cursors. A find
 * without an external id is exported with its Safeground id in its place, so the file imports
 * back without making duplicates.
 */
export async function* exportFinds(db: Queryable, filter: ExportFilter): AsyncGenerator<ExportFind> {
  const conditions: string[] = ['f.id > $1::uuid'];
  const params: unknown[] = [null];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (filter.bbox) conditions.push(`f.geom && ST_MakeEnvelope(${filter.bbox.map(param).join(', ')}, 4326)`);
  if (filter.from) conditions.push(`f.found_on >= ${param(filter.from)}::date`);
  if (filter.to) conditions.push(`f.found_on <= ${param(filter.to)}::date`);
  if (filter.organisationId) conditions.push(`coalesce(f.organisation_id, a.organisation_id) = ${param(filter.organisationId)}::uuid`);
  if (filter.activityId) conditions.push(`f.activity_id = ${param(filter.activityId)}::uuid`);
  if (filter.category) conditions.push(`f.category = ${param(filter.category)}`);
  const sql = `SELECT f.id, coalesce(f.external_id, f.id::text) AS "externalId", f.category, m.name AS "ordnanceModel", f.quantity, f.depth_cm AS "depthCm",
      f.condition, f.disposal_method AS "disposalMethod", date_as_known(f.found_on, f.found_on_precision) AS "foundOn", a.reference AS activity, o.name AS organisation,
      ST_X(f.geom) AS longitude, ST_Y(f.geom) AS latitude
    FROM find f LEFT JOIN ordnance_model m ON m.id = f.ordnance_model_id LEFT JOIN activity a ON a.id = f.activity_id
      LEFT JOIN organisation o ON o.id = coalesce(f.organisation_id, a.organisation_id)
    WHERE ${conditions.join(' AND ')} ORDER BY f.id LIMIT ${EXPORT_PAGE}`;
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    params[0] = after;
    const rows = await db.query<ExportFind>(sql, params);
    yield* rows;
    if (rows.length < EXPORT_PAGE) return;
    after = rows.at(-1)!.id;
  }
}
