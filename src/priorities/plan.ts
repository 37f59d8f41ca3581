/**
 * When would the land around each settlement be released, given the teams there are? A greedy
 * schedule, simple enough to explain at a planning meeting: hazards are taken in priority order,
 * each by the team of its clearance method that is free first, one team per hazard, for
 * remaining area / productivity team-days. A team-day is one calendar day of one team, so the
 * productivity setting should be an average over the year (rest days and weather included).
 */
import { UserError } from '../errors.ts';
import { CLEARANCE_METHODS, type ClearanceMethod } from './criteria.ts';

export interface PlanHazard {
  hazardId: string;
  reference: string;
  rank: number;
  method: ClearanceMethod;
  remainingAreaM2: number;
}

export interface PlanSettlement {
  settlementId: string;
  name: string;
  /** Active hazards within the settlement radius. */
  hazardIds: readonly string[];
}

export interface PlanInput {
  /** In priority order. */
  hazards: readonly PlanHazard[];
  settlements: readonly PlanSettlement[];
  teams: Readonly<Partial<Record<ClearanceMethod, number>>>;
  productivity: Readonly<Record<ClearanceMethod, number>>;
  /** First working day, YYYY-MM-DD. */
  start: string;
}

export interface ScheduledHazard {
  hazardId: string;
  reference: string;
  rank: number;
  method: ClearanceMethod;
  team: string;
  remainingAreaM2: number;
  teamDays: number;
  startDate: string;
  releaseDate: string;
}

export interface SettlementRelease {
  settlementId: string;
  name: string;
  hazards: number;
  /** The day the last of its hazards is released; null when one of them has no team of its method. */
  releaseDate: string | null;
  lastHazard: string | null;
  unscheduledHazards: string[];
}

export interface Plan {
  start: string;
  teams: Partial<Record<ClearanceMethod, number>>;
  productivity: Record<ClearanceMethod, number>;
  hazards: ScheduledHazard[];
  unscheduled: Array<{ hazardId: string; reference: string; method: ClearanceMethod; reason: string }>;
  settlements: SettlementRelease[];
  teamDaysByMethod: Partial<Record<ClearanceMethod, number>>;
  totalTeamDays: number;
  finishDate: string | null;
}

const MS_PER_DAY = 86_400_000;

function dayOf(date: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const ms = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : NaN;
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== date) throw new UserError(`Expected a date as YYYY-MM-DD, got ${JSON.stringify(date)}`);
  return ms / MS_PER_DAY;
}

function dateOf(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

/** Work ending after `end` team-days from the start ends on day ceil(end) − 1 (a 1-day task ends on its first day). */
function lastDay(startDay: number, end: number): string {
  return dateOf(startDay + Math.max(Math.ceil(end - 1e-9) - 1, 0));
}

export function planClearance(input: PlanInput): Plan {
  for (const [method, count] of Object.entries(input.teams)) {
    if (!Number.isInteger(count) || count < 0) throw new UserError(`teams of ${method} must be a whole number ≥ 0 (got ${count})`);
  }
  for (const method of CLEARANCE_METHODS) {
    if (!(input.productivity[method] > 0)) throw new UserError(`productivity of ${method} must be above 0 m² per team-day (got ${input.productivity[method]})`);
  }
  const startDay = dayOf(input.start);
  const free = new Map<ClearanceMethod, number[]>(CLEARANCE_METHODS.map((m) => [m, Array.from({ length: input.teams[m] ?? 0 }, () => 0)]));
  const hazards: ScheduledHazard[] = [];
  const unscheduled: Plan['unscheduled'] = [];
  const teamDaysByMethod: Partial<Record<ClearanceMethod, number>> = {};
  for (const hazard of input.hazards) {
    const teams = free.get(hazard.method)!;
    if (teams.length === 0) {
      unscheduled.push({ hazardId: hazard.hazardId, reference: hazard.reference, method: hazard.method, reason: `no ${hazard.method} team` });
      continue;
    }
    let team = 0;
    for (let t = 1; t < teams.length; t++) if (teams[t]! < teams[team]!) team = t;
    const teamDays = hazard.remainingAreaM2 / input.productivity[hazard.method];
    const begin = teams[team]!;
    teams[team] = begin + teamDays;
    teamDaysByMethod[hazard.method] = (teamDaysByMethod[hazard.method] ?? 0) + teamDays;
    hazards.push({
      hazardId: hazard.hazardId,
      reference: hazard.reference,
      rank: hazard.rank,
      method: hazard.method,
      team: `${hazard.method}-${team + 1}`,
      remainingAreaM2: hazard.remainingAreaM2,
      teamDays,
      startDate: dateOf(startDay + Math.floor(begin + 1e-9)),
      releaseDate: lastDay(startDay, begin + teamDays),
    });
  }
  const scheduled = new Map(hazards.map((h) => [h.hazardId, h]));
  const unscheduledIds = new Set(unscheduled.map((u) => u.hazardId));
  const settlements = input.settlements.map((s): SettlementRelease => {
    const missing = s.hazardIds.filter((id) => unscheduledIds.has(id));
    const last = s.hazardIds
      .map((id) => scheduled.get(id))
      .filter((h): h is ScheduledHazard => h !== undefined)
      .reduce<ScheduledHazard | null>((latest, h) => (latest === null || h.releaseDate > latest.releaseDate ? h : latest), null);
    return {
      settlementId: s.settlementId,
      name: s.name,
      hazards: s.hazardIds.length,
      releaseDate: missing.length > 0 ? null : (last?.releaseDate ?? input.start),
      lastHazard: missing.length > 0 ? null : (last?.reference ?? null),
      unscheduledHazards: missing.map((id) => unscheduled.find((u) => u.hazardId === id)!.reference),
    };
  });
  settlements.sort((a, b) => (a.releaseDate ?? '9999').localeCompare(b.releaseDate ?? '9999') || a.name.localeCompare(b.name));
  const finish = hazards.reduce<string | null>((latest, h) => (latest === null || h.releaseDate > latest ? h.releaseDate : latest), null);
  return {
    start: input.start,
    teams: { ...input.teams },
    productivity: { ...input.productivity },
    hazards,
    unscheduled,
    settlements,
    teamDaysByMethod,
    totalTeamDays: Object.values(teamDaysByMethod).reduce((a, b) => a + b, 0),
    finishDate: finish,
  };
}

/** "4" (four teams of every method) or "manual=4,bac=1". */
export function parseTeams(text: string): Partial<Record<ClearanceMethod, number>> {
  if (/^\d+$/.test(text.trim())) return Object.fromEntries(CLEARANCE_METHODS.map((m) => [m, Number(text)]));
  const teams: Partial<Record<ClearanceMethod, number>> = {};
  for (const part of text.split(',')) {
    const [method, count] = part.split('=').map((s) => s.trim());
    if (!(CLEARANCE_METHODS as readonly string[]).includes(method ?? '') || !/^\d+$/.test(count ?? '')) {
      throw new UserError(`teams ${JSON.stringify(text)}: expected a number, or method=count pairs such as manual=4,bac=1 (methods: ${CLEARANCE_METHODS.join(', ')})`);
    }
    teams[method as ClearanceMethod] = Number(count);
  }
  return teams;
}
