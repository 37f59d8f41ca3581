/**
 * The risk map's model and its scores, in plain TypeScript with no I/O: logistic regression with
 * an L2 penalty, trained by full-batch gradient descent on standardised features, and the two
 * ranking measures it is judged by (ROC-AUC, PR-AUC). Small and transparent on purpose: every
 * coefficient is reported, and each cell's log-odds is the intercept plus one term per feature.
 */

export interface Standardiser {
  means: number[];
  sds: number[];
}

/** Means and standard deviations of each column; a constant column gets sd 1, so it standardises to 0. */
export function fitStandardiser(rows: readonly (readonly number[])[]): Standardiser {
  const width = rows[0]?.length ?? 0;
  const means = Array.from({ length: width }, (_, j) => rows.reduce((s, r) => s + r[j]!, 0) / Math.max(rows.length, 1));
  const sds = means.map((m, j) => {
    const variance = rows.reduce((s, r) => s + (r[j]! - m) ** 2, 0) / Math.max(rows.length, 1);
    return variance > 1e-12 ? Math.sqrt(variance) : 1;
  });
  return { means, sds };
}

export function standardise(s: Standardiser, row: readonly number[]): number[] {
  return row.map((v, j) => (v - s.means[j]!) / s.sds[j]!);
}

export interface LogisticModel {
  features: string[];
  standardiser: Standardiser;
  intercept: number;
  /** Per standardised feature: the change in log-odds for one standard deviation more. */
  coefficients: number[];
  l2: number;
  iterations: number;
  learningRate: number;
  /** Mean log-loss on the training rows at the end (penalty and class weights excluded). */
  trainingLogLoss: number;
}

export interface TrainOptions {
  features: string[];
  /** Penalty λ on the coefficients (not the intercept): loss = mean log-loss + λ/2 · Σ w². */
  l2?: number;
  iterations?: number;
  learningRate?: number;
}

/**
 * Positive cells are rare (a few in a thousand), so the classes are weighted to count equally:
 * otherwise the mean log-loss, and with it the pull of the data against the penalty, shrinks with
 * the share of positives, and the same λ would mean a different model on every map. Weighting by
 * class leaves the coefficients consistent and shifts only the intercept, by the log of the odds
 * of the weighting, which is undone after fitting so that probabilities keep their meaning.
 */
function classWeights(labels: readonly (0 | 1)[]): { positive: number; negative: number; interceptShift: number } {
  const positives = labels.reduce<number>((s, l) => s + l, 0);
  const negatives = labels.length - positives;
  if (positives === 0 || negatives === 0) throw new Error(`trainLogistic: needs positive and negative rows (got ${positives} and ${negatives})`);
  return { positive: labels.length / (2 * positives), negative: labels.length / (2 * negatives), interceptShift: Math.log(positives / negatives) };
}

const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/**
 * Fits the model by gradient descent from zero. The loss is convex, so the same data always gives
 * the same coefficients; standardising first lets one learning rate suit every feature.
 *
 * @example trainLogistic([[0], [1], [2], [3]], [0, 0, 1, 1], { features: ['x'] }).coefficients[0] > 0
 */
export function trainLogistic(rows: readonly (readonly number[])[], labels: readonly (0 | 1)[], options: TrainOptions): LogisticModel {
  if (rows.length === 0) throw new Error('trainLogistic: no training rows');
  if (rows.length !== labels.length) throw new Error(`trainLogistic: ${rows.length} rows but ${labels.length} labels`);
  if (rows[0]!.length !== options.features.length) throw new Error(`trainLogistic: rows have ${rows[0]!.length} features but ${options.features.length} are named`);
  const l2 = options.l2 ?? 0.01;
  const iterations = options.iterations ?? 1500;
  const learningRate = options.learningRate ?? 0.5;
  const standardiser = fitStandardiser(rows);
  const width = options.features.length;
  const n = rows.length;
  const x = new Float64Array(n * width);
  rows.forEach((r, i) => standardise(standardiser, r).forEach((v, j) => (x[i * width + j] = v)));
  const weights = classWeights(labels);
  const w = new Float64Array(width);
  let b = 0;
  const gradient = new Float64Array(width);
  for (let step = 0; step < iterations; step++) {
    gradient.fill(0);
    let gradientB = 0;
    for (let i = 0; i < n; i++) {
      let z = b;
      for (let j = 0; j < width; j++) z += w[j]! * x[i * width + j]!;
      const error = (sigmoid(z) - labels[i]!) * (labels[i] === 1 ? weights.positive : weights.negative);
      gradientB += error;
      for (let j = 0; j < width; j++) gradient[j]! += error * x[i * width + j]!;
    }
    b -= (learningRate * gradientB) / n;
    for (let j = 0; j < width; j++) w[j]! -= learningRate * (gradient[j]! / n + l2 * w[j]!);
  }
  b += weights.interceptShift;
  let loss = 0;
  for (let i = 0; i < n; i++) {
    let z = b;
    for (let j = 0; j < width; j++) z += w[j]! * x[i * width + j]!;
    const p = Math.min(Math.max(sigmoid(z), 1e-15), 1 - 1e-15);
    loss -= labels[i] === 1 ? Math.log(p) : Math.log(1 - p);
  }
  return { features: [...options.features], standardiser, intercept: b, coefficients: [...w], l2, iterations, learningRate, trainingLogLoss: loss / n };
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
  const z = standardise(model.standardiser, row);
  const contributions = model.features.map((feature, j) => ({ feature, value: row[j]!, standardised: z[j]!, coefficient: model.coefficients[j]!, contribution: model.coefficients[j]! * z[j]! }));
  const logOdds = contributions.reduce((s, c) => s + c.contribution, model.intercept);
  return { probability: sigmoid(logOdds), logOdds, contributions };
}

export function predict(model: LogisticModel, row: readonly number[]): number {
  return explain(model, row).probability;
}

function checkScores(scores: readonly number[], labels: readonly (0 | 1)[], what: string): { positives: number; negatives: number } {
  if (scores.length !== labels.length) throw new Error(`${what}: ${scores.length} scores but ${labels.length} labels`);
  const positives = labels.reduce<number>((s, l) => s + l, 0);
  const negatives = labels.length - positives;
  if (positives === 0 || negatives === 0) throw new Error(`${what}: needs positives and negatives (got ${positives} and ${negatives})`);
  return { positives, negatives };
}

/** Indices sorted by score, highest first, in groups of equal score. */
function tiedGroups(scores: readonly number[]): number[][] {
  const order = scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  const groups: number[][] = [];
  for (const i of order) {
    const last = groups[groups.length - 1];
    if (last && scores[last[0]!] === scores[i]) last.push(i);
    else groups.push([i]);
  }
  return groups;
}

/**
 * Area under the ROC curve: the chance that a random positive scores above a random negative,
 * ties counting one half (the Mann–Whitney statistic). 0.5 is no better than chance.
 */
export function rocAuc(scores: readonly number[], labels: readonly (0 | 1)[]): number {
  const { positives, negatives } = checkScores(scores, labels, 'rocAuc');
  let negativesBelow = negatives;
  let pairs = 0;
  for (const group of tiedGroups(scores)) {
    const pos = group.filter((i) => labels[i] === 1).length;
    const neg = group.length - pos;
    negativesBelow -= neg;
    pairs += pos * negativesBelow + (pos * neg) / 2;
  }
  return pairs / (positives * negatives);
}

/**
 * Area under the precision–recall curve as average precision: the precision at each threshold
 * weighted by the recall it adds, equal scores making one threshold. Chance level is the share of
 * positives, so it says more than ROC-AUC when positives are rare, as risk-map cells are.
 */
export function prAuc(scores: readonly number[], labels: readonly (0 | 1)[]): number {
  const { positives } = checkScores(scores, labels, 'prAuc');
  let truePositives = 0;
  let seen = 0;
  let area = 0;
  for (const group of tiedGroups(scores)) {
    const pos = group.filter((i) => labels[i] === 1).length;
    truePositives += pos;
    seen += group.length;
    area += (pos / positives) * (truePositives / seen);
  }
  return area;
}
