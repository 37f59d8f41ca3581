import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explain, fitStandardiser, prAuc, predict, rocAuc, trainLogistic } from './model.ts';

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
  const rows: number[][] = [];
  const labels: (0 | 1)[] = [];
  for (let i = 0; i < 200; i++) {
    const x = -3 + (6 * i) / 199;
    const p = 1 / (1 + Math.exp(-(-1 + 2 * x)));
    for (let k = 0; k < 100; k++) {
      rows.push([x, 5]);
      labels.push((k + 0.5) / 100 < p ? 1 : 0);
    }
  }
  const model = trainLogistic(rows, labels, { features: ['x', 'constant'], l2: 0, iterations: 3000, learningRate: 1 });
  const sd = fitStandardiser(rows).sds[0]!;
  assert.ok(Math.abs(model.coefficients[0]! / sd - 2) < 0.1, `slope ${model.coefficients[0]! / sd}`);
  assert.equal(model.coefficients[1], 0, 'a constant feature carries no weight');
  const { probability, logOdds, contributions } = explain(model, [1, 5]);
  assert.ok(Math.abs(logOdds - (model.intercept + contributions.reduce((s, c) => s + c.contribution, 0))) < 1e-12);
  assert.ok(Math.abs(probability - 1 / (1 + Math.exp(-(-1 + 2)))) < 0.03, `p(1) = ${probability}`);
  assert.ok(predict(model, [2, 5]) > predict(model, [0, 5]));
});

test('the L2 penalty shrinks coefficients', () => {
  const rows = [[0], [1], [2], [3], [4], [5]];
  const labels = [0, 0, 1, 0, 1, 1] as const;
  const loose = trainLogistic(rows, [...labels], { features: ['x'], l2: 0 });
  const tight = trainLogistic(rows, [...labels], { features: ['x'], l2: 1 });
  assert.ok(Math.abs(tight.coefficients[0]!) < Math.abs(loose.coefficients[0]!));
  assert.ok(tight.coefficients[0]! > 0);
});
