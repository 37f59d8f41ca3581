import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ageGroup, parseAge } from './age.ts';

test('ages as sources write them read as ranges', () => {
  const cases: [string, ReturnType<typeof parseAge>][] = [
    ['34', { min: 34, max: 34 }],
    ['18-25', { min: 18, max: 25 }],
    ['18 a 25 años', { min: 18, max: 25 }],
    ['under 18', { min: 0, max: 17 }],
    ['Menor de 18', { min: 0, max: 17 }],
    ['menores de 18 años', { min: 0, max: 17 }],
    ['over 60', { min: 61, max: null }],
    ['mayor de 60', { min: 61, max: null }],
    ['60+', { min: 60, max: null }],
    ['60 y más', { min: 60, max: null }],
    ['25-18', null],
    ['130', null],
    ['unknown', null],
    ['under 0', null],
  ];
  for (const [text, expected] of cases) assert.deepEqual(parseAge(text), expected, text);
});

test('a range counts in an age group only when it lies wholly inside it', () => {
  assert.equal(ageGroup(0, 17), 'child');
  assert.equal(ageGroup(17, 17), 'child');
  assert.equal(ageGroup(18, 25), 'adult');
  assert.equal(ageGroup(61, null), 'adult');
  assert.equal(ageGroup(15, 25), 'unknown');
  assert.equal(ageGroup(null, null), 'unknown');
});
