import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { inStore, storeCommand, type StoreOptions, storeOptions, withStore } from '../cli/store.ts';
import { UserError } from '../errors.ts';
import { FIND_CATEGORIES } from '../catalogue/ordnance.ts';
import { exportFindsToFile } from './exportFinds.ts';
import { EXPORT_FORMATS, type ExportFormat, IMPORT_FORMATS, type ImportFormat } from './formats.ts';
import { describeReport, importFinds, type ImportReport, parseAcceptList } from './findImporter.ts';
import type { z } from 'zod';
import type { Db } from '../store/db.ts';
import type { ImportRun } from './importer.ts';
import { ActivityMapping, DEFAULT_ACTIVITY_MAPPING, DEFAULT_HAZARD_MAPPING, HazardMapping } from './landMapping.ts';
import { describeHazardReport, type HazardImportReport, importActivities, importHazards } from './landImporter.ts';
import { DEFAULT_MAPPING, Mapping, readMappingWith } from './mapping.ts';
import { Progress } from './progress.ts';
import { countrySetting, setCountrySetting } from './store.ts';

export function date(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) throw new InvalidArgumentError(`expected YYYY-MM-DD (got ${JSON.stringify(value)})`);
  return value;
}

export function bbox(value: string): [number, number, number, number] {
  const numbers = value.split(',').map(Number);
  if (numbers.length !== 4 || numbers.some((n) => !Number.isFinite(n))) throw new InvalidArgumentError(`expected minLon,minLat,maxLon,maxLat (got ${JSON.stringify(value)})`);
  return numbers as [number, number, number, number];
}

/** What one record type's `safeground import <name>` adds to the options every import has. */
export interface FileImportCommand<M, O, R extends ImportReport> {
  name: string;
  description: string;
  /** The schema of the type's mapping file, and the mapping used without one. */
  schema: z.ZodType<M>;
  defaultMapping: M;
  /** The type's own options (defaults for rows that name none, say). */
  options?: (command: Command) => Command;
  run(db: Db, run: ImportRun & { mapping: M }, options: O): Promise<R>;
  describe(report: R): string[];
}

/**
 * `safeground import <name> <file>` with what every import has (a mapping file, a dry run, the
 * format, a progress bar, the summary on stdout and problems on stderr), added to `parent`.
 */
export function addFileImportCommand<M, O, R extends ImportReport>(parent: Command, spec: FileImportCommand<M, O, R>): Command {
  const command = storeOptions(parent.command(spec.name))
    .description(spec.description)
    .argument('<file>', 'the file to import')
    .option('--mapping <file>', 'mapping file (JSON): source columns to fields, value maps, composed fields, keep/skip, units, date format, encoding')
    .option('--dry-run', 'check everything and say what would change, writing nothing')
    .addOption(new Option('--format <format>', 'file format (default: from the extension)').choices(IMPORT_FORMATS));
  (spec.options ? spec.options(command) : command).action(async (file: string, options: StoreOptions & O & { mapping?: string; dryRun?: boolean; format?: ImportFormat }) => {
    const size = fileSize(file);
    const mapping = options.mapping ? await readMappingWith(spec.schema, options.mapping) : spec.defaultMapping;
    await withStore(options, async (db) => {
      const run = { path: file, file: basename(file), mapping, dryRun: Boolean(options.dryRun), actor: null, progress: new Progress(`Importing ${basename(file)}`, size), format: options.format };
      const report = await spec.run(db, run, options);
      printReport(report, spec.describe(report));
    });
  });
  return parent;
}

export function importCommand(): Command {
  const command = new Command('import').description('Import field data from files');
  addFileImportCommand<Mapping, { organisation?: string; activity?: string; acceptDuplicates?: (number | string)[]; reason?: string }, ImportReport>(command, {
    name: 'finds',
    description: 'Import explosive ordnance finds from CSV, GeoJSON, GeoPackage, a zipped shapefile, KML or XLSX (all or nothing)',
    schema: Mapping,
    defaultMapping: DEFAULT_MAPPING,
    options: (c) =>
      c
        .option('--organisation <name>', 'organisation (name or acronym) of rows that name none')
        .option('--activity <reference>', 'activity of rows that name none')
        .option('--accept-duplicates <rows>', 'import these flagged duplicates all the same: row numbers or externalIds, comma-separated (needs --reason)', parseAcceptList)
        .option('--reason <text>', "why the accepted duplicates are not duplicates; kept in each find's history"),
    run(db, run, options) {
      if (Boolean(options.acceptDuplicates) !== Boolean(options.reason?.trim())) throw new UserError('--accept-duplicates and --reason go together: say which flagged rows to keep and why', 'bad_input');
      return importFinds(db, {
        ...run,
        ...(options.organisation ? { organisation: options.organisation } : {}),
        ...(options.activity ? { activity: options.activity } : {}),
        ...(options.acceptDuplicates ? { acceptDuplicates: { rows: options.acceptDuplicates, reason: options.reason!.trim() } } : {}),
      });
    },
    describe: describeReport,
  });
  const organisationOption = (c: Command) => c.option('--organisation <name>', 'organisation (name or acronym) of rows that name none');
  addFileImportCommand<HazardMapping, { organisation?: string }, HazardImportReport>(command, {
    name: 'hazards',
    description: 'Import hazardous areas: polygons, or points and lines with an estimated area (made position-only suspected hazards), from the same formats (all or nothing)',
    schema: HazardMapping,
    defaultMapping: DEFAULT_HAZARD_MAPPING,
    options: organisationOption,
    run: (db, run, options) => importHazards(db, { ...run, organisation: options.organisation }),
    describe: describeHazardReport,
  });
  addFileImportCommand<ActivityMapping, { organisation?: string }, ImportReport>(command, {
    name: 'activities',
    description: 'Import activities (survey, clearance, EOD, BAC, inspection) with the hazards they work on, from the same formats (all or nothing)',
    options: organisationOption,
    defaultMapping: DEFAULT_ACTIVITY_MAPPING,
    schema: ActivityMapping,
    describe: describeReport,
    run: (db, run, options) => importActivities(db, { ...run, organisation: options.organisation }),
  });
  return command;
}

export function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch (error) {
    throw new UserError(`Cannot read ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`, 'bad_input');
  }
}

/** The summary on stdout, problems on stderr; any problem fails the command. */
export function printReport(report: ImportReport, lines: string[]): void {
  const [summary, ...details] = lines;
  for (const line of details) process.stderr.write(`${line}\n`);
  if (report.problemCount > 0) throw new UserError(summary!, 'bad_input');
  process.stdout.write(`${summary}\n`);
}

/** What every `safeground export <name>` takes: the format, the file, and the filters of the records' list. */
export interface ExportOptions extends StoreOptions {
  format: ExportFormat;
  out: string;
  from?: string;
  to?: string;
  bbox?: [number, number, number, number];
}

/** What one record type's `safeground export <name>` adds to the options every export has. */
export interface FileExportCommand<O> {
  name: string;
  description: string;
  /** What happened on the records' date, for the help of --from and --to: `found`, `occurred`. */
  happened: string;
  /** The type's own filters. */
  options?: (command: Command) => Command;
  run(db: Db, options: ExportOptions & O, filter: Pick<ExportOptions, 'from' | 'to' | 'bbox'>, progress: Progress): Promise<void>;
}

/** `safeground export <name> --format … --out …` with the filters every export has (dates, box), added to `parent`. */
export function addFileExportCommand<O>(parent: Command, spec: FileExportCommand<O>): Command {
  const command = storeCommand(parent, spec.name, spec.description)
    .addOption(new Option('--format <format>', 'file format').choices(EXPORT_FORMATS).makeOptionMandatory())
    .requiredOption('--out <file>', 'file to write')
    .option('--from <date>', `${spec.happened} on or after (YYYY-MM-DD)`, date)
    .option('--to <date>', `${spec.happened} on or before (YYYY-MM-DD)`, date)
    .option('--bbox <minLon,minLat,maxLon,maxLat>', `only ${spec.name} in this box`, bbox);
  (spec.options ? spec.options(command) : command).action(inStore(async (db, options: ExportOptions & O) => {
    await spec.run(db, options, { from: options.from, to: options.to, bbox: options.bbox }, new Progress(`Exporting ${basename(options.out)}`, null));
    process.stdout.write(`Wrote ${options.out}\n`);
  }));
  return parent;
}

export function exportCommand(): Command {
  return addFileExportCommand<{ category?: string }>(new Command('export').description('Export data to files'), {
    name: 'finds',
    description: 'Export explosive ordnance finds (streamed; any number of rows)',
    happened: 'found',
    options: (c) => c.addOption(new Option('--category <category>', 'only this category').choices(FIND_CATEGORIES)),
    run: (db, options, filter, progress) => exportFindsToFile(db, options.format, { ...filter, category: options.category }, options.out, progress),
  });
}

/** `safeground country [name]`: the country whose positions imports check, shown or set. */
export function countryCommand(): Command {
  return storeOptions(new Command('country'))
    .description("Show or set the instance's country (positions of imported finds and accidents outside it are refused, naming the likely cause)")
    .argument('[country]', 'a country name, its ISO numeric code as the gazetteer stores it, or its admin area id')
    .action(inStore(async (db, country: string | undefined) => {
      const set = country === undefined ? await countrySetting(db) : await db.transaction((tx) => setCountrySetting(tx, country, null));
      process.stdout.write(set ? `country: ${set.name} (${set.id})\n` : 'country: not set; positions are not checked against a country\n');
    }));
}
