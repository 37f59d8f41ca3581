/**
 * Demo accidents and victims, 1995–2025. Most accidents happen in or near hazardous areas, some
 * where a record's mines truly lie (which may be outside its perimeter), some during clearance
 * (demining-related) and some far from any known hazard, which is what makes "where do
 * accidents happen" a question worth asking of the data. Identities are obviously fake.
 */
import { MODELS_BY_CONTAMINATION, ordnanceModel } from './catalogue.ts';
import { DEMO_TODAY, day, isoDate, timestamp } from './dates.ts';
import { BOX, districtIndexAt, type Gazetteer } from './gazetteer.ts';
import { add, ewktPoint, pointInConvexRing, ringArea, scale, unitFromAzimuth, type LonLat, type Vec } from './geometry.ts';
import { BOX_FRAME, type Contamination, type HazardPlan, type Occupancy } from './land.ts';
import { trueMine, type RecordPlan } from './minefields.ts';
import type { Random } from './randomStreams.ts';
import type { ActivityPlan } from './release.ts';

type DeviceCategory = 'ap_mine' | 'at_mine' | 'uxo' | 'axo' | 'submunition' | 'ied' | 'unknown';

interface VictimPlan {
  id: string;
  outcome: 'killed' | 'injured';
  sex: 'female' | 'male' | 'unknown';
  age: number;
  group: 'civilian' | 'military' | 'deminer';
  activityAtTime: string;
  injuries: string[];
  displacement: 'resident' | 'idp' | 'returnee' | 'unknown';
  fullName: string;
  dateOfBirth: string;
  address: string;
}

export interface AccidentPlan {
  id: string;
  reference: string;
  day: number;
  position: LonLat | null;
  precisionM: number;
  districtIndex: number;
  deviceCategory: DeviceCategory;
  model: string | null;
  deminingRelated: boolean;
  activityId: string | null;
  description: string;
  victims: VictimPlan[];
}

const FIRST_YEAR = 1995;
const LAST_YEAR = 2025;
const CIVILIAN_ACTIVITIES = ['farming', 'herding', 'collecting firewood', 'travelling', 'playing', 'handling ordnance', 'fishing'];
const INJURIES = ['lower_limb_amputation', 'upper_limb_amputation', 'eye_injury', 'hearing_loss', 'fragmentation_wounds', 'burns'];

const DEVICE_OF: Record<Contamination, DeviceCategory> = { ap_mine: 'ap_mine', at_mine: 'at_mine', erw_uxo: 'uxo', cluster_munition: 'submunition', ied: 'ied' };

/** Accidents peak in the years after the fighting and fall as land is cleared. */
function accidentDay(rng: Random): number {
  const years: [number, number][] = [];
  for (let y = FIRST_YEAR; y <= LAST_YEAR; y++) years.push([y, Math.exp(-(((y - 2002) / 7) ** 2)) + 0.15]);
  const year = rng.weighted(years);
  return rng.int(day(`${year}-01-01`), day(`${year}-12-31`));
}

function pointInHazard(rng: Random, hazard: HazardPlan): Vec {
  const ring = rng.weighted(hazard.parts.map((r) => [r, ringArea(r)] as const));
  const xs = ring.map((p) => p[0]);
  const ys = ring.map((p) => p[1]);
  for (;;) {
    const p: Vec = [rng.between(Math.min(...xs), Math.max(...xs)), rng.between(Math.min(...ys), Math.max(...ys))];
    if (pointInConvexRing(ring, p)) return p;
  }
}

export interface CasualtyContext {
  gazetteer: Gazetteer;
  hazards: readonly HazardPlan[];
  activities: readonly ActivityPlan[];
  records: readonly RecordPlan[];
  /** Clearance activity of each record's hazard, where one has started. */
  recordClearance: ReadonlyMap<number, ActivityPlan>;
  occupancy: Occupancy;
}

export function planAccidents(rng: Random, ids: Random, count: number, ctx: CasualtyContext): AccidentPlan[] {
  const lastDay = day(`${LAST_YEAR}-12-31`);
  const clearances = ctx.activities.filter((a) => a.kind === 'clearance' && a.startDay !== null && a.startDay <= lastDay);
  const accidents: AccidentPlan[] = [];
  let person = 0;
  for (let i = 0; i < count; i++) {
    const kind = rng.weighted([['demining', clearances.length > 0 ? 8 : 0], ['record', ctx.records.length > 0 ? 12 : 0], ['near', 60], ['far', 20]] as const);
    let position: LonLat | null;
    let when: number;
    let device: DeviceCategory;
    let model: string | null = null;
    let activityId: string | null = null;
    let precisionM: number;
    let where: string;
    if (kind === 'demining') {
      const activity = rng.pick(clearances);
      const hazard = ctx.hazards[activity.hazardIndex] as HazardPlan;
      position = hazard.frame.toLonLat(pointInHazard(rng, hazard));
      when = rng.int(activity.startDay as number, Math.min(lastDay, activity.endDay ?? lastDay));
      device = DEVICE_OF[rng.pick(hazard.contamination)];
      activityId = activity.id;
      precisionM = 2;
      where = `during clearance of ${hazard.reference}`;
    } else if (kind === 'record') {
      const record = rng.pick(ctx.records);
      const mine = trueMine(record, rng);
      const clearance = ctx.recordClearance.get(record.index);
      position = mine.position;
      when = rng.int(record.layingDay + 30, Math.min(lastDay, (clearance?.startDay ?? lastDay) - 1));
      model = mine.model;
      device = ordnanceModel(mine.model).category;
      precisionM = rng.pick([5, 10, 25]);
      where = `near the minefield of record ${record.reference}`;
    } else if (kind === 'near') {
      const hazard = rng.pick(ctx.hazards);
      let local = pointInHazard(rng, hazard);
      if (rng.chance(0.4)) local = add(local, scale(unitFromAzimuth(rng.between(0, 360)), rng.between(20, 300)));
      position = hazard.frame.toLonLat(local);
      when = accidentDay(rng);
      if (hazard.releaseDay !== null && when > hazard.releaseDay && rng.chance(0.9)) when = rng.int(day(`${FIRST_YEAR}-01-01`), hazard.releaseDay);
      const contamination = rng.pick(hazard.contamination);
      device = DEVICE_OF[contamination];
      if (rng.chance(0.6)) model = rng.weighted(MODELS_BY_CONTAMINATION[contamination] ?? []);
      precisionM = rng.pick([5, 10, 25, 50, 100]);
      where = `near hazardous area ${hazard.reference}`;
    } else {
      position = farPoint(rng, ctx.occupancy);
      when = accidentDay(rng);
      device = rng.weighted([['unknown', 4], ['uxo', 3], ['ied', 2], ['ap_mine', 1]] as const);
      precisionM = rng.pick([100, 250, 500, 1000]);
      where = 'far from any recorded hazardous area';
    }
    const deminingRelated = kind === 'demining';
    const unlocated = !deminingRelated && rng.chance(0.03);
    const districtIndex = districtIndexAt(position);
    const victimCount = rng.weighted([[1, 70], [2, 18], [3, 7], [4, 3], [5, 2]] as const);
    const victims: VictimPlan[] = [];
    for (let v = 0; v < victimCount; v++) {
      person += 1;
      victims.push(drawVictim(rng, ids, person, when, deminingRelated, ctx.gazetteer.districts[districtIndex]?.number ?? '1.1'));
    }
    accidents.push({
      id: ids.uuid(),
      reference: `DEMO-ACC-${String(i + 1).padStart(5, '0')}`,
      day: when,
      position: unlocated ? null : position,
      precisionM,
      districtIndex,
      deviceCategory: device,
      model,
      deminingRelated,
      activityId,
      description: `Demo accident ${where}${unlocated ? ' (location not recorded)' : ''}.`,
      victims,
    });
  }
  return accidents;
}

/** A point at least 2 km from every hazard, where one can be found quickly. */
function farPoint(rng: Random, occupancy: Occupancy): LonLat {
  let p: LonLat = [BOX.west + 0.02, BOX.south + 0.02];
  for (let attempt = 0; attempt < 40; attempt++) {
    p = [rng.between(BOX.west + 0.02, BOX.east - 0.02), rng.between(BOX.south + 0.02, BOX.north - 0.02)];
    if (occupancy.isFree(BOX_FRAME.toLocal(p), 0, 2000)) break;
  }
  return p;
}

function drawVictim(rng: Random, ids: Random, person: number, when: number, deminer: boolean, district: string): VictimPlan {
  const group = deminer ? 'deminer' : rng.weighted([['civilian', when < day('2016-01-01') ? 65 : 85], ['military', when < day('2016-01-01') ? 35 : 15]] as const);
  const child = group === 'civilian' && rng.chance(0.2);
  const age = child ? rng.int(6, 17) : group === 'military' ? rng.int(18, 35) : group === 'deminer' ? rng.int(20, 50) : rng.int(18, 75);
  const sex = rng.chance(0.02) ? 'unknown' : group === 'civilian' ? (rng.chance(0.75) ? 'male' : 'female') : rng.chance(0.95) ? 'male' : 'female';
  const outcome = rng.chance(0.3) ? 'killed' : 'injured';
  const activityAtTime = group === 'deminer' ? 'clearance' : group === 'military' ? 'patrol' : child && rng.chance(0.5) ? 'playing' : rng.pick(CIVILIAN_ACTIVITIES);
  const displacement = group === 'civilian' ? rng.weighted([['resident', 60], ['idp', 20], ['returnee', 15], ['unknown', 5]] as const) : 'resident';
  const born = when - Math.round(age * 365.25) - rng.int(0, 364);
  return {
    id: ids.uuid(),
    outcome,
    sex,
    age,
    group,
    activityAtTime,
    injuries: outcome === 'injured' ? rng.subset(INJURIES, 0.3, 1) : [],
    displacement,
    fullName: `Demo Person ${String(person).padStart(5, '0')}`,
    dateOfBirth: isoDate(born),
    address: `Demo Street ${rng.int(1, 99)}, Demo District ${district} (synthetic)`,
  };
}

export const ACCIDENT_COLUMNS = [
  'id', 'reference', 'occurred_on', 'geom', 'location_precision_m', 'admin_area_id', 'device_category', 'ordnance_model_id',
  'demining_related', 'activity_id', 'description', 'source', 'created_at', 'updated_at',
] as const;

/** Reported a few weeks after the event, never after the demo's today. */
function reportedAt(a: AccidentPlan): string {
  return timestamp(Math.min(DEMO_TODAY, a.day + 21));
}

export function* accidentRows(accidents: readonly AccidentPlan[], g: Gazetteer, modelIds: ReadonlyMap<string, string>, source: string): Generator<unknown[]> {
  for (const a of accidents) {
    yield [
      a.id, a.reference, isoDate(a.day), a.position ? ewktPoint(a.position) : null, a.precisionM, g.districts[a.districtIndex]?.id ?? null,
      a.deviceCategory, a.model ? (modelIds.get(a.model) ?? null) : null, a.deminingRelated, a.activityId, a.description, source, reportedAt(a), reportedAt(a),
    ];
  }
}

export const VICTIM_COLUMNS = [
  'id', 'accident_id', 'outcome', 'sex', 'age', 'victim_group', 'activity_at_time', 'injuries', 'displacement_status', 'created_at', 'updated_at',
] as const;

export function* victimRows(accidents: readonly AccidentPlan[]): Generator<unknown[]> {
  for (const a of accidents) {
    for (const v of a.victims) yield [v.id, a.id, v.outcome, v.sex, v.age, v.group, v.activityAtTime, v.injuries, v.displacement, reportedAt(a), reportedAt(a)];
  }
}

export const VICTIM_IDENTITY_COLUMNS = ['victim_id', 'full_name', 'date_of_birth', 'address', 'contact'] as const;

export function* victimIdentityRows(accidents: readonly AccidentPlan[]): Generator<unknown[]> {
  for (const a of accidents) {
    for (const v of a.victims) yield [v.id, v.fullName, v.dateOfBirth, v.address, null];
  }
}
