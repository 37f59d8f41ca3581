/**
 * The features of every grid cell as known at the end of a day, from what the store gives (the
 * events with their dates and types, distances to reference layers, raster values), in plain
 * TypeScript with no I/O. Every feature belongs to a group; model selection adds or leaves out
 * whole groups (selection.ts). The group `eventDistance` is the baseline's own information.
 *
 * Time: an event is known on day D when the last day it may have happened is on or before D, so a
 * year-only event of 2010 is known at the end of 2010 and not before; it counts for a period of
 * labels when it was not yet known at the period's start and may have happened by its end.
 */
import type { Grid } from './grid.ts';
import { PointIndex } from './points.ts';

/** Days since 1970-01-01. */
export type Day = number;

export function dayOf(date: string): Day {
  return Math.round(Date.parse(`${date}T00:00:00Z`) / 86_400_000);
}

export function dateOf(day: Day): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}

/**
 * Event types: a code list, so that files in any language map onto the same signals.
 * Finds and accidents of the register are `find` and `accident`.
 */
export const EVENT_TYPES = {
  accident: 'an explosion that killed or injured someone',
  incident: 'an explosion or a device set off that hurt no one',
  find: 'explosive ordnance found (by clearance, survey or anyone else)',
  demining: 'a demining or clearance operation (military or humanitarian)',
  seizure: 'explosive ordnance or material seized: stockpiles, workshops',
  suspected: 'a reported suspicion of contamination',
  other: 'any other event with explosive ordnance',
} as const;
export type EventType = keyof typeof EVENT_TYPES;
export const EVENT_TYPE_CODES = Object.keys(EVENT_TYPES) as EventType[];

export interface RiskEvent {
  lon: number;
  lat: number;
  /** First and last day it may have happened: the same day for a dated event, 1 Jan and 31 Dec for a year. */
  from: Day;
  to: Day;
  type: EventType;
}

/** Distances in metres to the reference layers as known on the day (FAR_M where none), one per cell; null when the layer has nothing then. */
export interface CellLayers {
  hazardDistanceM: Float64Array | null;
  recordDistanceM: Float64Array | null;
  roadDistanceM: Float64Array | null;
  riverDistanceM: Float64Array | null;
  settlementDistanceM: Float64Array | null;
}

/** Raster values per cell (NaN where the raster has none); null when there is no raster for the day. */
export interface CellRasters {
  elevationM: Float64Array | null;
  slopeDeg: Float64Array | null;
  /** Land-cover class code; -1 where the raster has none. */
  landCover: Int32Array | null;
}

/** Distances beyond this are recorded as this: "far", whatever the distance. */
export const FAR_M = 50_000;
/** Bandwidths of the event densities, in cells. */
export const DENSITY_BANDWIDTHS = [1, 3, 9] as const;
/** Length scales of the proximity features exp(−d / s), in cells. */
export const PROXIMITY_SCALES = [1, 3, 10] as const;
/** Half-life of the time-decayed densities, in years. */
export const HALF_LIFE_YEARS = 3;
/** Least events of a type, known at the training features' day, for the type to be a signal of its own. */
export const MIN_TYPE_EVENTS = 20;

export interface Feature {
  name: string;
  description: string;
}

export interface FeatureGroup {
  name: string;
  description: string;
  features: Feature[];
}

export function cellCentre(grid: Grid, cell: number): { lon: number; lat: number } {
  return { lon: grid.west + ((cell % grid.columns) + 0.5) * grid.cellLon, lat: grid.south + (Math.floor(cell / grid.columns) + 0.5) * grid.cellLat };
}

function cellsOf(grid: Grid): number {
  return grid.columns * grid.rows;
}

/** Distance from every cell's centre to the nearest event, FAR_M at most. */
function nearestDistances(grid: Grid, events: readonly RiskEvent[]): Float64Array {
  const north = grid.south + grid.rows * grid.cellLat;
  const index = new PointIndex(
    events.map((e) => ({ lon: e.lon, lat: e.lat, count: 1 })),
    grid.cellLon,
    grid.cellLat,
    Math.max(Math.abs(grid.south), Math.abs(north)),
  );
  return Float64Array.from({ length: cellsOf(grid) }, (_, cell) => index.nearestM(cellCentre(grid, cell), FAR_M));
}

/**
 * Gaussian kernel density of weighted events on the grid, in events per cell area: the events are
 * counted into cells of a grid padded by three bandwidths, smoothed by a separable Gaussian filter
 * of the bandwidth (in cells), and the padding cropped. Binning moves an event by half a cell at
 * most, which the smallest bandwidth (one cell) absorbs; cells are equal steps of degrees, so a
 * bandwidth is exact in latitude and within the grid's spread of cos(latitude) in longitude.
 */
export function kernelDensity(grid: Grid, events: readonly RiskEvent[], weights: readonly number[], bandwidthCells: number): Float64Array {
  const pad = Math.ceil(3 * bandwidthCells);
  const width = grid.columns + 2 * pad;
  const height = grid.rows + 2 * pad;
  const counts = new Float64Array(width * height);
  events.forEach((e, k) => {
    const i = Math.floor((e.lon - grid.west) / grid.cellLon) + pad;
    const j = Math.floor((e.lat - grid.south) / grid.cellLat) + pad;
    if (i >= 0 && i < width && j >= 0 && j < height) counts[j * width + i]! += weights[k]!;
  });
  const kernel = Array.from({ length: 2 * pad + 1 }, (_, k) => Math.exp(-((k - pad) ** 2) / (2 * bandwidthCells ** 2)));
  const sum = kernel.reduce((a, b) => a + b, 0);
  const taps = kernel.map((v) => v / sum);
  const rowsDone = new Float64Array(width * height);
  for (let j = 0; j < height; j++) {
    for (let i = 0; i < width; i++) {
      const v = counts[j * width + i]!;
      if (v === 0) continue;
      for (let k = -pad; k <= pad; k++) {
        const x = i + k;
        if (x >= 0 && x < width) rowsDone[j * width + x]! += v * taps[k + pad]!;
      }
    }
  }
  const out = new Float64Array(cellsOf(grid));
  for (let j = 0; j < grid.rows; j++) {
    for (let i = 0; i < grid.columns; i++) {
      let v = 0;
      for (let k = -pad; k <= pad; k++) v += rowsDone[(j + pad + k) * width + (i + pad)]! * taps[k + pad]!;
      out[j * grid.columns + i] = v;
    }
  }
  return out;
}

const km = (m: number) => Math.log1p(m / 1000);

/** Events known at the end of `day`. */
export function knownBy(events: readonly RiskEvent[], day: Day): RiskEvent[] {
  return events.filter((e) => e.to <= day);
}

/**
 * Cells with an event that may have happened from `from` to `until` (inclusive): its last possible
 * day on or after `from` (so it was not known the day before) and its first on or before `until`.
 */
export function labelsFor(grid: Grid, events: readonly RiskEvent[], from: Day, until: Day): Uint8Array {
  const labels = new Uint8Array(cellsOf(grid));
  for (const e of events) {
    if (!(e.to >= from && e.from <= until)) continue;
    const i = Math.floor((e.lon - grid.west) / grid.cellLon);
    const j = Math.floor((e.lat - grid.south) / grid.cellLat);
    if (i >= 0 && i < grid.columns && j >= 0 && j < grid.rows) labels[j * grid.columns + i] = 1;
  }
  return labels;
}

export interface CellFeatures {
  /** Every feature's values, one per cell. */
  columns: Map<string, Float64Array>;
  /** The groups these features make, in the order model selection tries them. */
  groups: FeatureGroup[];
  /** Distance to the nearest past event (the baseline), metres. */
  eventDistanceM: Float64Array;
}

export interface FeatureOptions {
  /** The event types with signals of their own (fixed by the training sample, so test features match). */
  types: readonly EventType[];
  /** Land-cover classes with a column of their own (the commonest class is the reference, without one). */
  landCoverClasses: readonly number[];
}

/**
 * Event types common enough, at the training features' day, to be signals of their own, and the
 * land-cover classes covering at least 1% of the cells, less the commonest (the reference class).
 */
export function featureOptions(events: readonly RiskEvent[], day: Day, rasters: CellRasters): FeatureOptions {
  const counts = new Map<EventType, number>();
  for (const e of knownBy(events, day)) counts.set(e.type, (counts.get(e.type) ?? 0) + 1);
  const types = EVENT_TYPE_CODES.filter((t) => (counts.get(t) ?? 0) >= MIN_TYPE_EVENTS);
  const classes = new Map<number, number>();
  for (const c of rasters.landCover ?? []) if (c >= 0) classes.set(c, (classes.get(c) ?? 0) + 1);
  const cells = rasters.landCover?.length ?? 0;
  const common = [...classes].filter(([, n]) => n >= 0.01 * cells).sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  return { types: types.length > 1 ? types : [], landCoverClasses: common.slice(1).map(([c]) => c).sort((a, b) => a - b) };
}

/** Every cell's features as known at the end of `day`. */
export function cellFeatures(grid: Grid, allEvents: readonly RiskEvent[], day: Day, layers: CellLayers, rasters: CellRasters, options: FeatureOptions): CellFeatures {
  const n = cellsOf(grid);
  const events = knownBy(allEvents, day);
  const columns = new Map<string, Float64Array>();
  const groups: FeatureGroup[] = [];
  const cellM = grid.cellSizeM;
  const group = (name: string, description: string, features: Array<Feature & { values: Float64Array }>) => {
    for (const f of features) columns.set(f.name, f.values);
    groups.push({ name, description, features: features.map(({ name: fn, description: fd }) => ({ name: fn, description: fd })) });
  };
  const eventDistanceM = nearestDistances(grid, events);
  group('eventDistance', 'distance to the nearest past event (the baseline’s information)', [
    { name: 'eventDistance', description: 'ln(1 + km to the nearest past event)', values: eventDistanceM.map(km) },
  ]);
  group(
    'eventProximity',
    'nearness to the nearest past event at several scales',
    PROXIMITY_SCALES.map((s) => ({ name: `eventProximity${s}`, description: `exp(−distance to the nearest past event / ${s} cell${s > 1 ? 's' : ''})`, values: eventDistanceM.map((d) => Math.exp(-d / (s * cellM))) })),
  );
  const ones = events.map(() => 1);
  group(
    'eventDensity',
    'kernel densities of past events at several bandwidths',
    DENSITY_BANDWIDTHS.map((h) => ({ name: `eventDensity${h}`, description: `ln(1 + past events per cell, Gaussian kernel of ${h} cell${h > 1 ? 's' : ''})`, values: kernelDensity(grid, events, ones, h).map(Math.log1p) })),
  );
  const decay = events.map((e) => 2 ** (-(day - (e.from + e.to) / 2) / (365.25 * HALF_LIFE_YEARS)));
  group(
    'recentDensity',
    `kernel densities of past events weighted by age (half-life ${HALF_LIFE_YEARS} years)`,
    DENSITY_BANDWIDTHS.slice(0, 2).map((h) => ({ name: `recentDensity${h}`, description: `ln(1 + age-weighted past events per cell, kernel of ${h} cell${h > 1 ? 's' : ''})`, values: kernelDensity(grid, events, decay, h).map(Math.log1p) })),
  );
  for (const type of options.types) {
    const ofType = events.filter((e) => e.type === type);
    group(`${type}Events`, `past events of type ${type} (${EVENT_TYPES[type]})`, [
      { name: `${type}Distance`, description: `ln(1 + km to the nearest past ${type})`, values: nearestDistances(grid, ofType).map(km) },
      { name: `${type}Density3`, description: `ln(1 + past ${type} events per cell, kernel of 3 cells)`, values: kernelDensity(grid, ofType, ofType.map(() => 1), 3).map(Math.log1p) },
    ]);
  }
  const distanceGroups: Array<[keyof CellLayers, string, string]> = [
    ['hazardDistanceM', 'hazardDistance', 'hazard as the history had it'],
    ['recordDistanceM', 'recordDistance', 'minefield record handed over by then'],
    ['roadDistanceM', 'roadDistance', 'road or corridor then built'],
    ['riverDistanceM', 'riverDistance', 'river then known'],
    ['settlementDistanceM', 'settlementDistance', 'settlement then known'],
  ];
  for (const [key, name, what] of distanceGroups) {
    const values = layers[key];
    if (values) group(name, `distance to the nearest ${what}`, [{ name, description: `ln(1 + km to the nearest ${what})`, values: values.map(km) }]);
  }
  if (rasters.elevationM) {
    const elevation = rasters.elevationM;
    const mean = meanOf(elevation);
    const filled = elevation.map((v) => (Number.isNaN(v) ? mean : v) / 1000);
    group('elevation', 'elevation from the DEM, and its square (risk may peak at middle heights)', [
      { name: 'elevation', description: 'km above sea level (cell mean; the raster’s mean where it has none)', values: filled },
      { name: 'elevationSquared', description: 'elevation², km²', values: filled.map((v) => v * v) },
    ]);
  }
  if (rasters.slopeDeg) {
    const mean = meanOf(rasters.slopeDeg);
    group('slope', 'slope from the DEM', [{ name: 'slope', description: 'degrees (cell mean)', values: rasters.slopeDeg.map((v) => (Number.isNaN(v) ? mean : v)) }]);
  }
  if (rasters.landCover && options.landCoverClasses.length > 0) {
    const cover = rasters.landCover;
    group(
      'landCover',
      'land-cover class (one column per class covering 1% of cells or more, against the commonest)',
      options.landCoverClasses.map((c) => ({ name: `landCover${c}`, description: `1 where the cell’s land cover is class ${c}`, values: Float64Array.from(cover, (v) => (v === c ? 1 : 0)) })),
    );
  }
  for (const g of groups) for (const f of g.features) if (columns.get(f.name)!.length !== n) throw new Error(`feature ${f.name}: ${columns.get(f.name)!.length} values for ${n} cells`);
  return { columns, groups, eventDistanceM };
}

function meanOf(values: Float64Array): number {
  let sum = 0;
  let count = 0;
  for (const v of values) {
    if (Number.isNaN(v)) continue;
    sum += v;
    count++;
  }
  return count === 0 ? 0 : sum / count;
}
