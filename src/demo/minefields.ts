/**
 * Demo minefield records and the truth behind them.
 *
 * Each record is drawn as a real layout on the ground (rows of mines inside a perimeter, near a
 * reference point), then written down the way a military record is: legs of azimuth and
 * distance from the reference point, in degrees or mils, from true, grid or magnetic north,
 * rounded as a soldier would. What the record predicts is reconstructed from those legs by
 * walking geodesics, exactly as the record-reconstruction code does.
 *
 * The truth (where the mines really are, hence where clearance finds them) differs by record:
 * most are accurate; some are anchored wrongly (the whole layout shifted 20–80 m and/or turned
 * a few degrees about the reference point); some are poor (many mines never laid or gone,
 * unrecorded ones elsewhere). The record's `notes` say which, so the accuracy audit can be
 * checked against a known answer.
 *
 * `definition` (jsonb) holds the record in Safeground's record format
 * (docs/minefield-record-format.md, `safeground/minefield-record@1`): a surveyed reference point,
 * sometimes a landmark, legs to the perimeter's turning points T1–T4 (with a closing check leg
 * back to T1) and to each row's ends, and the rows with count, model and spacing. The point,
 * leg, row and mine tables hold the same record in queryable form, and `perimeter`, `row_lines`
 * and the predicted mines are its reconstruction.
 */
import { formatDeg, fromDegrees, normalizeAzimuthDeg, toDegrees, type AngleUnit } from '../geodesy/angles.ts';
import { gridConvergenceDeg } from '../geodesy/coordinates.ts';
import { direct, inverse } from '../geodesy/geodesic.ts';
import type { NorthReference } from '../geodesy/north.ts';
import { MINEFIELD_RECORD_FORMAT } from '../records/format.ts';
import { day, isoDate } from './dates.ts';
import { add, dot, LocalFrame, rotate, scale, sub, unitFromAzimuth, ewktLineString, ewktMultiLineString, ewktPoint, ewktPolygon, type LonLat, type Vec } from './geometry.ts';
import type { Random } from './randomStreams.ts';

export interface Batch {
  name: string;
  handoverDay: number;
  /** Relative weights of accurate, wrongly anchored and poor records in the batch. */
  truthWeights: readonly [number, number, number];
}

/** Batches differ on purpose: 2019-A was anchored badly, 2021-B was drawn poorly. */
export const BATCHES: readonly Batch[] = [
  { name: 'Batch 2016-A', handoverDay: day('2016-04-12'), truthWeights: [70, 20, 10] },
  { name: 'Batch 2017-A', handoverDay: day('2017-09-05'), truthWeights: [65, 25, 10] },
  { name: 'Batch 2019-A', handoverDay: day('2019-02-20'), truthWeights: [35, 55, 10] },
  { name: 'Batch 2021-A', handoverDay: day('2021-06-14'), truthWeights: [70, 15, 15] },
  { name: 'Batch 2021-B', handoverDay: day('2021-11-30'), truthWeights: [45, 20, 35] },
  { name: 'Batch 2023-A', handoverDay: day('2023-03-08'), truthWeights: [70, 20, 10] },
];

const LAID_BY = ['Demo Army Engineer Company 1', 'Demo Army Engineer Company 2', 'Demo Army Engineer Company 5', 'Demo Armed Group Unit 3', 'Demo Armed Group Unit 7'];

export type TruthKind = 'accurate' | 'misanchored' | 'poor';
type PointKind = 'reference_point' | 'landmark' | 'turning_point' | 'row_end';

interface RecordPoint {
  name: string;
  kind: PointKind;
  surveyed: boolean;
  /** Where the point was on the ground, in the record's frame (metres from the RP). */
  actual: Vec;
}

interface RecordLeg {
  seq: number;
  from: string;
  to: string;
  /** As written: in the record's unit, from its north reference. */
  azimuth: number;
  distanceM: number;
  /** A closing leg onto a point already located: it measures the traverse, defines nothing. */
  check: boolean;
}

interface RecordRow {
  name: string;
  startPoint: string;
  endPoint: string;
  count: number;
  model: string;
  spacingM: number;
  actualStart: Vec;
  actualEnd: Vec;
}

interface Truth {
  kind: TruthKind;
  /** Truth = shift + rotation (clockwise, about the RP) of the layout the record describes. */
  shift: Vec;
  rotationDeg: number;
  missingRate: number;
  noiseSd: number;
  /** Mines laid but not recorded: a row beyond the perimeter. */
  extraRow: { start: Vec; end: Vec; count: number; model: string } | null;
}

export interface RecordPlan {
  index: number;
  id: string;
  reference: string;
  batch: Batch;
  layingDay: number;
  laidBy: string;
  angleUnit: AngleUnit;
  northReference: NorthReference;
  declinationDeg: number | null;
  /** Tangent plane at the reference point. */
  frame: LocalFrame;
  statedReferencePoint: LonLat;
  points: RecordPoint[];
  legs: RecordLeg[];
  rows: RecordRow[];
  perimeter: string[];
  /** Reconstructed from the legs: what the record predicts. */
  predicted: Map<string, LonLat>;
  truth: Truth;
  hazardIndex: number;
}

export interface RecordScale {
  rows: readonly [number, number];
  minesPerRow: readonly [number, number];
}

const ROW_MODELS: readonly (readonly [string, number, readonly [number, number]])[] = [
  // model, weight, spacing range in metres
  ['PMN-2', 8, [1, 2.5]],
  ['POMZ-2M', 2, [4, 8]],
  ['OZM-72', 1, [8, 15]],
  ['MON-50', 1, [10, 20]],
];

/** Rows stay under this length, so a record fits a hazard of a few hectares to a few tens. */
const MAX_ROW_LENGTH_M = 450;

function toLatLon(p: LonLat): { lat: number; lon: number } {
  return { lat: p[1], lon: p[0] };
}

/** Draws a record around a reference point, rows roughly along the given azimuth. */
export function planRecord(rng: Random, ids: Random, index: number, referencePoint: LonLat, rowAzimuth: number, sizes: RecordScale): RecordPlan {
  const batch = rng.pick(BATCHES);
  const frame = new LocalFrame(referencePoint);
  const u = unitFromAzimuth(rowAzimuth);
  const v = unitFromAzimuth(rowAzimuth + 90);
  const origin = scale(unitFromAzimuth(rng.between(0, 360)), rng.between(40, 200));

  const rowCount = rng.int(sizes.rows[0], sizes.rows[1]);
  const rows: RecordRow[] = [];
  let across = 0;
  if (rng.chance(0.3)) {
    const spacing = Math.round(rng.between(4, 6) * 2) / 2;
    rows.push(layRow(rows.length + 1, 'TM-62M', spacing, rng.int(sizes.minesPerRow[0], sizes.minesPerRow[1]) / 2, origin, u, v, across, rng));
    across += rng.between(8, 15);
  }
  const apModel = rng.weighted(ROW_MODELS.map(([m, w]) => [m, w] as const));
  const [, , spacingRange] = ROW_MODELS.find(([m]) => m === apModel) as (typeof ROW_MODELS)[number];
  const spacing = Math.round(rng.between(spacingRange[0], spacingRange[1]) * 2) / 2;
  while (rows.length < rowCount) {
    rows.push(layRow(rows.length + 1, apModel, spacing, rng.int(sizes.minesPerRow[0], sizes.minesPerRow[1]), origin, u, v, across, rng));
    across += rng.between(4, 12);
  }

  const margin = rng.between(5, 12);
  const along = rows.flatMap((r) => [dot(sub(r.actualStart, origin), u), dot(sub(r.actualEnd, origin), u)]);
  const acrossAll = rows.flatMap((r) => [dot(sub(r.actualStart, origin), v)]);
  const [uMin, uMax] = [Math.min(...along) - margin, Math.max(...along) + margin];
  const [vMin, vMax] = [Math.min(...acrossAll) - margin, Math.max(...acrossAll) + margin];
  const corner = (a: number, b: number): Vec => add(origin, add(scale(u, a), scale(v, b)));
  const points: RecordPoint[] = [
    { name: 'RP', kind: 'reference_point', surveyed: true, actual: [0, 0] },
  ];
  if (rng.chance(0.5)) points.push({ name: 'LM1', kind: 'landmark', surveyed: false, actual: add(scale(origin, rng.between(0.3, 0.6)), scale(unitFromAzimuth(rng.between(0, 360)), 10)) });
  points.push(
    { name: 'T1', kind: 'turning_point', surveyed: false, actual: corner(uMin, vMin) },
    { name: 'T2', kind: 'turning_point', surveyed: false, actual: corner(uMax, vMin) },
    { name: 'T3', kind: 'turning_point', surveyed: false, actual: corner(uMax, vMax) },
    { name: 'T4', kind: 'turning_point', surveyed: false, actual: corner(uMin, vMax) },
  );
  for (const r of rows) {
    points.push({ name: r.startPoint, kind: 'row_end', surveyed: false, actual: r.actualStart }, { name: r.endPoint, kind: 'row_end', surveyed: false, actual: r.actualEnd });
  }

  // [from, to, check]: the perimeter is a closed traverse, its last leg a check back onto T1.
  const chain: [string, string, boolean][] = [];
  const first = points.some((p) => p.name === 'LM1') ? 'LM1' : 'RP';
  if (first === 'LM1') chain.push(['RP', 'LM1', false]);
  chain.push([first, 'T1', false], ['T1', 'T2', false], ['T2', 'T3', false], ['T3', 'T4', false], ['T4', 'T1', true]);
  rows.forEach((r, i) => {
    chain.push([i === 0 ? 'T1' : (rows[i - 1] as RecordRow).startPoint, r.startPoint, false], [r.startPoint, r.endPoint, false]);
  });

  const angleUnit: AngleUnit = rng.chance(0.4) ? 'mils' : 'degrees';
  const northReference = rng.weighted<NorthReference>([['magnetic', 45], ['grid', 30], ['true', 25]]);
  const declinationDeg = northReference === 'magnetic' ? Math.round(rng.normal(-7.4, 0.3) * 10) / 10 : null;
  // Grid convergence is taken where each leg starts, as reconstruction does.
  const correctionAt = (p: LonLat): number => (northReference === 'magnetic' ? (declinationDeg as number) : northReference === 'grid' ? gridConvergenceDeg(toLatLon(p)) : 0);
  const statedReferencePoint: LonLat = [Math.round(referencePoint[0] * 1e6) / 1e6, Math.round(referencePoint[1] * 1e6) / 1e6];

  const actualOf = new Map(points.map((p) => [p.name, frame.toLonLat(p.actual)]));
  const predicted = new Map<string, LonLat>([['RP', statedReferencePoint]]);
  const circle = angleUnit === 'mils' ? 6400 : 360;
  const legs: RecordLeg[] = chain.map(([from, to, check], i) => {
    const start = predicted.get(from) as LonLat;
    const correctionDeg = correctionAt(start);
    const measured = inverse(toLatLon(actualOf.get(from) as LonLat), toLatLon(actualOf.get(to) as LonLat));
    const written = fromDegrees(normalizeAzimuthDeg(measured.azimuth1Deg - correctionDeg), angleUnit);
    const azimuth = (Math.round(written * (angleUnit === 'mils' ? 1 : 10)) / (angleUnit === 'mils' ? 1 : 10)) % circle;
    const distanceM = Math.round(measured.distanceM * 10) / 10;
    if (!check) {
      const end = direct(toLatLon(start), normalizeAzimuthDeg(toDegrees(azimuth, angleUnit) + correctionDeg), distanceM);
      predicted.set(to, [end.lon, end.lat]);
    }
    return { seq: i + 1, from, to, azimuth, distanceM, check };
  });

  const kind = rng.weighted<TruthKind>([['accurate', batch.truthWeights[0]], ['misanchored', batch.truthWeights[1]], ['poor', batch.truthWeights[2]]]);
  const truth = drawTruth(rng, kind, rows, u, v, vMax + dot(origin, v));
  const latestLaying = Math.min(day('2012-12-31'), batch.handoverDay - 365);
  return {
    index,
    id: ids.uuid(),
    reference: `DEMO-MR-${String(index + 1).padStart(4, '0')}`,
    batch,
    layingDay: rng.int(day('1996-01-01'), latestLaying),
    laidBy: rng.pick(LAID_BY),
    angleUnit,
    northReference,
    declinationDeg,
    frame,
    statedReferencePoint,
    points,
    legs,
    rows,
    perimeter: ['T1', 'T2', 'T3', 'T4'],
    predicted,
    truth,
    hazardIndex: -1,
  };
}

function layRow(n: number, model: string, spacingM: number, wanted: number, origin: Vec, u: Vec, v: Vec, across: number, rng: Random): RecordRow {
  const count = Math.max(2, Math.min(Math.round(wanted), Math.floor(MAX_ROW_LENGTH_M / spacingM) + 1));
  const actualStart = add(origin, add(scale(u, rng.between(0, 8)), scale(v, across)));
  return {
    name: `R${n}`,
    startPoint: `R${n}S`,
    endPoint: `R${n}E`,
    count,
    model,
    spacingM,
    actualStart,
    actualEnd: add(actualStart, scale(u, (count - 1) * spacingM)),
  };
}

/** `beyond` is how far along v the perimeter reaches, in frame metres. */
function drawTruth(rng: Random, kind: TruthKind, rows: readonly RecordRow[], u: Vec, v: Vec, beyond: number): Truth {
  const noiseSd = rng.between(1, 2);
  if (kind === 'accurate') return { kind, shift: [0, 0], rotationDeg: 0, missingRate: rng.between(0, 0.05), noiseSd, extraRow: null };
  if (kind === 'misanchored') {
    const variant = rng.weighted([['shift', 40], ['rotation', 20], ['both', 40]] as const);
    const shift = variant === 'rotation' ? ([0, 0] as Vec) : scale(unitFromAzimuth(rng.between(0, 360)), rng.between(20, 80));
    const rotationDeg = variant === 'shift' ? 0 : rng.between(2, 6) * (rng.chance(0.5) ? 1 : -1);
    return { kind, shift, rotationDeg, missingRate: rng.between(0, 0.08), noiseSd, extraRow: null };
  }
  const total = rows.reduce((sum, r) => sum + r.count, 0);
  const template = rows[rows.length - 1] as RecordRow;
  const offset = beyond - dot(template.actualStart, v) + rng.between(10, 25);
  const count = Math.max(5, Math.round(total * rng.between(0.1, 0.3)));
  const start = add(template.actualStart, add(scale(v, offset), scale(u, rng.between(-20, 20))));
  const length = Math.min(MAX_ROW_LENGTH_M, (count - 1) * template.spacingM);
  return { kind, shift: [0, 0], rotationDeg: 0, missingRate: rng.between(0.4, 0.7), noiseSd, extraRow: { start, end: add(start, scale(u, length)), count, model: template.model } };
}

function truthPosition(plan: RecordPlan, actual: Vec): Vec {
  return add(plan.truth.shift, rotate(actual, plan.truth.rotationDeg));
}

function truthNote(plan: RecordPlan): string {
  const t = plan.truth;
  const prefix = 'Demo ground truth, for checking the accuracy audit:';
  if (t.kind === 'accurate') return `${prefix} accurate record.`;
  if (t.kind === 'misanchored') {
    const shift = Math.hypot(t.shift[0], t.shift[1]);
    return `${prefix} anchored wrongly; the mines lie shifted ${shift.toFixed(1)} m and rotated ${formatDeg(t.rotationDeg, { decimals: 2, kind: 'signed' })} (clockwise, about RP) from the record.`;
  }
  return `${prefix} poor record; about ${Math.round(t.missingRate * 100)}% of recorded mines absent, ${t.extraRow?.count ?? 0} unrecorded mines in a row beyond the perimeter.`;
}

/** Everything the hazard drawn around the record must contain, in the record's frame. */
export function recordFootprint(plan: RecordPlan): Vec[] {
  const corners = plan.perimeter.map((name) => plan.frame.toLocal(plan.predicted.get(name) as LonLat));
  const truthCorners = plan.perimeter.map((name) => truthPosition(plan, (plan.points.find((p) => p.name === name) as RecordPoint).actual));
  const extra = plan.truth.extraRow ? [plan.truth.extraRow.start, plan.truth.extraRow.end].map((p) => truthPosition(plan, p)) : [];
  return [...corners, ...truthCorners, ...extra];
}

/** Where clearance finds the record's mines: the true positions of those present, with survey noise. */
export function* recordFinds(plan: RecordPlan, rng: Random): Generator<{ position: LonLat; model: string }> {
  const t = plan.truth;
  const rows = plan.rows.map((r) => ({ start: r.actualStart, end: r.actualEnd, count: r.count, model: r.model, missingRate: t.missingRate }));
  if (t.extraRow) rows.push({ ...t.extraRow, missingRate: 0.1 });
  for (const row of rows) {
    for (let k = 0; k < row.count; k++) {
      if (rng.chance(row.missingRate)) continue;
      const actual = add(row.start, scale(sub(row.end, row.start), k / (row.count - 1)));
      const noise: Vec = [rng.truncatedNormal(t.noiseSd, 2.5), rng.truncatedNormal(t.noiseSd, 2.5)];
      yield { position: plan.frame.toLonLat(add(truthPosition(plan, actual), noise)), model: row.model };
    }
  }
}

/** A mine where it truly lies, for accidents that happened before clearance. */
export function trueMine(plan: RecordPlan, rng: Random): { position: LonLat; model: string } {
  const row = rng.pick(plan.rows);
  const actual = add(row.actualStart, scale(sub(row.actualEnd, row.actualStart), rng.next()));
  return { position: plan.frame.toLonLat(truthPosition(plan, actual)), model: row.model };
}

/** The record as a `safeground/minefield-record@1` document. */
export function definition(plan: RecordPlan): Record<string, unknown> {
  const [lon, lat] = plan.statedReferencePoint;
  return {
    format: MINEFIELD_RECORD_FORMAT,
    id: plan.id,
    reference: plan.reference,
    angleUnit: plan.angleUnit,
    north: plan.declinationDeg === null ? { reference: plan.northReference } : { reference: plan.northReference, declination: { value: plan.declinationDeg, unit: 'degrees' } },
    referencePoints: plan.points
      .filter((p) => p.kind === 'reference_point' || p.kind === 'landmark')
      .map((p) =>
        p.surveyed
          ? { name: p.name, description: 'Demo survey marker (synthetic)', coordinates: { system: 'latlon', lat, lon } }
          : { name: p.name, description: 'Demo landmark: lone tree (synthetic)' },
      ),
    legs: plan.legs.map((l) => ({ from: l.from, to: l.to, azimuth: l.azimuth, distance: l.distanceM, ...(l.check ? { check: true } : {}) })),
    perimeter: plan.perimeter,
    rows: plan.rows.map((r) => ({ name: r.name, start: r.startPoint, end: r.endPoint, mineCount: r.count, mineModel: r.model, spacing: r.spacingM, pattern: 'single row' })),
    mines: [],
    provenance: {
      source: `${plan.laidBy}, demo minefield record form (synthetic)`,
      handoverBatch: plan.batch.name,
      handoverDate: isoDate(plan.batch.handoverDay),
      layingDate: isoDate(plan.layingDay),
      documents: [],
      statedMineTotal: plan.rows.reduce((sum, r) => sum + r.count, 0),
      notes: truthNote(plan),
    },
  };
}

export const RECORD_COLUMNS = [
  'id', 'reference', 'handover_batch', 'handover_date', 'laying_date', 'laid_by', 'stated_mine_total', 'angle_unit', 'north_reference',
  'declination_deg', 'definition', 'perimeter', 'row_lines', 'notes', 'source', 'created_at', 'updated_at',
] as const;

export function recordRow(plan: RecordPlan, source: string, createdAt: string): unknown[] {
  const at = (name: string): LonLat => plan.predicted.get(name) as LonLat;
  return [
    plan.id,
    plan.reference,
    plan.batch.name,
    isoDate(plan.batch.handoverDay),
    isoDate(plan.layingDay),
    plan.laidBy,
    plan.rows.reduce((sum, r) => sum + r.count, 0),
    plan.angleUnit,
    plan.northReference,
    plan.declinationDeg,
    definition(plan),
    ewktPolygon(plan.perimeter.map(at)),
    ewktMultiLineString(plan.rows.map((r) => [at(r.startPoint), at(r.endPoint)])),
    truthNote(plan),
    source,
    createdAt,
    createdAt,
  ];
}

export const RECORD_POINT_COLUMNS = ['record_id', 'name', 'kind', 'surveyed', 'geom'] as const;

export function* recordPointRows(plan: RecordPlan): Generator<unknown[]> {
  for (const p of plan.points) yield [plan.id, p.name, p.kind, p.surveyed, ewktPoint(plan.predicted.get(p.name) as LonLat)];
}

export const RECORD_LEG_COLUMNS = ['record_id', 'seq', 'from_point', 'to_point', 'azimuth', 'angle_unit', 'north_reference', 'distance_m'] as const;

/** Check legs stay in `definition` only: the table has no column to tell them from legs that locate a point. */
export function* recordLegRows(plan: RecordPlan): Generator<unknown[]> {
  for (const l of plan.legs.filter((leg) => !leg.check)) yield [plan.id, l.seq, l.from, l.to, l.azimuth, plan.angleUnit, plan.northReference, l.distanceM];
}

export const RECORD_ROW_COLUMNS = ['record_id', 'name', 'start_point', 'end_point', 'mine_count', 'mine_model', 'spacing_m', 'pattern', 'geom'] as const;

export function* recordRowRows(plan: RecordPlan): Generator<unknown[]> {
  for (const r of plan.rows) {
    const line = [plan.predicted.get(r.startPoint) as LonLat, plan.predicted.get(r.endPoint) as LonLat];
    yield [plan.id, r.name, r.startPoint, r.endPoint, r.count, r.model, r.spacingM, 'single row', ewktLineString(line)];
  }
}

export const RECORD_MINE_COLUMNS = ['record_id', 'seq', 'row_name', 'mine_model', 'predicted', 'geom'] as const;

/** Predicted positions: evenly spaced along each reconstructed row. */
export function* recordMineRows(plan: RecordPlan): Generator<unknown[]> {
  let seq = 0;
  for (const r of plan.rows) {
    const [x0, y0] = plan.predicted.get(r.startPoint) as LonLat;
    const [x1, y1] = plan.predicted.get(r.endPoint) as LonLat;
    for (let k = 0; k < r.count; k++) {
      const t = k / (r.count - 1);
      yield [plan.id, ++seq, r.name, r.model, true, ewktPoint([x0 + (x1 - x0) * t, y0 + (y1 - y0) * t])];
    }
  }
}
