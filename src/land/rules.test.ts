import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evidenceProblem, futureDateProblem, isReleased, methodRankSql, reconcile, releaseDateOf } from './rules.ts';

test('precedence in SQL follows cleared > reduced > cancelled', () => {
  assert.equal(methodRankSql('p.method'), "CASE p.method WHEN 'cleared' THEN 1 WHEN 'reduced' THEN 2 WHEN 'cancelled' THEN 3 END");
});

test('a hazard is released below 0.01 m² remaining, on its last product’s date', () => {
  assert.equal(isReleased(0), true);
  assert.equal(isReleased(0.0099), true);
  assert.equal(isReleased(0.01), false);
  assert.equal(releaseDateOf(['2024-03-10', '2024-01-10', '2024-02-10']), '2024-03-10');
  assert.equal(releaseDateOf([]), null);
});

test('a CHA needs direct evidence', () => {
  assert.match(evidenceProblem('cha', ['former_front_line']) ?? '', /needs direct evidence/);
  assert.equal(evidenceProblem('cha', ['ordnance_seen']), null);
  assert.equal(evidenceProblem('sha', []), null);
});

test('dates of done work are not in the future', () => {
  assert.equal(futureDateProblem('releaseDate', '2024-06-01', '2024-06-01'), null);
  assert.match(futureDateProblem('releaseDate', '2024-06-02', '2024-06-01') ?? '', /releaseDate 2024-06-02 is in the future \(today is 2024-06-01\)/);
});

test('reconciliation: hazard area = released + remaining, to rounding', () => {
  const parts = { cancelled: 100, reduced: 200.5, cleared: 300, remaining: 399.5 };
  assert.deepEqual(reconcile(1000, parts), { sumM2: 1000, differenceM2: 0, balanced: true });
  assert.equal(reconcile(1000.5, parts).balanced, false);
});
