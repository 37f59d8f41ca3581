/**
 * `safeground records`: import a record (with legs from a spreadsheet), audit a handover batch,
 * write a record's printable audit report. The same store functions as the API.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import { UserError } from '../errors.ts';
import { inStore, storeCommand, type StoreOptions, withStore } from '../cli/store.ts';
import { formatDeg } from '../geodesy/angles.ts';
import { auditBlockers, formatPValue, type AuditAggregate, type AuditResult, type CurvePoint, type Share } from './audit.ts';
import { parseLegsCsv } from './format.ts';
import { reconstruct } from './reconstruct.ts';
import { renderAuditReport } from './report.ts';
import { safegroundVersion } from '../version.ts';
import * as records from './store.ts';

function positiveNumber(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a number of metres > 0 (got ${JSON.stringify(value)})`);
    return n;
  };
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new UserError(`Cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, 'bad_input');
  }
}

function percent(s: Share | CurvePoint | undefined): string {
  return s === undefined || s.share === null ? '-' : `${(s.share * 100).toFixed(1)}%`;
}

function atTolerance(audit: AuditResult): CurvePoint | undefined {
  return audit.positionalAccuracy.find((p) => p.toleranceM === audit.toleranceM);
}

/** Progress on stderr, only when a person is watching it. */
function progress(label: string): ((done: number, total: number) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  return (done, total) => process.stderr.write(`\r${label} ${done}/${total}${done === total ? '\n' : ''}`);
}

function counted(s: Share | CurvePoint | undefined): string {
  return `${percent(s)} (${s?.count ?? 0}/${s?.of ?? 0})`;
}

const RECORD_COLUMNS = ['reference', 'batch', 'found mines', 'positional accuracy A(τ)', 'completeness', 'outside share', 'found − stated', 'systematic error', 'significant', 'p'] as const;

function recordCells(a: AuditResult): string[] {
  const s = a.systematicError;
  return [
    a.reference,
    a.handoverBatch ?? '',
    String(a.countDiscrepancy.found),
    counted(atTolerance(a)),
    counted(a.completeness),
    a.outsideShare ? counted(a.outsideShare.combined) : '-',
    a.countDiscrepancy.foundMinusStated === null ? '-' : String(a.countDiscrepancy.foundMinusStated),
    s ? `${s.shiftM.toFixed(1)} m @ ${formatDeg(s.bearingDeg)}, ${formatDeg(s.rotationDeg, { decimals: 1, kind: 'signed' })}` : '-',
    s ? (s.significant ? 'yes' : 'no') : '-',
    s ? formatPValue(s.pValue) : '-',
  ];
}

const BATCH_COLUMNS = ['batch', 'records audited', 'positional accuracy A(τ)', 'completeness', 'outside share', 'found / stated', 'A(τ) after significant corrections', 'significant shifts'] as const;

function batchCells(g: AuditAggregate, tolerance: number): string[] {
  return [
    g.key,
    `${g.audited} of ${g.audited + g.skipped.length}`,
    counted(g.positionalAccuracy.find((p) => p.toleranceM === tolerance)),
    counted(g.completeness),
    counted(g.outsideShare.combined),
    `${g.countDiscrepancy.found} / ${g.countDiscrepancy.stated} (${g.countDiscrepancy.records} records)`,
    counted(g.positionalAccuracyAfterCorrection),
    String(g.significantShifts),
  ];
}

function textTable(header: readonly string[], rows: readonly string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function csvCell(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function formatBatchAudit(result: records.BatchAudit, format: 'table' | 'json' | 'csv'): string {
  const tau = result.toleranceM;
  const method = `Method: τ = ${tau} m, maximum shift ${result.maxShiftM} m; ${result.method}.`;
  if (format === 'json') return `${JSON.stringify({ ...result, records: result.records.map((r) => ({ id: r.id, ...r.audit })) }, null, 2)}\n`;
  const recordRows = result.records.map((r) => recordCells(r.audit));
  const batchRows = result.batches.map((g) => batchCells(g, tau));
  if (format === 'csv') {
    const lines = [['kind', 'id', ...RECORD_COLUMNS].map(csvCell).join(',')];
    for (const [i, row] of recordRows.entries()) lines.push(['record', result.records[i]?.id ?? '', ...row].map(csvCell).join(','));
    lines.push('', ['kind', ...BATCH_COLUMNS, 'coverage'].map(csvCell).join(','));
    for (const [i, row] of batchRows.entries()) lines.push(['batch', ...row, result.batches[i]?.coverage ?? ''].map(csvCell).join(','));
    if (result.skipped.length > 0) {
      lines.push('', ['kind', 'id', 'reference', 'batch', 'reason'].map(csvCell).join(','));
      for (const s of result.skipped) lines.push(['skipped', s.id, s.reference, s.handoverBatch ?? '', s.reason].map(csvCell).join(','));
    }
    lines.push('', csvCell(method));
    return `${lines.join('\n')}\n`;
  }
  const coverage = result.batches.map((g) => `${g.key}: ${g.coverage}`);
  return `${[textTable(RECORD_COLUMNS, recordRows), '', textTable(BATCH_COLUMNS, batchRows), '', ...coverage, method].join('\n')}\n`;
}

export function recordsCommand(): Command {
  const command = new Command('records').description('Minefield records: import, accuracy audit, reports');

  storeCommand(command, 'import', 'Store a minefield record from its JSON file (format safeground/minefield-record@1)')
    .argument('<file>', 'the record as JSON')
    .option('--legs <csv>', 'take the legs from this CSV (from,to,azimuth,distance[,unit,north,check]) instead of the file')
    .option('--hazard <id...>', 'hazards the record backs')
    .option('--replace', 'replace the stored record with the same reference (a new version)')
    .option('--reason <text>', 'why the record is stored or changed, kept in its history')
    .option('--keep-with-errors', 'store the record even though its reconstruction has errors; it is flagged and left out of audits')
    .action(async (file: string, options: StoreOptions & { legs?: string; hazard?: string[]; replace?: boolean; reason?: string; keepWithErrors?: boolean }) => {
      let json: unknown;
      try {
        json = JSON.parse(await readText(file, 'record file'));
      } catch (error) {
        if (error instanceof UserError) throw error;
        throw new UserError(`${file} is not JSON: ${(error as Error).message}`, 'bad_input');
      }
      if (options.legs !== undefined) {
        if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new UserError(`${file} must hold one record (a JSON object)`, 'bad_input');
        const reference = (json as { reference?: unknown }).reference;
        const csv = await readText(options.legs, 'legs CSV');
        let legs;
        try {
          legs = parseLegsCsv(csv, typeof reference === 'string' ? reference : file);
        } catch (error) {
          throw new UserError((error as Error).message.split('\n').map((l) => l.trim()).join('; '), 'bad_input');
        }
        json = { ...json, legs };
      }
      const record = records.recordFromInput(json);
      const reconstruction = reconstruct(record);
      for (const p of reconstruction.problems) process.stderr.write(`${p.severity}: ${p.message}\n`);
      const errors = auditBlockers(reconstruction).length;
      if (errors > 0 && options.keepWithErrors !== true) {
        throw new UserError(
          `minefield record "${record.reference}" was not stored: its reconstruction has ${errors} error${errors === 1 ? '' : 's'} (listed above); fix the record, or store it flagged with --keep-with-errors (it is then left out of audits)`,
          'reconstruction_errors',
        );
      }
      await withStore(options, async (db) => {
        const saveOptions = { hazardIds: options.hazard, reason: options.reason ?? `imported from ${file}`, keepWithErrors: options.keepWithErrors };
        const existing = await records.findRecord(db, record.reference);
        if (existing && !options.replace) throw new UserError(`minefield record "${record.reference}" is already stored (id ${existing.id}); use --replace to store a new version`, 'conflict');
        const saved = existing
          ? await records.replaceRecord(db, existing.id, existing.version, record, null, saveOptions)
          : await records.createRecord(db, record, null, saveOptions);
        const r = saved.reconstruction;
        const flag = errors > 0 ? `, flagged: kept with ${errors} reconstruction error${errors === 1 ? '' : 's'}, left out of audits` : '';
        process.stdout.write(
          `Stored "${record.reference}" as ${saved.id}, version ${saved.version}: ${r.points.length} points placed, ${r.rows.length} rows, ${r.predictedMines.length} mine positions, ${r.problems.length} problem(s)${flag}\n`,
        );
      });
    });

  storeCommand(command, 'audit', 'Accuracy audit of the records of a handover batch (or of all), per record and pooled per batch')
    .option('--batch <name>', 'handover batch (default: every record)')
    .option('--tolerance <metres>', 'τ in metres', positiveNumber('--tolerance'), 5)
    .option('--max-shift <metres>', 'largest systematic shift searched for', positiveNumber('--max-shift'), records.DEFAULT_MAX_SHIFT_M)
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json', 'csv']).default('table'))
    .action(inStore(async (db, options: StoreOptions & { batch?: string; tolerance: number; maxShift: number; format: 'table' | 'json' | 'csv' }) => {
      const onProgress = progress('Audited');
      const result = await records.auditBatch(db, { batch: options.batch, tolerance: options.tolerance, maxShift: options.maxShift, ...(onProgress && { onProgress }) });
      if (result.records.length === 0 && result.skipped.length === 0) {
        throw new UserError(options.batch === undefined ? 'No minefield records are stored' : `No minefield records in handover batch ${JSON.stringify(options.batch)}`, 'not_found');
      }
      process.stdout.write(formatBatchAudit(result, options.format));
    }));

  storeCommand(command, 'report', 'Write the printable HTML audit report of one record')
    .argument('<record>', 'the record’s id or reference')
    .requiredOption('--out <file>', 'where to write the HTML')
    .option('--tolerance <metres>', 'τ in metres', positiveNumber('--tolerance'), 5)
    .action(inStore(async (db, idOrReference: string, options: StoreOptions & { out: string; tolerance: number }) => {
      const stored = await records.findRecord(db, idOrReference);
      if (!stored) throw new UserError(`No minefield record with id or reference ${JSON.stringify(idOrReference)}`, 'not_found');
      const result = await records.auditStoredRecord(db, stored.id, { tolerance: options.tolerance });
      if (!result) throw new UserError(`No minefield record ${stored.id}`, 'not_found');
      await writeFile(options.out, renderAuditReport({ ...result, record: result.stored.record }, { auditedAt: new Date(), version: safegroundVersion() }));
      process.stdout.write(`Wrote the audit report of "${stored.record.reference}" to ${options.out}\n`);
    }));

  return command;
}
