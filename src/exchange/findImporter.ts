import type { Db, Queryable } from '../store/db.ts';
import { type ImportFormat } from './formats.ts';
import { columnFields, DEFAULT_MAPPING, type FindField, type Mapping } from './mapping.ts';
import { describeProblem, type Problem, type Problems } from './problems.ts';
import type { Source } from './source.ts';
import { describeSkipped, withComposedFields } from './compose.ts';
import { checkedRows, type ImportRun, runImport } from './importer.ts';
import { acceptedDuplicates, analyseStaging, applyStaging, checkStaging, type Country, countrySetting, createStaging, type MergeCounts, resolveStaging, STAGING_COLUMNS, stagingRow } from './store.ts';
import { Catalogue } from '../catalogue/match.ts';
import { loadCatalogue } from '../catalogue/store.ts';
import { type FindRow, RowValidator, type SourceFeature } from './validate.ts';

export interface ImportOptions extends ImportRun {
  mapping?: Mapping;
  /** Organisation name (or acronym) for rows that name none. */
  organisation?: string;
  /** Activity reference for rows that name none. */
  activity?: string;
  /** Today as YYYY-MM-DD, for the future-date check. */
  today?: string;
  /** Given every row that passed the checks one row can make (a report keeps them to import on approval). */
  keep?: (find: FindRow) => void;
  /** Rows flagged as likely duplicates that are to be imported all the same, and why. */
  acceptDuplicates?: AcceptDuplicates | undefined;
}

/**
 * Flagged duplicates a person has looked at and keeps, with the reason (two mines of a pair laid
 * together, say): rows by their number in the file or their externalId. The reason goes into each
 * kept find's history; a row named here that is not flagged is a problem, so that an accept list
 * made for one version of a file does not wave through another.
 */
export interface AcceptDuplicates {
  rows: (number | string)[];
  reason: string;
}

/** An accept list from text: row numbers and externalIds separated by commas. */
export function parseAcceptList(text: string): (number | string)[] {
  return text.split(',').map((item) => item.trim()).filter((item) => item !== '').map((item) => (/^\d+$/.test(item) ? Number(item) : item));
}

export interface ImportReport {
  file: string;
  format: ImportFormat;
  /** What the format calls a row: row, feature, placemark, record. */
  rowLabel: string;
  dryRun: boolean;
  /** True when the finds were written. */
  committed: boolean;
  rows: number;
  /** What the import did, or on a dry run would do. */
  created: number;
  updated: number;
  unchanged: number;
  problemCount: number;
  /** The most serious problems (up to 1000, at most 20 of a kind), each with its row, field and value. */
  problems: Problem[];
  /** Every problem counted by kind (field and message without the row's values), the most frequent first. */
  problemKinds: Record<string, number>;
  /** Source columns that feed no field. */
  ignoredColumns: string[];
  /** Rows left out by the mapping's keep and skip, in all and by `column = value`. */
  skipped: { total: number; by: Record<string, number> };
  /** Flagged duplicates kept with a stated reason (acceptDuplicates); for records with a duplicate rule. */
  acceptedDuplicates?: number;
}

/**
 * With columns known up front, a missing field is one clear message for the file rather than
 * the same message on every row.
 */
function checkColumns(source: Source, mapping: Mapping, file: string): { ignored: string[]; problem: string | null } {
  if (!source.columns) return { ignored: [], problem: null };
  const { fields, ignored, clashes } = columnFields(source.columns, mapping);
  const present = new Set<FindField>([...fields.values(), ...(Object.keys(mapping.defaults) as FindField[])]);
  const hint = `; columns are ${source.columns.map((c) => JSON.stringify(c)).join(', ')}. Name them in a mapping file ("fields": {"column": "field"})`;
  if (clashes.length > 0) return { ignored, problem: `${file}: ${clashes.join('; ')}; map only one of them` };
  const missing: string[] = [];
  if (!present.has('foundOn')) missing.push('foundOn');
  if (!present.has('category') && !present.has('ordnanceModel')) missing.push('category or ordnanceModel');
  const hasGeometry = source.rowLabel !== 'row';
  if (!hasGeometry && !present.has('wkt') && !(present.has('latitude') && present.has('longitude'))) missing.push('latitude and longitude (or wkt)');
  return { ignored, problem: missing.length > 0 ? `${file}: no column gives ${missing.join(', ')}${hint}` : null };
}

/**
 * Imports finds from a file in one transaction: every row is read and checked, the whole file
 * is checked against itself and the database, and only a file without problems is written. A
 * row whose external id is already in the database updates that find (as a new version); an
 * unchanged row changes nothing.
 */
export async function importFinds(db: Db, options: ImportOptions): Promise<ImportReport> {
  const base = withComposedFields(options.mapping ?? DEFAULT_MAPPING);
  const mapping: Mapping = {
    ...base,
    defaults: {
      ...base.defaults,
      ...(options.organisation ? { organisation: options.organisation } : {}),
      ...(options.activity ? { activity: options.activity } : {}),
    },
  };
  const country = await countrySetting(db);
  const validator = new RowValidator(mapping, new Catalogue(await loadCatalogue(db)), options.today ?? new Date().toISOString().slice(0, 10));
  const accept = options.acceptDuplicates;
  return runImport<ImportReport>(db, options, {
    entityType: 'find',
    mapping,
    extra: { acceptedDuplicates: 0 },
    checkColumns: (source, file) => checkColumns(source, mapping, file),
    async stage(tx, source, problems, onRow) {
      const counts = await stageFinds(tx, source, validator, problems, { country, defaultOrganisationId: options.actor?.organisationId ?? null, onRow, keep: options.keep, acceptDuplicates: accept });
      if (!counts) return null;
      return { counts: { ...counts, acceptedDuplicates: accept ? await acceptedDuplicates(tx) : 0 }, ignoredColumns: validator.ignoredColumns() };
    },
    async commit(tx, report, change) {
      await applyStaging(tx, { ...change, reportId: null });
      return report.acceptedDuplicates ? { acceptedDuplicates: report.acceptedDuplicates, reason: accept!.reason } : {};
    },
  });
}

/**
 * Reads every row of a source, checks it, stages the good ones and runs the checks that need the
 * whole file or the database, in the caller's transaction: afterwards `applyStaging` writes them.
 * Gives what a commit would do, or null when the source could not be read to its end.
 */
export async function stageFinds(
  tx: Queryable,
  source: Source,
  validator: RowValidator,
  problems: Problems,
  options: {
    country: Country | null;
    defaultOrganisationId: string | null;
    onRow?: (rows: number) => void;
    keep?: ((find: FindRow) => void) | undefined;
    acceptDuplicates?: AcceptDuplicates | undefined;
  },
): Promise<MergeCounts | null> {
  const accept = options.acceptDuplicates;
  const wanted = new Set(accept?.rows.map(String) ?? []);
  const named = new Set<string>();
  const reasonFor = (find: FindRow): string | null => {
    const keys = [String(find.row), find.externalId].filter((key): key is string => key !== null && wanted.has(key));
    for (const key of keys) named.add(key);
    return keys.length > 0 ? accept!.reason : null;
  };
  const stagedRow = (feature: SourceFeature): unknown[] | null => {
    const find = validator.validate(feature, problems);
    if (find) options.keep?.(find);
    return find && stagingRow(find, reasonFor(find));
  };
  const checked = checkedRows(source, problems, stagedRow, options.onRow);
  await createStaging(tx);
  await tx.bulkLoad('import_find', STAGING_COLUMNS, checked.rows);
  if (checked.failed()) return null;
  for (const item of [...wanted].filter((key) => !named.has(key))) problems.add({ row: null, field: 'acceptDuplicates', value: item, message: `names no ${source.rowLabel} of the file (a ${source.rowLabel} number or an externalId)` });
  await analyseStaging(tx);
  await checkStaging(tx, problems, options.country, source.rowLabel);
  return resolveStaging(tx, options.defaultOrganisationId);
}

/** The report as lines for a terminal: a summary, then every listed problem. */
export function describeReport(report: ImportReport): string[] {
  const did = report.committed ? 'imported' : report.dryRun && report.problemCount === 0 ? 'would import' : 'not imported';
  const lines = [
    `${report.file}: ${report.rows.toLocaleString('en')} ${report.rowLabel}s read; ${did}: ${report.created} new, ${report.updated} updated, ${report.unchanged} unchanged` +
      (report.problemCount > 0 ? `; ${report.problemCount} problem(s), nothing written` : ''),
  ];
  const skipped = describeSkipped(report.skipped, report.rowLabel);
  if (skipped) lines.push(skipped);
  if (report.ignoredColumns.length > 0) lines.push(`Ignored columns: ${report.ignoredColumns.join(', ')}`);
  if (report.acceptedDuplicates) lines.push(`${report.acceptedDuplicates} flagged duplicate(s) kept with the reason given`);
  for (const problem of report.problems) lines.push(describeProblem(report.file, report.rowLabel, problem));
  if (report.problemCount > report.problems.length) {
    lines.push(`... and ${report.problemCount - report.problems.length} more; all ${report.problemCount} by kind:`);
    for (const [kind, n] of Object.entries(report.problemKinds)) lines.push(`  ${n} × ${kind}`);
  }
  return lines;
}
