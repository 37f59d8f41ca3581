import { Command, InvalidArgumentError, Option } from 'commander';
import { type StoreOptions, storeOptions, withStore } from '../cli/store.ts';
import { UserError } from '../errors.ts';
import { importEvents } from './events.ts';
import { DEFAULT_CELL_SIZE_M, DEFAULT_WINDOW_YEARS, type Evaluation, evaluateRisk } from './risk.ts';

function year(value: string): number {
  if (!/^\d{4}$/.test(value)) throw new InvalidArgumentError(`expected a year such as 2015 (got ${JSON.stringify(value)})`);
  return Number(value);
}

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected a positive number (got ${JSON.stringify(value)})`);
  return n;
}

function bbox(value: string): [number, number, number, number] {
  const n = value.split(',').map(Number);
  if (n.length !== 4 || n.some((x) => !Number.isFinite(x))) throw new InvalidArgumentError(`expected west,south,east,north (got ${JSON.stringify(value)})`);
  return n as [number, number, number, number];
}

const f3 = (n: number) => n.toFixed(3);

/** The evaluation as a few lines a planner can read: model next to baseline, then the coefficients. */
export function describeEvaluation(e: Evaluation): string {
  const lines = [
    `Events: ${e.dataset ?? 'finds and accidents in the register'}; grid ${e.grid.columns} × ${e.grid.rows} cells of ${e.grid.cellSizeM} m (${e.grid.cells} cells)`,
    `Trained on features as of ${e.train.featuresAsOf}, events ${e.train.labelsFrom} to ${e.train.labelsTo} (${e.train.positiveCells} cells with events)`,
    `Tested on features as of ${e.test.featuresAsOf}, events ${e.test.labelsFrom} to ${e.test.labelsTo} (${e.test.positiveCells} cells with events)`,
    '',
    'ranking                               ROC-AUC  PR-AUC',
    `model (logistic regression)           ${f3(e.model.rocAuc)}    ${f3(e.model.prAuc)}`,
    `baseline (nearest past event first)   ${f3(e.baseline.rocAuc)}    ${f3(e.baseline.prAuc)}`,
    `chance                                0.500    ${f3(e.chancePrAuc)}`,
    '',
    'coefficients (log-odds per standard deviation of the feature):',
    `  intercept ${f3(e.intercept)}`,
    ...e.coefficients.map((c) => `  ${c.feature.padEnd(20)} ${(c.coefficient >= 0 ? '+' : '') + f3(c.coefficient)}   ${c.description}`),
  ];
  return lines.join('\n') + '\n';
}

export function riskCommand(): Command {
  const command = new Command('risk').description('Risk map learnt from past finds and accidents');
  storeOptions(command.command('evaluate'))
    .description('Train on the years up to --train-until, test on --test-from onwards; report ROC-AUC and PR-AUC next to the distance-to-past-event baseline')
    .requiredOption('--train-until <year>', 'last year the model may see', year)
    .requiredOption('--test-from <year>', 'first held-out year', year)
    .option('--test-to <year>', 'last held-out year (default: the last year with events)', year)
    .option('--window <years>', 'years of events the model is trained to predict', (v) => Math.round(positive(v)), DEFAULT_WINDOW_YEARS)
    .option('--cell-size <metres>', 'grid cell size', positive, DEFAULT_CELL_SIZE_M)
    .option('--bbox <west,south,east,north>', 'area (default: around the events)', bbox)
    .option('--events <file>', 'events from a file of points (CSV, GeoJSON, shapefile, GeoPackage, KML) instead of the register')
    .option('--type-column <column>', 'the events file’s column saying find or accident', 'type')
    .option('--date-column <column>', 'the events file’s column with the date (YYYY-MM-DD) or year', 'date')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(async (options: StoreOptions & { trainUntil: number; testFrom: number; testTo?: number; window: number; cellSize: number; bbox?: [number, number, number, number]; events?: string; typeColumn: string; dateColumn: string; format: string }) => {
      if (options.trainUntil >= options.testFrom) throw new UserError(`--train-until (${options.trainUntil}) must come before --test-from (${options.testFrom})`);
      await withStore(options, async (db) => {
        let dataset: string | null = null;
        if (options.events) {
          const imported = await importEvents(db, options.events, { typeColumn: options.typeColumn, dateColumn: options.dateColumn });
          dataset = imported.dataset;
          process.stderr.write(`Imported ${imported.finds} finds and ${imported.accidents} accidents from ${options.events} as dataset ${JSON.stringify(dataset)}\n`);
        }
        const evaluation = await evaluateRisk(db, {
          trainUntil: options.trainUntil,
          testFrom: options.testFrom,
          testTo: options.testTo,
          windowYears: options.window,
          cellSizeM: options.cellSize,
          bbox: options.bbox,
          dataset,
        });
        process.stdout.write(options.format === 'json' ? JSON.stringify(evaluation, null, 2) + '\n' : describeEvaluation(evaluation));
      });
    });
  return command;
}
