/**
 * The demo country's gazetteer: a grid of synthetic regions and districts inside a fixed box
 * over land, and settlements with several names each. The grid is deliberately artificial, so
 * no map of it can be read as a claim about a real boundary.
 */
import { FORMER_NAMES, PLACE_WORDS } from './catalogue.ts';
import { DEMO_TODAY, day, isoDate } from './dates.ts';
import { ewktMultiPolygon, ewktPoint, type LonLat } from './geometry.ts';
import type { Random } from './randomStreams.ts';

/** Everything the demo draws lies in this box (degrees), which lies over land. */
export const BOX = { west: -75.9, east: -74.9, south: 6.6, north: 7.4 } as const;

const REGION_COLUMNS = 3;
const REGION_ROWS = 2;
/** Districts per region side: each region is a 3 × 3 block of districts. */
const DISTRICTS_PER_SIDE = 3;
const GRID_COLUMNS = REGION_COLUMNS * DISTRICTS_PER_SIDE;
const GRID_ROWS = REGION_ROWS * DISTRICTS_PER_SIDE;

export interface AdminArea {
  id: string;
  parentId: string | null;
  level: 1 | 2;
  code: string;
  /** "1" for a region, "1.3" for a district. */
  number: string;
  ring: LonLat[];
  formerName: string | null;
}

export interface Settlement {
  id: string;
  number: number;
  districtIndex: number;
  position: LonLat;
  population: number;
  displacedPopulation: number;
  returnPlannedOn: number | null;
  words: readonly [string, string];
  formerName: string | null;
}

export interface Gazetteer {
  regions: AdminArea[];
  districts: AdminArea[];
  settlements: Settlement[];
}

function gridLon(column: number): number {
  return BOX.west + ((BOX.east - BOX.west) * column) / GRID_COLUMNS;
}

/** Grid row 0 is the northern edge, so numbering reads like a page. */
function gridLat(row: number): number {
  return BOX.north - ((BOX.north - BOX.south) * row) / GRID_ROWS;
}

/**
 * The ring of a block of grid cells, walking every grid point on its edges so that the rings of
 * a region and its districts share their vertices exactly.
 */
function blockRing(column: number, row: number, width: number, height: number): LonLat[] {
  const ring: LonLat[] = [];
  for (let r = row + height; r > row; r--) ring.push([gridLon(column), gridLat(r)]);
  for (let c = column; c < column + width; c++) ring.push([gridLon(c), gridLat(row)]);
  for (let r = row; r < row + height; r++) ring.push([gridLon(column + width), gridLat(r)]);
  for (let c = column + width; c > column; c--) ring.push([gridLon(c), gridLat(row + height)]);
  return ring.reverse();
}

export function planGazetteer(rng: Random, settlementCount: number): Gazetteer {
  const ids = rng.derive('ids');
  const regions: AdminArea[] = [];
  const districts: AdminArea[] = [];
  for (let rr = 0; rr < REGION_ROWS; rr++) {
    for (let rc = 0; rc < REGION_COLUMNS; rc++) {
      const regionNumber = rr * REGION_COLUMNS + rc + 1;
      const region: AdminArea = {
        id: ids.uuid(),
        parentId: null,
        level: 1,
        code: `DEMO-${regionNumber}`,
        number: String(regionNumber),
        ring: blockRing(rc * DISTRICTS_PER_SIDE, rr * DISTRICTS_PER_SIDE, DISTRICTS_PER_SIDE, DISTRICTS_PER_SIDE),
        formerName: null,
      };
      regions.push(region);
    }
  }
  for (let row = 0; row < GRID_ROWS; row++) {
    for (let column = 0; column < GRID_COLUMNS; column++) {
      const region = regions[Math.floor(row / DISTRICTS_PER_SIDE) * REGION_COLUMNS + Math.floor(column / DISTRICTS_PER_SIDE)] as AdminArea;
      const n = (row % DISTRICTS_PER_SIDE) * DISTRICTS_PER_SIDE + (column % DISTRICTS_PER_SIDE) + 1;
      districts.push({
        id: ids.uuid(),
        parentId: region.id,
        level: 2,
        code: `DEMO-${region.number}.${n}`,
        number: `${region.number}.${n}`,
        ring: blockRing(column, row, 1, 1),
        formerName: rng.chance(0.25) ? `${rng.pick(FORMER_NAMES)} Demo ${region.number}.${n}` : null,
      });
    }
  }
  const settlements: Settlement[] = [];
  const margin = 0.01;
  for (let i = 0; i < settlementCount; i++) {
    const position: LonLat = [rng.between(BOX.west + margin, BOX.east - margin), rng.between(BOX.south + margin, BOX.north - margin)];
    const population = Math.round(rng.logNormal(600, 1.0)) + 20;
    const displaced = rng.chance(0.5) ? Math.round(population * rng.between(0.05, 0.6)) : 0;
    settlements.push({
      id: ids.uuid(),
      number: i + 1,
      districtIndex: districtIndexAt(position),
      position,
      population,
      displacedPopulation: displaced,
      returnPlannedOn: displaced > 0 && rng.chance(0.3) ? rng.int(day('2025-01-01'), DEMO_TODAY) : null,
      words: rng.pick(PLACE_WORDS),
      formerName: rng.chance(0.2) ? rng.pick(FORMER_NAMES) : null,
    });
  }
  return { regions, districts, settlements };
}

/** Index into `districts` of the district holding a position inside the box. */
export function districtIndexAt(p: LonLat): number {
  const column = Math.min(GRID_COLUMNS - 1, Math.max(0, Math.floor(((p[0] - BOX.west) / (BOX.east - BOX.west)) * GRID_COLUMNS)));
  const row = Math.min(GRID_ROWS - 1, Math.max(0, Math.floor(((BOX.north - p[1]) / (BOX.north - BOX.south)) * GRID_ROWS)));
  return row * GRID_COLUMNS + column;
}

export function insideBox(p: LonLat, marginDeg = 0): boolean {
  return p[0] > BOX.west + marginDeg && p[0] < BOX.east - marginDeg && p[1] > BOX.south + marginDeg && p[1] < BOX.north - marginDeg;
}

function settlementName(s: Settlement): string {
  return `Demo ${s.words[0]} ${s.number}`;
}

export const ADMIN_AREA_COLUMNS = ['id', 'parent_id', 'level', 'code', 'geom', 'source', 'created_at', 'updated_at'] as const;

export function* adminAreaRows(g: Gazetteer, source: string, createdAt: string): Generator<unknown[]> {
  for (const a of [...g.regions, ...g.districts]) yield [a.id, a.parentId, a.level, a.code, ewktMultiPolygon([a.ring]), source, createdAt, createdAt];
}

export const SETTLEMENT_COLUMNS = [
  'id', 'admin_area_id', 'geom', 'population', 'displaced_population', 'return_planned', 'return_planned_on', 'source', 'created_at', 'updated_at',
] as const;

export function* settlementRows(g: Gazetteer, source: string, createdAt: string): Generator<unknown[]> {
  for (const s of g.settlements) {
    const returnOn = s.returnPlannedOn === null ? null : isoDate(s.returnPlannedOn);
    yield [s.id, (g.districts[s.districtIndex] as AdminArea).id, ewktPoint(s.position), s.population, s.displacedPopulation, returnOn !== null, returnOn, source, createdAt, createdAt];
  }
}

export const PLACE_NAME_COLUMNS = ['id', 'admin_area_id', 'settlement_id', 'name', 'language', 'kind', 'source'] as const;

/**
 * English official names, Spanish local ones, and former names for some places, so that search
 * by any of a place's names can be tried.
 */
export function* placeNameRows(g: Gazetteer, rng: Random, source: string): Generator<unknown[]> {
  const ids = rng.derive('place-name-ids');
  for (const r of g.regions) {
    yield [ids.uuid(), r.id, null, `Demo Region ${r.number}`, 'en', 'official', source];
    yield [ids.uuid(), r.id, null, `Región Demo ${r.number}`, 'es', 'local', source];
  }
  for (const d of g.districts) {
    yield [ids.uuid(), d.id, null, `Demo District ${d.number}`, 'en', 'official', source];
    yield [ids.uuid(), d.id, null, `Distrito Demo ${d.number}`, 'es', 'local', source];
    if (d.formerName) yield [ids.uuid(), d.id, null, d.formerName, 'es', 'former', source];
  }
  for (const s of g.settlements) {
    yield [ids.uuid(), null, s.id, settlementName(s), 'en', 'official', source];
    yield [ids.uuid(), null, s.id, `${s.words[1]} Demo ${s.number}`, 'es', 'local', source];
    if (s.formerName) yield [ids.uuid(), null, s.id, `${s.formerName} Demo ${s.number}`, 'es', 'former', source];
  }
}
