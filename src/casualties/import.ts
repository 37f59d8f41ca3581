import { statSync } from 'node:fs';
import type { Actor } from '../access/permissions.ts';
import { writeAudit } from '../access/store.ts';
import type { Db } from '../store/db.ts';
import { accidentStagingRow, ACCIDENT_STAGING_COLUMNS, type AccidentMergeCounts, applyAccidentStaging, checkAccidentStaging, createAccidentStaging, resolveAccidentStaging } from './store.ts';
import { formatOfFile, type ImportFormat } from '../exchange/formats.ts';
import { describeReport, type ImportReport } from '../exchange/findImporter.ts';
import { ACCIDENT_ALIASES, type AccidentField, type AccidentMapping, columnFieldsByName, DEFAULT_ACCIDENT_MAPPING, IDENTITY_FIELDS } from '../exchange/mapping.ts';
import { FileProblem, Problems } from '../exchange/problems.ts';
import type { Progress } from '../exchange/progress.ts';
import type { Source } from '../exchange/source.ts';
import { Catalogue } from '../catalogue/match.ts';
import { loadCatalogue } from '../catalogue/store.ts';
import { countrySetting } from '../exchange/store.ts';
import { AccidentRowValidator } from './validate.ts';
import { openMapped, withComposedFields } from '../exchange/compose.ts';

export interface AccidentImportOptions {
  /** The file on disk. */
  path: string;
  /** Its name in messages (an upload's name); the path when not given. */
  file?: string;
  format?: ImportFormat;
  mapping?: AccidentMapping;
  /** Check everything and say what would happen, writing nothing. */
  dryRun: boolean;
  /** Activity reference for accidents that name none. */
  activity?: string;
  /**
   * Who imports; null from the command line, which has the database itself. Victims' identifying
   * details import only for a null actor or one with restricted.read.
   */
  actor: Actor | null;
  progress?: Progress;
  /** Today as YYYY-MM-DD, for the future-date check. */
  today?: string;
}

/** The finds import's report, its counts being accidents, with what happens to their victims. */
export interface AccidentImportReport extends ImportReport {
  victims: AccidentMergeCounts['victims'];
}

class Rollback extends Error {
  constructor(readonly report: AccidentImportReport) {
    super('rollback');
  }
}

const IDENTITY_REFUSED =
  "are victims' identifying details (restricted personal data); importing them needs the restricted.read permission, which national information officers and administrators hold. Remove them to import the rest";

/** With columns known up front, a missing or refused field is one message for the file. */
function checkColumns(source: Source, mapping: AccidentMapping, file: string, identitiesAllowed: boolean): { ignored: string[]; problem: string | null } {
  if (!source.columns) return { ignored: [], problem: null };
  const { fields, ignored, clashes } = columnFieldsByName(source.columns, mapping, ACCIDENT_ALIASES);
  if (clashes.length > 0) return { ignored, problem: `${file}: ${clashes.join('; ')}; map only one of them` };
  const present = new Set<AccidentField>([...fields.values(), ...(Object.keys(mapping.defaults) as AccidentField[])]);
  const identity = [...fields].filter(([, field]) => (IDENTITY_FIELDS as readonly string[]).includes(field)).map(([column]) => JSON.stringify(column));
  if (identity.length > 0 && !identitiesAllowed) return { ignored, problem: `${file}: columns ${identity.join(', ')} ${IDENTITY_REFUSED}` };
  const missing = (['reference', 'occurredOn'] as const).filter((field) => !present.has(field));
  const hint = `; columns are ${source.columns.map((c) => JSON.stringify(c)).join(', ')}. Name them in a mapping file ("fields": {"column": "field"})`;
  return { ignored, problem: missing.length > 0 ? `${file}: no column gives ${missing.join(', ')}${hint}` : null };
}

/**
 * Imports accidents with their victims from a file in one transaction, as importFinds does finds:
 * every row is checked, the whole file against itself and the database, and only a file without
 * problems is written. An accident whose reference is already recorded is updated (a new
 * version) when anything about it or its victims changed; the file lists each accident's victims
 * in full.
 */
export async function importAccidents(db: Db, options: AccidentImportOptions): Promise<AccidentImportReport> {
  const file = options.file ?? options.path;
  const format = options.format ?? formatOfFile(file);
  const base = withComposedFields(options.mapping ?? DEFAULT_ACCIDENT_MAPPING);
  const mapping: AccidentMapping = { ...base, defaults: { ...base.defaults, ...(options.activity ? { activity: options.activity } : {}) } };
  const identitiesAllowed = options.actor === null || options.actor.permissions.has('restricted.read');
  const problems = new Problems();
  const report: AccidentImportReport = {
    file,
    format,
    rowLabel: 'row',
    dryRun: options.dryRun,
    committed: false,
    rows: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    problemCount: 0,
    problems: problems.listed,
    problemKinds: {},
    ignoredColumns: [],
    skipped: { total: 0, by: {} },
    victims: { created: 0, updated: 0, deleted: 0, unchanged: 0, identities: 0 },
  };
  const finish = () => ({ ...report, problems: problems.ordered(), problemCount: problems.count, problemKinds: problems.kinds() });

  const catalogue = new Catalogue(await loadCatalogue(db));
  const country = await countrySetting(db);
  const totalBytes = statSync(options.path).size;
  const composed = await openMapped(format, options.path, { file, mapping, onBytes: (bytes) => options.progress?.update(report.rows, bytes) }, (opened) => checkColumns(opened, mapping, file, identitiesAllowed));
  if (composed.problem) {
    report.rowLabel = composed.rowLabel ?? report.rowLabel;
    problems.add(composed.problem);
    return finish();
  }
  const source = composed.source;
  report.rowLabel = source.rowLabel;
  report.ignoredColumns = composed.ignoredColumns;

  const validator = new AccidentRowValidator(mapping, catalogue, options.today ?? new Date().toISOString().slice(0, 10));
  let readFailed = false;
  async function* rows(): AsyncGenerator<unknown[]> {
    try {
      for await (const feature of source.features) {
        report.rows++;
        if (report.rows % 1000 === 0) options.progress?.update(report.rows);
        if (feature.problem) {
          problems.add({ row: feature.row, field: null, value: undefined, message: feature.problem });
          continue;
        }
        const accident = validator.validate(feature, problems);
        if (!accident) continue;
        const identity = accident.victim?.identity;
        if (identity && !identitiesAllowed) {
          const given = IDENTITY_FIELDS.filter((field) => identity[field] !== null);
          problems.add({ row: feature.row, field: given.join(', '), value: undefined, message: IDENTITY_REFUSED });
          continue;
        }
        yield accidentStagingRow(accident);
      }
    } catch (error) {
      if (!(error instanceof FileProblem)) throw error;
      problems.add(error.problem);
      readFailed = true;
    }
  }

  try {
    return await db.transaction(async (tx) => {
      await createAccidentStaging(tx);
      await tx.bulkLoad('import_accident', ACCIDENT_STAGING_COLUMNS, rows());
      report.skipped = { total: composed.skipped.total, by: Object.fromEntries(composed.skipped.by) };
      if (!source.columns) report.ignoredColumns = validator.ignoredColumns().filter((column) => !composed.used.has(column));
      report.rows += report.skipped.total;
      options.progress?.update(report.rows, totalBytes);
      if (!readFailed) {
        await tx.exec('ANALYZE import_accident');
        await checkAccidentStaging(tx, problems, country, source.rowLabel);
        Object.assign(report, await resolveAccidentStaging(tx));
      }
      if (options.dryRun || problems.count > 0) throw new Rollback(finish());
      await applyAccidentStaging(tx, { actorId: options.actor?.userId ?? null, source: `import: ${file}`, reason: `import of ${file}` });
      await writeAudit(tx, options.actor, 'import', { type: 'accident' }, { file, format, rows: report.rows, created: report.created, updated: report.updated, unchanged: report.unchanged, victims: report.victims });
      report.committed = true;
      return finish();
    });
  } catch (error) {
    if (error instanceof Rollback) return error.report;
    throw error;
  } finally {
    options.progress?.done();
  }
}

/** The report as lines for a terminal: the finds import's summary (counting accidents), the victims, then every problem. */
export function describeAccidentReport(report: AccidentImportReport): string[] {
  const [summary, ...rest] = describeReport(report);
  const v = report.victims;
  const victims = `victims: ${v.created} new, ${v.updated} updated, ${v.deleted} removed, ${v.unchanged} unchanged${v.identities > 0 ? `; identifying details of ${v.identities} victim(s) ${report.committed ? 'written' : 'to write'}` : ''}`;
  return [`${summary!.replace(/: (\d+) new,/, ': accidents: $1 new,')}; ${victims}`, ...rest];
}
