/**
 * The risk map learnt from history (docs/risk-map.md): where is explosive ordnance likely to be
 * found, or to hurt someone, in the coming years? Each grid cell is described by what was known
 * at a date (past events by type, distance and density, reference layers dated on or before it,
 * rasters); a logistic regression learns from one period which cells then had events, with the
 * features chosen by spatially blocked validation, and is judged on later years it never saw next
 * to the simplest rival: "nearest to a past event first". This module gathers the data from the
 * store and hands it to the pure functions (features.ts, selection.ts, evaluation.ts).
 */
import { UserError } from '../errors.ts';
import type { Queryable } from '../store/db.ts';
import { type EvaluationOptions as SplitOptions, DEFAULT_BLOCK_CELLS, DEFAULT_FOLDS, DEFAULT_RESAMPLES, DEFAULT_SEED, evaluateSplit, type Sample, type SplitEvaluation } from './evaluation.ts';
import { type CellRasters, cellFeatures, dateOf, dayOf, type EventType, FAR_M, type FeatureOptions, featureOptions, labelsFor, type RiskEvent } from './features.ts';
import { type Bbox, cellCount, cellPolygon, type Grid, gridOver } from './grid.ts';
import { type Contribution, explain, type LogisticModel } from './model.ts';
import { cellMajority, cellMeans, type Raster, readRaster, slopeDegrees } from './raster.ts';
import { BASELINE_GROUP, fitSelected, selectFeatures, spatialBlocks, blockFolds } from './selection.ts';
import { cellLayers, eventExtent, layerCounts, type RasterKind, rasterFor, riskEvents, undatedFeatures } from './store.ts';

/** More cells than this would take minutes of spatial queries per request. */
export const MAX_CELLS = 250_000;
export const DEFAULT_CELL_SIZE_M = 1000;
export const DEFAULT_WINDOW_YEARS = 5;

export interface GridOptions {
  cellSizeM?: number | undefined;
  bbox?: Bbox | undefined;
  /** Events of an imported dataset instead of the register's finds and accidents. */
  dataset?: string | null | undefined;
}

export interface ValidationOptions {
  blockCells?: number | undefined;
  resamples?: number | undefined;
  seed?: number | undefined;
}

interface Inputs {
  grid: Grid;
  events: RiskEvent[];
  firstYear: number;
  lastYear: number;
  dataset: string | null;
  /** Decoded rasters by id, so that each is read once per request. */
  rasters: Map<number, { raster: Raster; slope?: Float64Array }>;
}

async function inputsFor(db: Queryable, options: GridOptions, maxCells: number): Promise<Inputs> {
  const dataset = options.dataset ?? null;
  const extent = await eventExtent(db, dataset);
  if (!extent) throw new UserError(dataset ? `dataset ${JSON.stringify(dataset)} holds no events` : 'there are no finds or accidents to learn from', 'no_data');
  const cellSizeM = options.cellSizeM ?? DEFAULT_CELL_SIZE_M;
  const [west, south, east, north] = options.bbox ?? extent.bbox;
  // A margin of one cell, so that events on the edge of the data are inside a cell.
  const dLat = options.bbox ? 0 : cellSizeM / 111_320;
  const dLon = options.bbox ? 0 : dLat / Math.cos((((south + north) / 2) * Math.PI) / 180);
  const grid = gridOver([Math.max(west - dLon, -180), Math.max(south - dLat, -90), Math.min(east + dLon, 180), Math.min(north + dLat, 90)], cellSizeM, maxCells);
  const top = grid.south + grid.rows * grid.cellLat;
  const maxAbsLat = Math.max(Math.abs(grid.south), Math.abs(top));
  const marginDeg = FAR_M / (111_320 * Math.cos(Math.min(maxAbsLat + 1, 89) * (Math.PI / 180)));
  const events = await riskEvents(db, [grid.west, grid.south, grid.west + grid.columns * grid.cellLon, top], marginDeg, dataset);
  return { grid, events, firstYear: extent.firstYear, lastYear: extent.lastYear, dataset, rasters: new Map() };
}

async function decoded(db: Queryable, inputs: Inputs, kind: RasterKind, asOf: string): Promise<{ entry: { raster: Raster; slope?: Float64Array }; file: string; validFrom: string | null } | null> {
  const stored = await rasterFor(db, kind, asOf);
  if (!stored) return null;
  let entry = inputs.rasters.get(stored.id);
  if (!entry) inputs.rasters.set(stored.id, (entry = { raster: await readRaster(stored.content, stored.file) }));
  return { entry, file: stored.file, validFrom: stored.validFrom };
}

/** Elevation, slope and land cover of every cell as known at the end of `asOf`, and which files gave them. */
async function cellRasters(db: Queryable, inputs: Inputs, asOf: string): Promise<{ rasters: CellRasters; files: string[] }> {
  const files: string[] = [];
  const rasters: CellRasters = { elevationM: null, slopeDeg: null, landCover: null };
  const dem = await decoded(db, inputs, 'elevation', asOf);
  if (dem) {
    const { raster } = dem.entry;
    dem.entry.slope ??= slopeDegrees(raster);
    rasters.elevationM = cellMeans(raster, raster.values, inputs.grid);
    rasters.slopeDeg = cellMeans(raster, dem.entry.slope, inputs.grid);
    files.push(`elevation and slope: ${dem.file}${dem.validFrom ? ` (from ${dem.validFrom})` : ' (undated: terrain taken as unchanging)'}`);
  }
  const cover = await decoded(db, inputs, 'land_cover', asOf);
  if (cover) {
    rasters.landCover = cellMajority(cover.entry.raster, inputs.grid);
    files.push(`land cover: ${cover.file} (from ${cover.validFrom})`);
  }
  return { rasters, files };
}

function nextDay(date: string): string {
  return dateOf(dayOf(date) + 1);
}

function yearsBefore(date: string, years: number): string {
  const year = Number(date.slice(0, 4)) - years;
  const candidate = `${String(year).padStart(4, '0')}${date.slice(4)}`;
  return candidate.endsWith('-02-29') && !(year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) ? `${candidate.slice(0, 8)}28` : candidate;
}

export interface RiskSample extends Sample {
  /** What each layer and raster was, as of the features' day. */
  layers: string[];
}

async function sampleAt(db: Queryable, inputs: Inputs, featuresAsOf: string, labelsFrom: string, labelsTo: string, options: FeatureOptions | null): Promise<RiskSample & { options: FeatureOptions }> {
  if (featuresAsOf >= labelsFrom) throw new Error(`features as of ${featuresAsOf} would see the labels from ${labelsFrom}`);
  const layers = await cellLayers(db, inputs.grid, featuresAsOf);
  const { rasters, files } = await cellRasters(db, inputs, featuresAsOf);
  const day = dayOf(featuresAsOf);
  const chosen = options ?? featureOptions(inputs.events, day, rasters);
  const counts = await layerCounts(db, featuresAsOf);
  return {
    featuresAsOf,
    labelsFrom,
    labelsTo,
    features: cellFeatures(inputs.grid, inputs.events, day, layers, rasters, chosen),
    labels: labelsFor(inputs.grid, inputs.events, dayOf(labelsFrom), dayOf(labelsTo)),
    layers: [...counts.map((c) => `${c.layer}: ${c.features} features`), ...files],
    options: chosen,
  };
}

function positives(s: Sample): number {
  return s.labels.reduce((n, l) => n + l, 0);
}

function requireBothClasses(s: Sample, what: string): void {
  const count = positives(s);
  if (count === 0 || count === s.labels.length) {
    throw new UserError(`no ${what} cell ${count === 0 ? 'had' : 'lacked'} events from ${s.labelsFrom} to ${s.labelsTo}, so there is nothing to ${what === 'training' ? 'learn' : 'test'}; choose other years or a longer window`, 'no_data');
  }
}

function splitOptions(options: ValidationOptions): SplitOptions {
  return { blockCells: options.blockCells ?? DEFAULT_BLOCK_CELLS, folds: DEFAULT_FOLDS, resamples: options.resamples ?? DEFAULT_RESAMPLES, seed: options.seed ?? DEFAULT_SEED };
}

export interface EvaluationOptions extends GridOptions, ValidationOptions {
  /** Last year whose events the model may see. */
  trainUntil: number;
  /** First year of the held-out test period. */
  testFrom: number;
  /** Last test year (default: testFrom + window − 1, or the last year with events if earlier). */
  testTo?: number | undefined;
  /** Years the model predicts: the length of the test period, and of the training labels' period. */
  windowYears?: number | undefined;
}

export interface CoefficientSummary {
  feature: string;
  description: string;
  coefficient: number;
  mean: number;
  sd: number;
}

export interface Evaluation extends Omit<SplitEvaluation, 'model' | 'baselineModel'> {
  dataset: string | null;
  events: { total: number; byType: Partial<Record<EventType, number>> };
  grid: { cellSizeM: number; columns: number; rows: number; cells: number; bbox: Bbox };
  windowYears: number;
  train: { featuresAsOf: string; labelsFrom: string; labelsTo: string; positiveCells: number; layers: string[] };
  test: { featuresAsOf: string; labelsFrom: string; labelsTo: string; positiveCells: number; layers: string[] };
  /** Reference features left out for want of a date. */
  undated: Array<{ layer: string; features: number }>;
  intercept: number;
  coefficients: CoefficientSummary[];
  /** The baseline's distance as a logistic model, whose probabilities its calibration is measured on. */
  baselineCoefficient: CoefficientSummary & { intercept: number };
}

function summary(model: LogisticModel, sample: Sample): CoefficientSummary[] {
  const descriptions = new Map(sample.features.groups.flatMap((g) => g.features.map((f) => [f.name, f.description])));
  return model.features.map((feature, j) => ({ feature, description: descriptions.get(feature)!, coefficient: model.coefficients[j]!, mean: model.means[j]!, sd: model.sds[j]! }));
}

function byType(events: readonly RiskEvent[]): Partial<Record<EventType, number>> {
  const counts: Partial<Record<EventType, number>> = {};
  for (const e of events) counts[e.type] = (counts[e.type] ?? 0) + 1;
  return counts;
}

/**
 * The training and test samples. Test: features known at the end of trainUntil, labels from
 * testFrom to testTo (L = testTo − testFrom + 1 years). Training: the same shape one test-length
 * earlier: features known at the end of trainUntil − L − gap, labels over the L years ending with
 * trainUntil (gap = years between trainUntil and testFrom). So the model predicts what it is
 * tested on (events over L years, after the same gap), and its probabilities can be checked.
 * Nothing dated after trainUntil reaches a feature or a training label.
 */
export async function evaluationSamples(db: Queryable, options: EvaluationOptions): Promise<{ inputs: Inputs; train: RiskSample; test: RiskSample; windowYears: number }> {
  if (!(options.trainUntil < options.testFrom)) throw new UserError(`--train-until (${options.trainUntil}) must come before --test-from (${options.testFrom})`);
  if (options.windowYears !== undefined && (!Number.isInteger(options.windowYears) || options.windowYears < 1)) throw new UserError(`the window must be a whole number of years ≥ 1 (got ${options.windowYears})`);
  const inputs = await inputsFor(db, options, MAX_CELLS);
  if (inputs.lastYear < options.testFrom) throw new UserError(`no test years: the last year with events is ${inputs.lastYear}, before ${options.testFrom}`);
  let testTo = options.testTo ?? Math.min(options.testFrom + (options.windowYears ?? DEFAULT_WINDOW_YEARS) - 1, inputs.lastYear);
  if (testTo < options.testFrom) throw new UserError(`--test-to (${testTo}) comes before --test-from (${options.testFrom})`);
  const window = testTo - options.testFrom + 1;
  if (options.testTo !== undefined && options.windowYears !== undefined && options.windowYears !== window) {
    throw new UserError(`--window ${options.windowYears} disagrees with the test period ${options.testFrom}–${testTo} (${window} years); give one or the other`);
  }
  testTo = options.testFrom + window - 1;
  const gap = options.testFrom - options.trainUntil - 1;
  const trainFeatureYear = options.trainUntil - window - gap;
  const train = await sampleAt(db, inputs, `${trainFeatureYear}-12-31`, `${options.trainUntil - window + 1}-01-01`, `${options.trainUntil}-12-31`, null);
  const test = await sampleAt(db, inputs, `${options.trainUntil}-12-31`, `${options.testFrom}-01-01`, `${testTo}-12-31`, train.options);
  return { inputs, train, test, windowYears: window };
}

/** Features chosen on the training years, then the model against the baseline on the test years. */
export async function evaluateRisk(db: Queryable, options: EvaluationOptions): Promise<Evaluation> {
  const { inputs, train, test, windowYears } = await evaluationSamples(db, options);
  requireBothClasses(train, 'training');
  requireBothClasses(test, 'test');
  const split = evaluateSplit(inputs.grid, train, test, splitOptions(options));
  const { model, baselineModel, ...rest } = split;
  const grid = inputs.grid;
  return {
    ...rest,
    dataset: inputs.dataset,
    events: { total: inputs.events.length, byType: byType(inputs.events) },
    grid: { cellSizeM: grid.cellSizeM, columns: grid.columns, rows: grid.rows, cells: cellCount(grid), bbox: [grid.west, grid.south, grid.west + grid.columns * grid.cellLon, grid.south + grid.rows * grid.cellLat] },
    windowYears,
    train: { featuresAsOf: train.featuresAsOf, labelsFrom: train.labelsFrom, labelsTo: train.labelsTo, positiveCells: positives(train), layers: train.layers },
    test: { featuresAsOf: test.featuresAsOf, labelsFrom: test.labelsFrom, labelsTo: test.labelsTo, positiveCells: positives(test), layers: test.layers },
    undated: await undatedFeatures(db),
    intercept: model.intercept,
    coefficients: summary(model, train),
    baselineCoefficient: { intercept: baselineModel.intercept, ...summary(baselineModel, train)[0]! },
  };
}

export interface RiskCell {
  cell: number;
  polygon: ReturnType<typeof cellPolygon>;
  probability: number;
  contributions: Contribution[];
}

/** Cells a map request may ask for. */
export const MAX_MAP_CELLS = 40_000;

export interface RiskMap {
  asOf: string;
  /** What the map shows: the model, or the baseline when the model did not beat it in the backtest. */
  shows: 'model' | 'baseline';
  verdict: string;
  /** The backtest behind the verdict: the same procedure one window earlier, judged on the last window's events. */
  backtest: { trainedOn: { featuresAsOf: string; labelsTo: string }; testedOn: { featuresAsOf: string; labelsTo: string }; prAuc: { model: number; baseline: number; difference: [number, number] } } | null;
  trainedOn: { featuresAsOf: string; labelsFrom: string; labelsTo: string; positiveCells: number };
  grid: { cellSizeM: number; columns: number; rows: number };
  intercept: number;
  coefficients: CoefficientSummary[];
  cells: RiskCell[];
}

/**
 * The map as of a day, for the `window` years after it. First a backtest: the whole procedure run
 * two windows back and judged on the last window's events, model against baseline. Then the
 * procedure on the last window (features known at its start, events during it) gives the model
 * applied to what is known at the day, or, when the backtest did not show the model beating the
 * baseline, the baseline's distance alone, and the map says which.
 */
export async function riskMap(db: Queryable, options: GridOptions & ValidationOptions & { asOf: string; windowYears?: number | undefined }): Promise<RiskMap> {
  const window = options.windowYears ?? DEFAULT_WINDOW_YEARS;
  const inputs = await inputsFor(db, options, MAX_MAP_CELLS);
  const validation = splitOptions(options);
  const start = yearsBefore(options.asOf, window);
  const earlier = yearsBefore(options.asOf, 2 * window);
  const oldTrain = await sampleAt(db, inputs, earlier, nextDay(earlier), start, null);
  const recent = await sampleAt(db, inputs, start, nextDay(start), options.asOf, oldTrain.options);
  let backtest: RiskMap['backtest'] = null;
  let verdict: string;
  let beats = false;
  const enough = (s: Sample) => positives(s) > 0 && positives(s) < s.labels.length;
  if (enough(oldTrain) && enough(recent)) {
    const split = evaluateSplit(inputs.grid, oldTrain, recent, validation);
    const pr = split.temporal.comparisons.find((c) => c.metric === 'prAuc')!;
    backtest = {
      trainedOn: { featuresAsOf: oldTrain.featuresAsOf, labelsTo: oldTrain.labelsTo },
      testedOn: { featuresAsOf: recent.featuresAsOf, labelsTo: recent.labelsTo },
      prAuc: { model: pr.model.estimate, baseline: pr.baseline.estimate, difference: [pr.difference.low, pr.difference.high] },
    };
    beats = split.beatsBaseline;
    verdict = `backtest (trained to ${oldTrain.labelsTo}, tested ${recent.labelsFrom} to ${recent.labelsTo}): ${split.verdict}`;
  } else {
    verdict = `not enough history before ${start} to test the model against the baseline (events are needed in the ${window} years before ${start} and after it); the map shows the baseline`;
  }
  requireBothClasses(recent, 'training');
  let model: LogisticModel;
  const data = { columns: recent.features.columns, labels: recent.labels };
  if (beats) {
    const blocks = spatialBlocks(inputs.grid, validation.blockCells);
    const selection = selectFeatures(data, recent.features.groups, {
      blockOfCell: blocks.ofCell,
      blockCount: blocks.count,
      foldOfBlock: blockFolds(blocks.count, validation.folds, validation.seed),
      folds: validation.folds,
      seed: validation.seed,
    });
    model = fitSelected(data, selection.features, selection.l2);
  } else {
    model = fitSelected(data, recent.features.groups.find((g) => g.name === BASELINE_GROUP)!.features.map((f) => f.name), 1e-4);
  }
  const now = await sampleAt(db, inputs, options.asOf, nextDay(options.asOf), nextDay(options.asOf), oldTrain.options);
  const columns = model.features.map((f) => now.features.columns.get(f)!);
  const cells: RiskCell[] = Array.from({ length: cellCount(inputs.grid) }, (_, cell) => {
    const { probability, contributions } = explain(
      model,
      columns.map((c) => c[cell]!),
    );
    return { cell, polygon: cellPolygon(inputs.grid, cell), probability, contributions };
  });
  return {
    asOf: options.asOf,
    shows: beats ? 'model' : 'baseline',
    verdict,
    backtest,
    trainedOn: { featuresAsOf: recent.featuresAsOf, labelsFrom: recent.labelsFrom, labelsTo: recent.labelsTo, positiveCells: positives(recent) },
    grid: { cellSizeM: inputs.grid.cellSizeM, columns: inputs.grid.columns, rows: inputs.grid.rows },
    intercept: model.intercept,
    coefficients: summary(model, recent),
    cells,
  };
}

