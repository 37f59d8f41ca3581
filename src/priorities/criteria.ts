/**
 * Clearance priorities: the criteria, how each is normalised, the weight presets, scoring with a
 * breakdown, and comparing two weight sets. Pure: the store measures, these rules judge
 * (docs/priorities.md).
 *
 * Every criterion is normalised by a capped linear rule with a stated threshold, never by the
 * spread of the hazards in the register (min-max), so that a hazard's normalised values do not
 * change when another hazard is added or released, and every figure can be checked by hand.
 */
import { UserError } from '../errors.ts';

export const CLEARANCE_METHODS = ['manual', 'mechanical', 'bac'] as const;
export type ClearanceMethod = (typeof CLEARANCE_METHODS)[number];

/** What the store measures for one active hazard (docs/priorities.md, "Criteria"). */
export interface HazardFacts {
  hazardId: string;
  reference: string;
  kind: string;
  contamination: readonly string[];
  blockages: readonly string[];
  /** Hazard minus all its release products, geodesic m². */
  remainingAreaM2: number;
  /** Victims of accidents within the casualty radius in the casualty window. */
  recentVictims: number;
  /** Victims within the casualty radius in the last 24 months (the LIS window). */
  lisVictims: number;
  /** Residents of settlements within the settlement radius. */
  population: number;
  /** Displaced people of those settlements whose return is planned within the horizon (or undated). */
  plannedReturnDisplaced: number;
  /** Earliest planned return date among those settlements. */
  plannedReturnOn: string | null;
  /** Distances to the nearest feature within the search radius, metres; null when none is that near. */
  roadDistanceM: number | null;
  roadLengthInsideM: number;
  utilityDistanceM: number | null;
  reconstructionDistanceM: number | null;
  reconstructionOverlapM2: number;
  farmlandOverlapM2: number;
  waterDistanceM: number | null;
  /** Share of found mines within τ of the record (its own audit, else its handover batch's), best record covering the hazard. */
  recordReliability: number | null;
  recordReference: string | null;
}

export interface PriorityContext {
  /** Clearance productivity per method, m² per team-day (instance setting). */
  productivity: Readonly<Record<ClearanceMethod, number>>;
  /** A road, utility, water point or project this near the hazard blocks it (LIS "blocked resource"), metres. */
  blockedWithinM: number;
}

/** Worst first: how directly a contamination type threatens people on foot. */
export const CONTAMINATION_SEVERITY: Readonly<Record<string, number>> = { ap_mine: 1, ied: 1, cluster_munition: 0.8, at_mine: 0.6, erw_uxo: 0.5 };
/** Severity when the contamination is not known. */
export const UNKNOWN_CONTAMINATION_SEVERITY = 0.5;

/**
 * The method a hazard is cleared by, from its contamination: battle area clearance where only
 * unexploded or cluster ordnance is reported, mechanical where anti-tank mines are the only mines,
 * manual otherwise (anti-personnel mines, IEDs, or not known).
 */
export function clearanceMethodOf(contamination: readonly string[]): ClearanceMethod {
  if (contamination.length > 0 && contamination.every((c) => c === 'erw_uxo' || c === 'cluster_munition')) return 'bac';
  if (contamination.includes('at_mine') && !contamination.includes('ap_mine') && !contamination.includes('ied')) return 'mechanical';
  return 'manual';
}

/** Remaining area over the productivity of the hazard's method: the work it needs. */
export function teamDaysOf(facts: Pick<HazardFacts, 'contamination' | 'remainingAreaM2'>, productivity: Readonly<Record<ClearanceMethod, number>>): number {
  return facts.remainingAreaM2 / productivity[clearanceMethodOf(facts.contamination)];
}

/** The resource types a hazard blocks, as the Landmine Impact Survey counts them. */
export function blockedResources(facts: HazardFacts, blockedWithinM: number): string[] {
  const near = (d: number | null) => d !== null && d <= blockedWithinM;
  const blocked: string[] = [];
  if (facts.blockages.includes('cropland') || facts.farmlandOverlapM2 > 0) blocked.push('agricultural land');
  if (facts.blockages.includes('pasture')) blocked.push('pasture');
  if (facts.blockages.includes('water') || near(facts.waterDistanceM)) blocked.push('water');
  if (facts.blockages.includes('road') || near(facts.roadDistanceM)) blocked.push('roads');
  if (facts.blockages.includes('infrastructure') || near(facts.utilityDistanceM) || near(facts.reconstructionDistanceM)) blocked.push('infrastructure');
  if (facts.blockages.includes('housing')) blocked.push('housing');
  return blocked;
}

const capped = (value: number, cap: number) => Math.min(value / cap, 1);
const closeness = (distanceM: number | null, capM: number) => (distanceM === null ? 0 : 1 - Math.min(distanceM / capM, 1));

interface CriterionRule {
  label: string;
  unit: string;
  /** The normalisation in words and symbols, shown in every breakdown. */
  rule: string;
  raw(facts: HazardFacts, context: PriorityContext): number | null;
  normalise(raw: number | null): number;
}

export const CRITERIA = [
  'casualties', 'population', 'plannedReturn', 'roads', 'utilities', 'reconstruction', 'farmland', 'water', 'contamination', 'cost', 'recordReliability',
  'lisRecentVictims', 'lisBlockedResources', 'lisMines',
] as const;
export type Criterion = (typeof CRITERIA)[number];

export const CRITERION_RULES: Readonly<Record<Criterion, CriterionRule>> = {
  casualties: { label: 'casualties nearby, recent', unit: 'victims', rule: 'min(victims / 5, 1)', raw: (f) => f.recentVictims, normalise: (r) => capped(r ?? 0, 5) },
  population: { label: 'people living nearby', unit: 'people', rule: 'min(population / 5000, 1)', raw: (f) => f.population, normalise: (r) => capped(r ?? 0, 5000) },
  plannedReturn: {
    label: 'displaced people whose return is planned',
    unit: 'people',
    rule: 'min(displaced with return planned / 2000, 1)',
    raw: (f) => f.plannedReturnDisplaced,
    normalise: (r) => capped(r ?? 0, 2000),
  },
  roads: { label: 'roads and corridors', unit: 'm (distance)', rule: '1 − min(distance / 1000 m, 1); 0 when none within the search radius', raw: (f) => f.roadDistanceM, normalise: (r) => closeness(r, 1000) },
  utilities: { label: 'utilities', unit: 'm (distance)', rule: '1 − min(distance / 1000 m, 1); 0 when none within the search radius', raw: (f) => f.utilityDistanceM, normalise: (r) => closeness(r, 1000) },
  reconstruction: {
    label: 'reconstruction projects',
    unit: 'm (distance)',
    rule: '1 − min(distance / 1000 m, 1); 0 when none within the search radius',
    raw: (f) => f.reconstructionDistanceM,
    normalise: (r) => closeness(r, 1000),
  },
  farmland: { label: 'farmland inside the hazard', unit: 'm²', rule: 'min(area / 50 000 m², 1)', raw: (f) => f.farmlandOverlapM2, normalise: (r) => capped(r ?? 0, 50_000) },
  water: { label: 'water points', unit: 'm (distance)', rule: '1 − min(distance / 1000 m, 1); 0 when none within the search radius', raw: (f) => f.waterDistanceM, normalise: (r) => closeness(r, 1000) },
  contamination: {
    label: 'contamination type',
    unit: 'severity',
    rule: 'worst type: AP mine or IED 1, cluster munition 0.8, AT mine 0.6, ERW/UXO 0.5, not known 0.5',
    raw: (f) => (f.contamination.length === 0 ? UNKNOWN_CONTAMINATION_SEVERITY : Math.max(...f.contamination.map((c) => CONTAMINATION_SEVERITY[c] ?? UNKNOWN_CONTAMINATION_SEVERITY))),
    normalise: (r) => r ?? UNKNOWN_CONTAMINATION_SEVERITY,
  },
  cost: {
    label: 'estimated clearance cost',
    unit: 'team-days',
    rule: '1 − min(team-days / 200, 1): cheaper is better; team-days = remaining area / productivity of the method',
    raw: (f, c) => teamDaysOf(f, c.productivity),
    normalise: (r) => 1 - capped(r ?? 0, 200),
  },
  recordReliability: {
    label: 'reliability of the minefield record',
    unit: 'share within τ',
    rule: 'A(τ) of the record covering the hazard (its own audit, else its handover batch pooled); 0 without an audited record',
    raw: (f) => f.recordReliability,
    normalise: (r) => r ?? 0,
  },
  lisRecentVictims: { label: 'LIS: victims in the last 24 months', unit: 'victims', rule: 'count (points)', raw: (f) => f.lisVictims, normalise: (r) => r ?? 0 },
  lisBlockedResources: {
    label: 'LIS: blocked resource types',
    unit: 'types',
    rule: 'count of agricultural land, pasture, water, roads, infrastructure, housing blocked (points)',
    raw: (f, c) => blockedResources(f, c.blockedWithinM).length,
    normalise: (r) => r ?? 0,
  },
  lisMines: {
    label: 'LIS: mines present',
    unit: 'points',
    rule: '2 when mines (AP, AT) or IEDs are reported, else 1 (unexploded ordnance only, or not known)',
    raw: (f) => (f.contamination.some((c) => c === 'ap_mine' || c === 'at_mine' || c === 'ied') ? 2 : 1),
    normalise: (r) => r ?? 1,
  },
};

export type Weights = Partial<Record<Criterion, number>>;

export interface Preset {
  label: string;
  description: string;
  weights: Weights;
}

/** Built-in presets; an instance overrides them with its `priority_presets` setting. */
export const DEFAULT_PRESETS: Readonly<Record<string, Preset>> = {
  threat: {
    label: 'threat to life first',
    description: 'recent casualties, the worst ordnance and people nearby first',
    weights: { casualties: 0.4, contamination: 0.2, population: 0.2, water: 0.1, cost: 0.05, recordReliability: 0.05 },
  },
  return: {
    label: 'return of displaced people',
    description: 'land around settlements whose displaced people are to return, soonest first',
    weights: { plannedReturn: 0.4, population: 0.15, casualties: 0.15, roads: 0.1, water: 0.1, cost: 0.05, recordReliability: 0.05 },
  },
  reconstruction: {
    label: 'reconstruction and livelihoods',
    description: 'roads, utilities, reconstruction projects, farmland and water',
    weights: { reconstruction: 0.25, roads: 0.2, farmland: 0.2, utilities: 0.15, water: 0.1, cost: 0.05, recordReliability: 0.05 },
  },
  lis: {
    label: 'Landmine Impact Survey score',
    description: '2 points per recent victim (24 months), 1 per blocked resource type, 2 for mines (1 for UXO only)',
    weights: { lisRecentVictims: 2, lisBlockedResources: 1, lisMines: 1 },
  },
};

export function checkWeights(weights: Weights, where: string): Weights {
  const entries = Object.entries(weights);
  if (entries.length === 0) throw new UserError(`${where}: give at least one weight`);
  for (const [criterion, weight] of entries) {
    if (!(CRITERIA as readonly string[]).includes(criterion)) throw new UserError(`${where}: unknown criterion ${JSON.stringify(criterion)}; criteria are ${CRITERIA.join(', ')}`);
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) throw new UserError(`${where}: the weight of ${criterion} must be a number ≥ 0 (got ${JSON.stringify(weight)})`);
  }
  if (entries.every(([, w]) => w === 0)) throw new UserError(`${where}: at least one weight must be above 0`);
  return weights;
}

/** "casualties:2,roads:1" as weights. */
export function parseWeights(text: string): Weights {
  const weights: Weights = {};
  for (const part of text.split(',')) {
    const [name, value, ...rest] = part.split(':').map((s) => s.trim());
    if (!name || value === undefined || rest.length > 0 || value === '' || Number.isNaN(Number(value))) {
      throw new UserError(`weights ${JSON.stringify(text)}: expected criterion:weight pairs separated by commas, e.g. casualties:2,roads:1`);
    }
    weights[name as Criterion] = Number(value);
  }
  return checkWeights(weights, `weights ${JSON.stringify(text)}`);
}

/** A preset by name, or weights written out ("casualties:2,roads:1"). */
export function resolveWeights(spec: string, presets: Readonly<Record<string, Preset>>): { name: string; weights: Weights } {
  const preset = presets[spec];
  if (preset) return { name: spec, weights: preset.weights };
  if (spec.includes(':')) return { name: spec, weights: parseWeights(spec) };
  throw new UserError(`No preset ${JSON.stringify(spec)}; presets are ${Object.keys(presets).join(', ')}, or give weights as criterion:weight pairs`, 'not_found');
}

export interface BreakdownItem {
  criterion: Criterion;
  label: string;
  raw: number | null;
  unit: string;
  normalised: number;
  weight: number;
  contribution: number;
  rule: string;
}

export interface ScoredHazard {
  rank: number;
  hazardId: string;
  reference: string;
  score: number;
  method: ClearanceMethod;
  remainingAreaM2: number;
  teamDays: number;
  breakdown: BreakdownItem[];
  /** Facts behind the figures that are not criteria themselves (record reference, return date, road length). */
  details: { recordReference: string | null; plannedReturnOn: string | null; roadLengthInsideM: number; reconstructionOverlapM2: number; blockedResources: string[] };
}

/** Every criterion a hazard has, normalised, before any weight. */
export function normalisedValues(facts: HazardFacts, context: PriorityContext): Record<Criterion, { raw: number | null; normalised: number }> {
  const values = {} as Record<Criterion, { raw: number | null; normalised: number }>;
  for (const criterion of CRITERIA) {
    const rule = CRITERION_RULES[criterion];
    const raw = rule.raw(facts, context);
    values[criterion] = { raw, normalised: rule.normalise(raw) };
  }
  return values;
}

/**
 * Score = Σ weight × normalised value over the weighted criteria; the breakdown lists each term.
 * Ranked by score, highest first; equal scores by reference, so the order is stable.
 */
export function scoreHazards(facts: readonly HazardFacts[], weights: Weights, context: PriorityContext): ScoredHazard[] {
  const weighted = CRITERIA.filter((c) => (weights[c] ?? 0) > 0);
  const scored = facts.map((f) => {
    const values = normalisedValues(f, context);
    const breakdown = weighted.map((criterion): BreakdownItem => {
      const rule = CRITERION_RULES[criterion];
      const weight = weights[criterion] ?? 0;
      const { raw, normalised } = values[criterion];
      return { criterion, label: rule.label, raw, unit: rule.unit, normalised, weight, contribution: weight * normalised, rule: rule.rule };
    });
    return {
      rank: 0,
      hazardId: f.hazardId,
      reference: f.reference,
      score: breakdown.reduce((sum, b) => sum + b.contribution, 0),
      method: clearanceMethodOf(f.contamination),
      remainingAreaM2: f.remainingAreaM2,
      teamDays: teamDaysOf(f, context.productivity),
      breakdown,
      details: {
        recordReference: f.recordReference,
        plannedReturnOn: f.plannedReturnOn,
        roadLengthInsideM: f.roadLengthInsideM,
        reconstructionOverlapM2: f.reconstructionOverlapM2,
        blockedResources: blockedResources(f, context.blockedWithinM),
      },
    };
  });
  scored.sort((a, b) => b.score - a.score || a.reference.localeCompare(b.reference));
  scored.forEach((s, i) => (s.rank = i + 1));
  return scored;
}

export interface RankMove {
  hazardId: string;
  reference: string;
  rankA: number;
  rankB: number;
  /** Places gained going from A to B (positive: higher priority under B). */
  move: number;
  scoreA: number;
  scoreB: number;
  /** The criteria that push the hazard up or down, strongest first (see compareRankings). */
  drivers: Array<{ criterion: Criterion; effect: number }>;
}

/**
 * What moves between two weight sets, by how many places, and why. Ranks depend only on the
 * weights' proportions, so each set is scaled to sum to 1 (ŵ). A hazard rises against the others
 * when a criterion on which it stands above the average hazard gains weight, so each criterion's
 * effect is (its normalised value − the mean over hazards) × (ŵB − ŵA); the largest effects in the
 * direction of the move are its drivers.
 */
export function compareRankings(facts: readonly HazardFacts[], a: Weights, b: Weights, context: PriorityContext): RankMove[] {
  const rankedA = scoreHazards(facts, a, context);
  const rankedB = scoreHazards(facts, b, context);
  const byIdB = new Map(rankedB.map((s) => [s.hazardId, s]));
  const scale = (w: Weights) => {
    const total = CRITERIA.reduce((sum, c) => sum + (w[c] ?? 0), 0);
    return (c: Criterion) => (w[c] ?? 0) / total;
  };
  const wa = scale(a);
  const wb = scale(b);
  const values = new Map(facts.map((f) => [f.hazardId, normalisedValues(f, context)]));
  const changed = CRITERIA.filter((c) => wa(c) !== wb(c));
  const mean = new Map(changed.map((c) => [c, facts.reduce((sum, f) => sum + values.get(f.hazardId)![c].normalised, 0) / Math.max(facts.length, 1)]));
  const moves = rankedA.map((sa): RankMove => {
    const sb = byIdB.get(sa.hazardId)!;
    const move = sa.rank - sb.rank;
    const effects = changed
      .map((criterion) => ({ criterion, effect: (values.get(sa.hazardId)![criterion].normalised - mean.get(criterion)!) * (wb(criterion) - wa(criterion)) }))
      .filter((e) => (move === 0 ? e.effect !== 0 : Math.sign(e.effect) === Math.sign(move)))
      .sort((x, y) => Math.abs(y.effect) - Math.abs(x.effect))
      .slice(0, 3);
    return { hazardId: sa.hazardId, reference: sa.reference, rankA: sa.rank, rankB: sb.rank, move, scoreA: sa.score, scoreB: sb.score, drivers: effects };
  });
  return moves.sort((x, y) => Math.abs(y.move) - Math.abs(x.move) || x.rankB - y.rankB);
}
