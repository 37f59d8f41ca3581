import { writeFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { storeCommand, type StoreOptions, withStore } from '../cli/store.ts';
import { UserError } from '../errors.ts';
import { date } from '../statistics/cli.ts';
import { safegroundVersion } from '../version.ts';
import { donorFigures, donorFiguresCsv, donorFiguresXlsx } from './figures.ts';
import { findOrganisation } from './store.ts';

/** `safeground report donor`, added to the report command: the figures of GET /api/donor-figures. */
export function addDonorReportCommand(report: Command): Command {
  storeCommand(report, 'donor', 'Per organisation over a period: land released by method (m²), items found and destroyed by category, activities by kind, risk education')
    .requiredOption('--from <date>', 'first day of the period', date)
    .requiredOption('--to <date>', 'last day of the period', date)
    .option('--organisation <organisation>', 'one organisation, by id, name or acronym (default: every one)')
    .addOption(new Option('--format <format>', 'output format').choices(['json', 'csv', 'xlsx']).default('csv'))
    .option('--out <file>', 'file to write (default: standard output; needed for xlsx)')
    .action(async (options: StoreOptions & { from: string; to: string; organisation?: string; format: 'json' | 'csv' | 'xlsx'; out?: string }) => {
      if (options.format === 'xlsx' && !options.out) throw new UserError('--format xlsx needs --out FILE', 'usage');
      await withStore(options, async (db) => {
        const organisation = options.organisation ? await findOrganisation(db, options.organisation) : null;
        if (options.organisation && !organisation) throw new UserError(`--organisation ${options.organisation}: no one organisation has that id, name or acronym`, 'not_found');
        const figures = await donorFigures(db, { from: options.from, to: options.to, organisationId: organisation?.id ?? null });
        const output = options.format === 'xlsx' ? await donorFiguresXlsx(figures, safegroundVersion()) : options.format === 'json' ? JSON.stringify(figures, null, 2) + '\n' : donorFiguresCsv(figures);
        if (options.out) {
          writeFileSync(options.out, output);
          process.stdout.write(`Wrote ${options.out}\n`);
        } else process.stdout.write(output);
      });
    });
  return report;
}
