import { test } from 'node:test';
import assert from 'node:assert/strict';
import { calibration, explain, logOddsOf, prAuc, ranking, rankingScores, reliabilityTable, rocAuc, trainLogistic } from './model.ts';

test('ROC-AUC and PR-AUC on a hand example', () => {
  // Ranked: + − + − −. Positive pairs won: 0.9 beats 3 negatives, 0.7 beats 2 of them: 5 of 6.
  const scores = [0.9, 0.8, 0.7, 0.6, 0.5];
  const labels = [1, 0, 1, 0, 0] as const;
  assert.equal(rocAuc(scores, labels), 5 / 6);
  // Precision 1 at the first positive, 2/3 at the second, each adding half the recall.
  assert.equal(prAuc(scores, labels), (1 + 2 / 3) / 2);
  // A perfect and a reversed ranking.
  assert.equal(rocAuc([3, 2, 1], [1, 0, 0]), 1);
  assert.equal(rocAuc([1, 2, 3], [1, 0, 0]), 0);
  assert.equal(prAuc([3, 2, 1], [1, 0, 0]), 1);
});

test('ties count one half in ROC-AUC and one threshold in PR-AUC', () => {
  // The positive ties one negative (½) and beats the other (1): 1.5 of 2.
  assert.equal(rocAuc([1, 1, 0], [1, 0, 0]), 0.75);
  // One threshold takes both tied cells: precision ½ at full recall.
  assert.equal(prAuc([1, 1, 0], [1, 0, 0]), 0.5);
  // All scores equal: chance on both measures.
  assert.equal(rocAuc([2, 2, 2, 2], [1, 0, 1, 0]), 0.5);
  assert.equal(prAuc([2, 2, 2, 2], [1, 0, 1, 0]), 0.5);
  assert.throws(() => rocAuc([1, 2], [0, 0]), /needs positives and negatives/);
});

test('logistic regression recovers a known relation and explains each prediction term by term', () => {
  // Labels drawn from p = σ(−1 + 2x) on a grid of x, deterministically: the fitted slope per
  // standard deviation of x, divided by that deviation, is close to 2.
  const x: number[] = [];
  const constant: number[] = [];
  const labels: number[] = [];
  for (let i = 0; i < 200; i++) {
    const v = -3 + (6 * i) / 199;
    const p = 1 / (1 + Math.exp(-(-1 + 2 * v)));
    for (let k = 0; k < 100; k++) {
      x.push(v);
      constant.push(5);
      labels.push((k + 0.5) / 100 < p ? 1 : 0);
    }
  }
  const model = trainLogistic([Float64Array.from(x), Float64Array.from(constant)], Uint8Array.from(labels), { features: ['x', 'constant'], l2: 0 });
  assert.ok(Math.abs(model.coefficients[0]! / model.sds[0]! - 2) < 0.05, `slope ${model.coefficients[0]! / model.sds[0]!}`);
  assert.ok(Math.abs(model.coefficients[1]!) < 1e-9, 'a constant feature carries no weight');
  const { probability, logOdds, contributions } = explain(model, [1, 5]);
  assert.ok(Math.abs(logOdds - (model.intercept + contributions.reduce((s, c) => s + c.contribution, 0))) < 1e-12);
  assert.ok(Math.abs(probability - 1 / (1 + Math.exp(-(-1 + 2)))) < 0.02, `p(1) = ${probability}`);
  const z = logOddsOf(model, [Float64Array.of(2, 0), Float64Array.of(5, 5)], 2);
  assert.ok(Math.abs(z[0]! - explain(model, [2, 5]).logOdds) < 1e-12 && z[0]! > z[1]!);
});

test('weights act as repeated rows, and a subset of rows as a smaller data set', () => {
  const x = Float64Array.of(0, 1, 2, 3, 4, 5);
  const labels = Uint8Array.of(0, 0, 1, 0, 1, 1);
  const doubled = trainLogistic([Float64Array.of(...x, 2)], Uint8Array.of(...labels, 1), { features: ['x'], l2: 0 });
  const weighted = trainLogistic([x], labels, { features: ['x'], l2: 0, weights: Float64Array.of(1, 1, 2, 1, 1, 1) });
  // Same data, so the same fit on the raw scale (standardisation differs: unweighted means).
  const raw = (m: typeof doubled) => m.coefficients[0]! / m.sds[0]!;
  assert.ok(Math.abs(raw(doubled) - raw(weighted)) < 1e-6, `${raw(doubled)} vs ${raw(weighted)}`);
  const subset = trainLogistic([x], labels, { features: ['x'], l2: 0, rows: Int32Array.of(0, 2, 3, 5) });
  const alone = trainLogistic([Float64Array.of(0, 2, 3, 5)], Uint8Array.of(0, 1, 0, 1), { features: ['x'], l2: 0 });
  assert.ok(Math.abs(raw(subset) - raw(alone)) < 1e-9);
});

test('the L2 penalty shrinks coefficients', () => {
  const x = [Float64Array.of(0, 1, 2, 3, 4, 5)];
  const labels = Uint8Array.of(0, 0, 1, 0, 1, 1);
  const loose = trainLogistic(x, labels, { features: ['x'], l2: 0 });
  const tight = trainLogistic(x, labels, { features: ['x'], l2: 1 });
  assert.ok(Math.abs(tight.coefficients[0]!) < Math.abs(loose.coefficients[0]!));
  assert.ok(tight.coefficients[0]! > 0);
});

test('a bootstrap weight of 2 counts a row twice in ROC-AUC and PR-AUC', () => {
  const scores = [0.9, 0.8, 0.7, 0.6, 0.5];
  const labels = Uint8Array.of(1, 0, 1, 0, 0);
  const weighted = rankingScores(ranking(scores), labels, Float64Array.of(1, 2, 1, 0, 1));
  const repeated = rankingScores(ranking([0.9, 0.8, 0.8, 0.7, 0.5]), Uint8Array.of(1, 0, 0, 1, 0));
  assert.ok(Math.abs(weighted.rocAuc - repeated.rocAuc) < 1e-12 && Math.abs(weighted.prAuc - repeated.prAuc) < 1e-12);
});

test('calibration: perfect probabilities give slope 1 and intercept 0; doubled log-odds give slope ½', () => {
  // Outcomes that match their probabilities exactly: 1 in 10 at 10%, 5 in 10 at 50%, 9 in 10 at 90%.
  const logit = (p: number) => Math.log(p / (1 - p));
  const z: number[] = [];
  const y: number[] = [];
  for (const [p, hits] of [[0.1, 1], [0.5, 5], [0.9, 9]] as const) for (let k = 0; k < 10; k++) { z.push(logit(p)); y.push(k < hits ? 1 : 0); }
  const good = calibration(Float64Array.from(z), Uint8Array.from(y));
  assert.ok(Math.abs(good.slope - 1) < 1e-6 && Math.abs(good.intercept) < 1e-6, JSON.stringify(good));
  assert.ok(Math.abs(good.brier - (10 * 0.1 * 0.9 * 2 + 10 * 0.25) / 30) < 1e-12);
  const extreme = calibration(Float64Array.from(z, (v) => 2 * v), Uint8Array.from(y));
  assert.ok(Math.abs(extreme.slope - 0.5) < 1e-6, `slope ${extreme.slope}`);
  const table = reliabilityTable(Float64Array.from(z), Uint8Array.from(y));
  assert.deepEqual(table.map((b) => [b.cells, Number(b.predicted.toFixed(6)), b.observed]), [[10, 0.1, 0.1], [20, 0.7, 0.7]]);
});
