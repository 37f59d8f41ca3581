/**
 * Which features the risk map uses, chosen by validation on the training years alone: forward
 * selection of feature groups from the baseline's own distance, judged by the log-loss on spatial
 * blocks held out in turn, then the penalty chosen the same way. A group is kept only when it
 * lowers the held-out log-loss by more than twice its standard error over blocks; when none does,
 * the model is the baseline's distance alone, whose ranking is the baseline's. Plain TypeScript,
 * no I/O.
 *
 * Why blocks: neighbouring cells share their past and their future events, so a cell held out
 * next to a training cell is nearly a copy of it and flatters any feature that memorises place.
 * Blocks of several cells, dealt whole to folds, hold out areas instead (Roberts et al. 2017,
 * "Cross-validation strategies for data with temporal, spatial, hierarchical, or phylogenetic
 * structure", Ecography 40).
 */
import { mulberry32 } from '../mulberry32.ts';
import type { FeatureGroup } from './features.ts';
import type { Grid } from './grid.ts';
import { type LogisticModel, logLoss, logOddsOf, trainLogistic } from './model.ts';

/** Spatial blocks: squares of `blockCells` × `blockCells` grid cells; block of each cell. */
export function spatialBlocks(grid: Grid, blockCells: number): { ofCell: Int32Array; count: number; columns: number } {
  if (!Number.isInteger(blockCells) || blockCells < 1) throw new Error(`spatialBlocks: block size must be a whole number of cells ≥ 1 (got ${blockCells})`);
  const columns = Math.ceil(grid.columns / blockCells);
  const rows = Math.ceil(grid.rows / blockCells);
  const ofCell = new Int32Array(grid.columns * grid.rows);
  for (let cell = 0; cell < ofCell.length; cell++) {
    ofCell[cell] = Math.floor(Math.floor(cell / grid.columns) / blockCells) * columns + Math.floor((cell % grid.columns) / blockCells);
  }
  return { ofCell, count: columns * rows, columns };
}

/** Each block's fold: blocks shuffled (seeded) and dealt in turn, so folds differ by one block at most. */
export function blockFolds(blockCount: number, folds: number, seed: number): Int32Array {
  const random = mulberry32(seed);
  const order = Array.from({ length: blockCount }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const fold = new Int32Array(blockCount);
  order.forEach((block, k) => (fold[block] = k % folds));
  return fold;
}

export interface TrainingData {
  columns: Map<string, Float64Array>;
  labels: Uint8Array;
}

export interface Validation {
  /** Block of each cell, fold of each block. */
  blockOfCell: Int32Array;
  blockCount: number;
  foldOfBlock: Int32Array;
  folds: number;
  seed: number;
}

/**
 * Rows to fit on: every positive cell, and negatives sampled to at most `maxRows` in all, each
 * weighted by the inverse of its sampling rate so that the weighted fit estimates what a fit on
 * every cell would. Keeps selection to seconds on national grids of 10⁵ cells.
 */
export function fittingRows(labels: Uint8Array, maxRows: number, seed: number): { rows: Int32Array; weights: Float64Array } {
  let positives = 0;
  for (const l of labels) positives += l;
  const negatives = labels.length - positives;
  const rate = Math.min(1, Math.max(maxRows - positives, 0.2 * maxRows) / Math.max(negatives, 1));
  const random = mulberry32(seed);
  const rows: number[] = [];
  const weights = new Float64Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    if (labels[i]) {
      rows.push(i);
      weights[i] = 1;
    } else if (random() < rate) {
      rows.push(i);
      weights[i] = 1 / rate;
    }
  }
  return { rows: Int32Array.from(rows), weights };
}

export const MAX_FITTING_ROWS = 20_000;
/** Penalties tried once the groups are chosen (on the scale of the mean log-loss, standardised features). */
export const L2_GRID = [1e-4, 1e-3, 1e-2, 1e-1] as const;
/** A group is kept when it lowers the held-out log-loss by more than this many standard errors. */
export const KEEP_Z = 2;

interface HeldOut {
  /** Log-loss summed over each block's cells. */
  byBlock: Float64Array;
  total: number;
  cells: number;
}

/** Log-loss of each held-out cell, fold by fold, of a model fitted on the other folds' rows. */
function heldOutLoss(data: TrainingData, features: readonly string[], l2: number, v: Validation, fitting: { rows: Int32Array; weights: Float64Array }): HeldOut {
  const columns = features.map((f) => data.columns.get(f)!);
  const n = data.labels.length;
  const byBlock = new Float64Array(v.blockCount);
  let total = 0;
  let cells = 0;
  for (let fold = 0; fold < v.folds; fold++) {
    const rows = fitting.rows.filter((i) => v.foldOfBlock[v.blockOfCell[i]!] !== fold);
    let positives = 0;
    for (const i of rows) positives += data.labels[i]!;
    if (positives === 0 || positives === rows.length) continue;
    const model = trainLogistic(columns, data.labels, { features, l2, rows, weights: fitting.weights });
    const z = logOddsOf(model, columns, n);
    for (let i = 0; i < n; i++) {
      const block = v.blockOfCell[i]!;
      if (v.foldOfBlock[block] !== fold) continue;
      const loss = logLoss(z[i]!, data.labels[i]!);
      byBlock[block]! += loss;
      total += loss;
      cells++;
    }
  }
  return { byBlock, total, cells };
}

/** Change in held-out log-loss from `a` to `b`, and its standard error from the blocks' changes. */
function change(a: HeldOut, b: HeldOut): { change: number; se: number } {
  const diffs: number[] = [];
  for (let k = 0; k < a.byBlock.length; k++) if (a.byBlock[k] !== 0 || b.byBlock[k] !== 0) diffs.push(b.byBlock[k]! - a.byBlock[k]!);
  const mean = diffs.reduce((s, d) => s + d, 0) / Math.max(diffs.length, 1);
  const variance = diffs.reduce((s, d) => s + (d - mean) ** 2, 0) / Math.max(diffs.length - 1, 1);
  return { change: (b.total - a.total) / a.cells, se: Math.sqrt(diffs.length * variance) / a.cells };
}

export interface SelectionStep {
  group: string;
  /** Mean held-out log-loss per cell with the group added. */
  logLoss: number;
  /** Change from the model before it (negative is better), and its standard error. */
  change: number;
  se: number;
  kept: boolean;
}

export interface Selection {
  groups: string[];
  features: string[];
  l2: number;
  /** Held-out log-loss per cell of the baseline's distance alone. */
  baselineLogLoss: number;
  /** Every group tried at each step; the kept one is the step's best. */
  steps: SelectionStep[][];
  /** Held-out log-loss per cell at each penalty tried. */
  penalties: Array<{ l2: number; logLoss: number }>;
  /** Groups that could not be tried (constant in the training sample), with why. */
  unusable: Array<{ group: string; reason: string }>;
}

export const BASELINE_GROUP = 'eventDistance';

/** Groups whose every feature varies over the training cells; the others say why not. */
export function usableGroups(data: TrainingData, groups: readonly FeatureGroup[]): { usable: FeatureGroup[]; unusable: Array<{ group: string; reason: string }> } {
  const usable: FeatureGroup[] = [];
  const unusable: Array<{ group: string; reason: string }> = [];
  for (const g of groups) {
    const constant = g.features.find((f) => {
      const c = data.columns.get(f.name)!;
      return c.every((v) => v === c[0]);
    });
    if (constant) unusable.push({ group: g.name, reason: `${constant.name} is the same in every cell` });
    else usable.push(g);
  }
  return { usable, unusable };
}

/**
 * Forward selection of groups from the baseline's, then the penalty. Deterministic for a seed.
 */
export function selectFeatures(data: TrainingData, groups: readonly FeatureGroup[], v: Validation): Selection {
  const { usable, unusable } = usableGroups(data, groups);
  const baseline = usable.find((g) => g.name === BASELINE_GROUP);
  if (!baseline) throw new Error(`selectFeatures: the baseline group ${BASELINE_GROUP} is missing or constant`);
  const fitting = fittingRows(data.labels, MAX_FITTING_ROWS, v.seed);
  const selectionL2 = L2_GRID[0];
  const chosen: FeatureGroup[] = [baseline];
  const featuresOf = (gs: readonly FeatureGroup[]) => gs.flatMap((g) => g.features.map((f) => f.name));
  let current = heldOutLoss(data, featuresOf(chosen), selectionL2, v, fitting);
  const baselineLogLoss = current.total / current.cells;
  const steps: SelectionStep[][] = [];
  let remaining = usable.filter((g) => g !== baseline);
  while (remaining.length > 0) {
    const tried = remaining.map((g) => {
      const loss = heldOutLoss(data, featuresOf([...chosen, g]), selectionL2, v, fitting);
      return { group: g, loss, ...change(current, loss) };
    });
    tried.sort((a, b) => a.change - b.change || a.group.name.localeCompare(b.group.name));
    const best = tried[0]!;
    const keep = best.change < -KEEP_Z * best.se;
    steps.push(tried.map((t) => ({ group: t.group.name, logLoss: t.loss.total / t.loss.cells, change: t.change, se: t.se, kept: keep && t === best })));
    if (!keep) break;
    chosen.push(best.group);
    current = best.loss;
    remaining = remaining.filter((g) => g !== best.group);
  }
  const features = featuresOf(chosen);
  const penalties = L2_GRID.map((l2) => {
    const loss = l2 === selectionL2 ? current : heldOutLoss(data, features, l2, v, fitting);
    return { l2, logLoss: loss.total / loss.cells };
  });
  const l2 = penalties.reduce((best, p) => (p.logLoss < best.logLoss ? p : best)).l2;
  return { groups: chosen.map((g) => g.name), features, l2, baselineLogLoss, steps, penalties, unusable };
}

/** The model with the chosen features and penalty, fitted on every training cell (or the rows given). */
export function fitSelected(data: TrainingData, features: readonly string[], l2: number, rows?: Int32Array): LogisticModel {
  return trainLogistic(
    features.map((f) => data.columns.get(f)!),
    data.labels,
    { features, l2, rows },
  );
}
