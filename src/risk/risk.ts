/**
 * The risk map learnt from history (docs/risk-map.md): where is explosive ordnance likely to be
 * found, or to hurt someone, next? Each grid cell is described by what was known at a date
 * (distances to past events, hazards, records, roads and settlements; counts of past events
 * nearby); a logistic regression learns from one period which cells then had events, and is
 * judged on later years it never saw, next to the simplest rival: "nearest to a past event first".
 */
import { UserError } from '../errors.ts';
import type { Db, Queryable } from '../store/db.ts';
import { type Bbox, cellCount, cellPolygon, type Grid, gridOver } from './grid.ts';
import { type Contribution, explain, type LogisticModel, prAuc, rocAuc, trainLogistic } from './model.ts';
import { PointIndex } from './points.ts';
import { type CellSurroundings, cellSurroundings, cellsWithEvents, eventExtent, eventPoints, FAR_M } from './store.ts';

export interface CellFeatures extends CellSurroundings {
  eventDistanceM: number;
  eventsWithin1Km: number;
  eventsWithin5Km: number;
}

/**
 * Every cell's features as known at the end of `asOf`: distances to hazards, records, roads and
 * settlements from the database, distances to and counts of past events from the events of the
 * period in memory.
 */
export async function cellFeatures(db: Queryable, grid: Grid, asOf: string, dataset: string | null): Promise<CellFeatures[]> {
  const surroundings = await cellSurroundings(db, grid, asOf);
  const north = grid.south + grid.rows * grid.cellLat;
  const maxAbsLat = Math.max(Math.abs(grid.south), Math.abs(north));
  const marginDeg = FAR_M / (111_320 * Math.cos(Math.min(maxAbsLat + 1, 89) * (Math.PI / 180)));
  const bbox: Bbox = [grid.west, grid.south, grid.west + grid.columns * grid.cellLon, north];
  const index = new PointIndex(await eventPoints(db, bbox, marginDeg, asOf, dataset), grid.cellLon, grid.cellLat, maxAbsLat);
  return surroundings.map((s) => {
    const centre = { lon: grid.west + ((s.cell % grid.columns) + 0.5) * grid.cellLon, lat: grid.south + (Math.floor(s.cell / grid.columns) + 0.5) * grid.cellLat };
    const [near, far] = index.countWithin(centre, [1000, 5000]);
    return { ...s, eventDistanceM: index.nearestM(centre, FAR_M), eventsWithin1Km: near!, eventsWithin5Km: far! };
  });
}

/** The model's features, each a transform of a store figure chosen so equal steps mean similar change. */
export const FEATURES: ReadonlyArray<{ name: string; description: string; value(c: CellFeatures): number }> = [
  { name: 'eventDistance', description: 'ln(1 + km to the nearest past find or accident)', value: (c) => Math.log1p(c.eventDistanceM / 1000) },
  { name: 'events1km', description: 'ln(1 + past finds and accidents within 1 km)', value: (c) => Math.log1p(c.eventsWithin1Km) },
  { name: 'events5km', description: 'ln(1 + past finds and accidents within 5 km)', value: (c) => Math.log1p(c.eventsWithin5Km) },
  { name: 'hazardDistance', description: 'ln(1 + km to the nearest hazard then recorded)', value: (c) => Math.log1p(c.hazardDistanceM / 1000) },
  { name: 'recordDistance', description: 'ln(1 + km to the nearest minefield record then handed over)', value: (c) => Math.log1p(c.recordDistanceM / 1000) },
  { name: 'roadDistance', description: 'ln(1 + km to the nearest road or corridor)', value: (c) => Math.log1p(c.roadDistanceM / 1000) },
  { name: 'settlementDistance', description: 'ln(1 + km to the nearest settlement)', value: (c) => Math.log1p(c.settlementDistanceM / 1000) },
];

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

export interface Sample {
  /** Features as known at the end of this day. */
  featuresAsOf: string;
  /** Cells are positive when an event happened in this period. */
  labelsFrom: string;
  labelsTo: string;
  cells: CellFeatures[];
  rows: number[][];
  labels: (0 | 1)[];
}

async function gridFor(db: Queryable, options: GridOptions, maxCells: number): Promise<{ grid: Grid; firstYear: number; lastYear: number }> {
  const extent = await eventExtent(db, options.dataset ?? null);
  if (!extent) throw new UserError(options.dataset ? `dataset ${JSON.stringify(options.dataset)} holds no events` : 'there are no finds or accidents to learn from', 'no_data');
  const cellSizeM = options.cellSizeM ?? DEFAULT_CELL_SIZE_M;
  const [west, south, east, north] = options.bbox ?? extent.bbox;
  // A margin of one cell, so that events on the edge of the data are inside a cell.
  const dLat = options.bbox ? 0 : cellSizeM / 111_320;
  const dLon = options.bbox ? 0 : dLat / Math.cos((((south + north) / 2) * Math.PI) / 180);
  const grid = gridOver([Math.max(west - dLon, -180), Math.max(south - dLat, -90), Math.min(east + dLon, 180), Math.min(north + dLat, 90)], cellSizeM, maxCells);
  return { grid, firstYear: extent.firstYear, lastYear: extent.lastYear };
}

async function sample(db: Queryable, grid: Grid, dataset: string | null, featuresAsOf: string, labelsFrom: string, labelsTo: string): Promise<Sample> {
  if (featuresAsOf >= labelsFrom) throw new Error(`features as of ${featuresAsOf} would see the labels from ${labelsFrom}`);
  const cells = await cellFeatures(db, grid, featuresAsOf, dataset);
  const positive = await cellsWithEvents(db, grid, labelsFrom, labelsTo, dataset);
  return { featuresAsOf, labelsFrom, labelsTo, cells, rows: cells.map((c) => FEATURES.map((f) => f.value(c))), labels: cells.map((c) => (positive.has(c.cell) ? 1 : 0)) };
}

export interface EvaluationOptions extends GridOptions {
  /** Last year whose events the model may see. */
  trainUntil: number;
  /** First year of the held-out test period. */
  testFrom: number;
  /** Last test year (default: the last year with events). */
  testTo?: number | undefined;
  /** Years of events the model is trained to predict, ending with trainUntil. */
  windowYears?: number | undefined;
  l2?: number | undefined;
}

/**
 * The training and test samples. Training: features known at the end of year trainUntil −
 * window, labels from the window's years up to trainUntil. Test: features known at the end of
 * trainUntil, labels from testFrom to testTo. Nothing dated after trainUntil reaches a feature.
 */
export async function evaluationSamples(db: Queryable, options: EvaluationOptions): Promise<{ grid: Grid; train: Sample; test: Sample; testTo: number }> {
  const window = options.windowYears ?? DEFAULT_WINDOW_YEARS;
  if (!Number.isInteger(window) || window < 1) throw new UserError(`the window must be a whole number of years ≥ 1 (got ${window})`);
  if (!(options.trainUntil < options.testFrom)) throw new UserError(`--train-until (${options.trainUntil}) must come before --test-from (${options.testFrom})`);
  const { grid, lastYear } = await gridFor(db, options, MAX_CELLS);
  const testTo = options.testTo ?? lastYear;
  if (testTo < options.testFrom) throw new UserError(`no test years: the last year with events is ${lastYear}, before ${options.testFrom}`);
  const dataset = options.dataset ?? null;
  const trainFeatureYear = options.trainUntil - window;
  const train = await sample(db, grid, dataset, `${trainFeatureYear}-12-31`, `${trainFeatureYear + 1}-01-01`, `${options.trainUntil}-12-31`);
  const test = await sample(db, grid, dataset, `${options.trainUntil}-12-31`, `${options.testFrom}-01-01`, `${testTo}-12-31`);
  return { grid, train, test, testTo };
}

export interface Scores {
  rocAuc: number;
  prAuc: number;
}

export interface Evaluation {
  dataset: string | null;
  grid: { cellSizeM: number; columns: number; rows: number; cells: number; bbox: Bbox };
  train: { featuresAsOf: string; labelsFrom: string; labelsTo: string; positiveCells: number };
  test: { featuresAsOf: string; labelsFrom: string; labelsTo: string; positiveCells: number };
  model: Scores;
  baseline: Scores & { description: string };
  /** PR-AUC of a random ranking: the share of positive cells. */
  chancePrAuc: number;
  coefficients: Array<{ feature: string; description: string; coefficient: number; mean: number; sd: number }>;
  intercept: number;
}

function summary(model: LogisticModel) {
  return FEATURES.map((f, j) => ({ feature: f.name, description: f.description, coefficient: model.coefficients[j]!, mean: model.standardiser.means[j]!, sd: model.standardiser.sds[j]! }));
}

function positives(s: Sample): number {
  return s.labels.reduce<number>((n, l) => n + l, 0);
}

function train(s: Sample, l2: number | undefined): LogisticModel {
  const count = positives(s);
  if (count === 0 || count === s.labels.length) {
    throw new UserError(`no cell ${count === 0 ? 'had' : 'lacked'} events from ${s.labelsFrom} to ${s.labelsTo}, so there is nothing to learn; choose other years or a longer window`, 'no_data');
  }
  return trainLogistic(s.rows, s.labels, { features: FEATURES.map((f) => f.name), ...(l2 === undefined ? {} : { l2 }) });
}

/** ROC-AUC and PR-AUC on the held-out years, for the model and for "nearest to a past event first". */
export async function evaluateRisk(db: Queryable, options: EvaluationOptions): Promise<Evaluation> {
  const { grid, train: trainSample, test } = await evaluationSamples(db, options);
  const model = train(trainSample, options.l2);
  if (positives(test) === 0 || positives(test) === test.labels.length) throw new UserError(`no test cell ${positives(test) === 0 ? 'had' : 'lacked'} events from ${test.labelsFrom} to ${test.labelsTo}`, 'no_data');
  const modelScores = test.rows.map((r) => explain(model, r).logOdds);
  const baselineScores = test.cells.map((c) => -c.eventDistanceM);
  return {
    dataset: options.dataset ?? null,
    grid: { cellSizeM: grid.cellSizeM, columns: grid.columns, rows: grid.rows, cells: cellCount(grid), bbox: [grid.west, grid.south, grid.west + grid.columns * grid.cellLon, grid.south + grid.rows * grid.cellLat] },
    train: { featuresAsOf: trainSample.featuresAsOf, labelsFrom: trainSample.labelsFrom, labelsTo: trainSample.labelsTo, positiveCells: positives(trainSample) },
    test: { featuresAsOf: test.featuresAsOf, labelsFrom: test.labelsFrom, labelsTo: test.labelsTo, positiveCells: positives(test) },
    model: { rocAuc: rocAuc(modelScores, test.labels), prAuc: prAuc(modelScores, test.labels) },
    baseline: { description: 'distance to the nearest past find or accident, nearest first', rocAuc: rocAuc(baselineScores, test.labels), prAuc: prAuc(baselineScores, test.labels) },
    chancePrAuc: positives(test) / test.labels.length,
    coefficients: summary(model),
    intercept: model.intercept,
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

function yearsBefore(date: string, years: number): string {
  const year = Number(date.slice(0, 4)) - years;
  const candidate = `${String(year).padStart(4, '0')}${date.slice(4)}`;
  return candidate.endsWith('-02-29') && !(year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) ? `${candidate.slice(0, 8)}28` : candidate;
}

function nextDay(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

/**
 * The map as of a day: trained on the window of years before it (features known at its start,
 * events during it), then applied to what is known at the day itself.
 */
export async function riskMap(db: Db, options: GridOptions & { asOf: string; windowYears?: number | undefined; l2?: number | undefined }) {
  const window = options.windowYears ?? DEFAULT_WINDOW_YEARS;
  const { grid } = await gridFor(db, options, MAX_MAP_CELLS);
  const dataset = options.dataset ?? null;
  const start = yearsBefore(options.asOf, window);
  const trainSample = await sample(db, grid, dataset, start, nextDay(start), options.asOf);
  const model = train(trainSample, options.l2);
  const now = await cellFeatures(db, grid, options.asOf, dataset);
  const cells: RiskCell[] = now.map((c) => {
    const { probability, contributions } = explain(model, FEATURES.map((f) => f.value(c)));
    return { cell: c.cell, polygon: cellPolygon(grid, c.cell), probability, contributions };
  });
  return {
    asOf: options.asOf,
    trainedOn: { featuresAsOf: trainSample.featuresAsOf, labelsFrom: trainSample.labelsFrom, labelsTo: trainSample.labelsTo, positiveCells: positives(trainSample) },
    grid: { cellSizeM: grid.cellSizeM, columns: grid.columns, rows: grid.rows },
    intercept: model.intercept,
    coefficients: summary(model),
    cells,
  };
}
