import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { storeCommand, type StoreOptions, withStore } from '../cli/store.ts';
import { UserError } from '../errors.ts';
import { DEFAULT_BLOCK_CELLS, DEFAULT_RESAMPLES, DEFAULT_SEED, formatDifference, formatInterval, METRICS, type TestResult } from './evaluation.ts';
import { importEvents, readEventMapping } from './events.ts';
import { rasterBbox, readRaster } from './raster.ts';
import { DEFAULT_CELL_SIZE_M, type Evaluation, evaluateRisk } from './risk.ts';
import { putRaster } from './store.ts';

function year(value: string): number {
  if (!/^\d{4}$/.test(value)) throw new InvalidArgumentError(`expected a year such as 2015 (got ${JSON.stringify(value)})`);
  return Number(value);
}

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected a positive number (got ${JSON.stringify(value)})`);
  return n;
}

function whole(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a whole number ≥ 1 (got ${JSON.stringify(value)})`);
  return n;
}

function dayOrYear(value: string): string {
  if (/^\d{4}$/.test(value)) return `${value}-01-01`;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) throw new InvalidArgumentError(`expected YYYY-MM-DD or a year (got ${JSON.stringify(value)})`);
  return value;
}

function bbox(value: string): [number, number, number, number] {
  const n = value.split(',').map(Number);
  if (n.length !== 4 || n.some((x) => !Number.isFinite(x))) throw new InvalidArgumentError(`expected west,south,east,north (got ${JSON.stringify(value)})`);
  return n as [number, number, number, number];
}

const f3 = (n: number) => n.toFixed(3);
const pad = (text: string, width: number) => text.padEnd(width);

function testTable(t: TestResult): string[] {
  const rows = t.comparisons.map((c) => {
    const ideal = c.metric === 'calibrationSlope' ? ' (ideal 1)' : c.metric === 'calibrationIntercept' ? ' (ideal 0)' : c.metric === 'brier' ? ' (lower is better)' : '';
    return `  ${pad(METRICS[c.metric].label + ideal, 40)}${pad(formatInterval(c.model), 25)}${pad(formatInterval(c.baseline), 25)}${pad(formatDifference(c.difference), 28)}${c.verdict ?? ''}`.trimEnd();
  });
  return [`  ${pad('measure', 40)}${pad('model', 25)}${pad('baseline', 25)}${pad('difference', 28)}model is`, ...rows];
}

/** The evaluation as a planner can read it: the verdict first, then every measure, the selection and the coefficients. */
export function describeEvaluation(e: Evaluation): string {
  const types = Object.entries(e.events.byType)
    .map(([t, n]) => `${n} ${t}`)
    .join(', ');
  const blockKm = (e.blocks.cells * e.grid.cellSizeM) / 1000;
  const lines = [
    `Verdict: ${e.verdict}.`,
    '',
    `Events: ${e.dataset ?? 'finds and accidents in the register'} (${e.events.total}: ${types}); grid ${e.grid.columns} × ${e.grid.rows} cells of ${e.grid.cellSizeM} m (${e.grid.cells} cells)`,
    `Training: features as of ${e.train.featuresAsOf}, events ${e.train.labelsFrom} to ${e.train.labelsTo} (${e.train.positiveCells} cells with events)`,
    `Test: features as of ${e.test.featuresAsOf}, events ${e.test.labelsFrom} to ${e.test.labelsTo} (${e.test.positiveCells} cells with events; chance PR-AUC ${f3(e.chancePrAuc)})`,
    `Layers at the training features' day: ${e.train.layers.join('; ') || 'none'}`,
    `Layers at the test features' day: ${e.test.layers.join('; ') || 'none'}`,
    ...(e.undated.length > 0 ? [`Not used, for want of a date (import with --valid-from): ${e.undated.map((u) => `${u.layer} (${u.features} features)`).join(', ')}`] : []),
    `Validation: spatial blocks of ${e.blocks.cells} × ${e.blocks.cells} cells (${blockKm} km), ${e.blocks.count} blocks in ${e.blocks.folds} folds; intervals: 95%, ${e.bootstrap.resamples} block-bootstrap resamples, seed ${e.bootstrap.seed}`,
    '',
    `Temporal test (every cell, model fitted on the training years):`,
    ...testTable(e.temporal),
    '',
    `Spatially blocked test (each cell scored by a model fitted without its fold's blocks):`,
    ...testTable(e.spatial),
    '',
    'Reliability on the temporal test (model): predicted probability against the share of cells with events',
    `  ${pad('predicted', 16)}${pad('cells', 9)}${pad('mean predicted', 16)}observed`,
    ...e.temporal.reliability.model.map((b) => `  ${pad(`${f3(b.from)}–${f3(b.to)}`, 16)}${pad(String(b.cells), 9)}${pad(f3(b.predicted), 16)}${f3(b.observed)}`),
    '',
    `Feature selection (held-out log-loss per cell over the spatial folds of the training years; a group is kept when it lowers it by more than 2 standard errors):`,
    `  baseline distance alone: ${e.selection.baselineLogLoss.toFixed(5)}`,
    ...e.selection.steps.map((step, k) => {
      const best = step[0]!;
      const rest = step.slice(1).map((s) => `${s.group} ${signedSmall(s.change)}`);
      return `  step ${k + 1}: ${best.kept ? 'kept' : 'best, not kept:'} ${best.group} ${signedSmall(best.change)} (SE ${best.se.toExponential(1)})${rest.length > 0 ? `; others: ${rest.join(', ')}` : ''}`;
    }),
    ...(e.selection.unusable.length > 0 ? [`  not tried: ${e.selection.unusable.map((u) => `${u.group} (${u.reason})`).join(', ')}`] : []),
    `  penalty λ ${e.selection.l2} (of ${e.selection.penalties.map((p) => p.l2).join(', ')})`,
    '',
    'Coefficients (log-odds per standard deviation of the feature):',
    `  intercept ${f3(e.intercept)}`,
    ...e.coefficients.map((c) => `  ${c.feature.padEnd(20)} ${(c.coefficient >= 0 ? '+' : '') + f3(c.coefficient)}   ${c.description}`),
  ];
  return lines.join('\n') + '\n';
}

const signedSmall = (n: number) => (n >= 0 ? '+' : '−') + Math.abs(n).toExponential(1);

export function riskCommand(): Command {
  const command = new Command('risk').description('Risk map learnt from past events: evaluation against its baseline, rasters');
  storeCommand(command, 'evaluate', 'Choose the model on the years up to --train-until, test it on --test-from onwards; every measure next to the distance-to-past-event baseline, with intervals and a verdict')
    .requiredOption('--train-until <year>', 'last year the model may see', year)
    .requiredOption('--test-from <year>', 'first held-out year', year)
    .option('--test-to <year>', 'last held-out year (default: --test-from + window − 1, or the last year with events)', year)
    .option('--window <years>', 'years the model predicts (default 5; the length of the test period)', whole)
    .option('--cell-size <metres>', 'grid cell size', positive, DEFAULT_CELL_SIZE_M)
    .option('--bbox <west,south,east,north>', 'area (default: around the events)', bbox)
    .option('--events <file>', 'events from a file of points (CSV, GeoJSON, shapefile, GeoPackage, KML, XLSX) instead of the register')
    .option('--mapping <file>', 'mapping file for the events file: columns, type values onto the code list, date format, encoding')
    .option('--type-column <column>', 'the events file’s column with the event type (shortcut for the mapping’s fields)')
    .option('--date-column <column>', 'the events file’s column with the date, month or year (shortcut for the mapping’s fields)')
    .option('--block-cells <n>', 'side of a spatial block, in cells', whole, DEFAULT_BLOCK_CELLS)
    .option('--resamples <n>', 'block-bootstrap resamples', whole, DEFAULT_RESAMPLES)
    .option('--seed <n>', 'seed of the folds, subsampling and bootstrap', whole, DEFAULT_SEED)
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(
      async (
        options: StoreOptions & {
          trainUntil: number;
          testFrom: number;
          testTo?: number;
          window?: number;
          cellSize: number;
          bbox?: [number, number, number, number];
          events?: string;
          mapping?: string;
          typeColumn?: string;
          dateColumn?: string;
          blockCells: number;
          resamples: number;
          seed: number;
          format: string;
        },
      ) => {
        if (options.trainUntil >= options.testFrom) throw new UserError(`--train-until (${options.trainUntil}) must come before --test-from (${options.testFrom})`);
        if (!options.events && (options.mapping || options.typeColumn || options.dateColumn)) throw new UserError('--mapping, --type-column and --date-column describe an --events file; give one');
        await withStore(options, async (db) => {
          let dataset: string | null = null;
          if (options.events) {
            const mapping = await readEventMapping(options.mapping);
            if (options.typeColumn) mapping.fields[options.typeColumn] = 'type';
            if (options.dateColumn) mapping.fields[options.dateColumn] = 'occurredOn';
            const imported = await importEvents(db, options.events, { mapping });
            dataset = imported.dataset;
            const types = Object.entries(imported.byType).map(([t, n]) => `${n} ${t}`);
            const { day, month, year: years } = imported.byPrecision;
            process.stderr.write(`Imported ${imported.events} events from ${options.events} as dataset ${JSON.stringify(dataset)}: ${types.join(', ')}; dated to the day ${day}, to the month ${month}, to the year only ${years}${imported.skipped > 0 ? `; ${imported.skipped} row(s) skipped by the mapping's keep/skip` : ''}\n`);
          }
          const evaluation = await evaluateRisk(db, {
            trainUntil: options.trainUntil,
            testFrom: options.testFrom,
            testTo: options.testTo,
            windowYears: options.window,
            cellSizeM: options.cellSize,
            bbox: options.bbox,
            dataset,
            blockCells: options.blockCells,
            resamples: options.resamples,
            seed: options.seed,
          });
          process.stdout.write(options.format === 'json' ? JSON.stringify(evaluation, null, 2) + '\n' : describeEvaluation(evaluation));
        });
      },
    );
  const rasters = command.command('rasters').description('Elevation (a DEM) and land cover for the risk map, as GeoTIFF files in WGS84');
  storeCommand(rasters, 'import', 'Store a GeoTIFF as the elevation (slope is computed from it) or as the land cover from a day; replaces the one of the same kind and day')
    .argument('<file>', 'a single-band GeoTIFF in EPSG:4326')
    .addOption(new Option('--kind <kind>', 'what the raster holds').choices(['elevation', 'land-cover']).makeOptionMandatory())
    .option('--valid-from <date>', 'the day (or year) the raster describes the ground from; required for land cover, whose changes would leak', dayOrYear)
    .action(async (file: string, options: StoreOptions & { kind: 'elevation' | 'land-cover'; validFrom?: string }) => {
      if (options.kind === 'land-cover' && !options.validFrom) throw new UserError('a land-cover raster needs --valid-from: land cover changes (fields return after clearance), so it may only describe the years after its date');
      let content: Uint8Array;
      try {
        content = readFileSync(file);
      } catch (error) {
        throw new UserError(`Cannot read ${file}: ${(error as Error).message}`);
      }
      const raster = await readRaster(content, basename(file));
      await withStore(options, async (db) => {
        const { replaced } = await db.transaction((tx) =>
          putRaster(tx, { kind: options.kind === 'land-cover' ? 'land_cover' : 'elevation', validFrom: options.validFrom ?? null, file: basename(file), width: raster.width, height: raster.height, bbox: rasterBbox(raster), content }),
        );
        process.stdout.write(`Stored ${basename(file)} (${raster.width} × ${raster.height} pixels) as the ${options.kind}${options.validFrom ? ` from ${options.validFrom}` : ''}${replaced ? ', replacing the one before' : ''}\n`);
      });
    });
  return command;
}
