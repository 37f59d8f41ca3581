import { basename } from 'node:path';
import { type Command, Option } from 'commander';
import { type StoreOptions, storeOptions, withStore } from '../cli/store.ts';
import { bbox, date, fileSize, printReport } from '../exchange/cli.ts';
import { EXPORT_FORMATS, type ExportFormat, IMPORT_FORMATS, type ImportFormat } from '../exchange/formats.ts';
import { AccidentMapping, DEFAULT_ACCIDENT_MAPPING, readMappingWith } from '../exchange/mapping.ts';
import { Progress } from '../exchange/progress.ts';
import { DEVICE_CATEGORIES } from './accident.ts';
import { exportAccidentsToFile } from './export.ts';
import { describeAccidentReport, importAccidents } from './import.ts';

/** `safeground import accidents`, added to the import command. */
export function addImportAccidentsCommand(command: Command): Command {
  storeOptions(command.command('accidents'))
    .description('Import accidents with their victims (one row per victim, grouped by the accident reference) from the same formats (all or nothing)')
    .argument('<file>', 'the file to import')
    .option('--mapping <file>', 'mapping file (JSON): source columns to fields, value maps, date format, encoding')
    .option('--dry-run', 'check everything and say what would change, writing nothing')
    .option('--activity <reference>', 'activity of accidents that name none')
    .addOption(new Option('--format <format>', 'file format (default: from the extension)').choices(IMPORT_FORMATS))
    .action(async (file: string, options: StoreOptions & { mapping?: string; dryRun?: boolean; activity?: string; format?: ImportFormat }) => {
      const size = fileSize(file);
      const mapping = options.mapping ? await readMappingWith(AccidentMapping, options.mapping) : DEFAULT_ACCIDENT_MAPPING;
      await withStore(options, async (db) => {
        const report = await importAccidents(db, {
          path: file,
          file: basename(file),
          mapping,
          dryRun: Boolean(options.dryRun),
          actor: null,
          progress: new Progress(`Importing ${basename(file)}`, size),
          ...(options.format ? { format: options.format } : {}),
          ...(options.activity ? { activity: options.activity } : {}),
        });
        printReport(report, describeAccidentReport(report));
      });
    });
  return command;
}

/** `safeground export accidents`, added to the export command. */
export function addExportAccidentsCommand(command: Command): Command {
  storeOptions(command.command('accidents'))
    .description('Export accidents, one row per victim (streamed); victims\' identifying details only with --include identity (logged)')
    .addOption(new Option('--format <format>', 'file format').choices(EXPORT_FORMATS).makeOptionMandatory())
    .requiredOption('--out <file>', 'file to write')
    .option('--from <date>', 'occurred on or after (YYYY-MM-DD)', date)
    .option('--to <date>', 'occurred on or before (YYYY-MM-DD)', date)
    .option('--bbox <minLon,minLat,maxLon,maxLat>', 'only accidents in this box', bbox)
    .addOption(new Option('--device-category <category>', 'only this device category').choices(DEVICE_CATEGORIES))
    .addOption(new Option('--include <what>', "add victims' identifying details (restricted personal data; the read is logged)").choices(['identity']))
    .action(async (options: StoreOptions & { format: ExportFormat; out: string; from?: string; to?: string; bbox?: [number, number, number, number]; deviceCategory?: string; include?: 'identity' }) => {
      await withStore(options, async (db) => {
        const identityReader = options.include === 'identity' ? { actor: null, purpose: `safeground export accidents --include identity --out ${basename(options.out)}` } : null;
        const filter = { from: options.from, to: options.to, bbox: options.bbox, deviceCategory: options.deviceCategory };
        await exportAccidentsToFile(db, options.format, filter, identityReader, options.out, new Progress(`Exporting ${basename(options.out)}`, null));
        process.stdout.write(`Wrote ${options.out}\n`);
      });
    });
  return command;
}
