/**
 * The risk map's grid: square-ish cells of a given size in metres, laid in degrees over a box.
 * Cells are equal steps of longitude and latitude, sized at the box's middle latitude, so a
 * 1 km cell is 1 km tall everywhere and 1 km wide at the middle (within 1.5% over a 1° tall box
 * at 45°). Cell n is column n mod columns, row floor(n / columns), counted from the south-west.
 */
import { UserError } from '../errors.ts';

export type Bbox = readonly [west: number, south: number, east: number, north: number];

export interface Grid {
  west: number;
  south: number;
  cellLon: number;
  cellLat: number;
  columns: number;
  rows: number;
  cellSizeM: number;
}

const METRES_PER_DEGREE_LAT = 111_320;

export function gridOver(bbox: Bbox, cellSizeM: number, maxCells: number): Grid {
  const [west, south, east, north] = bbox;
  if (!(cellSizeM >= 50 && cellSizeM <= 50_000)) throw new UserError(`cell size must be 50 m to 50 km (got ${cellSizeM})`);
  if (!(west < east && south < north && west >= -180 && east <= 180 && south >= -90 && north <= 90)) throw new UserError(`not a box west,south,east,north: ${bbox.join(',')}`);
  const cellLat = cellSizeM / METRES_PER_DEGREE_LAT;
  const cellLon = cellSizeM / (METRES_PER_DEGREE_LAT * Math.cos((((south + north) / 2) * Math.PI) / 180));
  const columns = Math.max(1, Math.ceil((east - west) / cellLon));
  const rows = Math.max(1, Math.ceil((north - south) / cellLat));
  if (columns * rows > maxCells) {
    throw new UserError(`a ${cellSizeM} m grid over ${bbox.map((v) => v.toFixed(3)).join(',')} has ${columns * rows} cells, more than ${maxCells}; use larger cells or a smaller box`);
  }
  return { west, south, cellLon, cellLat, columns, rows, cellSizeM };
}

export function cellCount(grid: Grid): number {
  return grid.columns * grid.rows;
}

/** The cell's outline as a GeoJSON polygon. */
export function cellPolygon(grid: Grid, cell: number): { type: 'Polygon'; coordinates: number[][][] } {
  const w = grid.west + (cell % grid.columns) * grid.cellLon;
  const s = grid.south + Math.floor(cell / grid.columns) * grid.cellLat;
  const e = w + grid.cellLon;
  const n = s + grid.cellLat;
  return { type: 'Polygon', coordinates: [[[w, s], [e, s], [e, n], [w, n], [w, s]]] };
}
