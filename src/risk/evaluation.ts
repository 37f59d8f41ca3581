/**
 * The model against the baseline on years it never saw, in plain TypeScript with no I/O.
 *
 * - Temporal test: the model chosen and fitted on the training years scores the test years' cells.
 * - Spatially blocked test: the same, but each cell is scored by a model fitted without its
 *   fold's blocks, so the score says how the model does in places it did not learn from.
 * - Every measure comes with a 95% interval from a block bootstrap: the test's spatial blocks are
 *   drawn with replacement and every measure recomputed, model and baseline on the same draw (so
 *   their difference has an interval too). Cells are resampled in whole blocks because
 *   neighbouring cells are correlated: resampling single cells would treat them as independent
 *   and give intervals too narrow.
 * - Verdict on PR-AUC, the measure for rare positives: the model beats the baseline when the
 *   interval of the difference lies above zero.
 */
import { mulberry32 } from '../mulberry32.ts';
import type { CellFeatures } from './features.ts';
import type { Grid } from './grid.ts';
import { type Calibration, calibration, type LogisticModel, logOddsOf, ranking, rankingScores, type ReliabilityBin, reliabilityTable } from './model.ts';
import { BASELINE_GROUP, blockFolds, fitSelected, type Selection, selectFeatures, spatialBlocks, type Validation } from './selection.ts';

export interface Sample {
  /** Features as known at the end of this day. */
  featuresAsOf: string;
  /** Cells are positive when an event happened from labelsFrom to labelsTo. */
  labelsFrom: string;
  labelsTo: string;
  features: CellFeatures;
  labels: Uint8Array;
}

export interface EvaluationOptions {
  /** Side of a spatial block, in cells. */
  blockCells: number;
  folds: number;
  resamples: number;
  seed: number;
}

export const DEFAULT_BLOCK_CELLS = 10;
export const DEFAULT_FOLDS = 5;
export const DEFAULT_RESAMPLES = 200;
export const DEFAULT_SEED = 1;

export const METRICS = {
  prAuc: { label: 'PR-AUC', higherIsBetter: true },
  rocAuc: { label: 'ROC-AUC', higherIsBetter: true },
  brier: { label: 'Brier score', higherIsBetter: false },
  calibrationSlope: { label: 'calibration slope', higherIsBetter: null },
  calibrationIntercept: { label: 'calibration intercept', higherIsBetter: null },
} as const;
export type Metric = keyof typeof METRICS;

export interface Interval {
  estimate: number;
  low: number;
  high: number;
}

export interface Comparison {
  metric: Metric;
  model: Interval;
  baseline: Interval;
  /** Model minus baseline. */
  difference: Interval;
  /** For the ranking and Brier measures; calibration slope and intercept have an ideal (1, 0) instead of a direction. */
  verdict: 'better' | 'worse' | 'no different' | null;
}

export interface TestResult {
  positiveCells: number;
  cells: number;
  comparisons: Comparison[];
  reliability: { model: ReliabilityBin[]; baseline: ReliabilityBin[] };
}

export interface SplitEvaluation {
  selection: Selection;
  model: LogisticModel;
  baselineModel: LogisticModel;
  blocks: { cells: number; count: number; folds: number };
  bootstrap: { resamples: number; seed: number };
  temporal: TestResult;
  spatial: TestResult;
  /** PR-AUC of a random ranking: the share of positive cells in the test. */
  chancePrAuc: number;
  /** True when the chosen model is the baseline's distance alone. */
  modelIsBaseline: boolean;
  beatsBaseline: boolean;
  verdict: string;
}

const sum = (labels: Uint8Array) => labels.reduce((s, l) => s + l, 0);

interface Scored {
  ranking: ReturnType<typeof ranking>;
  logOdds: Float64Array;
}

function measures(s: Scored, labels: Uint8Array, weights?: Float64Array, start?: Calibration): Record<Metric, number> & { calibration: Calibration } {
  const r = rankingScores(s.ranking, labels, weights);
  const c = calibration(s.logOdds, labels, weights, start);
  return { rocAuc: r.rocAuc, prAuc: r.prAuc, brier: c.brier, calibrationSlope: c.slope, calibrationIntercept: c.intercept, calibration: c };
}

function percentile(sorted: readonly number[], q: number): number {
  const at = q * (sorted.length - 1);
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

function interval(estimate: number, draws: number[]): Interval {
  const finite = draws.filter(Number.isFinite).sort((a, b) => a - b);
  if (finite.length === 0) return { estimate, low: Number.NaN, high: Number.NaN };
  return { estimate, low: percentile(finite, 0.025), high: percentile(finite, 0.975) };
}

/**
 * Model and baseline on one test, with block-bootstrap intervals. The baseline ranks by distance
 * to the nearest past event; its probabilities (for calibration) are those of the logistic model
 * on that distance alone.
 */
function compare(model: Scored, baseline: Scored, labels: Uint8Array, blockOfCell: Int32Array, blockCount: number, options: EvaluationOptions): TestResult {
  const m = measures(model, labels);
  const b = measures(baseline, labels);
  const cellsOfBlock: number[][] = Array.from({ length: blockCount }, () => []);
  blockOfCell.forEach((block, cell) => cellsOfBlock[block]!.push(cell));
  const blocks = cellsOfBlock.map((cells, block) => ({ cells, block })).filter((x) => x.cells.length > 0);
  const random = mulberry32(options.seed);
  const draws = Object.fromEntries(Object.keys(METRICS).map((k) => [k, { model: [] as number[], baseline: [] as number[], difference: [] as number[] }])) as Record<Metric, { model: number[]; baseline: number[]; difference: number[] }>;
  const weights = new Float64Array(labels.length);
  for (let r = 0; r < options.resamples; r++) {
    weights.fill(0);
    for (let k = 0; k < blocks.length; k++) for (const cell of blocks[Math.floor(random() * blocks.length)]!.cells) weights[cell]! += 1;
    let positives = 0;
    let total = 0;
    for (let i = 0; i < labels.length; i++) {
      positives += weights[i]! * labels[i]!;
      total += weights[i]!;
    }
    if (positives === 0 || positives === total) continue;
    const dm = measures(model, labels, weights, m.calibration);
    const db = measures(baseline, labels, weights, b.calibration);
    for (const k of Object.keys(METRICS) as Metric[]) {
      draws[k].model.push(dm[k]);
      draws[k].baseline.push(db[k]);
      draws[k].difference.push(dm[k] - db[k]);
    }
  }
  const comparisons = (Object.keys(METRICS) as Metric[]).map((metric) => {
    const difference = interval(m[metric] - b[metric], draws[metric].difference);
    const direction = METRICS[metric].higherIsBetter;
    let verdict: Comparison['verdict'] = null;
    if (direction !== null) {
      if (difference.low > 0) verdict = direction ? 'better' : 'worse';
      else if (difference.high < 0) verdict = direction ? 'worse' : 'better';
      else verdict = 'no different';
    }
    return { metric, model: interval(m[metric], draws[metric].model), baseline: interval(b[metric], draws[metric].baseline), difference, verdict };
  });
  return {
    positiveCells: sum(labels),
    cells: labels.length,
    comparisons,
    reliability: { model: reliabilityTable(model.logOdds, labels), baseline: reliabilityTable(baseline.logOdds, labels) },
  };
}

const f3 = (n: number) => n.toFixed(3);
export const formatInterval = (i: Interval) => `${f3(i.estimate)} [${f3(i.low)}, ${f3(i.high)}]`;
const signed = (n: number) => (n >= 0 ? '+' : '−') + f3(Math.abs(n));
export const formatDifference = (i: Interval) => `${signed(i.estimate)} [${signed(i.low)}, ${signed(i.high)}]`;

/**
 * Chooses the features on the training sample, fits, and compares the model with the baseline on
 * the test sample, temporally and spatially blocked. The two samples must come from the same grid.
 */
export function evaluateSplit(grid: Grid, train: Sample, test: Sample, options: EvaluationOptions): SplitEvaluation {
  if (train.featuresAsOf >= train.labelsFrom || test.featuresAsOf >= test.labelsFrom) throw new Error('evaluateSplit: features must be known before the labels’ period starts');
  if (train.labelsTo > test.featuresAsOf) throw new Error(`evaluateSplit: training labels to ${train.labelsTo} run past the test features’ day ${test.featuresAsOf}`);
  const blocks = spatialBlocks(grid, options.blockCells);
  const validation: Validation = { blockOfCell: blocks.ofCell, blockCount: blocks.count, foldOfBlock: blockFolds(blocks.count, options.folds, options.seed), folds: options.folds, seed: options.seed };
  const trainingData = { columns: train.features.columns, labels: train.labels };
  const selection = selectFeatures(trainingData, train.features.groups, validation);
  const model = fitSelected(trainingData, selection.features, selection.l2);
  const baselineFeatures = train.features.groups.find((g) => g.name === BASELINE_GROUP)!.features.map((f) => f.name);
  const baselineModel = fitSelected(trainingData, baselineFeatures, selection.l2);
  const n = test.labels.length;
  const testColumns = (m: LogisticModel) => m.features.map((f) => test.features.columns.get(f)!);
  const modelLogOdds = logOddsOf(model, testColumns(model), n);
  const baselineLogOdds = logOddsOf(baselineModel, testColumns(baselineModel), n);
  const baselineRanking = ranking(test.features.eventDistanceM.map((d) => -d));
  const temporal = compare({ ranking: ranking(modelLogOdds), logOdds: modelLogOdds }, { ranking: baselineRanking, logOdds: baselineLogOdds }, test.labels, blocks.ofCell, blocks.count, options);

  // Each fold's test cells scored by models fitted on the other folds' training cells.
  const spatialModel = new Float64Array(n);
  const spatialBaseline = new Float64Array(n);
  for (let fold = 0; fold < options.folds; fold++) {
    const rows = Int32Array.from({ length: n }, (_, i) => i).filter((i) => validation.foldOfBlock[blocks.ofCell[i]!] !== fold);
    const positives = rows.reduce((s, i) => s + train.labels[i]!, 0);
    const usable = positives > 0 && positives < rows.length;
    const foldModel = usable ? fitSelected(trainingData, selection.features, selection.l2, rows) : model;
    const foldBaseline = usable ? fitSelected(trainingData, baselineFeatures, selection.l2, rows) : baselineModel;
    const zm = logOddsOf(foldModel, testColumns(foldModel), n);
    const zb = logOddsOf(foldBaseline, testColumns(foldBaseline), n);
    for (let i = 0; i < n; i++) {
      if (validation.foldOfBlock[blocks.ofCell[i]!] !== fold) continue;
      spatialModel[i] = zm[i]!;
      spatialBaseline[i] = zb[i]!;
    }
  }
  const spatial = compare({ ranking: ranking(spatialModel), logOdds: spatialModel }, { ranking: baselineRanking, logOdds: spatialBaseline }, test.labels, blocks.ofCell, blocks.count, options);

  const modelIsBaseline = selection.groups.length === 1;
  const pr = temporal.comparisons.find((c) => c.metric === 'prAuc')!;
  const beatsBaseline = !modelIsBaseline && pr.difference.low > 0;
  const figures = `${formatInterval(pr.model)} vs ${formatInterval(pr.baseline)} (difference ${formatDifference(pr.difference)})`;
  const verdict = modelIsBaseline
    ? `validation kept only the baseline’s distance, so the model is the baseline (PR-AUC ${formatInterval(pr.baseline)}); the map shows the baseline`
    : beatsBaseline
      ? `the model beats the baseline on PR-AUC: ${figures}; the map shows the model`
      : `the model does not beat the baseline on PR-AUC: ${figures}; the map shows the baseline`;
  return {
    selection,
    model,
    baselineModel,
    blocks: { cells: options.blockCells, count: blocks.count, folds: options.folds },
    bootstrap: { resamples: options.resamples, seed: options.seed },
    temporal,
    spatial,
    chancePrAuc: sum(test.labels) / n,
    modelIsBaseline,
    beatsBaseline,
    verdict,
  };
}
