import { type Command, InvalidArgumentError, Option } from 'commander';
import { inStore, storeCommand, type StoreOptions } from '../cli/store.ts';
import { casualtyCsv, casualtyStatistics, parseGroupings } from './casualties.ts';
import { CASUALTY_DIMENSIONS, CASUALTY_PERIODS, type CasualtyDimension, type CasualtyPeriod } from './casualtiesStore.ts';

function groupings(value: string): CasualtyDimension[][] {
  try {
    return parseGroupings(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

export function date(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(value))) throw new InvalidArgumentError(`${value} is not a date (YYYY-MM-DD)`);
  return value;
}

/** `safeground report casualties`, added to the report command: the figures of GET /api/statistics/casualties. */
export function addCasualtyReportCommand(report: Command): Command {
  storeCommand(report, 'casualties', 'Victims (killed, injured) and accidents by administrative area, period, sex, age group, victim group, device category, activity at the time')
    .addOption(
      new Option('--by <groupings>', `groupings: dimensions of one set comma-separated, sets separated by ; (${CASUALTY_DIMENSIONS.join(', ')}) or none`)
        .default([['period']], 'period')
        .argParser(groupings),
    )
    .addOption(new Option('--period <period>', 'period of accident dates').choices(CASUALTY_PERIODS).default('year'))
    .addOption(new Option('--from <date>', 'first accident date counted').argParser(date))
    .addOption(new Option('--to <date>', 'last accident date counted').argParser(date))
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'json']).default('csv'))
    .action(inStore(async (db, options: StoreOptions & { by: CasualtyDimension[][]; period: CasualtyPeriod; from?: string; to?: string; format: 'csv' | 'json' }) => {
      const stats = await casualtyStatistics(db, { groupings: options.by, period: options.period, from: options.from ?? null, to: options.to ?? null });
      process.stdout.write(options.format === 'json' ? JSON.stringify(stats, null, 2) + '\n' : casualtyCsv(stats));
    }));
  return report;
}
