import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTeams, planClearance, type PlanHazard } from './plan.ts';

const productivity = { manual: 500, mechanical: 3000, bac: 10_000 };

function hazard(rank: number, method: PlanHazard['method'], remainingAreaM2: number): PlanHazard {
  return { hazardId: `h${rank}`, reference: `H${rank}`, rank, method, remainingAreaM2 };
}

test('hazards go in priority order to the team of their method free first, for area / productivity days', () => {
  const plan = planClearance({
    hazards: [hazard(1, 'manual', 5000), hazard(2, 'manual', 2500), hazard(3, 'manual', 1000), hazard(4, 'bac', 30_000)],
    settlements: [
      { settlementId: 's1', name: 'Alpha', hazardIds: ['h1', 'h3'] },
      { settlementId: 's2', name: 'Bravo', hazardIds: ['h2'] },
    ],
    teams: { manual: 2, bac: 1 },
    productivity,
    start: '2027-01-01',
  });
  const byRef = Object.fromEntries(plan.hazards.map((h) => [h.reference, h]));
  // H1: 10 days on manual-1 (1–10 Jan). H2: 5 days on manual-2 (1–5 Jan). H3: 2 days on manual-2, free first (6–7 Jan).
  assert.deepEqual([byRef.H1!.team, byRef.H1!.startDate, byRef.H1!.releaseDate], ['manual-1', '2027-01-01', '2027-01-10']);
  assert.deepEqual([byRef.H2!.team, byRef.H2!.startDate, byRef.H2!.releaseDate], ['manual-2', '2027-01-01', '2027-01-05']);
  assert.deepEqual([byRef.H3!.team, byRef.H3!.startDate, byRef.H3!.releaseDate], ['manual-2', '2027-01-06', '2027-01-07']);
  assert.deepEqual([byRef.H4!.team, byRef.H4!.releaseDate], ['bac-1', '2027-01-03']);
  // Each settlement is safe when the last hazard around it is released.
  assert.deepEqual(plan.settlements.map((s) => [s.name, s.releaseDate, s.lastHazard]), [['Bravo', '2027-01-05', 'H2'], ['Alpha', '2027-01-10', 'H1']]);
  assert.equal(plan.finishDate, '2027-01-10');
});

test('total team-days equal the sum of area / productivity, whatever the number of teams', () => {
  const hazards = Array.from({ length: 40 }, (_, i) => hazard(i + 1, (['manual', 'mechanical', 'bac'] as const)[i % 3]!, 1000 + 977 * i));
  const expected = hazards.reduce((sum, h) => sum + h.remainingAreaM2 / productivity[h.method], 0);
  for (const teams of [1, 3, 7]) {
    const plan = planClearance({ hazards, settlements: [], teams: parseTeams(String(teams)), productivity, start: '2027-01-01' });
    assert.ok(Math.abs(plan.totalTeamDays - expected) < 1e-9, `${teams} teams: ${plan.totalTeamDays} ≠ ${expected}`);
    assert.equal(plan.hazards.length, 40);
  }
  const one = planClearance({ hazards, settlements: [], teams: { manual: 1, mechanical: 1, bac: 1 }, productivity, start: '2027-01-01' });
  const four = planClearance({ hazards, settlements: [], teams: { manual: 4, mechanical: 4, bac: 4 }, productivity, start: '2027-01-01' });
  assert.ok(four.finishDate! < one.finishDate!, 'more teams finish sooner');
});

test('a hazard whose method has no team is not scheduled, and its settlement has no date', () => {
  const plan = planClearance({
    hazards: [hazard(1, 'manual', 500), hazard(2, 'mechanical', 3000)],
    settlements: [{ settlementId: 's', name: 'Charlie', hazardIds: ['h1', 'h2'] }],
    teams: parseTeams('manual=1'),
    productivity,
    start: '2027-03-01',
  });
  assert.deepEqual(plan.unscheduled.map((u) => [u.reference, u.reason]), [['H2', 'no mechanical team']]);
  assert.deepEqual(plan.settlements[0], { settlementId: 's', name: 'Charlie', hazards: 2, releaseDate: null, lastHazard: null, unscheduledHazards: ['H2'] });
  assert.throws(() => parseTeams('divers=2'), /method=count/);
  assert.throws(() => planClearance({ hazards: [], settlements: [], teams: {}, productivity, start: '2027-02-30' }), /YYYY-MM-DD/);
});
