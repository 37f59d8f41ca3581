/**
 * A deterministic, clearly synthetic dataset that looks like a national mine action database:
 * a gazetteer, hazardous areas along a former front line, their land release, minefield records
 * with a known truth, finds, accidents, risk education and QA. The same seed and scale always
 * give the same rows, ids included.
 *
 * Everything is planned in memory first (a national plan is tens of megabytes), then loaded in
 * one transaction; the finds and predicted mine positions, which run to millions at national
 * scale, are generated while they stream into `bulkLoad` and never held together.
 */
import { UserError } from '../errors.ts';
import type { Db, Queryable } from '../store/db.ts';
import {
  ACCIDENT_COLUMNS, VICTIM_COLUMNS, VICTIM_IDENTITY_COLUMNS, accidentRows, planAccidents, victimIdentityRows, victimRows, type AccidentPlan,
} from './casualties.ts';
import { ORDNANCE_MODELS, ORGANISATIONS } from './catalogue.ts';
import { DEMO_TODAY, day, isoDate, timestamp } from './dates.ts';
import {
  QA_NONCONFORMITY_COLUMNS, QA_VISIT_COLUMNS, RISK_EDUCATION_COLUMNS, planQaVisits, qaNonconformityRows, qaVisitRows, riskEducationRows, type QaVisitPlan,
} from './fieldwork.ts';
import { FIND_COLUMNS, countRecordFinds, findRows, scatteredFinds } from './finds.ts';
import {
  ADMIN_AREA_COLUMNS, BOX, PLACE_NAME_COLUMNS, SETTLEMENT_COLUMNS, adminAreaRows, placeNameRows, planGazetteer, settlementRows, type Gazetteer,
} from './gazetteer.ts';
import { add, ewktMultiPolygon, LocalFrame, ringCentre, sub, type Vec } from './geometry.ts';
import {
  BOX_FRAME, Occupancy, describeHazard, distanceToFrontLine, drawHazardParts, estimatedArea, grownHull, hazardOrigin, nearFrontLine, partsArea,
  partsRadius, planFrontLine, districtOf, type HazardPlan,
} from './land.ts';
import {
  RECORD_COLUMNS, RECORD_LEG_COLUMNS, RECORD_MINE_COLUMNS, RECORD_POINT_COLUMNS, RECORD_ROW_COLUMNS, planRecord, recordFinds, recordFootprint,
  recordLegRows, recordMineRows, recordPointRows, recordRow, recordRowRows, type RecordPlan, type RecordScale,
} from './minefields.ts';
import { Random } from './randomStreams.ts';
import { planHazardRelease, type ActivityPlan, type Fate, type LandRelease, type ProductPlan } from './release.ts';

export type DemoScale = 'small' | 'region' | 'national';

export interface DemoSummary {
  scale: DemoScale;
  seed: number;
  /** Rows written, by table. */
  counts: Record<string, number>;
  seconds: number;
}

/** Written on every demo row, so demo data can always be told from real data. */
export const DEMO_SOURCE = 'demo (synthetic)';
export const DEFAULT_DEMO_SEED = 1;

interface ScaleSettings {
  hazards: number;
  records: number;
  record: RecordScale;
  /** Total finds: those of records' mines, the rest scattered in cleared land. */
  finds: number;
  accidents: number;
  settlements: number;
  riskEducationSessions: number;
  /** Spread of hazards about the front line (half-normal standard deviation), metres. */
  frontLineSpreadM: number;
}

const SCALES: Record<DemoScale, ScaleSettings> = {
  small: {
    hazards: 200, records: 20, record: { rows: [2, 6], minesPerRow: [25, 65] }, finds: 5000,
    accidents: 80, settlements: 40, riskEducationSessions: 30, frontLineSpreadM: 2000,
  },
  region: {
    hazards: 2000, records: 200, record: { rows: [2, 6], minesPerRow: [50, 100] }, finds: 100_000,
    accidents: 600, settlements: 300, riskEducationSessions: 300, frontLineSpreadM: 3000,
  },
  national: {
    hazards: 12_000, records: 1000, record: { rows: [3, 7], minesPerRow: [60, 140] }, finds: 1_050_000,
    accidents: 3000, settlements: 1500, riskEducationSessions: 2000, frontLineSpreadM: 5000,
  },
};

export const DEMO_SCALES = Object.keys(SCALES) as DemoScale[];

interface DemoPlan {
  root: Random;
  organisationIds: string[];
  ordnanceIds: string[];
  gazetteer: Gazetteer;
  hazards: HazardPlan[];
  records: RecordPlan[];
  release: LandRelease;
  /** The clearance activity of each record's hazard (by record index), where one is planned. */
  recordClearance: Map<number, ActivityPlan>;
  accidents: AccidentPlan[];
  qaVisits: QaVisitPlan[];
  findTotal: number;
}

export async function generateDemo(
  db: Db,
  options: { scale: DemoScale; seed?: number; onProgress?: (step: string, done: number, total: number) => void },
): Promise<DemoSummary> {
  const started = performance.now();
  const settings = SCALES[options.scale];
  if (!settings) throw new UserError(`Unknown demo scale ${JSON.stringify(options.scale)}; use one of ${DEMO_SCALES.join(', ')}`);
  const seed = options.seed ?? DEFAULT_DEMO_SEED;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new UserError(`The demo seed must be an integer from 0 to 4294967295, got ${seed}`);
  const progress = options.onProgress ?? (() => {});
  const [existing] = await db.query("SELECT 1 FROM setting WHERE key = 'demo'");
  if (existing) throw new UserError('This store already holds demo data; use a new, empty store for another demo dataset', 'demo_exists');

  progress('planning', 0, 1);
  const plan = planDemo(settings, seed);
  progress('planning', 1, 1);

  const counts: Record<string, number> = {};
  await db.transaction((tx) => loadDemo(tx, plan, options.scale, seed, counts, progress));
  return { scale: options.scale, seed, counts, seconds: Math.round((performance.now() - started) / 100) / 10 };
}

function planDemo(settings: ScaleSettings, seed: number): DemoPlan {
  const root = new Random(seed);
  const ids = root.derive('ids');
  const organisationIds = ORGANISATIONS.map(() => ids.uuid());
  const ordnanceIds = ORDNANCE_MODELS.map(() => ids.uuid());
  const gazetteer = planGazetteer(root.derive('gazetteer'), settings.settlements);
  const line = planFrontLine(root.derive('front-line'));
  const occupancy = new Occupancy();
  const hazards: HazardPlan[] = [];
  const records: RecordPlan[] = [];
  const release: LandRelease = { activities: [], products: [], numbered: { nts: 0, ts: 0, clearance: 0 } };
  const releaseRng = root.derive('release');

  const recordRng = root.derive('records');
  for (let i = 0; i < settings.records; i++) {
    for (let attempt = 0; ; attempt++) {
      if (attempt > 1000) throw new Error(`No room left in the demo box for minefield record ${i + 1}`);
      const { position, azimuth } = nearFrontLine(recordRng, line, settings.frontLineSpreadM * 0.6);
      const origin = hazardOrigin(position);
      if (!origin) continue;
      const record = planRecord(recordRng, ids, i, origin, azimuth + recordRng.normal(0, 10), settings.record);
      const ring = grownHull(recordRng, recordFootprint(record), 10, 30);
      // The hazard lies off the reference point; its circle is drawn about its own centre.
      const centre = ringCentre(ring);
      const radius = partsRadius([ring.map((p) => sub(p, centre))]);
      if (!occupancy.isFree(add(position, centre), radius, 50)) continue;
      occupancy.add(add(position, centre), radius);
      const kind = recordRng.chance(0.8) ? 'cha' : 'sha';
      const hazard = newHazard(recordRng, ids, hazards.length, kind, record.frame, [ring], true, kind === 'cha' ? 'high_reliability_record' : 'low_reliability_record');
      hazard.recordIndex = i;
      record.hazardIndex = hazard.index;
      hazards.push(hazard);
      records.push(record);
      const createdDay = record.batch.handoverDay + recordRng.int(30, 400);
      planHazardRelease(releaseRng, ids, hazard, 'released', release, { createdDay, clearAll: true });
      break;
    }
  }

  const hazardRng = root.derive('hazards');
  const [west, south] = BOX_FRAME.toLocal([BOX.west, BOX.south]);
  const [east, north] = BOX_FRAME.toLocal([BOX.east, BOX.north]);
  for (let attempt = 0; hazards.length < settings.hazards; attempt++) {
    if (attempt > settings.hazards * 100) throw new Error(`No room left in the demo box after ${hazards.length} hazards`);
    const position = hazardRng.chance(0.12)
      ? ([hazardRng.between(west, east), hazardRng.between(south, north)] as const)
      : nearFrontLine(hazardRng, line, settings.frontLineSpreadM).position;
    const origin = hazardOrigin(position);
    if (!origin) continue;
    let area = hazardRng.logNormal(25_000, 0.9);
    while (area < 2000 || area > 200_000) area = hazardRng.logNormal(25_000, 0.9);
    const parts = drawHazardParts(hazardRng, area);
    const radius = partsRadius(parts);
    if (!occupancy.isFree(position, radius, 30)) continue;
    occupancy.add(position, radius);
    const kind = hazardRng.chance(0.55) ? 'sha' : 'cha';
    const nearLine = distanceToFrontLine(line, position) < 4000;
    const hazard = newHazard(hazardRng, ids, hazards.length, kind, new LocalFrame(origin), parts, nearLine, null);
    hazards.push(hazard);
    const fate = hazardRng.weighted<Fate>([['untouched', 35], ['partial', 20], ['released', 45]]);
    planHazardRelease(releaseRng, ids, hazard, fate, release);
  }

  const recordClearance = new Map<number, ActivityPlan>();
  for (const activity of release.activities) {
    const recordIndex = (hazards[activity.hazardIndex] as HazardPlan).recordIndex;
    if (activity.kind === 'clearance' && recordIndex !== null) recordClearance.set(recordIndex, activity);
  }
  let recordFindTotal = 0;
  for (const record of records) {
    if (recordClearance.get(record.index)?.status === 'completed') recordFindTotal += countRecordFinds(root.derive('record-finds', record.index), record);
  }
  const scattered = Math.max(0, settings.finds - recordFindTotal);
  allocateScatteredFinds(release, hazards, scattered);

  const accidents = planAccidents(root.derive('accidents'), ids, settings.accidents, { gazetteer, hazards, activities: release.activities, records, recordClearance, occupancy });
  const qaVisits = planQaVisits(root.derive('qa'), release.activities);
  return { root, organisationIds, ordnanceIds, gazetteer, hazards, records, release, recordClearance, accidents, qaVisits, findTotal: recordFindTotal + scattered };
}

function newHazard(
  rng: Random,
  ids: Random,
  index: number,
  kind: 'sha' | 'cha',
  frame: LocalFrame,
  parts: Vec[][],
  nearLine: boolean,
  recordEvidence: 'high_reliability_record' | 'low_reliability_record' | null,
): HazardPlan {
  const areaM2 = partsArea(parts);
  return {
    index,
    id: ids.uuid(),
    reference: `DEMO-HA-${String(index + 1).padStart(5, '0')}`,
    kind,
    frame,
    parts,
    areaM2,
    estimatedAreaM2: estimatedArea(rng, kind, areaM2),
    ...describeHazard(rng, kind, nearLine, recordEvidence),
    districtIndex: districtOf(frame, parts),
    organisationIndex: rng.int(0, ORGANISATIONS.length - 1),
    createdDay: DEMO_TODAY,
    status: 'active',
    releaseDay: null,
    recordIndex: null,
  };
}

/**
 * Shares the finds not explained by records among cleared products by area, exactly (largest
 * remainder), so every scale has its stated number of finds. Record hazards get few: their mines
 * come from the record, only stray ordnance is scattered there.
 */
function allocateScatteredFinds(release: LandRelease, hazards: readonly HazardPlan[], total: number): void {
  const cleared = release.products.filter((p) => p.method === 'cleared' && release.activities[p.activityIndex]?.status === 'completed');
  const weights = cleared.map((p) => p.areaM2 * ((hazards[p.hazardIndex] as HazardPlan).recordIndex === null ? 1 : 0.05));
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum === 0) return;
  const shares = weights.map((w) => (total * w) / sum);
  cleared.forEach((p, i) => (p.scatteredFinds = Math.floor(shares[i] as number)));
  const left = total - cleared.reduce((a, p) => a + p.scatteredFinds, 0);
  const byRemainder = shares.map((share, i) => [share - Math.floor(share), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; k < left; k++) (cleared[(byRemainder[k % byRemainder.length] as readonly [number, number])[1]] as (typeof cleared)[number]).scatteredFinds += 1;
}

type Progress = (step: string, done: number, total: number) => void;

/** Reports every `every` rows while passing them on. */
function* reporting<T>(rows: Iterable<T>, every: number, report: (done: number) => void): Generator<T> {
  let done = 0;
  for (const row of rows) {
    yield row;
    if (++done % every === 0) report(done);
  }
}

async function loadDemo(tx: Queryable, plan: DemoPlan, scale: DemoScale, seed: number, counts: Record<string, number>, progress: Progress): Promise<void> {
  const { gazetteer, hazards, records, release, accidents, qaVisits, root } = plan;
  const createdAt = timestamp(day('2015-01-05'));
  const load = async (step: string, table: string, columns: readonly string[], rows: Iterable<readonly unknown[]>, total: number): Promise<void> => {
    progress(step, 0, total);
    const n = await tx.bulkLoad(table, columns, reporting(rows, 50_000, (done) => progress(step, done, total)));
    counts[table] = (counts[table] ?? 0) + n;
    progress(step, n, total);
  };

  await load('organisations', 'organisation', ['id', 'name', 'acronym', 'kind', 'created_at', 'updated_at'],
    ORGANISATIONS.map((o, i) => [plan.organisationIds[i], o.name, o.acronym, o.kind, createdAt, createdAt]), ORGANISATIONS.length);

  // The catalogue may already hold these models (seeded by other code); the demo then uses those rows.
  progress('ordnance models', 0, ORDNANCE_MODELS.length);
  const values = ORDNANCE_MODELS.map((_, i) => `($${i * 7 + 1}::uuid, $${i * 7 + 2}, $${i * 7 + 3}, $${i * 7 + 4}, $${i * 7 + 5}::numeric, $${i * 7 + 6}, $${i * 7 + 7})`);
  const inserted = await tx.query(
    `INSERT INTO ordnance_model (id, name, category, subcategory, explosive_mass_g, metal_content, fuze) VALUES ${values.join(', ')} ON CONFLICT (name) DO NOTHING RETURNING id`,
    ORDNANCE_MODELS.flatMap((m, i) => [plan.ordnanceIds[i], m.name, m.category, m.subcategory, m.explosiveMassG, m.metalContent, m.fuze]),
  );
  counts.ordnance_model = inserted.length;
  const modelRows = await tx.query<{ id: string; name: string }>('SELECT id, name FROM ordnance_model WHERE name = ANY($1::text[])', [ORDNANCE_MODELS.map((m) => m.name)]);
  const modelIds = new Map(modelRows.map((r) => [r.name, r.id]));
  progress('ordnance models', ORDNANCE_MODELS.length, ORDNANCE_MODELS.length);

  const areaCount = gazetteer.regions.length + gazetteer.districts.length;
  await load('gazetteer', 'admin_area', ADMIN_AREA_COLUMNS, adminAreaRows(gazetteer, DEMO_SOURCE, createdAt), areaCount);
  await load('gazetteer', 'settlement', SETTLEMENT_COLUMNS, settlementRows(gazetteer, DEMO_SOURCE, createdAt), gazetteer.settlements.length);
  await load('gazetteer', 'place_name', PLACE_NAME_COLUMNS, placeNameRows(gazetteer, root.derive('place-names'), DEMO_SOURCE), areaCount * 2 + gazetteer.settlements.length * 2);

  const hazardGeoms = hazards.map((h) => ewktMultiPolygon(h.parts.map((ring) => ring.map((p) => h.frame.toLonLat(p)))));
  await load('hazards', 'hazard', HAZARD_COLUMNS, hazards.map((h) => [
    h.id, h.reference, h.kind, h.status, hazardGeoms[h.index], h.estimatedAreaM2, h.evidence, h.contamination, h.blockages,
    gazetteer.districts[h.districtIndex]?.id ?? null, plan.organisationIds[h.organisationIndex], h.description,
    h.releaseDay === null ? null : isoDate(h.releaseDay), DEMO_SOURCE, timestamp(h.createdDay), timestamp(h.releaseDay ?? h.createdDay),
  ]), hazards.length);

  const activities = release.activities;
  await load('activities', 'activity', ACTIVITY_COLUMNS, activities.map((a) => {
    const hazard = hazards[a.hazardIndex] as HazardPlan;
    const created = a.startDay ?? hazard.createdDay;
    return [
      a.id, a.reference, a.kind, plan.organisationIds[a.organisationIndex], a.team, a.startDay === null ? null : isoDate(a.startDay),
      a.endDay === null ? null : isoDate(a.endDay), a.status, hazardGeoms[a.hazardIndex], DEMO_SOURCE, timestamp(created), timestamp(a.endDay ?? created),
    ];
  }), activities.length);
  await load('activities', 'activity_hazard', ['activity_id', 'hazard_id'], activities.map((a) => [a.id, (hazards[a.hazardIndex] as HazardPlan).id]), activities.length);
  await load('release products', 'release_product', PRODUCT_COLUMNS, release.products.map((p) => {
    const hazard = hazards[p.hazardIndex] as HazardPlan;
    return [
      p.id, (activities[p.activityIndex] as ActivityPlan).id, hazard.id, p.method, p.technicalAssets, p.clearanceDepthCm,
      ewktMultiPolygon(p.parts.map((ring) => ring.map((q) => hazard.frame.toLonLat(q)))), isoDate(p.releaseDay), DEMO_SOURCE, timestamp(p.releaseDay), timestamp(p.releaseDay),
    ];
  }), release.products.length);

  await load('minefield records', 'minefield_record', RECORD_COLUMNS, records.map((r) => recordRow(r, DEMO_SOURCE, timestamp(r.batch.handoverDay))), records.length);
  await load('minefield records', 'minefield_record_point', RECORD_POINT_COLUMNS, records.flatMap((r) => [...recordPointRows(r)]), records.reduce((n, r) => n + r.points.length, 0));
  await load('minefield records', 'minefield_record_leg', RECORD_LEG_COLUMNS, records.flatMap((r) => [...recordLegRows(r)]), records.reduce((n, r) => n + r.legs.length, 0));
  await load('minefield records', 'minefield_record_row', RECORD_ROW_COLUMNS, records.flatMap((r) => [...recordRowRows(r)]), records.reduce((n, r) => n + r.rows.length, 0));
  await load('minefield records', 'minefield_record_hazard', ['record_id', 'hazard_id'], records.map((r) => [r.id, (hazards[r.hazardIndex] as HazardPlan).id]), records.length);
  const predictedMines = records.reduce((n, r) => n + r.rows.reduce((m, row) => m + row.count, 0), 0);
  await load('record mines', 'minefield_record_mine', RECORD_MINE_COLUMNS, (function* () {
    for (const r of records) yield* recordMineRows(r);
  })(), predictedMines);

  await load('finds', 'find', FIND_COLUMNS, allFindRows(plan, modelIds), plan.findTotal);

  await load('accidents', 'accident', ACCIDENT_COLUMNS, accidentRows(accidents, gazetteer, modelIds, DEMO_SOURCE), accidents.length);
  const victimCount = accidents.reduce((n, a) => n + a.victims.length, 0);
  await load('accidents', 'victim', VICTIM_COLUMNS, victimRows(accidents), victimCount);
  await load('accidents', 'victim_identity', VICTIM_IDENTITY_COLUMNS, victimIdentityRows(accidents), victimCount);

  const sessions = SCALES[scale].riskEducationSessions;
  await load('risk education', 'risk_education_session', RISK_EDUCATION_COLUMNS, riskEducationRows(root.derive('risk-education'), sessions, gazetteer, plan.organisationIds, DEMO_SOURCE), sessions);
  await load('quality assurance', 'qa_visit', QA_VISIT_COLUMNS, qaVisitRows(qaVisits, plan.organisationIds[0] as string, DEMO_SOURCE), qaVisits.length);
  await load('quality assurance', 'qa_nonconformity', QA_NONCONFORMITY_COLUMNS, qaNonconformityRows(qaVisits), qaVisits.reduce((n, v) => n + v.nonconformities.length, 0));

  // Version 1 of every hazard, so history queries ("what did we know on ...") have something to find.
  progress('history', 0, hazards.length);
  const versions = await tx.query(
    `INSERT INTO record_version (entity_type, entity_id, version, valid_from, data, geom)
     SELECT 'hazard', h.id, 1, h.created_at, to_jsonb(h) - 'geom', h.geom FROM hazard h WHERE h.source = $1 RETURNING entity_id`,
    [DEMO_SOURCE],
  );
  counts.record_version = versions.length;
  progress('history', versions.length, hazards.length);

  await tx.query("INSERT INTO setting (key, value, updated_at) VALUES ('demo', $1::jsonb, $2)", [{ scale, seed, synthetic: true }, timestamp(DEMO_TODAY)]);
  counts.setting = 1;
}

/** Record finds first (the mines of cleared records), then the scattered ones, product by product. */
function* allFindRows(plan: DemoPlan, modelIds: ReadonlyMap<string, string>): Generator<unknown[]> {
  const serial = { next: 1 };
  for (const record of plan.records) {
    const clearance = plan.recordClearance.get(record.index);
    if (clearance?.status !== 'completed') continue;
    const finds = recordFinds(record, plan.root.derive('record-finds', record.index));
    yield* findRows(plan.root.derive('record-find-details', record.index), finds, clearance, modelIds, serial, DEMO_SOURCE);
  }
  for (let i = 0; i < plan.release.products.length; i++) {
    const product = plan.release.products[i] as ProductPlan;
    if (product.scatteredFinds === 0) continue;
    const rng = plan.root.derive('product-finds', i);
    const finds = scatteredFinds(rng, product, plan.hazards[product.hazardIndex] as HazardPlan);
    yield* findRows(rng.derive('details'), finds, plan.release.activities[product.activityIndex] as ActivityPlan, modelIds, serial, DEMO_SOURCE);
  }
}

const HAZARD_COLUMNS = [
  'id', 'reference', 'kind', 'status', 'geom', 'estimated_area_m2', 'evidence', 'contamination', 'blockages', 'admin_area_id', 'organisation_id',
  'description', 'release_date', 'source', 'created_at', 'updated_at',
] as const;

const ACTIVITY_COLUMNS = [
  'id', 'reference', 'kind', 'organisation_id', 'team', 'start_date', 'end_date', 'status', 'geom', 'source', 'created_at', 'updated_at',
] as const;

const PRODUCT_COLUMNS = [
  'id', 'activity_id', 'hazard_id', 'method', 'technical_assets', 'clearance_depth_cm', 'geom', 'release_date', 'source', 'created_at', 'updated_at',
] as const;
