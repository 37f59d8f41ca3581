import { Command, InvalidArgumentError, Option } from 'commander';
import { inStore, storeCommand, type StoreOptions } from '../cli/store.ts';
import { landStatistics, rebuildLandStatistics, statisticsCsv } from './statistics.ts';
import { PERIODS, type Period, STATISTICS_DIMENSIONS, type StatisticsDimension } from './statisticsStore.ts';

function parseBy(value: string): StatisticsDimension[] {
  const parts = value === 'none' ? [] : value.split(',');
  const unknown = parts.filter((p) => !(STATISTICS_DIMENSIONS as readonly string[]).includes(p));
  if (unknown.length > 0) throw new InvalidArgumentError(`unknown grouping ${unknown.join(', ')}; use ${STATISTICS_DIMENSIONS.join(', ')} (comma-separated) or none`);
  return [...new Set(parts)] as StatisticsDimension[];
}

function parseDate(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(value))) throw new InvalidArgumentError(`${value} is not a date (YYYY-MM-DD)`);
  return value;
}

/** `safeground report land`: the land-release statistics of the API, for spreadsheets and scripts. */
export function landCommand(): Command {
  const report = new Command('report').description('Figures for the authority, treaties and donors');
  storeCommand(report, 'land', 'Released area by method × administrative area × period × organisation, and remaining contamination, in m²')
    .addOption(new Option('--by <dimensions>', `group by ${STATISTICS_DIMENSIONS.join(', ')} (comma-separated) or none`).default(['admin1'], 'admin1').argParser(parseBy))
    .addOption(new Option('--period <period>', 'period of release dates').choices(PERIODS).default('year'))
    .addOption(new Option('--from <date>', 'first release date counted').argParser(parseDate))
    .addOption(new Option('--to <date>', 'last release date counted').argParser(parseDate))
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'json']).default('csv'))
    .option('--refresh', 'first compute every hazard’s stored accounting pieces again (after rows were changed outside the workflow without a new version)')
    .action(inStore(async (db, options: StoreOptions & { by: StatisticsDimension[]; period: Period; from?: string; to?: string; format: 'csv' | 'json'; refresh?: boolean }) => {
      if (options.refresh) {
        const rebuilt = await rebuildLandStatistics(db);
        process.stderr.write(`land: stored pieces computed again for ${rebuilt.hazards} hazards and ${rebuilt.pieces} release products\n`);
      }
      const stats = await landStatistics(db, { by: options.by, period: options.period, from: options.from ?? null, to: options.to ?? null });
      process.stdout.write(options.format === 'json' ? JSON.stringify(stats, null, 2) + '\n' : statisticsCsv(stats));
    }));
  return report;
}
