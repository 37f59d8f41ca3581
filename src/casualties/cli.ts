import { basename } from 'node:path';
import { type Command, Option } from 'commander';
import { type StoreOptions, storeOptions, withStore } from '../cli/store.ts';
import { addFileImportCommand, bbox, date } from '../exchange/cli.ts';
import { EXPORT_FORMATS, type ExportFormat } from '../exchange/formats.ts';
import { AccidentMapping, DEFAULT_ACCIDENT_MAPPING } from '../exchange/mapping.ts';
import { Progress } from '../exchange/progress.ts';
import { DEVICE_CATEGORIES } from './accident.ts';
import { exportAccidentsToFile } from './export.ts';
import { type AccidentImportReport, describeAccidentReport, importAccidents } from './import.ts';

/** `safeground import accidents`, added to the import command. */
export function addImportAccidentsCommand(command: Command): Command {
  return addFileImportCommand<AccidentMapping, { activity?: string }, AccidentImportReport>(command, {
    name: 'accidents',
    description: 'Import accidents with their victims (one row per victim, grouped by the accident reference) from the same formats (all or nothing)',
    schema: AccidentMapping,
    defaultMapping: DEFAULT_ACCIDENT_MAPPING,
    options: (c) => c.option('--activity <reference>', 'activity of accidents that name none'),
    run: (db, run, options) => importAccidents(db, { ...run, ...(options.activity ? { activity: options.activity } : {}) }),
    describe: describeAccidentReport,
  });
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
