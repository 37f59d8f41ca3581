/**
 * Where the demo's contamination lies: a former front line across the box, and hazardous areas
 * clustered along it, the way they are in post-conflict countries (distance from the line drawn
 * from a half-normal), with the attributes a national database records for each.
 */
import { BOX, districtIndexAt, insideBox } from './gazetteer.ts';
import { add, azimuthOf, convexHull, dot, LocalFrame, length, ringArea, ringCentre, rotate, scale, sub, unitFromAzimuth, type LonLat, type Vec } from './geometry.ts';
import type { Random } from './randomStreams.ts';

/** The box's own tangent plane: used only to place things, never to draw shapes. */
export const BOX_FRAME = new LocalFrame([(BOX.west + BOX.east) / 2, (BOX.south + BOX.north) / 2]);

export type Evidence =
  | 'old_survey' | 'former_front_line' | 'low_reliability_record' | 'accident_unknown_location' | 'unused_productive_land'
  | 'detonation' | 'accident_known_location' | 'high_reliability_record' | 'signs_or_fences' | 'ordnance_seen' | 'local_report';
export type Contamination = 'ap_mine' | 'at_mine' | 'erw_uxo' | 'cluster_munition' | 'ied';
export type Blockage = 'cropland' | 'pasture' | 'water' | 'housing' | 'road' | 'infrastructure' | 'forest';

const INDIRECT_EVIDENCE: readonly Evidence[] = ['old_survey', 'accident_unknown_location', 'unused_productive_land', 'local_report'];
const DIRECT_EVIDENCE: readonly Evidence[] = ['detonation', 'accident_known_location', 'signs_or_fences', 'ordnance_seen'];
const BLOCKAGES: readonly Blockage[] = ['cropland', 'pasture', 'water', 'housing', 'road', 'infrastructure', 'forest'];

export interface FrontLine {
  /** Vertices in BOX_FRAME metres, west to east. */
  points: Vec[];
  cumulative: number[];
  length: number;
}

/** A smooth random walk from the west edge of the box to the east edge. */
export function planFrontLine(rng: Random): FrontLine {
  const [west, south] = BOX_FRAME.toLocal([BOX.west, BOX.south]);
  const [east, north] = BOX_FRAME.toLocal([BOX.east, BOX.north]);
  const margin = 4000;
  const band = (north - south) / 2 - 12000;
  let p: Vec = [west + margin, rng.between(-band / 2, band / 2)];
  let heading = rng.between(70, 110);
  const raw: Vec[] = [p];
  while (p[0] < east - margin) {
    // Wander, drift back towards due east, and turn away from the northern and southern edges.
    heading += rng.normal(0, 7) + 0.08 * (90 - heading) + 0.0004 * p[1] * (Math.abs(p[1]) > band ? 1 : 0.2);
    heading = Math.min(150, Math.max(30, heading));
    p = add(p, scale(unitFromAzimuth(heading), 1000));
    raw.push(p);
  }
  let points = raw;
  for (let pass = 0; pass < 3; pass++) points = chaikin(points);
  const cumulative = [0];
  for (let i = 1; i < points.length; i++) cumulative.push((cumulative[i - 1] as number) + length(sub(points[i] as Vec, points[i - 1] as Vec)));
  return { points, cumulative, length: cumulative[cumulative.length - 1] as number };
}

/** Corner cutting keeps the ends and rounds every bend. */
function chaikin(points: readonly Vec[]): Vec[] {
  const out: Vec[] = [points[0] as Vec];
  for (let i = 0; i < points.length - 1; i++) {
    const a = points[i] as Vec;
    const b = points[i + 1] as Vec;
    out.push(add(scale(a, 0.75), scale(b, 0.25)), add(scale(a, 0.25), scale(b, 0.75)));
  }
  out.push(points[points.length - 1] as Vec);
  return out;
}

/** The point `s` metres along the line and the line's azimuth there. */
function alongFrontLine(line: FrontLine, s: number): { position: Vec; azimuth: number } {
  let i = 1;
  while (i < line.points.length - 1 && (line.cumulative[i] as number) < s) i++;
  const a = line.points[i - 1] as Vec;
  const b = line.points[i] as Vec;
  const segment = (line.cumulative[i] as number) - (line.cumulative[i - 1] as number);
  const t = segment > 0 ? Math.min(1, Math.max(0, (s - (line.cumulative[i - 1] as number)) / segment)) : 0;
  return { position: add(a, scale(sub(b, a), t)), azimuth: azimuthOf(sub(b, a)) };
}

export function distanceToFrontLine(line: FrontLine, p: Vec): number {
  let best = Infinity;
  for (let i = 1; i < line.points.length; i++) {
    const a = line.points[i - 1] as Vec;
    const ab = sub(line.points[i] as Vec, a);
    const t = Math.min(1, Math.max(0, dot(sub(p, a), ab) / dot(ab, ab)));
    best = Math.min(best, length(sub(p, add(a, scale(ab, t)))));
  }
  return best;
}

/** A point near the line: along it uniformly, off it by a half-normal distance on either side. */
export function nearFrontLine(rng: Random, line: FrontLine, sd: number): { position: Vec; azimuth: number } {
  const { position, azimuth } = alongFrontLine(line, rng.between(0, line.length));
  const offset = rng.halfNormal(sd) * (rng.chance(0.5) ? 1 : -1);
  return { position: add(position, scale(unitFromAzimuth(azimuth + 90), offset)), azimuth };
}

/**
 * Bounding circles of the hazards placed so far, on a grid of cells, so that new hazards do not
 * overlap old ones (real registers try hard to avoid overlaps) and far-away accidents can be
 * drawn far from every hazard.
 */
export class Occupancy {
  private readonly cells = new Map<string, { centre: Vec; radius: number }[]>();
  private largest = 0;
  private readonly cellSize = 1000;

  private key(cx: number, cy: number): string {
    return `${cx},${cy}`;
  }

  add(centre: Vec, radius: number): void {
    const k = this.key(Math.floor(centre[0] / this.cellSize), Math.floor(centre[1] / this.cellSize));
    const list = this.cells.get(k) ?? [];
    list.push({ centre, radius });
    this.cells.set(k, list);
    this.largest = Math.max(this.largest, radius);
  }

  /** True when a circle would keep `gap` metres from every circle already placed. */
  isFree(centre: Vec, radius: number, gap: number): boolean {
    const reach = Math.ceil((radius + this.largest + gap) / this.cellSize);
    const cx = Math.floor(centre[0] / this.cellSize);
    const cy = Math.floor(centre[1] / this.cellSize);
    for (let x = cx - reach; x <= cx + reach; x++) {
      for (let y = cy - reach; y <= cy + reach; y++) {
        for (const c of this.cells.get(this.key(x, y)) ?? []) {
          if (length(sub(c.centre, centre)) < c.radius + radius + gap) return false;
        }
      }
    }
    return true;
  }
}

export interface HazardPlan {
  index: number;
  id: string;
  reference: string;
  kind: 'sha' | 'cha';
  /** The tangent plane the parts are drawn in, at the hazard's centre (a record's RP for record hazards). */
  frame: LocalFrame;
  /** Convex rings in frame metres; set again by release planning, with the cut points inserted. */
  parts: Vec[][];
  areaM2: number;
  estimatedAreaM2: number;
  evidence: Evidence[];
  contamination: Contamination[];
  blockages: Blockage[];
  districtIndex: number;
  organisationIndex: number;
  createdDay: number;
  status: 'active' | 'suspended' | 'released';
  releaseDay: number | null;
  description: string;
  recordIndex: number | null;
}

/** A convex, irregular outline of about the given area: the hull of points on a jittered ellipse. */
function drawConvexOutline(rng: Random, areaM2: number): Vec[] {
  const aspect = rng.between(1, 2.5);
  // The hull of the jittered points covers about 80% of the ellipse.
  const b = Math.sqrt(areaM2 / 0.8 / (Math.PI * aspect));
  const a = b * aspect;
  const orientation = rng.between(0, 180);
  const n = rng.int(7, 14);
  const points: Vec[] = [];
  for (let i = 0; i < n; i++) {
    const t = ((i + rng.between(-0.35, 0.35)) / n) * 2 * Math.PI;
    const r = rng.between(0.75, 1);
    points.push(rotate([a * r * Math.cos(t), b * r * Math.sin(t)], orientation));
  }
  return convexHull(points);
}

/** Most hazards are one polygon; some are two, apart, like a field cut by a stream. */
export function drawHazardParts(rng: Random, areaM2: number): Vec[][] {
  if (!rng.chance(0.08)) return [drawConvexOutline(rng, areaM2)];
  const share = rng.between(0.3, 0.7);
  const first = drawConvexOutline(rng, areaM2 * share);
  const second = drawConvexOutline(rng, areaM2 * (1 - share));
  const reach = (ring: Vec[]): number => Math.max(...ring.map(length));
  const direction = unitFromAzimuth(rng.between(0, 360));
  const distance = (reach(first) + reach(second)) * rng.between(1.15, 1.6);
  const offset = scale(direction, distance / 2);
  return [first.map((p) => sub(p, offset)), second.map((p) => add(p, offset))];
}

/** The hull of the points grown outwards by a margin that varies around it. */
export function grownHull(rng: Random, points: readonly Vec[], minMargin: number, maxMargin: number): Vec[] {
  const grown: Vec[] = [];
  for (const p of convexHull(points)) {
    const margin = rng.between(minMargin, maxMargin);
    for (let k = 0; k < 8; k++) grown.push(add(p, scale(unitFromAzimuth(k * 45 + 22.5), margin)));
  }
  return convexHull(grown);
}

export function partsArea(parts: readonly Vec[][]): number {
  return parts.reduce((sum, ring) => sum + ringArea(ring), 0);
}

export function partsRadius(parts: readonly Vec[][]): number {
  return Math.max(...parts.flat().map(length));
}

/** Attributes of a hazard that depend on where it is and what kind it is. */
export function describeHazard(
  rng: Random,
  kind: 'sha' | 'cha',
  nearLine: boolean,
  recordEvidence: Evidence | null,
): { evidence: Evidence[]; contamination: Contamination[]; blockages: Blockage[]; description: string } {
  const evidence = new Set<Evidence>();
  if (recordEvidence) evidence.add(recordEvidence);
  if (nearLine) evidence.add('former_front_line');
  if (kind === 'cha') for (const e of rng.subset(DIRECT_EVIDENCE, 0.35, 1)) evidence.add(e);
  for (const e of rng.subset(INDIRECT_EVIDENCE, 0.25, evidence.size === 0 ? 1 : 0)) evidence.add(e);
  const contamination = new Set<Contamination>();
  if (recordEvidence) contamination.add('ap_mine');
  if (nearLine ? rng.chance(0.8) : rng.chance(0.3)) contamination.add('ap_mine');
  if (nearLine && rng.chance(0.25)) contamination.add('at_mine');
  if (rng.chance(nearLine ? 0.35 : 0.5)) contamination.add('erw_uxo');
  if (rng.chance(0.04)) contamination.add('cluster_munition');
  if (rng.chance(nearLine ? 0.05 : 0.25)) contamination.add('ied');
  if (contamination.size === 0) contamination.add(nearLine ? 'ap_mine' : 'erw_uxo');
  const blockages = rng.subset(BLOCKAGES, 0.25, 1);
  const what = recordEvidence ? 'minefield on record' : nearLine ? 'land along the former front line' : 'land with reported ordnance';
  return {
    evidence: [...evidence],
    contamination: [...contamination],
    blockages,
    description: `Demo ${kind === 'sha' ? 'suspected' : 'confirmed'} hazardous area: ${what}, blocking ${blockages.join(', ')}.`,
  };
}

/** The estimate a surveyor wrote down: the drawn area rounded, or for some old surveys a guess. */
export function estimatedArea(rng: Random, kind: 'sha' | 'cha', areaM2: number): number {
  if (kind === 'sha' && rng.chance(0.2)) return Math.round((areaM2 * rng.between(0.7, 1.4)) / 1000) * 1000;
  return Math.round(areaM2 / 100) * 100;
}

/** The district holding the middle of the hazard's largest part (a record's RP may lie in the next one). */
export function districtOf(frame: LocalFrame, parts: readonly Vec[][]): number {
  const largest = parts.reduce((a, b) => (ringArea(b) > ringArea(a) ? b : a));
  return districtIndexAt(frame.toLonLat(ringCentre(largest)));
}

export function hazardOrigin(position: Vec): LonLat | null {
  const lonLat = BOX_FRAME.toLonLat(position);
  return insideBox(lonLat, 0.015) ? lonLat : null;
}
