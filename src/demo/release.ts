/**
 * Land release of the demo hazards: the activities done on each (non-technical survey,
 * technical survey, clearance) and the release products they left, as parts of the hazard
 * cut along parallel lines. Outer strips tend to be cancelled or reduced and the contaminated
 * core cleared, which is how release usually proceeds. A few products stick out of their
 * hazard or overlap a neighbour on purpose, because real data does and the land-release
 * accounting must flag it.
 */
import { DEMO_TODAY, day } from './dates.ts';
import { clipBelow, dot, extentAlong, ringArea, ringCentre, scale, scaleAbout, splitIntoSlabs, unitFromAzimuth, type Vec } from './geometry.ts';
import type { HazardPlan } from './land.ts';
import type { Random } from './randomStreams.ts';

export type ActivityKind = 'nts' | 'ts' | 'clearance';
export type Method = 'cancelled' | 'reduced' | 'cleared';

export interface ActivityPlan {
  id: string;
  reference: string;
  kind: ActivityKind;
  hazardIndex: number;
  organisationIndex: number;
  team: string;
  startDay: number | null;
  endDay: number | null;
  status: 'planned' | 'ongoing' | 'completed';
}

export interface ProductPlan {
  id: string;
  activityIndex: number;
  hazardIndex: number;
  method: Method;
  technicalAssets: boolean | null;
  clearanceDepthCm: number | null;
  /** Rings in the hazard's frame. */
  parts: Vec[][];
  areaM2: number;
  releaseDay: number;
  /** Finds outside any minefield record, drawn inside this product; allocated last. */
  scatteredFinds: number;
}

export interface LandRelease {
  activities: ActivityPlan[];
  products: ProductPlan[];
  /** Activities of each kind so far, for their references. */
  numbered: Record<ActivityKind, number>;
}

const EARLIEST_SURVEY = day('2010-01-01');
const ACTIVITY_PREFIX: Record<ActivityKind, string> = { nts: 'NTS', ts: 'TS', clearance: 'CLR' };

interface Slabs {
  direction: Vec;
  cuts: number[];
  /** Pieces of each slab (one per hazard part it reaches). */
  pieces: Vec[][][];
}

/**
 * Cuts the hazard into 1..n strips. The hazard's parts are replaced by the same rings with the
 * cut points inserted, so the strips share vertices with the hazard and their union is exact.
 */
function cutIntoSlabs(rng: Random, hazard: HazardPlan, slabCount: number): Slabs {
  const direction = unitFromAzimuth(rng.between(0, 180));
  const extents = hazard.parts.map((ring) => extentAlong(ring, direction));
  const min = Math.min(...extents.map((e) => e[0]));
  const max = Math.max(...extents.map((e) => e[1]));
  const projections = hazard.parts.flat().map((p) => dot(p, direction));
  const cuts: number[] = [];
  for (let attempt = 0; cuts.length < slabCount - 1 && attempt < 200; attempt++) {
    const c = min + (max - min) * rng.between(0.12, 0.88);
    const clear = (t: number): boolean => Math.abs(t - c) > 1;
    if (projections.every(clear) && extents.flat().every(clear) && cuts.every((other) => Math.abs(other - c) > (max - min) * 0.08)) cuts.push(c);
  }
  cuts.sort((a, b) => a - b);
  const split = hazard.parts.map((ring) => splitIntoSlabs(ring, direction, cuts));
  hazard.parts = split.map((s) => s.ring);
  const pieces = cuts.concat([Infinity]).map((_, s) => split.map((part) => part.slabs[s] as Vec[]).filter((piece) => piece.length >= 3));
  return { direction, cuts, pieces };
}

/** The slab grown past its upper cut into the next one: an overlap the accounting must count once. */
function overlappingPieces(hazard: HazardPlan, slabs: Slabs, s: number, metres: number): Vec[][] {
  const lower = slabs.cuts[s - 1];
  const upper = (slabs.cuts[s] as number) + metres;
  const minus = scale(slabs.direction, -1);
  return hazard.parts
    .map((ring) => clipBelow(lower === undefined ? ring : clipBelow(ring, minus, -lower), slabs.direction, upper))
    .filter((piece) => piece.length >= 3 && ringArea(piece) > 1);
}

interface Stage {
  kind: ActivityKind;
  slabs: number[];
  method: Method;
  duration: number;
  gapBefore: number;
}

export type Fate = 'untouched' | 'partial' | 'released';

/**
 * Plans the activities and products of a hazard and sets its dates, status and release date.
 * Record hazards (`clearAll`) are cleared whole, starting from a given survey day; whether the
 * clearance has finished by today follows from the dates. Other hazards get the given fate.
 */
export function planHazardRelease(
  rng: Random,
  ids: Random,
  hazard: HazardPlan,
  fate: Fate,
  out: LandRelease,
  options: { createdDay?: number; clearAll?: boolean } = {},
): void {
  const area = hazard.areaM2;
  const slabCount = options.clearAll ? rng.int(1, area > 20000 ? 3 : 2) : area < 10000 ? rng.int(1, 3) : rng.int(2, 5);
  const slabs = cutIntoSlabs(rng, hazard, slabCount);
  const count = slabs.pieces.length;
  const methods: Method[] = [];
  if (options.clearAll) {
    for (let s = 0; s < count; s++) methods.push('cleared');
  } else if (hazard.kind === 'sha' && rng.chance(0.4)) {
    for (let s = 0; s < count; s++) methods.push('cancelled');
  } else {
    const first = rng.int(0, count - 1);
    const last = rng.int(first, count - 1);
    for (let s = 0; s < count; s++) {
      if (s >= first && s <= last) methods.push('cleared');
      else methods.push(rng.chance(hazard.kind === 'sha' ? 0.45 : 0.2) ? 'cancelled' : 'reduced');
    }
  }
  const slabsWith = (method: Method): number[] => methods.flatMap((m, s) => (m === method ? [s] : []));
  const areaOf = (slabIndices: number[]): number => slabIndices.reduce((sum, s) => sum + (slabs.pieces[s] as Vec[][]).reduce((a, ring) => a + ringArea(ring), 0), 0);
  const stages: Stage[] = [{ kind: 'nts', slabs: slabsWith('cancelled'), method: 'cancelled', duration: rng.int(1, 14), gapBefore: rng.int(0, 90) }];
  if (slabsWith('reduced').length > 0) stages.push({ kind: 'ts', slabs: slabsWith('reduced'), method: 'reduced', duration: rng.int(5, 60), gapBefore: rng.int(30, 500) });
  const cleared = slabsWith('cleared');
  if (cleared.length > 0) {
    const duration = Math.min(400, Math.max(7, Math.round(areaOf(cleared) / rng.between(80, 400))));
    stages.push({ kind: 'clearance', slabs: cleared, method: 'cleared', duration, gapBefore: rng.int(30, 700) });
  }

  const total = stages.reduce((sum, s) => sum + s.gapBefore + s.duration, 0);
  if (options.createdDay !== undefined) {
    hazard.createdDay = options.createdDay;
  } else if (fate === 'released') {
    hazard.createdDay = rng.int(EARLIEST_SURVEY, Math.max(EARLIEST_SURVEY, DEMO_TODAY - total - 10));
  } else if (fate === 'partial') {
    // The last stage started within the past months and is still going.
    const last = stages[stages.length - 1] as Stage;
    const lastStart = DEMO_TODAY - rng.int(1, Math.min(150, last.duration + 120));
    hazard.createdDay = Math.max(EARLIEST_SURVEY, lastStart - (total - last.duration));
  } else {
    hazard.createdDay = rng.int(EARLIEST_SURVEY, DEMO_TODAY - 30);
  }
  const completedStages = fate === 'released' ? stages.length : fate === 'partial' ? stages.length - 1 : 0;

  const operator = rng.int(1, 5);
  let cursor = hazard.createdDay;
  let completedCount = 0;
  for (let i = 0; i < stages.length; i++) {
    const stage = stages[i] as Stage;
    const start = cursor + stage.gapBefore;
    const end = start + stage.duration;
    cursor = end;
    const completed = i < completedStages && end <= DEMO_TODAY;
    const ongoing = !completed && start <= DEMO_TODAY && fate !== 'untouched';
    const planned = !completed && !ongoing && (options.clearAll === true || (i === 0 && rng.chance(0.3)));
    if (!completed && !ongoing && !planned) break;
    const activityIndex = out.activities.length;
    out.numbered[stage.kind] += 1;
    out.activities.push({
      id: ids.uuid(),
      reference: `DEMO-${ACTIVITY_PREFIX[stage.kind]}-${String(out.numbered[stage.kind]).padStart(6, '0')}`,
      kind: stage.kind,
      hazardIndex: hazard.index,
      organisationIndex: stage.kind === 'nts' ? rng.int(1, 5) : operator,
      team: `Demo Team ${rng.int(1, 12)}`,
      startDay: completed || ongoing ? start : null,
      endDay: completed ? end : null,
      status: completed ? 'completed' : ongoing ? 'ongoing' : 'planned',
    });
    if (!completed) break;
    completedCount += 1;
    const depthCm = hazard.contamination.includes('at_mine') ? rng.pick([30, 50]) : rng.pick([13, 20, 20, 30]);
    const technicalAssets = rng.chance(0.6);
    for (const s of stage.slabs) {
      let parts = slabs.pieces[s] as Vec[][];
      if (parts.length === 0) continue;
      const quirk = rng.next();
      if (quirk < 0.03) parts = parts.map((ring) => scaleAbout(ring, ringCentre(ring), rng.between(1.03, 1.1)));
      else if (quirk < 0.06 && s < slabs.cuts.length) parts = overlappingPieces(hazard, slabs, s, rng.between(3, 12));
      out.products.push({
        id: ids.uuid(),
        activityIndex,
        hazardIndex: hazard.index,
        method: stage.method,
        technicalAssets: stage.method === 'reduced' ? technicalAssets : null,
        clearanceDepthCm: stage.method === 'cleared' ? depthCm : null,
        parts,
        areaM2: parts.reduce((sum, ring) => sum + ringArea(ring), 0),
        releaseDay: end,
        scatteredFinds: 0,
      });
    }
  }

  if (completedCount === stages.length) {
    hazard.status = 'released';
    hazard.releaseDay = cursor;
  } else {
    hazard.status = fate === 'untouched' && rng.chance(0.08) ? 'suspended' : 'active';
    hazard.releaseDay = null;
  }
}
