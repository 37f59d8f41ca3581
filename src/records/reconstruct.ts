/**
 * Reconstruction of a minefield record: walk its legs geodesically from the surveyed reference
 * point(s), after turning every azimuth into a true azimuth, to place every named point, the
 * perimeter, the rows and the predicted mines. Problems are collected, not thrown, so that a
 * partly wrong record still shows what can be placed and everything that is wrong with it.
 */
import type { Feature, FeatureCollection, Polygon } from 'geojson';
import { direct, inverse, polygonMeasure, type LatLon } from '../geodesy/geodesic.ts';
import { isAzimuthInRange, normalizeAzimuthDeg, toDegrees, unitsPerCircle, type AngleUnit } from '../geodesy/angles.ts';
import { trueFromGridDeg, trueFromMagneticDeg, type NorthReference } from '../geodesy/north.ts';
import { gridConvergenceDeg, mgrsToLatLon, utmToLatLon } from '../geodesy/coordinates.ts';
import { wmmDeclination } from '../geodesy/magnetic.ts';
import { recordLabel, showValue, type Coordinates, type MinefieldRecord, type MineLeg } from './format.ts';

export type Severity = 'error' | 'warning';

export type ProblemCode =
  | 'no_anchor'
  | 'invalid_coordinates'
  | 'unknown_point'
  | 'point_defined_twice'
  | 'leg_cycle'
  | 'unlocated_point'
  | 'non_positive_distance'
  | 'azimuth_out_of_range'
  | 'declination_unavailable'
  | 'convergence_unavailable'
  | 'large_closing_error'
  | 'perimeter_too_short'
  | 'row_count_without_spacing'
  | 'non_positive_spacing'
  | 'row_spacing_mismatch'
  | 'stated_total_mismatch';

export interface Problem {
  code: ProblemCode;
  severity: Severity;
  /** Field path in the record, e.g. "legs[3].distance". */
  path: string;
  /** Names the record and the path, e.g. `minefield record "MF 7": legs[3].distance: ...`. */
  message: string;
}

export interface ReconstructedPoint extends LatLon {
  name: string;
  /** Surveyed on the record, or reached by a leg. */
  source: 'coordinates' | 'leg';
  legIndex?: number;
  description?: string;
}

export interface ReconstructedLeg {
  index: number;
  from: string;
  to: string;
  check: boolean;
  /** The azimuth as written, in `unit` from `north`. */
  writtenAzimuth: number;
  unit: AngleUnit;
  north: NorthReference;
  /** Grid convergence or magnetic declination added to reach true north, degrees (0 for true). */
  correctionDeg: number;
  trueAzimuthDeg: number;
  distanceM: number;
}

/** Closing error of a check leg: where the traverse ended versus where the point is known to be. */
export interface Closure {
  legIndex: number;
  point: string;
  /** Distance from the known position to the traverse's end, metres. */
  misclosureM: number;
  /** True bearing from the known position to the traverse's end, degrees [0, 360). */
  bearingDeg: number;
  /** Length of the legs walked around the loop, including the check leg, metres. */
  loopLengthM: number;
  /** misclosure / loop length; 1:100 is about what a pacing-and-compass survey achieves. */
  relative: number;
}

export interface ReconstructedRow {
  index: number;
  name: string;
  start: LatLon & { name: string };
  end: LatLon & { name: string };
  lengthM: number;
  /** True azimuth from start to end, degrees [0, 360). */
  azimuthDeg: number;
  mineCount?: number;
  spacing?: number;
  mineModel?: string;
  pattern?: string;
  /** Positions predicted for this row (0 when count or spacing are missing). */
  predictedMineCount: number;
}

export interface PredictedMine extends LatLon {
  /** "<row name>#<n>" (1-based, from the start) for row mines; the mine's id for individually recorded mines. */
  id: string;
  source: 'row' | 'mine';
  row?: string;
  model?: string;
}

export interface MagneticCorrection {
  declinationDeg: number;
  source: 'stated' | 'wmm';
  /** For WMM: the model name and epoch, the place (the origin) and the date used. */
  model?: string;
  epoch?: number;
  date?: string;
}

export interface Reconstruction {
  /** The record's reference, unquoted. */
  reference: string;
  id?: string;
  handoverBatch?: string;
  /** First reference point with coordinates: the anchor of the walk and the audit's rotation centre. */
  origin: ReconstructedPoint | null;
  points: ReconstructedPoint[];
  legs: ReconstructedLeg[];
  /** GeoJSON polygon, ring closed and counter-clockwise (RFC 7946). */
  perimeter: Polygon | null;
  perimeterAreaM2: number | null;
  perimeterLengthM: number | null;
  rows: ReconstructedRow[];
  predictedMines: PredictedMine[];
  /** Mines the record implies: rows' stated counts plus individually recorded mines. */
  recordedMineCount: number;
  statedMineTotal?: number;
  closures: Closure[];
  magnetic: MagneticCorrection | null;
  problems: Problem[];
}

/** Relative closing errors worse than this are flagged: 1:100 is a pacing-and-compass survey. */
const CLOSURE_WARNING_RELATIVE = 0.01;

type Definition = { kind: 'anchor'; index: number } | { kind: 'landmark'; index: number } | { kind: 'leg'; index: number };

/**
 * Place everything a minefield record describes.
 *
 * @example
 * const r = reconstruct(parseMinefieldRecord(json));
 * r.problems.filter((p) => p.severity === 'error') // what must be fixed on the record
 */
export function reconstruct(record: MinefieldRecord): Reconstruction {
  const label = recordLabel(record);
  const problems: Problem[] = [];
  const problem = (code: ProblemCode, severity: Severity, path: string, text: string): void => {
    problems.push({ code, severity, path, message: `minefield record ${label}: ${path}: ${text}` });
  };

  const located = new Map<string, ReconstructedPoint>();
  const definitions = new Map<string, Definition>();
  const definitionPath = (d: Definition): string => (d.kind === 'leg' ? `legs[${d.index}]` : `referencePoints[${d.index}]`);

  for (const [i, rp] of record.referencePoints.entries()) {
    const previous = definitions.get(rp.name);
    if (previous !== undefined) {
      problem('point_defined_twice', 'error', `referencePoints[${i}].name`, `point "${rp.name}" is already defined by ${definitionPath(previous)}`);
      continue;
    }
    if (rp.coordinates === undefined) {
      definitions.set(rp.name, { kind: 'landmark', index: i });
      continue;
    }
    definitions.set(rp.name, { kind: 'anchor', index: i });
    try {
      const p = toLatLon(rp.coordinates);
      located.set(rp.name, { name: rp.name, ...p, source: 'coordinates', ...(rp.description !== undefined && { description: rp.description }) });
    } catch (e) {
      problem('invalid_coordinates', 'error', `referencePoints[${i}].coordinates`, (e as Error).message);
    }
  }
  const origin = [...located.values()][0] ?? null;
  if (origin === null) {
    problem('no_anchor', 'error', 'referencePoints', 'no reference point has usable coordinates, so nothing can be placed');
  }

  const walkable: number[] = [];
  const checkLegs: number[] = [];
  for (const [i, leg] of record.legs.entries()) {
    const previous = definitions.get(leg.to);
    if (leg.check === true) {
      if (previous === undefined && !record.legs.some((l, j) => j !== i && l.to === leg.to && l.check !== true)) {
        problem('unknown_point', 'error', `legs[${i}].to`, `check leg closes onto "${leg.to}", which no reference point or leg defines`);
        continue;
      }
      checkLegs.push(i);
      continue;
    }
    if (previous !== undefined && previous.kind !== 'landmark') {
      problem(
        'point_defined_twice',
        'error',
        `legs[${i}].to`,
        `point "${leg.to}" is already defined by ${definitionPath(previous)}; mark this leg "check": true if it closes a traverse`,
      );
      continue;
    }
    definitions.set(leg.to, { kind: 'leg', index: i });
    walkable.push(i);
  }

  const isKnown = (name: string): boolean => definitions.has(name);
  const legIsSound = (leg: { from: string; azimuth: number; distance: number; unit?: AngleUnit | undefined }, path: string): boolean => {
    let sound = true;
    if (!isKnown(leg.from)) {
      problem('unknown_point', 'error', `${path}.from`, `leg starts from "${leg.from}", which no reference point or leg defines`);
      sound = false;
    }
    const unit = leg.unit ?? record.angleUnit;
    if (!isAzimuthInRange(leg.azimuth, unit)) {
      problem('azimuth_out_of_range', 'error', `${path}.azimuth`, `azimuth must be within [0, ${unitsPerCircle(unit)}) ${unit} (got ${showValue(leg.azimuth)})`);
      sound = false;
    }
    if (!(Number.isFinite(leg.distance) && leg.distance > 0)) {
      problem('non_positive_distance', 'error', `${path}.distance`, `distance must be greater than 0 m (got ${showValue(leg.distance)})`);
      sound = false;
    }
    return sound;
  };

  const usesNorth = (n: NorthReference): boolean =>
    [...record.legs, ...record.mines.flatMap((m) => (m.leg ? [m.leg] : []))].some((l) => (l.north ?? record.north.reference) === n);
  const magnetic = usesNorth('magnetic') ? magneticCorrection(record, origin, problem) : null;
  const legs: ReconstructedLeg[] = [];

  /** True azimuth of a leg from a located point, or null (with a problem) when north cannot be resolved. */
  const trueAzimuth = (leg: MineLeg, from: LatLon, path: string): { trueDeg: number; correctionDeg: number } | null => {
    const unit = leg.unit ?? record.angleUnit;
    const north = leg.north ?? record.north.reference;
    const written = toDegrees(leg.azimuth, unit);
    if (north === 'true') return { trueDeg: normalizeAzimuthDeg(written), correctionDeg: 0 };
    if (north === 'magnetic') {
      if (magnetic === null) return null;
      return { trueDeg: normalizeAzimuthDeg(trueFromMagneticDeg(written, magnetic.declinationDeg)), correctionDeg: magnetic.declinationDeg };
    }
    try {
      const convergence = gridConvergenceDeg(from, record.north.utmZone);
      return { trueDeg: normalizeAzimuthDeg(trueFromGridDeg(written, convergence)), correctionDeg: convergence };
    } catch (e) {
      problem('convergence_unavailable', 'error', `${path}.azimuth`, `grid convergence unavailable: ${(e as Error).message}`);
      return null;
    }
  };

  const walkLeg = (index: number, from: ReconstructedPoint): LatLon | null => {
    const leg = record.legs[index];
    if (leg === undefined) return null;
    const azimuth = trueAzimuth(leg, from, `legs[${index}]`);
    if (azimuth === null) return null;
    legs.push({
      index,
      from: leg.from,
      to: leg.to,
      check: leg.check === true,
      writtenAzimuth: leg.azimuth,
      unit: leg.unit ?? record.angleUnit,
      north: leg.north ?? record.north.reference,
      correctionDeg: azimuth.correctionDeg,
      trueAzimuthDeg: azimuth.trueDeg,
      distanceM: leg.distance,
    });
    return direct(from, azimuth.trueDeg, leg.distance);
  };

  const sound = new Set(walkable.filter((i) => legIsSound(record.legs[i] as MineLeg, `legs[${i}]`)));
  const soundChecks = checkLegs.filter((i) => legIsSound(record.legs[i] as MineLeg, `legs[${i}]`));
  const legsFrom = new Map<string, number[]>();
  for (const i of sound) {
    const from = (record.legs[i] as MineLeg).from;
    legsFrom.set(from, [...(legsFrom.get(from) ?? []), i]);
  }
  const queue = [...located.keys()];
  for (let q = 0; q < queue.length; q++) {
    const name = queue[q] as string;
    const from = located.get(name) as ReconstructedPoint;
    for (const i of legsFrom.get(name) ?? []) {
      const leg = record.legs[i];
      if (leg === undefined) continue;
      const p = walkLeg(i, from);
      if (p === null) continue;
      located.set(leg.to, { name: leg.to, lat: p.lat, lon: p.lon, source: 'leg', legIndex: i });
      queue.push(leg.to);
    }
  }

  reportUnwalkedLegs(record, sound, located, definitions, problem);

  const closures: Closure[] = [];
  for (const i of soundChecks) {
    const leg = record.legs[i];
    if (leg === undefined) continue;
    const from = located.get(leg.from);
    const known = located.get(leg.to);
    if (from === undefined || known === undefined) continue;
    const end = walkLeg(i, from);
    if (end === null) continue;
    const miss = inverse(known, end);
    const loopLengthM = loopLength(record, definitions, leg.from, leg.to) + leg.distance;
    const closure: Closure = {
      legIndex: i,
      point: leg.to,
      misclosureM: miss.distanceM,
      bearingDeg: normalizeAzimuthDeg(miss.azimuth1Deg),
      loopLengthM,
      relative: miss.distanceM / loopLengthM,
    };
    closures.push(closure);
    if (closure.relative > CLOSURE_WARNING_RELATIVE) {
      problem(
        'large_closing_error',
        'warning',
        `legs[${i}]`,
        `traverse closes onto "${leg.to}" ${closure.misclosureM.toFixed(1)} m off (1:${Math.round(1 / closure.relative)} of ${loopLengthM.toFixed(0)} m walked), worse than 1:${Math.round(1 / CLOSURE_WARNING_RELATIVE)}`,
      );
    }
  }

  const pointFor = (name: string, path: string): ReconstructedPoint | null => {
    const p = located.get(name);
    if (p !== undefined) return p;
    if (isKnown(name)) problem('unlocated_point', 'error', path, `point "${name}" could not be located (see the problems of the legs leading to it)`);
    else problem('unknown_point', 'error', path, `point "${name}" is not defined by any reference point or leg`);
    return null;
  };

  const perimeter = reconstructPerimeter(record, pointFor, problem);
  const { rows, predictedMines } = reconstructRows(record, pointFor, problem);

  for (const [i, mine] of record.mines.entries()) {
    const path = `mines[${i}]`;
    let position: LatLon | null = null;
    if (mine.coordinates !== undefined) {
      try {
        position = toLatLon(mine.coordinates);
      } catch (e) {
        problem('invalid_coordinates', 'error', `${path}.coordinates`, (e as Error).message);
      }
    } else if (mine.leg !== undefined && legIsSound(mine.leg, `${path}.leg`)) {
      const from = pointFor(mine.leg.from, `${path}.leg.from`);
      const azimuth = from === null ? null : trueAzimuth(mine.leg, from, `${path}.leg`);
      if (from !== null && azimuth !== null) position = direct(from, azimuth.trueDeg, mine.leg.distance);
    }
    if (position !== null) {
      predictedMines.push({ id: mine.id, source: 'mine', lat: position.lat, lon: position.lon, ...(mine.model !== undefined && { model: mine.model }) });
    }
  }

  const recordedMineCount = record.rows.reduce((sum, r) => sum + (r.mineCount ?? 0), 0) + record.mines.length;
  const stated = record.provenance.statedMineTotal;
  if (stated !== undefined && stated !== recordedMineCount) {
    problem(
      'stated_total_mismatch',
      'warning',
      'provenance.statedMineTotal',
      `the record states ${stated} mines, but its rows and individual mines add up to ${recordedMineCount}`,
    );
  }

  legs.sort((a, b) => a.index - b.index);
  return {
    reference: record.reference,
    ...(record.id !== undefined && { id: record.id }),
    ...(record.provenance.handoverBatch !== undefined && { handoverBatch: record.provenance.handoverBatch }),
    origin,
    points: [...located.values()],
    legs,
    perimeter: perimeter?.polygon ?? null,
    perimeterAreaM2: perimeter?.areaM2 ?? null,
    perimeterLengthM: perimeter?.perimeterM ?? null,
    rows,
    predictedMines,
    recordedMineCount,
    ...(stated !== undefined && { statedMineTotal: stated }),
    closures,
    magnetic,
    problems,
  };
}

type ProblemSink = (code: ProblemCode, severity: Severity, path: string, text: string) => void;
type PointLookup = (name: string, path: string) => ReconstructedPoint | null;

export function toLatLon(c: Coordinates): LatLon {
  switch (c.system) {
    case 'latlon':
      return { lat: c.lat, lon: c.lon };
    case 'utm':
      return utmToLatLon(c);
    case 'mgrs':
      return mgrsToLatLon(c.mgrs);
  }
}

/**
 * The declination for magnetic legs: the record's stated value wins; otherwise the World
 * Magnetic Model at the origin on the laying date (declination changes by well under 0.01° across
 * a minefield, so one value serves every leg).
 */
function magneticCorrection(record: MinefieldRecord, origin: LatLon | null, problem: ProblemSink): MagneticCorrection | null {
  const stated = record.north.declination;
  if (stated !== undefined) return { declinationDeg: toDegrees(stated.value, stated.unit), source: 'stated' };
  const date = record.north.layingDate ?? record.provenance.layingDate;
  if (date === undefined) {
    problem('declination_unavailable', 'error', 'north.declination', 'magnetic azimuths need a stated declination or a laying date (north.layingDate or provenance.layingDate)');
    return null;
  }
  if (origin === null) return null;
  try {
    const wmm = wmmDeclination(origin, new Date(`${date}T12:00:00Z`));
    return { declinationDeg: wmm.declinationDeg, source: 'wmm', model: wmm.model, epoch: wmm.epoch, date: wmm.date };
  } catch (e) {
    problem('declination_unavailable', 'error', 'north.declination', (e as Error).message);
    return null;
  }
}

/**
 * Legs never reached from a surveyed point: explain each root cause once (a landmark nobody
 * located, or a loop of legs), rather than once per dependent leg.
 */
function reportUnwalkedLegs(
  record: MinefieldRecord,
  sound: Set<number>,
  located: Map<string, ReconstructedPoint>,
  definitions: Map<string, Definition>,
  problem: ProblemSink,
): void {
  const explained = new Set<string>();
  for (const i of sound) {
    const leg = record.legs[i];
    if (leg === undefined || located.has(leg.to)) continue;
    const chain: string[] = [];
    let name = leg.from;
    while (!explained.has(name)) {
      if (chain.includes(name)) {
        const loop = chain.slice(chain.indexOf(name));
        const first = definitions.get(loop[loop.length - 1] as string);
        const path = first?.kind === 'leg' ? `legs[${first.index}]` : `legs[${i}]`;
        problem('leg_cycle', 'error', path, `legs form a loop with no surveyed point: ${[...loop].reverse().join(' -> ')} -> ${loop[loop.length - 1]}`);
        break;
      }
      chain.push(name);
      const d = definitions.get(name);
      if (d === undefined || located.has(name)) break;
      if (d.kind === 'landmark') {
        problem(
          'unlocated_point',
          'error',
          `referencePoints[${d.index}].coordinates`,
          `landmark "${name}" has no coordinates and no leg locates it, so the legs from it cannot be walked`,
        );
        break;
      }
      if (d.kind === 'anchor' || !sound.has(d.index)) break;
      name = record.legs[d.index]?.from ?? name;
    }
    for (const n of chain) explained.add(n);
  }
}

/** Sum of leg lengths from `a` and from `b` back to their nearest common ancestor (or their roots). */
function loopLength(record: MinefieldRecord, definitions: Map<string, Definition>, a: string, b: string): number {
  const ancestry = (start: string): Array<{ name: string; distanceSoFar: number }> => {
    const out = [{ name: start, distanceSoFar: 0 }];
    let name = start;
    let total = 0;
    for (;;) {
      const d = definitions.get(name);
      const leg = d?.kind === 'leg' ? record.legs[d.index] : undefined;
      if (leg === undefined || out.some((o) => o.name === leg.from)) return out;
      total += leg.distance;
      name = leg.from;
      out.push({ name, distanceSoFar: total });
    }
  };
  const fromA = ancestry(a);
  const fromB = ancestry(b);
  for (const x of fromA) {
    const y = fromB.find((o) => o.name === x.name);
    if (y !== undefined) return x.distanceSoFar + y.distanceSoFar;
  }
  return (fromA[fromA.length - 1]?.distanceSoFar ?? 0) + (fromB[fromB.length - 1]?.distanceSoFar ?? 0);
}

function reconstructPerimeter(
  record: MinefieldRecord,
  pointFor: PointLookup,
  problem: ProblemSink,
): { polygon: Polygon; areaM2: number; perimeterM: number } | null {
  if (record.perimeter === undefined) return null;
  const ring: LatLon[] = [];
  let complete = true;
  for (const [k, name] of record.perimeter.entries()) {
    const p = pointFor(name, `perimeter[${k}]`);
    if (p === null) complete = false;
    else if (ring.length === 0 || (ring[ring.length - 1] as LatLon) !== p) ring.push(p);
  }
  if (ring.length > 1 && ring[0] === ring[ring.length - 1]) ring.pop();
  if (!complete) return null;
  if (new Set(ring).size < 3) {
    problem('perimeter_too_short', 'error', 'perimeter', `a perimeter needs at least 3 distinct points (got ${new Set(ring).size})`);
    return null;
  }
  const measure = polygonMeasure(ring);
  const ordered = measure.signedAreaM2 < 0 ? [...ring].reverse() : ring;
  const coordinates = [...ordered, ordered[0] as LatLon].map((p) => [p.lon, p.lat]);
  return { polygon: { type: 'Polygon', coordinates: [coordinates] }, areaM2: measure.areaM2, perimeterM: measure.perimeterM };
}

/**
 * Rows become lines from start to end. Mines are predicted only when count and spacing are both
 * stated: the first on the start point, the last on the end point, the rest evenly between
 * (the row's reconstructed length is trusted over the stated spacing, which only confirms it).
 * A disagreement of more than half a spacing means the count cannot fit the row and is reported.
 */
function reconstructRows(
  record: MinefieldRecord,
  pointFor: PointLookup,
  problem: ProblemSink,
): { rows: ReconstructedRow[]; predictedMines: PredictedMine[] } {
  const rows: ReconstructedRow[] = [];
  const predictedMines: PredictedMine[] = [];
  for (const [i, row] of record.rows.entries()) {
    const path = `rows[${i}]`;
    const start = pointFor(row.start, `${path}.start`);
    const end = pointFor(row.end, `${path}.end`);
    if (start === null || end === null) continue;
    const line = inverse(start, end);
    const count = row.mineCount;
    let predicted = 0;
    if (count !== undefined && count > 0) {
      if (row.spacing === undefined) {
        problem(
          'row_count_without_spacing',
          'warning',
          `${path}.spacing`,
          `row "${row.name}" states ${count} mines but no spacing: the row line is reconstructed, its mine positions are not predicted`,
        );
      } else if (!(row.spacing > 0)) {
        problem('non_positive_spacing', 'error', `${path}.spacing`, `spacing must be greater than 0 m (got ${showValue(row.spacing)})`);
      } else {
        const impliedLength = (count - 1) * row.spacing;
        if (Math.abs(impliedLength - line.distanceM) > row.spacing / 2) {
          problem(
            'row_spacing_mismatch',
            'warning',
            path,
            `row "${row.name}": ${count} mines at ${row.spacing} m spacing span ${impliedLength.toFixed(1)} m, but the row is ${line.distanceM.toFixed(1)} m long; mines are predicted evenly over the row's length (every ${count > 1 ? (line.distanceM / (count - 1)).toFixed(2) : '0'} m)`,
          );
        }
        for (let k = 0; k < count; k++) {
          const s = count === 1 ? 0 : (line.distanceM * k) / (count - 1);
          const p = s === 0 ? start : direct(start, line.azimuth1Deg, s);
          predictedMines.push({
            id: `${row.name}#${k + 1}`,
            source: 'row',
            row: row.name,
            lat: p.lat,
            lon: p.lon,
            ...(row.mineModel !== undefined && { model: row.mineModel }),
          });
        }
        predicted = count;
      }
    }
    rows.push({
      index: i,
      name: row.name,
      start: { name: start.name, lat: start.lat, lon: start.lon },
      end: { name: end.name, lat: end.lat, lon: end.lon },
      lengthM: line.distanceM,
      azimuthDeg: normalizeAzimuthDeg(line.azimuth1Deg),
      ...(count !== undefined && { mineCount: count }),
      ...(row.spacing !== undefined && { spacing: row.spacing }),
      ...(row.mineModel !== undefined && { mineModel: row.mineModel }),
      ...(row.pattern !== undefined && { pattern: row.pattern }),
      predictedMineCount: predicted,
    });
  }
  return { rows, predictedMines };
}

export type ReconstructionFeatureKind = 'perimeter' | 'row' | 'predicted_mine' | 'point';

/** Everything placed, as one GeoJSON FeatureCollection; `properties.kind` tells the layers apart. */
export function toGeoJSON(r: Reconstruction): FeatureCollection {
  const features: Feature[] = [];
  const base = { reference: r.reference };
  if (r.perimeter !== null) {
    features.push({ type: 'Feature', geometry: r.perimeter, properties: { ...base, kind: 'perimeter' satisfies ReconstructionFeatureKind, areaM2: r.perimeterAreaM2, perimeterM: r.perimeterLengthM } });
  }
  for (const row of r.rows) {
    features.push({
      type: 'Feature',
      geometry: { type: 'LineString', coordinates: [[row.start.lon, row.start.lat], [row.end.lon, row.end.lat]] },
      properties: {
        ...base,
        kind: 'row' satisfies ReconstructionFeatureKind,
        name: row.name,
        start: row.start.name,
        end: row.end.name,
        lengthM: row.lengthM,
        mineCount: row.mineCount ?? null,
        spacing: row.spacing ?? null,
        mineModel: row.mineModel ?? null,
        pattern: row.pattern ?? null,
      },
    });
  }
  for (const m of r.predictedMines) {
    features.push({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [m.lon, m.lat] },
      properties: { ...base, kind: 'predicted_mine' satisfies ReconstructionFeatureKind, id: m.id, source: m.source, row: m.row ?? null, model: m.model ?? null },
    });
  }
  for (const p of r.points) {
    features.push({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [p.lon, p.lat] },
      properties: { ...base, kind: 'point' satisfies ReconstructionFeatureKind, name: p.name, source: p.source, description: p.description ?? null },
    });
  }
  return { type: 'FeatureCollection', features };
}
