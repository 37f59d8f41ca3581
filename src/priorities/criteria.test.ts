import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  blockedResources, clearanceMethodOf, compareRankings, DEFAULT_PRESETS, type HazardFacts, parseWeights, type PriorityContext, resolveWeights, scoreHazards,
} from './criteria.ts';

const context: PriorityContext = { productivity: { manual: 500, mechanical: 3000, bac: 10_000 }, blockedWithinM: 100 };

function facts(reference: string, extra: Partial<HazardFacts> = {}): HazardFacts {
  return {
    hazardId: `id-${reference}`,
    reference,
    kind: 'sha',
    contamination: [],
    blockages: [],
    remainingAreaM2: 10_000,
    recentVictims: 0,
    lisVictims: 0,
    population: 0,
    plannedReturnDisplaced: 0,
    plannedReturnOn: null,
    roadDistanceM: null,
    roadLengthInsideM: 0,
    utilityDistanceM: null,
    reconstructionDistanceM: null,
    reconstructionOverlapM2: 0,
    farmlandOverlapM2: 0,
    waterDistanceM: null,
    recordReliability: null,
    recordReference: null,
    ...extra,
  };
}

const near = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a} ≠ ${b}`);

test('a score is the sum of weight × normalised value, as worked by hand', () => {
  // Hazard A: 3 victims (3/5 = 0.6), AP mines (1), 2500 people (0.5), a water point 250 m away
  // (1 − 0.25 = 0.75), 25 000 m² by manual teams at 500 m²/day = 50 team-days (1 − 50/200 = 0.75),
  // a record with A(5 m) = 0.4.
  const a = facts('A', { recentVictims: 3, contamination: ['ap_mine'], population: 2500, waterDistanceM: 250, remainingAreaM2: 25_000, recordReliability: 0.4 });
  const [scored] = scoreHazards([a], DEFAULT_PRESETS.threat!.weights, context);
  // 0.4·0.6 + 0.2·1 + 0.2·0.5 + 0.1·0.75 + 0.05·0.75 + 0.05·0.4 = 0.24 + 0.2 + 0.1 + 0.075 + 0.0375 + 0.02
  near(scored!.score, 0.6725, 'score');
  const by = Object.fromEntries(scored!.breakdown.map((b) => [b.criterion, b]));
  assert.deepEqual(
    { raw: by.casualties!.raw, normalised: by.casualties!.normalised, weight: by.casualties!.weight },
    { raw: 3, normalised: 0.6, weight: 0.4 },
  );
  near(by.casualties!.contribution, 0.24, 'casualties contribution');
  assert.equal(by.cost!.raw, 50);
  near(by.cost!.normalised, 0.75, 'cost normalised');
  near(by.water!.normalised, 0.75, 'water normalised');
  assert.equal(scored!.teamDays, 50);
  assert.equal(scored!.method, 'manual');
  near(scored!.breakdown.reduce((s, b) => s + b.contribution, 0), scored!.score, 'sum of contributions');
});

test('thresholds cap each criterion at 1 and a missing feature counts 0', () => {
  const [s] = scoreHazards([facts('B', { recentVictims: 12, population: 9000, roadDistanceM: 1500 })], { casualties: 1, population: 1, roads: 1 }, context);
  assert.deepEqual(s!.breakdown.map((b) => [b.criterion, b.normalised]), [['casualties', 1], ['population', 1], ['roads', 0]]);
  const [t] = scoreHazards([facts('C')], { roads: 1, water: 1, recordReliability: 1 }, context);
  assert.equal(t!.score, 0);
});

test('the LIS score: 2 per recent victim, 1 per blocked resource type, 2 for mines', () => {
  const h = facts('L', { lisVictims: 3, contamination: ['at_mine'], blockages: ['cropland', 'pasture'], roadDistanceM: 40, waterDistanceM: 600 });
  assert.deepEqual(blockedResources(h, 100), ['agricultural land', 'pasture', 'roads']);
  const [s] = scoreHazards([h], DEFAULT_PRESETS.lis!.weights, context);
  // 2·3 + 1·3 + 1·2 = 11: "high impact" in the LIS bands (11 and above).
  assert.equal(s!.score, 11);
  const uxo = scoreHazards([facts('U', { contamination: ['erw_uxo'] })], DEFAULT_PRESETS.lis!.weights, context)[0]!;
  assert.equal(uxo.score, 1);
});

test('changing a weight moves the ranking as expected', () => {
  const threat = facts('T', { recentVictims: 5 });
  const road = facts('R', { roadDistanceM: 0 });
  const before = scoreHazards([threat, road], { casualties: 0.6, roads: 0.4 }, context).map((s) => s.reference);
  const after = scoreHazards([threat, road], { casualties: 0.3, roads: 0.7 }, context).map((s) => s.reference);
  assert.deepEqual(before, ['T', 'R']);
  assert.deepEqual(after, ['R', 'T']);
});

test('a comparison says what moves, by how many places and which criteria drive it', () => {
  const hazards = [
    facts('H1', { recentVictims: 5 }),
    facts('H2', { recentVictims: 4 }),
    facts('H3', { plannedReturnDisplaced: 2000 }),
    facts('H4', { plannedReturnDisplaced: 1000, recentVictims: 1 }),
  ];
  const moves = compareRankings(hazards, { casualties: 1 }, { plannedReturn: 1 }, context);
  const byRef = Object.fromEntries(moves.map((m) => [m.reference, m]));
  // Under A: H1 (1), H2 (0.8), H4 (0.2), H3 (0). Under B: H3 (1), H4 (0.5), then H1 and H2 at 0 by reference.
  assert.deepEqual([byRef.H1!.rankA, byRef.H2!.rankA, byRef.H4!.rankA, byRef.H3!.rankA], [1, 2, 3, 4]);
  assert.deepEqual([byRef.H3!.rankB, byRef.H4!.rankB, byRef.H1!.rankB, byRef.H2!.rankB], [1, 2, 3, 4]);
  assert.equal(byRef.H3!.move, 3);
  assert.equal(byRef.H1!.move, -2);
  assert.equal(moves[0]!.reference, 'H3');
  // H3 rises because return gains weight and it stands above the mean on return: (1 − 0.375)·(1 − 0).
  assert.equal(byRef.H3!.drivers[0]!.criterion, 'plannedReturn');
  near(byRef.H3!.drivers[0]!.effect, 0.625, 'H3 return effect');
  // H1 falls because casualties lose weight and it stands above the mean there.
  assert.equal(byRef.H1!.drivers[0]!.criterion, 'casualties');
  assert.ok(byRef.H1!.drivers.every((d) => d.effect < 0));
});

test('weights are written as criterion:weight pairs or named by preset', () => {
  assert.deepEqual(parseWeights('casualties:2, roads:0.5'), { casualties: 2, roads: 0.5 });
  assert.throws(() => parseWeights('casualties'), /criterion:weight/);
  assert.throws(() => parseWeights('bananas:1'), /unknown criterion "bananas"/);
  assert.throws(() => parseWeights('roads:-1'), /≥ 0/);
  assert.equal(resolveWeights('return', DEFAULT_PRESETS).weights, DEFAULT_PRESETS.return!.weights);
  assert.throws(() => resolveWeights('nope', DEFAULT_PRESETS), /No preset "nope"/);
});

test('the clearance method follows the contamination', () => {
  assert.equal(clearanceMethodOf(['erw_uxo', 'cluster_munition']), 'bac');
  assert.equal(clearanceMethodOf(['at_mine']), 'mechanical');
  assert.equal(clearanceMethodOf(['at_mine', 'ap_mine']), 'manual');
  assert.equal(clearanceMethodOf([]), 'manual');
});
