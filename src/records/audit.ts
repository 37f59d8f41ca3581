/**
 * The accuracy audit of a minefield record against what clearance found, exactly as the domain
 * primer defines it (docs: shared/design/domain.md, "Accuracy audit"). Every figure is a count
 * over a count, both reported, so published claims about record accuracy can be recomputed.
 *
 * All geometry is done in a local tangent plane centred on the record's origin (its first
 * surveyed reference point); within a few kilometres its distances are within a millimetre of
 * the geodesic ones, and it keeps the hot loops free of geodesic calls. Searches go through a
 * uniform grid index, so a record's cost grows with its finds and features, not their product.
 */
import { localPlane, type LocalPlane, planeBounds, type PlanePoint } from '../geodesy/localPlane.ts';
import { direct, type LatLon } from '../geodesy/geodesic.ts';
import { formatDeg, normalizeAzimuthDeg } from '../geodesy/angles.ts';
import type { Problem, Reconstruction } from './reconstruct.ts';
import { GridIndex } from './gridIndex.ts';
import { maximumMatching } from './matching.ts';
import { evenSample, fitRigidMotion, IDENTITY, sumOverNearest, type FitTargets, type RigidMotion } from './shiftFit.ts';
import { mulberry32 } from '../mulberry32.ts';

/** A found explosive ordnance item. */
export interface Find extends LatLon {
  id: string;
  /** e.g. "AP mine", "AT mine", "UXO". Finds whose category does not mention a mine are not mines. */
  category?: string;
  model?: string;
}

export interface Accident extends LatLon {
  id: string;
}

export interface AuditOptions {
  /** τ in metres (default 5). */
  tolerance?: number;
  /** Tolerances of the A(τ) curve (default 1, 2, 5, 10, 20, 50 m; τ is added if missing). */
  curve?: readonly number[];
  /** Largest systematic shift searched for, metres (default 200). */
  maxShift?: number;
  /** Jittered null trials for the significance test (default 19, i.e. p ≤ 0.05). */
  nullTrials?: number;
  /** The area the caller audits the record for (e.g. an administrative area), for aggregation. */
  area?: string;
}

/** A count over a count; `share` is null when the denominator is 0. */
export interface Share {
  count: number;
  of: number;
  share: number | null;
}

export interface CurvePoint extends Share {
  toleranceM: number;
}

export interface SystematicError {
  /** How far the record must move (its reference point, after the rotation) to fit, metres. */
  shiftM: number;
  /** True bearing of that move, degrees [0, 360). */
  bearingDeg: number;
  eastM: number;
  northM: number;
  /** Rotation of the record about its reference point, degrees, clockwise positive (like an azimuth). */
  rotationDeg: number;
  /** Where the reference point would have to be for the record to fit. */
  correctedOrigin: LatLon;
  /** Positional accuracy A(τ) after the correction (whether or not the correction is significant). */
  positionalAccuracyAfter: CurvePoint[];
  /** Finds within τ before and after the correction. */
  withinBefore: number;
  withinAfter: number;
  /** The smallest gain (in finds within τ) that may count as significant: max(3, 5% of finds). */
  minimumGain: number;
  /** Null trials run (fewer than asked when one already matched the observed gain). */
  nullTrialsRun: number;
  /** Largest share of finds gained by fitting a jittered copy of the finds. */
  nullMaxGainShare: number | null;
  /**
   * Monte Carlo p-value of the gain (Besag and Clifford's sequential form, stopping at the first
   * null trial that gains as much): 1/L when trial L was the first to gain as much, else
   * 1/(trials + 1). Null when the gain is below `minimumGain`, so no trials were run.
   */
  pValue: number | null;
  significant: boolean;
  verdict: string;
}

export interface AuditResult {
  reference: string;
  handoverBatch?: string;
  area?: string;
  toleranceM: number;
  finds: { total: number; mines: number; notMines: number };
  /** Positional accuracy A(τ): share of found mines within τ of a recorded row line or mine position. */
  positionalAccuracy: CurvePoint[];
  /** Completeness: share of recorded and predicted mine positions matched one-to-one by a found mine within τ. */
  completeness: Share;
  /** Outside share: finds and accidents outside the perimeter buffered by τ; null when the record has no perimeter. */
  outsideShare: { finds: Share; accidents: Share; combined: Share } | null;
  /** Count discrepancy: mines found versus mines the record states and implies. */
  countDiscrepancy: {
    found: number;
    stated: number | null;
    recorded: number;
    predictedPositions: number;
    foundMinusStated: number | null;
    foundMinusRecorded: number;
  };
  /** Systematic error; null when there is nothing to fit (no found mines or no mine positions or rows). */
  systematicError: SystematicError | null;
  parameters: { curve: number[]; maxShiftM: number; nullTrials: number; seed: number };
}

const DEFAULT_CURVE = [1, 2, 5, 10, 20, 50];

export function isMine(f: { category?: string | undefined }): boolean {
  return f.category === undefined || /mine/i.test(f.category);
}

export function share(count: number, of: number): Share {
  return { count, of, share: of === 0 ? null : count / of };
}

/**
 * Finds and accidents as columns of coordinates: what a batch audit loads and hands to workers,
 * with no object per find. A find of several items is repeated once per item.
 */
export interface AuditPoints {
  findLat: Float64Array;
  findLon: Float64Array;
  /** 1 where the find is a mine (see `isMine`). */
  findIsMine: Uint8Array;
  accidentLat: Float64Array;
  accidentLon: Float64Array;
}

export function auditPointsOf(finds: readonly Find[], accidents: readonly Accident[]): AuditPoints {
  return {
    findLat: Float64Array.from(finds, (f) => f.lat),
    findLon: Float64Array.from(finds, (f) => f.lon),
    findIsMine: Uint8Array.from(finds, (f) => (isMine(f) ? 1 : 0)),
    accidentLat: Float64Array.from(accidents, (a) => a.lat),
    accidentLon: Float64Array.from(accidents, (a) => a.lon),
  };
}

/**
 * Audit a reconstructed record against the finds and accidents in the land it covers.
 * Throws if the record could not be placed at all (no origin).
 *
 * @example auditRecord(reconstruct(record), finds, accidents, { tolerance: 5 }).positionalAccuracy
 */
export function auditRecord(
  reconstruction: Reconstruction,
  finds: readonly Find[],
  accidents: readonly Accident[],
  options: AuditOptions = {},
): AuditResult {
  return measure(reconstruction, auditPointsOf(finds, accidents), options).audit;
}

/** `auditRecord` on finds and accidents given as columns. */
export function auditRecordPoints(reconstruction: Reconstruction, points: AuditPoints, options: AuditOptions = {}): AuditResult {
  return measure(reconstruction, points, options).audit;
}

/** How the audit used one find: what a printed audit lists so that every figure can be checked by hand. */
export interface FindUse {
  id: string;
  /** Counted as a found mine (A(τ), completeness, counts); other finds count only for the outside share. */
  mine: boolean;
  /** Distance to the nearest recorded row line or mine position, metres; null for finds that are not mines and beyond `reachM`. */
  distanceM: number | null;
  /** Within τ of a row line or mine position (counted in A(τ)). */
  withinTolerance: boolean;
  /** Paired one-to-one with a recorded or predicted mine position within τ (counted in completeness). */
  matched: boolean;
  /** Outside the perimeter widened by τ; null when the record has no perimeter. */
  outside: boolean | null;
}

/** A find beyond the search radius but within twice it: one the radius left out, listed so that a reader sees what it excluded. */
export interface LeftOutFind extends Find {
  quantity: number;
  /** Geodesic distance from the hull of what the record places, metres. */
  distanceM: number;
}

/** `auditRecord`, with how each find was used; for one record's printed report. */
export function auditRecordWithFinds(
  reconstruction: Reconstruction,
  finds: readonly Find[],
  accidents: readonly Accident[],
  options: AuditOptions = {},
): { audit: AuditResult; findUse: FindUse[]; reachM: number } {
  const { audit, perFind, reach } = measure(reconstruction, auditPointsOf(finds, accidents), options);
  const findUse = finds.map((f, i) => {
    const d = perFind.distance[i] as number;
    return {
      id: f.id,
      mine: isMine(f),
      distanceM: Number.isFinite(d) ? d : null,
      withinTolerance: d <= audit.toleranceM,
      matched: perFind.matched[i] === 1,
      outside: perFind.outside === null ? null : perFind.outside[i] === 1,
    };
  });
  return { audit, findUse, reachM: reach };
}

/** Per find (in the order given): distance to the record (NaN for finds that are not mines, Infinity beyond reach), matched, outside. */
interface PerFind {
  distance: Float64Array;
  matched: Uint8Array;
  outside: Uint8Array | null;
}

function measure(reconstruction: Reconstruction, points: AuditPoints, options: AuditOptions): { audit: AuditResult; perFind: PerFind; reach: number } {
  const origin = reconstruction.origin;
  if (origin === null) throw new Error(`minefield record "${reconstruction.reference}" could not be placed (no surveyed reference point), so it cannot be audited`);
  const tolerance = options.tolerance ?? 5;
  if (!(tolerance > 0)) throw new Error(`audit tolerance must be > 0 m, got ${tolerance}`);
  const curve = [...new Set([...(options.curve ?? DEFAULT_CURVE), tolerance])].sort((a, b) => a - b);
  const maxShift = options.maxShift ?? 200;
  const nullTrials = options.nullTrials ?? 19;
  const seed = hashSeed(reconstruction.reference);

  const plane = localPlane(origin);
  const findsInPlane = toPlane(plane, points.findLat, points.findLon);
  const mineFinds = findsInPlane.flatMap((_, i) => (points.findIsMine[i] === 1 ? [i] : []));
  const found = mineFinds.map((i) => findsInPlane[i] as PlanePoint);
  const findCount = findsInPlane.length;
  const features = recordFeatures(reconstruction, plane);
  const reach = Math.max(curve[curve.length - 1] as number, 2 * tolerance);
  const featureIndex = new GridIndex({ points: features.mines, segments: features.rows }, Math.max(tolerance, 1), reach);
  const distances = (points: readonly PlanePoint[], m: RigidMotion): Float64Array => {
    const out = new Float64Array(points.length);
    let i = 0;
    sumOverNearest(featureIndex, points, m, reach, (d) => {
      out[i++] = d;
      return 0;
    });
    return out;
  };
  const accuracyOf = (d: Float64Array): CurvePoint[] =>
    curve.map((t) => ({ toleranceM: t, ...share(d.reduce((n, v) => n + (v <= t ? 1 : 0), 0), d.length) }));

  const before = distances(found, IDENTITY);
  const positionalAccuracy = accuracyOf(before);

  const recordedPositions = features.mines.length;
  const mineIndex = new GridIndex({ points: features.mines }, Math.max(tolerance, 1), tolerance);
  const adjacency: number[][] = Array.from({ length: recordedPositions }, () => []);
  found.forEach((f, j) => mineIndex.within(f.x, f.y, tolerance, (id) => (adjacency[id] as number[]).push(j)));
  const matching = maximumMatching(recordedPositions, found.length, adjacency);
  const matched = matching.reduce((n, r) => n + (r >= 0 ? 1 : 0), 0);

  const accidentsInPlane = toPlane(plane, points.accidentLat, points.accidentLon);
  const isOutside = features.perimeter === null ? null : outsideTest(features.perimeter, tolerance);
  const findOutside = isOutside === null ? null : Uint8Array.from(findsInPlane, (p) => (isOutside(p) ? 1 : 0));
  const outsideShare =
    isOutside === null || findOutside === null
      ? null
      : (() => {
          const findsOutside = findOutside.reduce((n, v) => n + v, 0);
          const accidentsOutside = accidentsInPlane.filter(isOutside).length;
          return {
            finds: share(findsOutside, findsInPlane.length),
            accidents: share(accidentsOutside, accidentsInPlane.length),
            combined: share(findsOutside + accidentsOutside, findsInPlane.length + accidentsInPlane.length),
          };
        })();

  const stated = reconstruction.statedMineTotal ?? null;
  const systematicError =
    found.length === 0 || featureIndex.size === 0
      ? null
      : fitSystematicError(found, before, features, { tolerance, maxShift, nullTrials, seed, reach, origin, featureIndex, accuracyOf, distances });

  const perFind: PerFind = { distance: new Float64Array(findCount).fill(Number.NaN), matched: new Uint8Array(findCount), outside: findOutside };
  mineFinds.forEach((i, j) => (perFind.distance[i] = before[j] as number));
  for (const j of matching) if (j >= 0) perFind.matched[mineFinds[j] as number] = 1;

  const audit: AuditResult = {
    reference: reconstruction.reference,
    ...(reconstruction.handoverBatch !== undefined && { handoverBatch: reconstruction.handoverBatch }),
    ...(options.area !== undefined && { area: options.area }),
    toleranceM: tolerance,
    finds: { total: findCount, mines: found.length, notMines: findCount - found.length },
    positionalAccuracy,
    completeness: share(matched, recordedPositions),
    outsideShare,
    countDiscrepancy: {
      found: found.length,
      stated,
      recorded: reconstruction.recordedMineCount,
      predictedPositions: recordedPositions,
      foundMinusStated: stated === null ? null : found.length - stated,
      foundMinusRecorded: found.length - reconstruction.recordedMineCount,
    },
    systematicError,
    parameters: { curve, maxShiftM: maxShift, nullTrials, seed },
  };
  return { audit, perFind, reach };
}

function toPlane(plane: LocalPlane, lat: Float64Array, lon: Float64Array): PlanePoint[] {
  return Array.from(lat, (_, i) => plane.toLocal({ lat: lat[i] as number, lon: lon[i] as number }));
}

interface RecordFeatures {
  mines: Array<PlanePoint & { id: number }>;
  rows: Array<{ a: PlanePoint; b: PlanePoint; id: number }>;
  /** Rows with no predicted mines: the fit can only pull finds onto their lines. */
  unpredictedRows: Array<{ a: PlanePoint; b: PlanePoint; id: number }>;
  perimeter: PlanePoint[] | null;
}

function recordFeatures(r: Reconstruction, plane: LocalPlane): RecordFeatures {
  const mines = r.predictedMines.map((m, id) => ({ id, ...plane.toLocal(m) }));
  const rows = r.rows.map((row, id) => ({ id, a: plane.toLocal(row.start), b: plane.toLocal(row.end) }));
  const unpredictedRows = rows.filter((_, i) => r.rows[i]?.predictedMineCount === 0);
  const ring = r.perimeter?.coordinates[0];
  const perimeter = ring === undefined ? null : ring.slice(0, -1).map(([lon = 0, lat = 0]) => plane.toLocal({ lat, lon }));
  return { mines, rows, unpredictedRows, perimeter };
}

/** Whether a point lies outside the polygon widened by `tolerance`. */
function outsideTest(polygon: PlanePoint[], tolerance: number): (p: PlanePoint) => boolean {
  const { minX, minY, maxX, maxY } = planeBounds(polygon);
  return (p) => {
    if (p.x < minX - tolerance || p.x > maxX + tolerance || p.y < minY - tolerance || p.y > maxY + tolerance) return true;
    return !insideOrNear(polygon, p, tolerance);
  };
}

/** Inside the polygon (even–odd rule) or within `buffer` of its boundary. */
export function insideOrNear(polygon: readonly PlanePoint[], p: PlanePoint, buffer: number): boolean {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const a = polygon[i] as PlanePoint;
    const b = polygon[j] as PlanePoint;
    if (a.y > p.y !== b.y > p.y && p.x < ((b.x - a.x) * (p.y - a.y)) / (b.y - a.y) + a.x) inside = !inside;
    const dx = b.x - a.x;
    const dy = b.y - a.y;
    const len2 = dx * dx + dy * dy;
    const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / len2));
    const ex = p.x - a.x - t * dx;
    const ey = p.y - a.y - t * dy;
    if (ex * ex + ey * ey <= buffer * buffer) return true;
  }
  return inside;
}

interface SystematicContext {
  tolerance: number;
  maxShift: number;
  nullTrials: number;
  seed: number;
  reach: number;
  origin: LatLon;
  featureIndex: GridIndex;
  accuracyOf: (d: Float64Array) => CurvePoint[];
  distances: (points: readonly PlanePoint[], m: RigidMotion) => Float64Array;
}

/**
 * Fit the rigid motion (see shiftFit.ts) and judge whether it is real.
 *
 * Significance rule: searching over shifts and rotations always improves the fit a little, even
 * on pure noise, so the gain must beat what the same search gains on finds that carry no
 * alignment. The shift is significant only when
 * (a) it brings at least max(3, 5% of the found mines) more finds within τ, and
 * (b) its gain, as a share of finds, is larger than the gain on each of 19 null copies of the
 *     finds, each find jittered independently by a uniformly random offset within
 *     max(25 m, 5τ) (which keeps where the finds are but destroys their fine alignment),
 *     i.e. a one-sided Monte Carlo test at p ≤ 1/(19+1) = 0.05.
 * Null copies use a reproducible sample of at most NULL_SAMPLE finds, with a seed derived from
 * the record reference, so the verdict is the same on every run. Trials stop at the first null
 * that gains as much, so records without a real shift cost little. On uniformly random finds
 * this flags 5%, 5% and 1% of records (100 seeded runs each at 20, 60 and 200 finds): a 5% test,
 * stricter where finds outnumber the null sample.
 */
/**
 * Finds per null copy. Fewer than the fit's own sample: a search over fewer points overfits more,
 * so the null gains are, if anything, larger and the test stricter, never looser; and the 19 null
 * fits, which are most of a batch audit's time, cost a third as much.
 */
const NULL_SAMPLE = 100;

/** How far each find of a null copy is moved at random: enough to destroy alignment at τ, not where the finds are. */
export function nullJitterM(tolerance: number): number {
  return Math.max(25, 5 * tolerance);
}

function fitSystematicError(
  found: readonly PlanePoint[],
  before: Float64Array,
  features: RecordFeatures,
  ctx: SystematicContext,
): SystematicError {
  const { tolerance, maxShift } = ctx;
  const pairingMines = features.mines;
  const votePoints = [...pairingMines];
  for (const row of features.unpredictedRows) {
    const n = Math.max(1, Math.ceil(Math.hypot(row.b.x - row.a.x, row.b.y - row.a.y) / (tolerance / 2)));
    for (let k = 0; k <= n; k++) votePoints.push({ id: -1, x: row.a.x + ((row.b.x - row.a.x) * k) / n, y: row.a.y + ((row.b.y - row.a.y) * k) / n });
  }
  const targets: FitTargets = {
    pairing: new GridIndex({ points: pairingMines, segments: features.unpredictedRows }, Math.max(2 * tolerance, 1), 2 * tolerance),
    votes: votePoints,
  };
  const withinCount = (points: readonly PlanePoint[], m: RigidMotion): number => sumOverNearest(ctx.featureIndex, points, m, tolerance, (d) => (d <= tolerance ? 1 : 0));
  const truncatedLoss = (points: readonly PlanePoint[], m: RigidMotion): number =>
    sumOverNearest(ctx.featureIndex, points, m, tolerance, (d) => Math.min(d, tolerance) ** 2);
  const options = { tolerance, maxShift };

  const motion = fitRigidMotion(found, targets, truncatedLoss, options);
  const after = ctx.distances(found, motion);
  const withinBefore = before.reduce((n, v) => n + (v <= tolerance ? 1 : 0), 0);
  const withinAfter = after.reduce((n, v) => n + (v <= tolerance ? 1 : 0), 0);
  const gain = withinAfter - withinBefore;
  const minimumGain = Math.max(3, Math.ceil(0.05 * found.length));

  let nullTrialsRun = 0;
  let nullMaxGainShare: number | null = null;
  let beatsNull = true;
  if (gain >= minimumGain) {
    const sample = evenSample(found, NULL_SAMPLE);
    const random = mulberry32(ctx.seed);
    const jitter = nullJitterM(tolerance);
    for (let t = 0; t < ctx.nullTrials; t++) {
      const jittered = sample.map((p) => {
        const r = jitter * Math.sqrt(random());
        const a = 2 * Math.PI * random();
        return { x: p.x + r * Math.cos(a), y: p.y + r * Math.sin(a) };
      });
      const nullMotion = fitRigidMotion(jittered, targets, truncatedLoss, options);
      const nullGain = (withinCount(jittered, nullMotion) - withinCount(jittered, IDENTITY)) / jittered.length;
      nullTrialsRun++;
      nullMaxGainShare = Math.max(nullMaxGainShare ?? 0, nullGain);
      if (nullGain >= gain / found.length) {
        beatsNull = false;
        break;
      }
    }
  }
  const significant = gain >= minimumGain && beatsNull;
  const pValue = gain < minimumGain ? null : beatsNull ? 1 / (ctx.nullTrials + 1) : 1 / nullTrialsRun;

  const shiftM = Math.hypot(motion.tx, motion.ty);
  const bearingDeg = normalizeAzimuthDeg((Math.atan2(motion.tx, motion.ty) * 180) / Math.PI);
  const rotationDeg = (-motion.theta * 180) / Math.PI;
  const verdict = significant
    ? `significant: moving the record ${shiftM.toFixed(1)} m towards ${formatDeg(bearingDeg)} and turning it ${formatDeg(rotationDeg, { decimals: 1, kind: 'signed' })} about its reference point brings ${gain} more of ${found.length} found mines within ${tolerance} m, more than any of ${nullTrialsRun} jittered null trials (p = ${formatPValue(pValue)})`
    : gain < minimumGain
      ? `not significant: the best correction brings ${gain} more of ${found.length} found mines within ${tolerance} m, fewer than the ${minimumGain} required`
      : `not significant: jittered null trial ${nullTrialsRun} gained as much (${((nullMaxGainShare ?? 0) * 100).toFixed(1)}% of finds) as the correction (${((gain / found.length) * 100).toFixed(1)}%), p = ${formatPValue(pValue)}`;
  return {
    shiftM,
    bearingDeg,
    eastM: motion.tx,
    northM: motion.ty,
    rotationDeg,
    correctedOrigin: shiftM === 0 ? { ...ctx.origin } : (({ lat, lon }) => ({ lat, lon }))(direct(ctx.origin, bearingDeg, shiftM)),
    positionalAccuracyAfter: ctx.accuracyOf(after),
    withinBefore,
    withinAfter,
    minimumGain,
    nullTrialsRun,
    nullMaxGainShare,
    pValue,
    significant,
    verdict,
  };
}

/** A p-value as the test can give it: 1/L or 1/(trials + 1), to three significant digits. */
export function formatPValue(p: number | null): string {
  return p === null ? 'not computed' : String(Number(p.toPrecision(3)));
}

/** FNV-1a of the reference: the same record always draws the same null trials. */
function hashSeed(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A record left out of an audit, with why. */
export interface SkippedRecord {
  reference: string;
  handoverBatch?: string | undefined;
  area?: string | undefined;
  reason: string;
}

/**
 * Errors that keep a record out of an audit. A record with a reconstruction error is placed in
 * part or not at all (a leg that cannot be walked leaves every point behind it unplaced), so its
 * figures would measure the transcription, not the record, and must not be pooled into figures
 * that are published.
 */
export function auditBlockers(reconstruction: Reconstruction): Problem[] {
  return reconstruction.problems.filter((p) => p.severity === 'error');
}

/** A problem's message without the record's name that starts it, for where the record is named beside it. */
export function problemText(reconstruction: Reconstruction, problem: Problem): string {
  const prefix = `minefield record "${reconstruction.reference}": `;
  return problem.message.startsWith(prefix) ? problem.message.slice(prefix.length) : problem.message;
}

/**
 * Why a record was left out, short enough for a sentence naming every skipped record: its first
 * error (reconstruction reports causes before their consequences: an unplaced anchor before the
 * points behind it) and how many more there are; the full list goes with it.
 */
export function skipReason(reconstruction: Reconstruction, errors: readonly Problem[]): string {
  const [first] = errors;
  if (first === undefined) return 'the record could not be placed';
  const more = errors.length - 1;
  return `${problemText(reconstruction, first)}${more === 0 ? '' : ` (and ${more} more error${more === 1 ? '' : 's'})`}`;
}

export interface AuditAggregate {
  key: string;
  /** Records audited and pooled. */
  audited: number;
  /** Records of the group left out, with why (their reconstruction has errors). */
  skipped: SkippedRecord[];
  /** What the pooled figures cover, in words: "pooled over 97 of 100 records; 3 skipped: MF-12 (…), …". */
  coverage: string;
  /** Pooled positional accuracy A(τ): all found mines within τ over all found mines, across the group's audited records. */
  positionalAccuracy: CurvePoint[];
  completeness: Share;
  outsideShare: { finds: Share; accidents: Share; combined: Share };
  /** Count discrepancy: found versus stated, summed over the records that state a total. */
  countDiscrepancy: { found: number; stated: number; records: number };
  /**
   * Pooled A(τ) at the audit tolerance after each record's own correction where that correction
   * is significant; every other record counts as recorded, since a correction that does not beat
   * chance only fits noise and would flatter the figure.
   */
  positionalAccuracyAfterCorrection: Share;
  significantShifts: number;
}

/**
 * Pool audits per handover batch or per area. Shares are pooled (sum of counts over sum of
 * denominators), not averages of per-record ratios: a record with 3 finds must not weigh as much
 * as one with 300, and pooled figures are what "x% of found mines lay within 5 m of a recorded
 * position" means. Audits must share one tolerance and curve. Skipped records are listed in
 * their group and named in its `coverage`, so a pooled figure never silently covers fewer
 * records than the group holds.
 */
export function aggregateAudits(results: readonly AuditResult[], by: 'handoverBatch' | 'area', skipped: readonly SkippedRecord[] = []): AuditAggregate[] {
  const keyOf = (r: { handoverBatch?: string | undefined; area?: string | undefined }): string => (by === 'handoverBatch' ? r.handoverBatch : r.area) ?? '(none)';
  const groups = new Map<string, { audited: AuditResult[]; skipped: SkippedRecord[] }>();
  const group = (key: string) => groups.get(key) ?? groups.set(key, { audited: [], skipped: [] }).get(key)!;
  for (const r of results) group(keyOf(r)).audited.push(r);
  for (const s of skipped) group(keyOf(s)).skipped.push(s);
  const first = results[0];
  for (const r of results) {
    if (first !== undefined && (r.toleranceM !== first.toleranceM || r.parameters.curve.join() !== first.parameters.curve.join())) {
      throw new Error(`aggregateAudits: record "${r.reference}" was audited with τ = ${r.toleranceM} m and curve ${r.parameters.curve.join(', ')}, unlike "${first.reference}"`);
    }
  }
  const curve = first?.parameters.curve ?? [];
  const sum = (rs: AuditResult[], f: (r: AuditResult) => number): number => rs.reduce((n, r) => n + f(r), 0);
  const atTolerance = (points: CurvePoint[]): CurvePoint | undefined => points.find((p) => p.toleranceM === first?.toleranceM);
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, { audited: rs, skipped: left }]) => {
      const withStated = rs.filter((r) => r.countDiscrepancy.stated !== null);
      const pooled = (pick: (o: NonNullable<AuditResult['outsideShare']>) => Share): Share =>
        share(sum(rs, (r) => (r.outsideShare ? pick(r.outsideShare).count : 0)), sum(rs, (r) => (r.outsideShare ? pick(r.outsideShare).of : 0)));
      const corrected = (r: AuditResult): CurvePoint[] => (r.systematicError?.significant === true ? r.systematicError.positionalAccuracyAfter : r.positionalAccuracy);
      return {
        key,
        audited: rs.length,
        skipped: left,
        coverage: coverage(rs.length, left),
        positionalAccuracy: curve.map((t, i) => ({ toleranceM: t, ...share(sum(rs, (r) => r.positionalAccuracy[i]?.count ?? 0), sum(rs, (r) => r.positionalAccuracy[i]?.of ?? 0)) })),
        completeness: share(sum(rs, (r) => r.completeness.count), sum(rs, (r) => r.completeness.of)),
        outsideShare: { finds: pooled((o) => o.finds), accidents: pooled((o) => o.accidents), combined: pooled((o) => o.combined) },
        countDiscrepancy: { found: sum(withStated, (r) => r.countDiscrepancy.found), stated: sum(withStated, (r) => r.countDiscrepancy.stated ?? 0), records: withStated.length },
        positionalAccuracyAfterCorrection: share(sum(rs, (r) => atTolerance(corrected(r))?.count ?? 0), sum(rs, (r) => atTolerance(r.positionalAccuracy)?.of ?? 0)),
        significantShifts: rs.filter((r) => r.systematicError?.significant === true).length,
      };
    });
}

/** @example coverage(2, [{ reference: 'MF-9', reason: 'legs[3].distance: …' }]) // "pooled over 2 of 3 records; 1 skipped: MF-9 (legs[3].distance: …)" */
export function coverage(audited: number, skipped: readonly SkippedRecord[]): string {
  const total = audited + skipped.length;
  const head = `pooled over ${audited} of ${total} record${total === 1 ? '' : 's'}`;
  return skipped.length === 0 ? head : `${head}; ${skipped.length} skipped: ${skipped.map((s) => `${s.reference} (${s.reason})`).join(', ')}`;
}
