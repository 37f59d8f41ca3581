/**
 * Systematic error of a minefield record: the rigid motion (rotation about the reference point,
 * then shift) that best carries the record onto the mines actually found. A record that fits
 * well after this correction was drawn well but anchored wrongly.
 *
 * Method, in three steps, all in the local tangent plane centred on the reference point:
 * 1. Coarse search (Hough voting): at each trial rotation (0, ±3°, ±6°), every pair of a
 *    find and a record target within the search radius votes for the shift that would lay one
 *    on the other. Votes are binned at τ; the local maxima of the bins with the most votes
 *    within ±1 bin, over all rotations, and "no motion", are candidates. This finds the right
 *    basin even when the shift is many rows wide, without trying every shift. Rotations beyond
 *    about 7° are not searched: they are not the slip of a compass but a different record.
 *    Votes come from at most 100 finds: enough to place the peaks, which step 2 then polishes.
 * 2. Robust refinement (trimmed, Huber-weighted ICP): each find is paired with the nearest
 *    target within 2τ of the current fit (farther finds are ignored as outliers), residuals over
 *    τ/2 are down-weighted by Huber's rule, and the weighted 2-D Procrustes solution (closed form)
 *    gives the next rotation and shift; repeated until it settles. Every candidate gets 5
 *    iterations on at most 300 finds, the best two are refined until they settle, and the
 *    winner is polished on all the finds.
 * 3. Winner: the candidate with the smallest truncated squared residual Σ min(d, τ)² over the
 *    finds (d: distance to the nearest row line or mine position). Counting finds within τ
 *    alone would not do: a slightly wrong motion can keep every find within τ and tie with the
 *    right one.
 *
 * Targets are the predicted and recorded mine positions, plus the line of any row whose mines
 * cannot be predicted; mine positions pin the shift along a row, which a line cannot.
 */
import type { PlanePoint } from '../geodesy/localPlane.ts';
import type { GridIndex } from './gridIndex.ts';

/** Record point p goes to R(θ)·p + (tx, ty); θ counter-clockwise in the (east, north) plane. */
export interface RigidMotion {
  theta: number;
  tx: number;
  ty: number;
}

export const IDENTITY: RigidMotion = { theta: 0, tx: 0, ty: 0 };

export interface FitTargets {
  /** Mine positions and unpredictable rows, for pairing. */
  pairing: GridIndex;
  /** Points (mine positions and points along unpredictable rows) for voting. */
  votes: readonly PlanePoint[];
}

export interface FitOptions {
  tolerance: number;
  maxShift: number;
}

const CANDIDATE_SAMPLE = 300;
const VOTING_SAMPLE = 100;
const SCREENING_ITERATIONS = 5;
const FINALISTS = 2;
const PEAKS = 10;
const PEAKS_PER_ROTATION = 4;
const TRIAL_ROTATIONS_DEG = [0, -3, 3, -6, 6];

/**
 * Σ over the points of f(distance to the nearest feature within `maxDistance`, else Infinity),
 * with each point taken into the record's frame under `m`. The audit's hot loop: the rotation is
 * computed once per motion, and nothing is allocated per point.
 */
export function sumOverNearest(index: GridIndex, points: readonly PlanePoint[], m: RigidMotion, maxDistance: number, f: (distance: number) => number): number {
  const c = Math.cos(m.theta);
  const s = Math.sin(m.theta);
  let sum = 0;
  for (const p of points) {
    const dx = p.x - m.tx;
    const dy = p.y - m.ty;
    sum += f(index.nearestDistance(c * dx + s * dy, -s * dx + c * dy, maxDistance));
  }
  return sum;
}

/**
 * @param finds found mines in the plane
 * @param loss Σ min(d, τ)² of the finds against the record under a motion (lower is better)
 */
export function fitRigidMotion(
  finds: readonly PlanePoint[],
  targets: FitTargets,
  loss: (finds: readonly PlanePoint[], m: RigidMotion) => number,
  options: FitOptions,
): RigidMotion {
  if (finds.length === 0 || targets.pairing.size === 0) return IDENTITY;
  const sample = evenSample(finds, CANDIDATE_SAMPLE);
  const candidates = [IDENTITY, ...houghPeaks(evenSample(sample, VOTING_SAMPLE), targets.votes, options)];
  const pick = (motions: readonly RigidMotion[], iterations: number): RigidMotion[] =>
    motions
      .map((start) => refine(sample, targets.pairing, start, options.tolerance, iterations))
      .filter((m) => Math.hypot(m.tx, m.ty) <= options.maxShift * 1.5)
      .map((m) => ({ m, loss: loss(sample, m), shift: Math.hypot(m.tx, m.ty) }))
      .sort((a, b) => a.loss - b.loss || a.shift - b.shift)
      .map((c) => c.m);
  const shortlist = pick(candidates, SCREENING_ITERATIONS).slice(0, FINALISTS);
  const best = pick(shortlist, 30)[0] ?? IDENTITY;
  return sample.length === finds.length ? best : refine(finds, targets.pairing, best, options.tolerance, 30);
}

/** Every k-th point so that at most `max` remain, in a fixed order (reproducible). */
export function evenSample<T>(items: readonly T[], max: number): T[] {
  if (items.length <= max) return [...items];
  const step = items.length / max;
  return Array.from({ length: max }, (_, i) => items[Math.floor(i * step)] as T);
}

/**
 * Vote for shifts at each of a few trial rotations (records are typically turned by a compass or
 * declination slip of a few degrees), keeping the strongest peaks over all of them.
 */
function houghPeaks(finds: readonly PlanePoint[], votes: readonly PlanePoint[], options: FitOptions): RigidMotion[] {
  const bin = Math.max(options.tolerance, 0.5);
  const half = Math.ceil(options.maxShift / bin);
  const side = 2 * half + 1;
  const acc = new Float64Array(side * side);
  const sat = new Float64Array((side + 1) * (side + 1));
  const smoothed = new Float64Array(side * side);
  const k = 1;
  const peaks: Array<RigidMotion & { votes: number }> = [];
  for (const degrees of TRIAL_ROTATIONS_DEG) {
    const theta = (degrees * Math.PI) / 180;
    const c = Math.cos(theta);
    const s = Math.sin(theta);
    acc.fill(0);
    const rx = Float64Array.from(votes, (p) => (c * p.x - s * p.y) / bin);
    const ry = Float64Array.from(votes, (p) => (s * p.x + c * p.y) / bin);
    for (const f of finds) {
      const ox = f.x / bin + half + 0.5;
      const oy = f.y / bin + half + 0.5;
      for (let v = 0; v < rx.length; v++) {
        const fi = ox - (rx[v] as number);
        const fj = oy - (ry[v] as number);
        if (fi >= 0 && fi < side && fj >= 0 && fj < side) {
          const cell = (fj | 0) * side + (fi | 0);
          acc[cell] = (acc[cell] as number) + 1;
        }
      }
    }
    // Box-smooth with a summed-area table, so a cluster of nearby votes outweighs a lone spike.
    const w = side + 1;
    for (let j = 0; j < side; j++) {
      let rowSum = 0;
      for (let i = 0; i < side; i++) {
        rowSum += acc[j * side + i] as number;
        sat[(j + 1) * w + i + 1] = (sat[j * w + i + 1] as number) + rowSum;
      }
    }
    for (let j = 0; j < side; j++) {
      const j0 = Math.max(0, j - k);
      const j1 = Math.min(side, j + k + 1);
      for (let i = 0; i < side; i++) {
        const i0 = Math.max(0, i - k);
        const i1 = Math.min(side, i + k + 1);
        smoothed[j * side + i] = (sat[j1 * w + i1] as number) - (sat[j0 * w + i1] as number) - (sat[j1 * w + i0] as number) + (sat[j0 * w + i0] as number);
      }
    }
    // Candidates are local maxima of the raw votes (so the comb of near-equal aliases a row of
    // evenly spaced mines produces does not hide the true peak beside it), ranked by smoothed votes.
    const best: Array<{ cell: number; votes: number }> = [];
    for (let j = 0; j < side; j++) {
      for (let i = 0; i < side; i++) {
        const cell = j * side + i;
        const v = acc[cell] as number;
        if (v === 0 || !isLocalMaximum(acc, side, i, j)) continue;
        const score = smoothed[cell] as number;
        if (best.length === PEAKS_PER_ROTATION && score <= (best[best.length - 1]?.votes ?? 0)) continue;
        best.push({ cell, votes: score });
        best.sort((a, b) => b.votes - a.votes);
        if (best.length > PEAKS_PER_ROTATION) best.pop();
      }
    }
    for (const { cell, votes: v } of best) peaks.push({ theta, tx: ((cell % side) - half) * bin, ty: (Math.floor(cell / side) - half) * bin, votes: v });
  }
  return peaks
    .sort((a, b) => b.votes - a.votes)
    .slice(0, PEAKS)
    .map(({ theta, tx, ty }) => ({ theta, tx, ty }));
}

function isLocalMaximum(acc: Float64Array, side: number, i: number, j: number): boolean {
  const v = acc[j * side + i] as number;
  for (let dj = -1; dj <= 1; dj++) {
    for (let di = -1; di <= 1; di++) {
      const ni = i + di;
      const nj = j + dj;
      if ((di !== 0 || dj !== 0) && ni >= 0 && nj >= 0 && ni < side && nj < side && (acc[nj * side + ni] as number) > v) return false;
    }
  }
  return true;
}

/** Trimmed, Huber-weighted ICP from `start`. */
function refine(finds: readonly PlanePoint[], pairing: GridIndex, start: RigidMotion, tolerance: number, iterations: number): RigidMotion {
  const capture = 2 * tolerance;
  const huber = tolerance / 2;
  // Pairs of (target x, y, find x, y, weight), reused across iterations.
  const pairs = new Float64Array(finds.length * 5);
  let m = start;
  for (let it = 0; it < iterations; it++) {
    const c0 = Math.cos(m.theta);
    const s0 = Math.sin(m.theta);
    let n = 0;
    let w = 0;
    let cx = 0;
    let cy = 0;
    let fx = 0;
    let fy = 0;
    for (const f of finds) {
      const dx = f.x - m.tx;
      const dy = f.y - m.ty;
      const hit = pairing.nearest(c0 * dx + s0 * dy, -s0 * dx + c0 * dy, capture);
      if (hit === null) continue;
      const weight = hit.distance <= huber ? 1 : huber / hit.distance;
      pairs[n * 5] = hit.x;
      pairs[n * 5 + 1] = hit.y;
      pairs[n * 5 + 2] = f.x;
      pairs[n * 5 + 3] = f.y;
      pairs[n * 5 + 4] = weight;
      n++;
      w += weight;
      cx += weight * hit.x;
      cy += weight * hit.y;
      fx += weight * f.x;
      fy += weight * f.y;
    }
    if (n === 0) return m;
    cx /= w;
    cy /= w;
    fx /= w;
    fy /= w;
    let dot = 0;
    let cross = 0;
    let spread = 0;
    for (let k = 0; k < n; k++) {
      const weight = pairs[k * 5 + 4] as number;
      const ax = (pairs[k * 5] as number) - cx;
      const ay = (pairs[k * 5 + 1] as number) - cy;
      const bx = (pairs[k * 5 + 2] as number) - fx;
      const by = (pairs[k * 5 + 3] as number) - fy;
      dot += weight * (ax * bx + ay * by);
      cross += weight * (ax * by - ay * bx);
      spread += weight * (ax * ax + ay * ay);
    }
    // Too few or too tightly bunched pairs cannot tell a rotation from noise: shift only.
    const theta = n >= 3 && spread / w >= tolerance * tolerance ? Math.atan2(cross, dot) : 0;
    const c = Math.cos(theta);
    const s = Math.sin(theta);
    const next = { theta, tx: fx - (c * cx - s * cy), ty: fy - (s * cx + c * cy) };
    const moved = Math.hypot(next.tx - m.tx, next.ty - m.ty) + Math.abs(next.theta - m.theta) * 1000;
    m = next;
    if (moved < 1e-4) break;
  }
  return m;
}
