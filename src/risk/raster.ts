/**
 * Rasters for the risk map (a DEM for elevation and slope; a land-cover map of class codes):
 * GeoTIFF files read in process with `geotiff` (pure JavaScript, so a field laptop needs no GDAL),
 * and their pixels summarised per grid cell. Rasters must be in WGS84 longitude/latitude
 * (EPSG:4326), north up, one band; anything else is refused with the GDAL command that converts it.
 */
import { fromArrayBuffer } from 'geotiff';
import { UserError } from '../errors.ts';
import type { Grid } from './grid.ts';

export interface Raster {
  width: number;
  height: number;
  west: number;
  north: number;
  /** Pixel size in degrees. */
  pixelLon: number;
  pixelLat: number;
  /** Row by row from the north-west corner; NaN where the raster has no data. */
  values: Float64Array;
}

/** Pixels a raster may have: a national DEM resampled to about 100 m over 10⁶ km², or finer over less. */
export const MAX_PIXELS = 100_000_000;

const WARP = (file: string) => `gdalwarp -t_srs EPSG:4326 ${file} ${file.replace(/\.tiff?$/i, '')}-4326.tif`;

/** Reads the first band of a GeoTIFF, checking that it is a north-up WGS84 grid. */
export async function readRaster(content: Uint8Array, file: string): Promise<Raster> {
  let tiff;
  try {
    tiff = await fromArrayBuffer(content.buffer.slice(content.byteOffset, content.byteOffset + content.byteLength) as ArrayBuffer);
  } catch (error) {
    throw new UserError(`${file} is not a GeoTIFF: ${(error as Error).message}`);
  }
  const image = await tiff.getImage();
  const keys = (image.getGeoKeys() ?? {}) as Record<string, number | undefined>;
  const crs = keys.GeographicTypeGeoKey ?? keys.ProjectedCSTypeGeoKey;
  if (keys.ProjectedCSTypeGeoKey !== undefined || (crs !== undefined && crs !== 4326)) {
    throw new UserError(`${file} is in EPSG:${crs ?? 'unknown'}; the risk map reads rasters in WGS84 longitude/latitude (EPSG:4326): ${WARP(file)}`);
  }
  if (crs === undefined) throw new UserError(`${file} names no coordinate system; give it one: gdal_edit.py -a_srs EPSG:4326 ${file} (if it is in longitude/latitude), or ${WARP(file)}`);
  const [pixelLon, pixelLatSigned] = image.getResolution();
  if (image.fileDirectory.hasTag('ModelTransformation')) throw new UserError(`${file} is rotated; ${WARP(file)}`);
  const width = image.getWidth();
  const height = image.getHeight();
  if (width * height > MAX_PIXELS) throw new UserError(`${file} has ${width} × ${height} pixels, more than ${MAX_PIXELS}; resample it, e.g. gdalwarp -tr 0.001 0.001 -r average ${file} smaller.tif`);
  const [west, north] = image.getOrigin();
  const [band] = (await image.readRasters({ samples: [0], interleave: false })) as unknown as ArrayLike<number>[];
  const noData = image.getGDALNoData();
  const values = Float64Array.from(band!, (v) => (v === noData || !Number.isFinite(v) ? Number.NaN : v));
  return { width, height, west: west!, north: north!, pixelLon: pixelLon!, pixelLat: Math.abs(pixelLatSigned!), values };
}

export function rasterBbox(r: Raster): [number, number, number, number] {
  return [r.west, r.north - r.height * r.pixelLat, r.west + r.width * r.pixelLon, r.north];
}

const METRES_PER_DEGREE = 111_320;

/**
 * Slope in degrees at every pixel from its eight neighbours (Horn's method, as `gdaldem slope`),
 * pixel sizes in metres at the pixel's latitude; NaN on the edge and next to missing values.
 */
export function slopeDegrees(r: Raster): Float64Array {
  const out = new Float64Array(r.values.length).fill(Number.NaN);
  const dy = r.pixelLat * METRES_PER_DEGREE;
  for (let j = 1; j < r.height - 1; j++) {
    const lat = r.north - (j + 0.5) * r.pixelLat;
    const dx = r.pixelLon * METRES_PER_DEGREE * Math.cos((lat * Math.PI) / 180);
    for (let i = 1; i < r.width - 1; i++) {
      const z = (di: number, dj: number) => r.values[(j + dj) * r.width + (i + di)]!;
      const dzdx = (z(1, -1) + 2 * z(1, 0) + z(1, 1) - (z(-1, -1) + 2 * z(-1, 0) + z(-1, 1))) / (8 * dx);
      const dzdy = (z(-1, 1) + 2 * z(0, 1) + z(1, 1) - (z(-1, -1) + 2 * z(0, -1) + z(1, -1))) / (8 * dy);
      out[j * r.width + i] = (Math.atan(Math.hypot(dzdx, dzdy)) * 180) / Math.PI;
    }
  }
  return out;
}

/** Each cell's pixels (those whose centres fall in it), or the pixel under its centre when it holds none. */
function pixelsByCell(r: Raster, grid: Grid, visit: (cell: number, pixel: number) => void): void {
  const cells = grid.columns * grid.rows;
  const covered = new Uint8Array(cells);
  for (let j = 0; j < r.height; j++) {
    const lat = r.north - (j + 0.5) * r.pixelLat;
    const row = Math.floor((lat - grid.south) / grid.cellLat);
    if (row < 0 || row >= grid.rows) continue;
    for (let i = 0; i < r.width; i++) {
      const column = Math.floor((r.west + (i + 0.5) * r.pixelLon - grid.west) / grid.cellLon);
      if (column < 0 || column >= grid.columns) continue;
      const cell = row * grid.columns + column;
      covered[cell] = 1;
      visit(cell, j * r.width + i);
    }
  }
  for (let cell = 0; cell < cells; cell++) {
    if (covered[cell]) continue;
    const lon = grid.west + ((cell % grid.columns) + 0.5) * grid.cellLon;
    const lat = grid.south + (Math.floor(cell / grid.columns) + 0.5) * grid.cellLat;
    const i = Math.floor((lon - r.west) / r.pixelLon);
    const j = Math.floor((r.north - lat) / r.pixelLat);
    if (i >= 0 && i < r.width && j >= 0 && j < r.height) visit(cell, j * r.width + i);
  }
}

/** Mean of each cell's values (NaN where it has none). */
export function cellMeans(r: Raster, values: Float64Array, grid: Grid): Float64Array {
  const cells = grid.columns * grid.rows;
  const sum = new Float64Array(cells);
  const count = new Float64Array(cells);
  pixelsByCell(r, grid, (cell, pixel) => {
    const v = values[pixel]!;
    if (Number.isNaN(v)) return;
    sum[cell]! += v;
    count[cell]!++;
  });
  return sum.map((s, cell) => (count[cell]! > 0 ? s / count[cell]! : Number.NaN));
}

/** The commonest class of each cell's pixels, the smaller code on a tie; -1 where it has none. */
export function cellMajority(r: Raster, grid: Grid): Int32Array {
  const counts = new Map<number, Map<number, number>>();
  pixelsByCell(r, grid, (cell, pixel) => {
    const v = r.values[pixel]!;
    if (Number.isNaN(v)) return;
    let c = counts.get(cell);
    if (!c) counts.set(cell, (c = new Map<number, number>()));
    c.set(v, (c.get(v) ?? 0) + 1);
  });
  const out = new Int32Array(grid.columns * grid.rows).fill(-1);
  for (const [cell, c] of counts) out[cell] = [...c].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]![0];
  return out;
}
