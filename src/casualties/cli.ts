import { basename } from 'node:path';
import { type Command, Option } from 'commander';
import { addFileExportCommand, addFileImportCommand } from '../exchange/cli.ts';
import { AccidentMapping, DEFAULT_ACCIDENT_MAPPING } from '../exchange/mapping.ts';
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
  return addFileExportCommand<{ deviceCategory?: string; include?: 'identity' }>(command, {
    name: 'accidents',
    description: 'Export accidents, one row per victim (streamed); victims\' identifying details only with --include identity (logged)',
    happened: 'occurred',
    options: (c) =>
      c
        .addOption(new Option('--device-category <category>', 'only this device category').choices(DEVICE_CATEGORIES))
        .addOption(new Option('--include <what>', "add victims' identifying details (restricted personal data; the read is logged)").choices(['identity'])),
    run: async (db, options, filter, progress) => {
      const identityReader = options.include === 'identity' ? { actor: null, purpose: `safeground export accidents --include identity --out ${basename(options.out)}` } : null;
      await exportAccidentsToFile(db, options.format, { ...filter, deviceCategory: options.deviceCategory }, identityReader, options.out, progress);
    },
  });
}
