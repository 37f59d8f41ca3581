/**
 * The skeleton every file import shares (finds, accidents, hazards, activities): the file read by
 * its format and made by the mapping, its columns checked, every row checked with problems named
 * by file, row, field and value, then the whole file checked against itself and the database in
 * one transaction that a dry run or any problem rolls back. Each record type gives only what
 * differs: its columns, its row check and staging, and its writing.
 */
import { statSync } from 'node:fs';
import type { Actor } from '../access/permissions.ts';
import { writeAudit } from '../access/store.ts';
import { remainingMs } from '../deadline.ts';
import { type Db, type Queryable, unboundedStatements } from '../store/db.ts';
import { type Composing, openMapped } from './compose.ts';
import type { ImportReport } from './findImporter.ts';
import { formatOfFile, type ImportFormat } from './formats.ts';
import { FileProblem, Problems } from './problems.ts';
import type { Progress } from './progress.ts';
import type { ReadOptions, Source } from './source.ts';
import type { SourceFeature } from './validate.ts';

/** What every import is told, whatever it imports. */
export interface ImportRun {
  /** The file on disk. */
  path: string;
  /** Its name in messages (an upload's name); the path when not given. */
  file?: string | undefined;
  format?: ImportFormat | undefined;
  /** Check everything and say what would happen, writing nothing. */
  dryRun: boolean;
  /** Who imports; null from the command line. */
  actor: Actor | null;
  progress?: Progress | undefined;
}

/** What one record type's import gives the skeleton. */
export interface RecordImport<R extends ImportReport> {
  /** The entity type named in the audit log. */
  entityType: string;
  mapping: Composing & ReadOptions['mapping'];
  /** The report's own fields beyond the common ones, before anything is read. */
  extra: Omit<R, keyof ImportReport>;
  /** With columns known up front, the columns that feed nothing and the problem of the whole file. */
  checkColumns(source: Source, file: string): { ignored: string[]; problem: string | null };
  /**
   * Reads every row (through `checkedRows`), stages the good ones and checks the whole file, in
   * the transaction; gives what a commit would do, or null when the file could not be read to its
   * end. `ignoredColumns` are those seen but unused, for formats that declare no columns.
   */
  stage(tx: Queryable, source: Source, problems: Problems, onRow: (row: number) => void): Promise<{ counts: Partial<R>; ignoredColumns: string[] } | null>;
  /** Writes the staged file; the report has the counts. Gives details for the audit row. */
  commit(tx: Queryable, report: R, change: { actorId: string | null; source: string; reason: string }): Promise<Record<string, unknown>>;
}

/** Thrown out of the transaction to roll it back while keeping the report. */
class Rollback<R> extends Error {
  constructor(readonly report: R) {
    super('rollback');
  }
}

/**
 * Runs one import, all or nothing. Every problem goes into the report; nothing is written unless
 * the file has none and this is not a dry run.
 */
export async function runImport<R extends ImportReport>(db: Db, run: ImportRun, spec: RecordImport<R>): Promise<R> {
  const file = run.file ?? run.path;
  const format = run.format ?? formatOfFile(file);
  const problems = new Problems();
  const report = {
    file,
    format,
    rowLabel: 'row',
    dryRun: run.dryRun,
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
    ...spec.extra,
  } as unknown as R;
  const finish = (): R => ({ ...report, problems: problems.ordered(), problemCount: problems.count, problemKinds: problems.kinds() });

  const totalBytes = statSync(run.path).size;
  const composed = await openMapped(format, run.path, { file, mapping: spec.mapping, onBytes: (bytes) => run.progress?.update(report.rows, bytes) }, (opened) =>
    spec.checkColumns(opened, file),
  );
  if (composed.problem) {
    report.rowLabel = composed.rowLabel ?? report.rowLabel;
    problems.add(composed.problem);
    return finish();
  }
  const source = composed.source;
  report.rowLabel = source.rowLabel;
  report.ignoredColumns = composed.ignoredColumns;
  try {
    return await db.transaction(async (tx) => {
      if (remainingMs() === null) await unboundedStatements(tx, db.backend);
      let read = 0;
      const staged = await spec.stage(tx, source, problems, (row) => {
        read = row;
        report.rows = row + composed.skipped.total;
        if (row % 1000 === 0) run.progress?.update(row);
      });
      // Rows skipped after the last one read count too.
      report.rows = read + composed.skipped.total;
      run.progress?.update(report.rows, totalBytes);
      report.skipped = { total: composed.skipped.total, by: Object.fromEntries(composed.skipped.by) };
      if (staged) {
        Object.assign(report, staged.counts);
        if (!source.columns) report.ignoredColumns = staged.ignoredColumns.filter((column) => !composed.used.has(column));
      }
      if (run.dryRun || problems.count > 0) throw new Rollback(finish());
      const details = await spec.commit(tx, report, { actorId: run.actor?.userId ?? null, source: `import: ${file}`, reason: `import of ${file}` });
      await writeAudit(tx, run.actor, 'import', { type: spec.entityType }, { file, format, rows: report.rows, created: report.created, updated: report.updated, unchanged: report.unchanged, ...details });
      report.committed = true;
      return finish();
    });
  } catch (error) {
    if (error instanceof Rollback) return error.report as R;
    throw error;
  } finally {
    run.progress?.done();
  }
}

/**
 * The rows of a source checked one by one: each feature's own problem (a short row) is filed,
 * `check` files the rest and gives null for a bad row, and a problem that stops the reading is
 * filed and remembered (`failed`), for the caller to skip the checks that need the whole file.
 */
export function checkedRows<T>(source: Source, problems: Problems, check: (feature: SourceFeature) => T | null, onRow?: (row: number) => void): { rows: AsyncGenerator<T>; failed: () => boolean } {
  let count = 0;
  let failed = false;
  async function* rows(): AsyncGenerator<T> {
    try {
      for await (const feature of source.features) {
        onRow?.(++count);
        if (feature.problem) {
          problems.add({ row: feature.row, field: null, value: undefined, message: feature.problem });
          continue;
        }
        const checked = check(feature);
        if (checked !== null) yield checked;
      }
    } catch (error) {
      if (!(error instanceof FileProblem)) throw error;
      problems.add(error.problem);
      failed = true;
    }
  }
  return { rows: rows(), failed: () => failed };
}
