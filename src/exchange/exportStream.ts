import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { csvLines } from './csv.ts';
import type { ExportFormat } from './formats.ts';
import { type ColumnType, writeGeoPackage } from './geopackage.ts';
import { geoJsonChunks, type PointRow } from './geojson.ts';
import { kmlChunks } from './kml.ts';
import type { Progress } from './progress.ts';
import { writeXlsx } from './xlsx.ts';

/** A record as exports write it: its attributes, and its position (none for a place not known). */
export interface Located {
  longitude: number | null;
  latitude: number | null;
}

/** How one record type is laid out in every export format. */
export interface ExportLayout<R> {
  /** GeoPackage layer and worksheet name: `finds`, `accidents`. */
  layer: string;
  /** The KML document's name. */
  title: string;
  /** The attribute that names a KML placemark. */
  nameField: string;
  /** The attributes, named as the import reads them, with their GeoPackage types. */
  columns: readonly (readonly [keyof R & string, ColumnType])[];
}

async function* counted<R>(rows: AsyncIterable<R>, progress?: Progress): AsyncGenerator<R> {
  let n = 0;
  for await (const row of rows) {
    yield row;
    if (++n % 1000 === 0) progress?.update(n);
  }
  progress?.update(n);
}

async function* points<R extends Located>(rows: AsyncIterable<R>, layout: ExportLayout<R>): AsyncGenerator<PointRow> {
  for await (const row of rows) {
    const properties: Record<string, unknown> = {};
    for (const [name] of layout.columns) properties[name] = row[name];
    yield { longitude: row.longitude, latitude: row.latitude, properties };
  }
}

/** Tables (CSV, XLSX) carry the position as two columns after the attributes. */
function tableColumns<R>(layout: ExportLayout<R>): string[] {
  return [...layout.columns.map(([name]) => name), 'latitude', 'longitude'];
}

/** The export as a byte stream, for every format but GeoPackage (a database file, written whole to disk). */
export function exportStream<R extends Located>(rows: AsyncIterable<R>, format: Exclude<ExportFormat, 'gpkg'>, layout: ExportLayout<R>, progress?: Progress): Readable {
  const all = counted(rows, progress);
  // Tables read the rows by column name.
  const records = all as AsyncIterable<Located & Record<string, unknown>>;
  switch (format) {
    case 'geojson':
      return Readable.from(geoJsonChunks(points(all, layout)));
    case 'csv':
      return Readable.from(csvLines(tableColumns(layout), records));
    case 'kml':
      return Readable.from(kmlChunks(layout.title, layout.nameField, points(all, layout)));
    case 'xlsx': {
      const out = new PassThrough();
      writeXlsx(out, layout.layer, tableColumns(layout), records).catch((error: unknown) => out.destroy(error instanceof Error ? error : new Error(String(error))));
      return out;
    }
  }
}

/** Writes an export to a file. */
export async function exportToFile<R extends Located>(rows: AsyncIterable<R>, format: ExportFormat, layout: ExportLayout<R>, path: string, progress?: Progress): Promise<void> {
  try {
    if (format === 'gpkg') await writeGeoPackage(path, layout.layer, layout.columns, points(counted(rows, progress), layout));
    else await pipeline(exportStream(rows, format, layout, progress), createWriteStream(path));
  } finally {
    progress?.done();
  }
}

/** A GeoPackage export for an HTTP answer: written to a temporary file, streamed, then deleted. */
export async function geoPackageStream<R extends Located>(rows: AsyncIterable<R>, layout: ExportLayout<R>): Promise<Readable> {
  const dir = mkdtempSync(join(tmpdir(), 'safeground-export-'));
  const path = join(dir, `${layout.layer}.gpkg`);
  try {
    await writeGeoPackage(path, layout.layer, layout.columns, points(rows, layout));
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const stream = createReadStream(path);
  stream.on('close', () => rmSync(dir, { recursive: true, force: true }));
  return stream;
}
