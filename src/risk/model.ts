/**
 * The risk map's model and the measures it is judged by, in plain TypeScript with no I/O:
 * logistic regression with an L2 penalty fitted by Newton's method on standardised features;
 * ranking measures (ROC-AUC, PR-AUC) and calibration measures (Brier score, calibration slope and
 * intercept, a reliability table), all with optional case weights so that a block bootstrap can
 * reuse them. Small and transparent on purpose: every coefficient is reported, and each cell's
 * log-odds is the intercept plus one term per feature.
 */

/** Feature values by column: column j holds feature j of every row. */
export type Columns = readonly Float64Array[];

export interface LogisticModel {
  features: string[];
  means: number[];
  /** Standard deviations of the training rows; a constant column gets 1, so it standardises to 0. */
  sds: number[];
  intercept: number;
  /** Per standardised feature: the change in log-odds for one standard deviation more. */
  coefficients: number[];
  /** Penalty λ on the coefficients (not the intercept): loss = weighted mean log-loss + λ/2 · Σ β². */
  l2: number;
}

export interface FitOptions {
  features: readonly string[];
  l2: number;
  /** Rows to fit on (default all). */
  rows?: Int32Array | undefined;
  /** Case weights of all rows (default 1), e.g. the inverse sampling rate of subsampled negatives. */
  weights?: Float64Array | undefined;
}

const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/** Solves A x = b for a symmetric positive definite A (row-major, size n) by Cholesky; A is overwritten. */
function solveSpd(a: Float64Array, b: Float64Array, n: number): Float64Array {
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j]!;
    for (let k = 0; k < j; k++) d -= a[j * n + k]! ** 2;
    if (!(d > 0)) throw new Error(`solveSpd: matrix not positive definite at column ${j} (pivot ${d})`);
    const l = Math.sqrt(d);
    a[j * n + j] = l;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= a[i * n + k]! * a[j * n + k]!;
      a[i * n + j] = s / l;
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= a[i * n + k]! * y[k]!;
    y[i] = s / a[i * n + i]!;
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < n; k++) s -= a[k * n + i]! * x[k]!;
    x[i] = s / a[i * n + i]!;
  }
  return x;
}

/**
 * Fits the model by Newton's method from zero, halving a step that would raise the loss. The loss
 * is convex and the penalty makes it strictly so, so the same data always give the same model;
 * standardising first makes one penalty mean the same for every feature.
 *
 * @example trainLogistic([Float64Array.of(0, 1, 2, 3)], Uint8Array.of(0, 0, 1, 1), { features: ['x'], l2: 0.01 }).coefficients[0] > 0
 */
export function trainLogistic(columns: Columns, labels: Uint8Array, options: FitOptions): LogisticModel {
  const p = options.features.length;
  if (columns.length !== p) throw new Error(`trainLogistic: ${columns.length} columns but ${p} features named`);
  const rows = options.rows ?? Int32Array.from({ length: labels.length }, (_, i) => i);
  const n = rows.length;
  if (n === 0) throw new Error('trainLogistic: no training rows');
  const weight = (i: number) => options.weights?.[i] ?? 1;
  let total = 0;
  let positive = 0;
  for (const i of rows) {
    total += weight(i);
    positive += labels[i]! * weight(i);
  }
  if (positive === 0 || positive === total) throw new Error(`trainLogistic: needs positive and negative rows (got ${positive} of ${total} positive)`);
  const means: number[] = [];
  const sds: number[] = [];
  for (const column of columns) {
    let m = 0;
    for (const i of rows) m += column[i]!;
    m /= n;
    let v = 0;
    for (const i of rows) v += (column[i]! - m) ** 2;
    v /= n;
    means.push(m);
    sds.push(v > 1e-12 ? Math.sqrt(v) : 1);
  }
  const x = new Float64Array(n * p);
  const y = new Uint8Array(n);
  const w = new Float64Array(n);
  rows.forEach((i, r) => {
    for (let j = 0; j < p; j++) x[r * p + j] = (columns[j]![i]! - means[j]!) / sds[j]!;
    y[r] = labels[i]!;
    w[r] = weight(i) / total;
  });
  // The ridge keeps the Hessian invertible when λ = 0 and a column is constant.
  const l2 = options.l2;
  const ridge = Math.max(l2, 1e-9);
  const beta = new Float64Array(p + 1);
  beta[0] = Math.log(positive / (total - positive));
  const lossAt = (b: Float64Array) => {
    let loss = 0;
    for (let r = 0; r < n; r++) {
      let z = b[0]!;
      for (let j = 0; j < p; j++) z += b[j + 1]! * x[r * p + j]!;
      loss += w[r]! * (y[r] ? Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z)));
    }
    for (let j = 1; j <= p; j++) loss += (l2 / 2) * b[j]! ** 2;
    return loss;
  };
  let loss = lossAt(beta);
  const size = p + 1;
  for (let iteration = 0; iteration < 100; iteration++) {
    const gradient = new Float64Array(size);
    const hessian = new Float64Array(size * size);
    const row = new Float64Array(size);
    row[0] = 1;
    for (let r = 0; r < n; r++) {
      let z = beta[0];
      for (let j = 0; j < p; j++) {
        row[j + 1] = x[r * p + j]!;
        z += beta[j + 1]! * row[j + 1]!;
      }
      const mu = sigmoid(z);
      const g = w[r]! * (mu - y[r]!);
      const h = w[r]! * mu * (1 - mu);
      for (let a = 0; a < size; a++) {
        gradient[a]! += g * row[a]!;
        const ha = h * row[a]!;
        for (let b = 0; b <= a; b++) hessian[a * size + b]! += ha * row[b]!;
      }
    }
    for (let a = 0; a < size; a++) for (let b = 0; b < a; b++) hessian[b * size + a] = hessian[a * size + b]!;
    hessian[0]! += 1e-12;
    for (let j = 1; j <= p; j++) {
      gradient[j]! += l2 * beta[j]!;
      hessian[j * size + j]! += ridge;
    }
    const step = solveSpd(hessian, gradient, size);
    let scale = 1;
    let next = beta.map((b, j) => b - step[j]!);
    let nextLoss = lossAt(next);
    while (nextLoss > loss + 1e-15 && scale > 1e-6) {
      scale /= 2;
      next = beta.map((b, j) => b - scale * step[j]!);
      nextLoss = lossAt(next);
    }
    const change = Math.max(...step.map((s) => Math.abs(s * scale)));
    beta.set(next);
    loss = nextLoss;
    if (change < 1e-9) break;
  }
  return { features: [...options.features], means, sds, intercept: beta[0], coefficients: [...beta.subarray(1)], l2 };
}

export interface Contribution {
  feature: string;
  value: number;
  /** Standard deviations from the training mean. */
  standardised: number;
  coefficient: number;
  /** coefficient × standardised: this feature's share of the log-odds. */
  contribution: number;
}

/** The log-odds of a row, term by term: intercept + Σ contributions. */
export function explain(model: LogisticModel, row: readonly number[]): { probability: number; logOdds: number; contributions: Contribution[] } {
  const contributions = model.features.map((feature, j) => {
    const standardised = (row[j]! - model.means[j]!) / model.sds[j]!;
    return { feature, value: row[j]!, standardised, coefficient: model.coefficients[j]!, contribution: model.coefficients[j]! * standardised };
  });
  const logOdds = contributions.reduce((s, c) => s + c.contribution, model.intercept);
  return { probability: sigmoid(logOdds), logOdds, contributions };
}

/** Log-odds of every row, from the model's features' columns (in the model's order). */
export function logOddsOf(model: LogisticModel, columns: Columns, length: number): Float64Array {
  const out = new Float64Array(length).fill(model.intercept);
  model.features.forEach((_, j) => {
    const c = columns[j]!;
    const k = model.coefficients[j]! / model.sds[j]!;
    const m = model.means[j]!;
    for (let i = 0; i < length; i++) out[i]! += k * (c[i]! - m);
  });
  return out;
}

/** Mean log-loss of each row given its log-odds (natural log). */
export function logLoss(logOdds: number, label: number): number {
  return label ? Math.log1p(Math.exp(-logOdds)) : Math.log1p(Math.exp(logOdds));
}

// Ranking ------------------------------------------------------------------------------------------

/** Rows in order of score, highest first, with where each group of equal scores starts. */
export interface Ranking {
  order: Int32Array;
  /** groupStart[g] is the position in `order` of group g's first row; one extra entry closes the last. */
  groupStart: Int32Array;
}

export function ranking(scores: ArrayLike<number>): Ranking {
  const order = Int32Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
  const starts = [0];
  for (let k = 1; k < order.length; k++) if (scores[order[k]!] !== scores[order[k - 1]!]) starts.push(k);
  starts.push(order.length);
  return { order, groupStart: Int32Array.from(starts) };
}

/**
 * ROC-AUC and PR-AUC of a ranking, rows weighted (a bootstrap's multiplicities; default 1).
 * ROC-AUC: the chance that a positive outranks a negative, ties counting one half (the
 * Mann–Whitney statistic). PR-AUC: average precision, the precision at each threshold weighted by
 * the recall it adds, equal scores making one threshold; its chance level is the share of
 * positives, so it says more than ROC-AUC when positives are rare, as risk-map cells are.
 */
export function rankingScores(r: Ranking, labels: Uint8Array, weights?: Float64Array): { rocAuc: number; prAuc: number } {
  let positives = 0;
  let negatives = 0;
  for (let i = 0; i < labels.length; i++) {
    const w = weights ? weights[i]! : 1;
    if (labels[i]) positives += w;
    else negatives += w;
  }
  if (positives === 0 || negatives === 0) throw new Error(`ranking scores: needs positives and negatives (got ${positives} and ${negatives})`);
  let negativesBelow = negatives;
  let pairs = 0;
  let truePositives = 0;
  let seen = 0;
  let area = 0;
  for (let g = 0; g + 1 < r.groupStart.length; g++) {
    let pos = 0;
    let neg = 0;
    for (let k = r.groupStart[g]!; k < r.groupStart[g + 1]!; k++) {
      const i = r.order[k]!;
      const w = weights ? weights[i]! : 1;
      if (labels[i]) pos += w;
      else neg += w;
    }
    negativesBelow -= neg;
    pairs += pos * negativesBelow + (pos * neg) / 2;
    truePositives += pos;
    seen += pos + neg;
    if (pos > 0) area += (pos / positives) * (truePositives / seen);
  }
  return { rocAuc: pairs / (positives * negatives), prAuc: area };
}

export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  return rankingScores(ranking(scores), Uint8Array.from(labels)).rocAuc;
}

export function prAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  return rankingScores(ranking(scores), Uint8Array.from(labels)).prAuc;
}

// Calibration --------------------------------------------------------------------------------------

/**
 * Calibration of predictions, given as log-odds, against what happened, rows weighted (default 1):
 * - Brier score: mean squared difference between probability and outcome (0 is perfect);
 * - calibration intercept (calibration-in-the-large): a in logit P(y) = a + logit(p); 0 when the
 *   predicted total matches the observed one, below 0 when predictions are too high;
 * - calibration slope: b in logit P(y) = a' + b · logit(p); 1 when predictions are as spread as
 *   the outcomes bear, below 1 when too extreme (overfitting), above 1 when too timid.
 * `start` (the estimates on all rows) lets a bootstrap resample converge in a step or two.
 */
export function calibration(logOdds: Float64Array, labels: Uint8Array, weights?: Float64Array, start?: { intercept: number; slope: number; slopeIntercept: number }): Calibration {
  const n = labels.length;
  let total = 0;
  let brier = 0;
  for (let i = 0; i < n; i++) {
    const w = weights ? weights[i]! : 1;
    if (w === 0) continue;
    total += w;
    brier += w * (sigmoid(logOdds[i]!) - labels[i]!) ** 2;
  }
  let a = start?.intercept ?? 0;
  for (let step = 0; step < 50; step++) {
    let g = 0;
    let h = 0;
    for (let i = 0; i < n; i++) {
      const w = weights ? weights[i]! : 1;
      if (w === 0) continue;
      const mu = sigmoid(a + logOdds[i]!);
      g += w * (mu - labels[i]!);
      h += w * mu * (1 - mu);
    }
    const d = g / Math.max(h, 1e-12);
    a -= d;
    if (Math.abs(d) < 1e-8) break;
  }
  const slopeLoss = (c0: number, c1: number) => {
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const w = weights ? weights[i]! : 1;
      if (w !== 0) loss += w * logLoss(c0 + c1 * logOdds[i]!, labels[i]!);
    }
    return loss;
  };
  let c0 = start?.slopeIntercept ?? 0;
  let c1 = start?.slope ?? 1;
  for (let step = 0; step < 50; step++) {
    let g0 = 0;
    let g1 = 0;
    let h00 = 0;
    let h01 = 0;
    let h11 = 0;
    for (let i = 0; i < n; i++) {
      const w = weights ? weights[i]! : 1;
      if (w === 0) continue;
      const x = logOdds[i]!;
      const mu = sigmoid(c0 + c1 * x);
      const e = w * (mu - labels[i]!);
      const v = w * mu * (1 - mu);
      g0 += e;
      g1 += e * x;
      h00 += v;
      h01 += v * x;
      h11 += v * x * x;
    }
    const det = h00 * h11 - h01 * h01;
    if (!(det > 1e-15)) break;
    let d0 = (h11 * g0 - h01 * g1) / det;
    let d1 = (h00 * g1 - h01 * g0) / det;
    // Newton's step can overshoot from a poor start; halve it until the loss falls.
    const before = slopeLoss(c0, c1);
    while (slopeLoss(c0 - d0, c1 - d1) > before && Math.abs(d0) + Math.abs(d1) > 1e-12) {
      d0 /= 2;
      d1 /= 2;
    }
    c0 -= d0;
    c1 -= d1;
    if (Math.abs(d0) + Math.abs(d1) < 1e-8) break;
  }
  return { brier: brier / total, intercept: a, slope: c1, slopeIntercept: c0 };
}

export interface Calibration {
  brier: number;
  intercept: number;
  slope: number;
  /** a' of the slope's fit, kept to start a resample's fit from. */
  slopeIntercept: number;
}

/** Bins of predicted probability for the reliability table: rare events need the low end split finely. */
export const RELIABILITY_EDGES = [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1] as const;

export interface ReliabilityBin {
  from: number;
  to: number;
  cells: number;
  /** Mean predicted probability in the bin. */
  predicted: number;
  /** Share of the bin's cells that had an event. */
  observed: number;
}

/** Predicted against observed, bin by bin: a well-calibrated model has predicted ≈ observed in every bin. */
export function reliabilityTable(logOdds: Float64Array, labels: Uint8Array): ReliabilityBin[] {
  const bins = RELIABILITY_EDGES.slice(0, -1).map((from, k) => ({ from, to: RELIABILITY_EDGES[k + 1]!, cells: 0, predicted: 0, observed: 0 }));
  for (let i = 0; i < labels.length; i++) {
    const p = sigmoid(logOdds[i]!);
    const bin = bins.find((b) => p < b.to) ?? bins[bins.length - 1]!;
    bin.cells++;
    bin.predicted += p;
    bin.observed += labels[i]!;
  }
  return bins.filter((b) => b.cells > 0).map((b) => ({ ...b, predicted: b.predicted / b.cells, observed: b.observed / b.cells }));
}
