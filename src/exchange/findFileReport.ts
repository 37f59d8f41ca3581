import { dateAsKnown } from '../ops/datePrecision.ts';
import { z } from 'zod';
import { type Actor, isNational } from '../access/permissions.ts';
import { UserError } from '../errors.ts';
import { type EntityHandler, registerEntityHandler } from '../reports/handlers.ts';
import type { ReportRow } from '../reports/store.ts';
import { createReport } from '../reports/workflow.ts';
import type { Db, Queryable } from '../store/db.ts';
import { type ImportOptions, type ImportReport, importFinds, stageFinds } from './findImporter.ts';
import { DEFAULT_MAPPING } from './mapping.ts';
import { describeProblem, Problems, queryProblems } from './problems.ts';
import type { Source } from './source.ts';
import { Catalogue } from '../catalogue/match.ts';
import { loadCatalogue } from '../catalogue/store.ts';
import { applyStaging, countrySetting } from './store.ts';
import { type FindRow, RowValidator } from './validate.ts';

/**
 * A file of finds from an organisation that may not write finds directly: its checked rows travel
 * in a report, and the import runs when a national officer approves it, checked again against the
 * database as it is then, all or nothing, as a direct import would. The file becomes a
 * `find_import` record and every find it writes names the report in its history.
 */

/** The rows of one report are held in memory and in its payload; a bigger file is split, or imported by a national officer. */
export const MAX_REPORTED_ROWS = 50_000;

/** Rows shown of a report's payload when it is read; the approval view lists a sample, not 50,000 rows. */
const ROWS_SHOWN = 20;

/**
 * Each row in the field names of a find (the default mapping's), with `row`, its number in the
 * file, so a problem found on approval still points at the line of the file.
 */
const FindImportPayload = z.strictObject({
  file: z.string().trim().min(1).max(200),
  /** The organisation the finds are reported for: rows naming none get it, and no row may name another. */
  organisationId: z.uuid().nullable(),
  rows: z.array(z.record(z.string(), z.unknown())).min(1).max(MAX_REPORTED_ROWS),
  /** Flagged duplicates the sender keeps, by row number or externalId, and why; checked again on approval. */
  acceptDuplicates: z.strictObject({ rows: z.array(z.union([z.int().positive(), z.string().min(1).max(200)])).min(1), reason: z.string().trim().min(1).max(1000) }).optional(),
});
type FindImportPayload = z.infer<typeof FindImportPayload>;

function payloadRow(find: FindRow, modelNames: ReadonlyMap<string, string>): Record<string, unknown> {
  const { ordnanceModelId, foundOnPrecision, ...fields } = find;
  return { ...fields, foundOn: dateAsKnown(find.foundOn, foundOnPrecision), ordnanceModel: ordnanceModelId ? (modelNames.get(ordnanceModelId) ?? null) : null };
}

function payloadSource(rows: readonly Record<string, unknown>[]): Source {
  async function* features() {
    for (const [index, { row, ...properties }] of rows.entries()) yield { row: typeof row === 'number' ? row : index + 1, properties };
  }
  return { rowLabel: 'row', columns: null, features: features() };
}

/** Rows that would give a find to another organisation than the report's, directly or through an activity. */
async function checkOrganisation(tx: Queryable, problems: Problems, organisationId: string): Promise<void> {
  await queryProblems<{ row_number: number; total: number; name: string }>(
    tx,
    problems,
    `SELECT r.row_number, o.name, count(*) OVER () AS total
     FROM import_resolved r LEFT JOIN activity a ON a.id = r.activity_id
       JOIN organisation o ON o.id = coalesce(r.organisation_id, a.organisation_id)
     WHERE o.id <> $1`,
    [organisationId],
    (r) => ({ field: 'organisation', value: r.name, message: "is another organisation's; a report gives finds to its own organisation only" }),
  );
}

export const findImportHandler: EntityHandler<FindImportPayload> = {
  entityType: 'find_import',
  table: 'find_import',
  schema: FindImportPayload,
  async read(tx, id, options) {
    const [row] = await tx.query<{ version: number; payload: Record<string, unknown> }>(
      `SELECT version, jsonb_build_object('file', file, 'organisationId', organisation_id, 'rowCount', row_count, 'created', created,
         'updated', updated, 'unchanged', unchanged, 'geometry', ST_AsGeoJSON(geom, 15)::jsonb) AS payload
       FROM find_import WHERE id = $1${options.lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return row ?? null;
  },
  async organisationOf(_tx, payload) {
    return payload.organisationId ?? null;
  },
  async validate(tx, change) {
    if (change.action !== 'create') {
      throw new UserError('An import of finds is not changed or undone as a whole; correct its finds with another import, or with reports on them', 'conflict');
    }
    const payload = change.payload!;
    const problems = new Problems();
    const validator = new RowValidator(DEFAULT_MAPPING, new Catalogue(await loadCatalogue(tx)), new Date().toISOString().slice(0, 10));
    await stageFinds(tx, payloadSource(payload.rows), validator, problems, {
      country: await countrySetting(tx),
      defaultOrganisationId: payload.organisationId,
      acceptDuplicates: payload.acceptDuplicates,
    });
    if (problems.count === 0 && payload.organisationId) await checkOrganisation(tx, problems, payload.organisationId);
    if (problems.count > 0) {
      const first = problems.listed.slice(0, 3).map((p) => describeProblem(payload.file, 'row', p));
      throw new UserError(`${problems.count} problem(s) in ${payload.file}: ${first.join('; ')}`, 'bad_input', { problems: problems.listed });
    }
  },
  async apply(tx, change) {
    const payload = change.payload!;
    await applyStaging(tx, { actorId: change.actor.userId, source: `import: ${payload.file}`, reason: `import of ${payload.file}`, reportId: change.reportId });
    await tx.query(
      `INSERT INTO find_import (id, file, organisation_id, row_count, created, updated, unchanged, geom, version, created_by, updated_by)
       SELECT $1, $2, $3, $4, count(*) FILTER (WHERE NOT existing), count(*) FILTER (WHERE existing AND NOT unchanged), count(*) FILTER (WHERE unchanged),
         ST_Envelope(ST_Collect(geom)), $5, $6, $6
       FROM import_resolved`,
      [change.entityId, payload.file, payload.organisationId, payload.rows.length, change.version, change.actor.userId],
    );
  },
  payloadForReader(payload) {
    if (!Array.isArray(payload.rows)) return payload;
    return { ...payload, rowCount: payload.rows.length, rows: payload.rows.slice(0, ROWS_SHOWN) };
  },
};

registerEntityHandler(findImportHandler);

/**
 * Checks a file as a dry run would and, when it has no problems, sends its rows in a submitted
 * report for a national officer to approve. A file with problems sends nothing; its report of
 * problems comes back as a dry run's does.
 */
export async function reportFindImport(db: Db, actor: Actor, options: Omit<ImportOptions, 'dryRun' | 'actor' | 'keep'>): Promise<{ import: ImportReport; report: ReportRow | null }> {
  const modelNames = new Map((await loadCatalogue(db)).map((entry) => [entry.id, entry.name]));
  const rows: Record<string, unknown>[] = [];
  const checked = await importFinds(db, {
    ...options,
    dryRun: true,
    actor,
    keep: (find) => {
      if (rows.length <= MAX_REPORTED_ROWS) rows.push(payloadRow(find, modelNames));
    },
  });
  if (checked.problemCount > 0) return { import: checked, report: null };
  if (rows.length > MAX_REPORTED_ROWS) {
    throw new UserError(
      `${checked.file} has ${checked.rows.toLocaleString('en')} ${checked.rowLabel}s; a report carries at most ${MAX_REPORTED_ROWS.toLocaleString('en')}: split the file, or ask a national officer to import it`,
      'too_large',
    );
  }
  if (rows.length === 0) throw new UserError(`${checked.file} has no finds to import`, 'bad_input');
  const organisationId = isNational(actor) ? null : actor.organisationId;
  const report = await createReport(
    db,
    actor,
    { entityType: 'find_import', action: 'create', payload: { file: checked.file, organisationId, rows, ...(options.acceptDuplicates ? { acceptDuplicates: options.acceptDuplicates } : {}) }, reason: `import of ${checked.file}` },
    { submit: true },
  );
  return { import: checked, report };
}
