import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_LISTED_PER_KIND, Problems } from './problems.ts';

test('a repetitive problem never buries the others: listed per kind, most frequent kind first, all counted by kind', () => {
  const problems = new Problems();
  for (let row = 2; row < 502; row++) problems.add({ row, field: 'sex', value: 'Hombre', message: 'is not one of female, male, unknown' });
  problems.add({ row: 700, field: 'longitude', value: '6.4, 71.7', message: 'lies 15651 km outside Colombia, but inside it with the sign of the longitude flipped' });
  problems.add({ row: 3, field: 'age', value: 'x', message: 'is not an age' });
  problems.add({ row: 9, field: 'age', value: 'y', message: 'is not an age' });
  problems.add({ row: null, field: null, value: undefined, message: 'victimas.csv: no column gives reference' });

  const listed = problems.ordered();
  assert.equal(problems.count, 504);
  assert.equal(listed.length, MAX_LISTED_PER_KIND + 4, 'twenty of the repetitive kind, then every other problem');
  assert.deepEqual(listed.slice(0, 1).map((p) => p.row), [null], 'the whole file first');
  assert.deepEqual(listed.slice(1, 1 + MAX_LISTED_PER_KIND).map((p) => p.field), Array(MAX_LISTED_PER_KIND).fill('sex'));
  assert.deepEqual(listed.slice(-3).map((p) => p.row), [3, 9, 700], 'rarer kinds after, by row');
  assert.deepEqual(problems.kinds(), {
    'sex: is not one of female, male, unknown': 500,
    'age: is not an age': 2,
    'longitude: lies N km outside Colombia, but inside it with the sign of the longitude flipped': 1,
    'victimas.csv: no column gives reference': 1,
  });
});
