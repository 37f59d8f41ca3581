import { Command, InvalidArgumentError, Option } from 'commander';
import { inStore, storeCommand, type StoreOptions, storeOptions, withStore } from '../cli/store.ts';
import { UserError } from '../errors.ts';
import { todayUtc } from '../land/rules.ts';
import type { ScoredHazard } from './criteria.ts';
import { importLayer } from './layers.ts';
import { parseTeams } from './plan.ts';
import { compareWeights, planForPreset, rankHazards } from './priorities.ts';
import { REFERENCE_LAYERS, type ReferenceLayer } from './store.ts';

const FORMATS = ['table', 'csv', 'json'] as const;
type Format = (typeof FORMATS)[number];

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive whole number (got ${JSON.stringify(value)})`);
  return n;
}

function isoDate(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) throw new InvalidArgumentError(`expected YYYY-MM-DD (got ${JSON.stringify(value)})`);
  return value;
}

function dayOrYear(value: string): string {
  if (/^\d{4}$/.test(value)) return `${value}-01-01`;
  return isoDate(value);
}

const formatOption = () => new Option('--format <format>', 'output format').choices(FORMATS).default('table');

function csvField(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function round(n: number, digits = 3): string {
  return String(Math.round(n * 10 ** digits) / 10 ** digits);
}

/** A fixed-width table: the columns are as wide as their widest cell. */
function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  return [header, ...rows].map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}

function rankingOutput(hazards: readonly ScoredHazard[], format: Format): string {
  if (format === 'json') return JSON.stringify(hazards, null, 2) + '\n';
  const criteria = hazards[0]?.breakdown.map((b) => b.criterion) ?? [];
  if (format === 'csv') {
    const header = ['rank', 'reference', 'score', 'method', 'remaining_m2', 'team_days', ...criteria.flatMap((c) => [`${c}_raw`, `${c}_normalised`, `${c}_weight`, `${c}_contribution`])];
    const rows = hazards.map((h) => [h.rank, h.reference, h.score, h.method, h.remainingAreaM2, h.teamDays, ...h.breakdown.flatMap((b) => [b.raw, b.normalised, b.weight, b.contribution])]);
    return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
  }
  return table(
    ['rank', 'hazard', 'score', 'method', 'team-days', 'largest contributions'],
    hazards.map((h) => [
      String(h.rank),
      h.reference,
      round(h.score),
      h.method,
      round(h.teamDays, 1),
      [...h.breakdown]
        .filter((b) => b.contribution > 0)
        .sort((a, b) => b.contribution - a.contribution)
        .slice(0, 3)
        .map((b) => `${b.criterion} ${round(b.contribution)} (raw ${b.raw === null ? '-' : round(b.raw, 1)})`)
        .join(', '),
    ]),
  );
}

export function prioritiesCommand(): Command {
  const command = new Command('priorities').description('Clearance priorities: ranked hazards, comparisons of weight sets, clearance plans');
  // The ranking is the default subcommand rather than the parent's own action, so that options
  // it shares with `compare` and `plan` (--preset, --data-dir, ...) reach whichever is named.
  storeOptions(command.command('rank', { isDefault: true }))
    .description('Active hazards ranked for clearance by a preset or weights, with each score’s breakdown (the default)')
    .option('--preset <preset>', 'threat, return, reconstruction, lis, an instance preset, or criterion:weight pairs', 'threat')
    .option('--top <n>', 'only the first N', positiveInteger)
    .option('--as-of <date>', 'count casualty windows and return horizons from this day (default today)', isoDate)
    .addOption(formatOption())
    .action(inStore(async (db, options: StoreOptions & { preset: string; top?: number; asOf?: string; format: Format }) => {
      const ranking = await rankHazards(db, { preset: options.preset, asOf: options.asOf ?? todayUtc() });
      const hazards = ranking.hazards.slice(0, options.top ?? ranking.hazards.length);
      if (options.format === 'table') process.stderr.write(`${ranking.hazards.length} active hazards ranked by ${ranking.preset} (${Object.entries(ranking.weights).map(([c, w]) => `${c} ${w}`).join(', ')}), as of ${ranking.asOf}\n`);
      process.stdout.write(rankingOutput(hazards, options.format));
    }));

  storeCommand(command, 'compare', 'Compare two weight sets: what moves, by how many places, and which criteria drive the move')
    .requiredOption('--a <preset>', 'first preset or weights')
    .requiredOption('--b <preset>', 'second preset or weights')
    .option('--top <n>', 'only the N largest moves', positiveInteger)
    .option('--as-of <date>', 'as of this day (default today)', isoDate)
    .addOption(formatOption())
    .action(inStore(async (db, options: StoreOptions & { a: string; b: string; top?: number; asOf?: string; format: Format }) => {
      const comparison = await compareWeights(db, { a: options.a, b: options.b, asOf: options.asOf ?? todayUtc() });
      const moves = comparison.hazards.slice(0, options.top ?? comparison.hazards.length);
      if (options.format === 'json') return void process.stdout.write(JSON.stringify({ ...comparison, hazards: moves }, null, 2) + '\n');
      const rows = moves.map((m) => [m.reference, String(m.rankA), String(m.rankB), m.move > 0 ? `+${m.move}` : String(m.move), m.drivers.map((d) => `${d.criterion} ${d.effect > 0 ? '+' : ''}${round(d.effect)}`).join('; ')]);
      if (options.format === 'csv') process.stdout.write([['reference', 'rank_a', 'rank_b', 'move', 'drivers'], ...rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n');
      else {
        process.stderr.write(`${comparison.moved} of ${comparison.hazards.length} hazards change place between ${comparison.a.name} and ${comparison.b.name}\n`);
        process.stdout.write(table(['hazard', `rank (${comparison.a.name})`, `rank (${comparison.b.name})`, 'move', 'drivers'], rows));
      }
    }));

  storeCommand(command, 'plan', 'Greedy clearance schedule in priority order: when each hazard, and the land around each settlement, would be released')
    .requiredOption('--teams <teams>', 'teams per method: a number for every method, or manual=4,mechanical=1,bac=2')
    .requiredOption('--start <date>', 'first working day', isoDate)
    .option('--preset <preset>', 'priority order: a preset or weights', 'threat')
    .option('--as-of <date>', 'priorities as of this day (default today)', isoDate)
    .addOption(formatOption())
    .action(inStore(async (db, options: StoreOptions & { teams: string; start: string; preset: string; asOf?: string; format: Format }) => {
      const plan = await planForPreset(db, { preset: options.preset, asOf: options.asOf ?? todayUtc(), start: options.start, teams: parseTeams(options.teams) });
      if (options.format === 'json') return void process.stdout.write(JSON.stringify(plan, null, 2) + '\n');
      const rows = plan.settlements.map((s) => [s.name, String(s.hazards), s.releaseDate ?? `not scheduled (${s.unscheduledHazards.join(', ')})`, s.lastHazard ?? '']);
      if (options.format === 'csv') return void process.stdout.write([['settlement', 'hazards', 'release_date', 'last_hazard'], ...rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n');
      process.stderr.write(
        `${plan.hazards.length} hazards scheduled from ${plan.start} by ${Object.entries(plan.teams).map(([m, n]) => `${n} ${m}`).join(', ')} teams: ` +
          `${round(plan.totalTeamDays, 1)} team-days (${Object.entries(plan.teamDaysByMethod).map(([m, d]) => `${m} ${round(d, 1)}`).join(', ')}), last release ${plan.finishDate ?? '-'}` +
          `${plan.unscheduled.length > 0 ? `; ${plan.unscheduled.length} hazards have no team of their method` : ''}\n`,
      );
      process.stdout.write(table(['settlement', 'hazards', 'released by', 'last hazard'], rows));
    }));
  return command;
}

export function layersCommand(): Command {
  const command = new Command('layers').description('Reference layers for prioritisation and the risk map: roads, corridors, utilities, reconstruction, farmland, water, rivers, settlements');
  storeCommand(command, 'import', 'Import a reference layer from GeoJSON, a zipped shapefile, or CSV (wkt or latitude/longitude columns); all or nothing')
    .argument('<file>', 'the file to import')
    .addOption(new Option('--layer <layer>', 'which layer').choices(REFERENCE_LAYERS).makeOptionMandatory())
    .option('--kind <kind>', 'what the features are (road, track, power_line, school, well, ...)')
    .option('--kind-column <column>', 'the column that says what each feature is, instead of --kind')
    .option('--name-column <column>', 'the column holding names', 'name')
    .option('--source <text>', 'where the data comes from (default: the file name)')
    .option('--replace', 'replace the features already in the layer')
    .option('--valid-from <date>', 'the day (or year) from which the features existed; the risk map uses undated features in no evaluation', dayOrYear)
    .option('--valid-from-column <column>', 'the column giving each feature’s day or year, instead of --valid-from')
    .action(async (file: string, options: StoreOptions & { layer: ReferenceLayer; kind?: string; kindColumn?: string; nameColumn: string; source?: string; replace?: boolean; validFrom?: string; validFromColumn?: string }) => {
      if (!options.kind && !options.kindColumn) throw new UserError('give --kind or --kind-column');
      await withStore(options, async (db) => {
        const result = await importLayer(db, file, {
          layer: options.layer,
          kind: options.kind ?? '',
          kindColumn: options.kindColumn,
          nameColumn: options.nameColumn,
          replace: Boolean(options.replace),
          source: options.source,
          validFrom: options.validFrom,
          validFromColumn: options.validFromColumn,
          actorId: null,
        });
        process.stdout.write(`Imported ${result.imported} features into ${options.layer}${result.replaced > 0 ? ` (replacing ${result.replaced})` : ''}\n`);
      });
    });
  return command;
}
