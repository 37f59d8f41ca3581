import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Queryable } from '../store/db.ts';
import { csvLines } from './csv.ts';
import type { ExportFormat } from './formats.ts';
import { type ColumnType, writeGeoPackage } from './geopackage.ts';
import { geoJsonChunks, type PointRow } from './geojson.ts';
import { kmlChunks } from './kml.ts';
import type { Progress } from './progress.ts';
import { type ExportFilter, type ExportFind, exportFinds } from './store.ts';
import { writeXlsx } from './xlsx.ts';

/** The attributes of an exported find, named as the import reads them, so exports import back. */
export const FIND_EXPORT_COLUMNS: readonly (readonly [keyof ExportFind, ColumnType])[] = [
  ['externalId', 'TEXT'],
  ['category', 'TEXT'],
  ['ordnanceModel', 'TEXT'],
  ['quantity', 'INTEGER'],
  ['depthCm', 'INTEGER'],
  ['condition', 'TEXT'],
  ['disposalMethod', 'TEXT'],
  ['foundOn', 'DATE'],
  ['activity', 'TEXT'],
  ['organisation', 'TEXT'],
];

const ATTRIBUTES = FIND_EXPORT_COLUMNS.map(([name]) => name);
/** Tables (CSV, XLSX) carry the position as two columns. */
const TABLE_COLUMNS = [...ATTRIBUTES, 'latitude', 'longitude'];

async function* counted(rows: AsyncIterable<ExportFind>, progress?: Progress): AsyncGenerator<ExportFind> {
  let n = 0;
  for await (const row of rows) {
    yield row;
    if (++n % 1000 === 0) progress?.update(n);
  }
  progress?.update(n);
}

async function* points(rows: AsyncIterable<ExportFind>): AsyncGenerator<PointRow> {
  for await (const row of rows) {
    const properties: Record<string, unknown> = {};
    for (const name of ATTRIBUTES) properties[name] = row[name];
    yield { longitude: row.longitude, latitude: row.latitude, properties };
  }
}

/** The export as a byte stream, for every format but GeoPackage (a database file, written whole to disk). */
export function findExportStream(db: Queryable, format: Exclude<ExportFormat, 'gpkg'>, filter: ExportFilter, progress?: Progress): Readable {
  const rows = counted(exportFinds(db, filter), progress);
  switch (format) {
    case 'geojson':
      return Readable.from(geoJsonChunks(points(rows)));
    case 'csv':
      return Readable.from(csvLines(TABLE_COLUMNS, rows as AsyncIterable<Record<string, unknown>>));
    case 'kml':
      return Readable.from(kmlChunks('Explosive ordnance finds', 'externalId', points(rows)));
    case 'xlsx': {
      const out = new PassThrough();
      writeXlsx(out, 'finds', TABLE_COLUMNS, rows as AsyncIterable<Record<string, unknown>>).catch((error: Error) => out.destroy(error));
      return out;
    }
  }
}

/** Writes an export to a file. */
export async function exportFindsToFile(db: Queryable, format: ExportFormat, filter: ExportFilter, path: string, progress?: Progress): Promise<void> {
  try {
    if (format === 'gpkg') await writeGeoPackage(path, 'finds', FIND_EXPORT_COLUMNS, points(counted(exportFinds(db, filter), progress)));
    else await pipeline(findExportStream(db, format, filter, progress), createWriteStream(path));
  } finally {
    progress?.done();
  }
}

/** A GeoPackage export for an HTTP answer: written to a temporary file, streamed, then deleted. */
export async function geoPackageExportStream(db: Queryable, filter: ExportFilter): Promise<Readable> {
  const dir = mkdtempSync(join(tmpdir(), 'safeground-export-'));
  const path = join(dir, 'finds.gpkg');
  try {
    await writeGeoPackage(path, 'finds', FIND_EXPORT_COLUMNS, points(exportFinds(db, filter)));
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const stream = createReadStream(path);
  stream.on('close', () => rmSync(dir, { recursive: true, force: true }));
  return stream;
}
