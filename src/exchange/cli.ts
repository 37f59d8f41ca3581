import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { type StoreOptions, storeOptions, withStore } from '../cli/store.ts';
import { UserError } from '../errors.ts';
import { FIND_CATEGORIES } from '../catalogue/ordnance.ts';
import { exportFindsToFile } from './exportFinds.ts';
import { EXPORT_FORMATS, type ExportFormat, IMPORT_FORMATS, type ImportFormat } from './formats.ts';
import { describeReport, importFinds, type ImportReport, parseAcceptList } from './findImporter.ts';
import { DEFAULT_MAPPING, readMapping } from './mapping.ts';
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

export function importCommand(): Command {
  const command = new Command('import').description('Import field data from files');
  storeOptions(command.command('finds'))
    .description('Import explosive ordnance finds from CSV, GeoJSON, GeoPackage, a zipped shapefile, KML or XLSX (all or nothing)')
    .argument('<file>', 'the file to import')
    .option('--mapping <file>', 'mapping file (JSON): source columns to fields, value maps, units, date format, encoding')
    .option('--dry-run', 'check everything and say what would change, writing nothing')
    .option('--organisation <name>', 'organisation (name or acronym) of rows that name none')
    .option('--activity <reference>', 'activity of rows that name none')
    .addOption(new Option('--format <format>', 'file format (default: from the extension)').choices(IMPORT_FORMATS))
    .option('--accept-duplicates <rows>', 'import these flagged duplicates all the same: row numbers or externalIds, comma-separated (needs --reason)', parseAcceptList)
    .option('--reason <text>', 'why the accepted duplicates are not duplicates; kept in each find\'s history')
    .action(async (file: string, options: StoreOptions & { mapping?: string; dryRun?: boolean; organisation?: string; activity?: string; format?: ImportFormat; acceptDuplicates?: (number | string)[]; reason?: string }) => {
      const size = fileSize(file);
      if (Boolean(options.acceptDuplicates) !== Boolean(options.reason?.trim())) throw new UserError('--accept-duplicates and --reason go together: say which flagged rows to keep and why', 'bad_input');
      const mapping = options.mapping ? await readMapping(options.mapping) : DEFAULT_MAPPING;
      await withStore(options, async (db) => {
        const report = await importFinds(db, {
          path: file,
          file: basename(file),
          mapping,
          dryRun: Boolean(options.dryRun),
          actor: null,
          progress: new Progress(`Importing ${basename(file)}`, size),
          ...(options.format ? { format: options.format } : {}),
          ...(options.organisation ? { organisation: options.organisation } : {}),
          ...(options.activity ? { activity: options.activity } : {}),
          ...(options.acceptDuplicates ? { acceptDuplicates: { rows: options.acceptDuplicates, reason: options.reason!.trim() } } : {}),
        });
        printReport(report, describeReport(report));
      });
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

export function exportCommand(): Command {
  const command = new Command('export').description('Export data to files');
  storeOptions(command.command('finds'))
    .description('Export explosive ordnance finds (streamed; any number of rows)')
    .addOption(new Option('--format <format>', 'file format').choices(EXPORT_FORMATS).makeOptionMandatory())
    .requiredOption('--out <file>', 'file to write')
    .option('--from <date>', 'found on or after (YYYY-MM-DD)', date)
    .option('--to <date>', 'found on or before (YYYY-MM-DD)', date)
    .option('--bbox <minLon,minLat,maxLon,maxLat>', 'only finds in this box', bbox)
    .addOption(new Option('--category <category>', 'only this category').choices(FIND_CATEGORIES))
    .action(async (options: StoreOptions & { format: ExportFormat; out: string; from?: string; to?: string; bbox?: [number, number, number, number]; category?: string }) => {
      await withStore(options, async (db) => {
        await exportFindsToFile(db, options.format, { from: options.from, to: options.to, bbox: options.bbox, category: options.category }, options.out, new Progress(`Exporting ${basename(options.out)}`, null));
        process.stdout.write(`Wrote ${options.out}\n`);
      });
    });
  return command;
}

/** `safeground country [name]`: the country whose positions imports check, shown or set. */
export function countryCommand(): Command {
  return storeOptions(new Command('country'))
    .description("Show or set the instance's country (positions of imported finds and accidents outside it are refused, naming the likely cause)")
    .argument('[country]', 'a country name, its ISO numeric code as the gazetteer stores it, or its admin area id')
    .action(async (country: string | undefined, options: StoreOptions) => {
      await withStore(options, async (db) => {
        const set = country === undefined ? await countrySetting(db) : await db.transaction((tx) => setCountrySetting(tx, country, null));
        process.stdout.write(set ? `country: ${set.name} (${set.id})\n` : 'country: not set; positions are not checked against a country\n');
      });
    });
}
