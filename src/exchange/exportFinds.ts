import type { Readable } from 'node:stream';
import type { Queryable } from '../store/db.ts';
import { type ExportLayout, exportStream, exportToFile, geoPackageStream } from './exportStream.ts';
import type { ExportFormat } from './formats.ts';
import type { ColumnType } from './geopackage.ts';
import type { Progress } from './progress.ts';
import { type ExportFilter, type ExportFind, exportFinds } from './store.ts';

/** The attributes of an exported find, named as the import reads them, so exports import back. */
export const FIND_EXPORT_COLUMNS: readonly (readonly [keyof ExportFind, ColumnType])[] = [
  ['externalId', 'TEXT'],
  ['category', 'TEXT'],
  ['ordnanceModel', 'TEXT'],
  ['quantity', 'INTEGER'],
  ['depthCm', 'INTEGER'],
  ['condition', 'TEXT'],
  ['disposalMethod', 'TEXT'],
  ['foundOn', 'TEXT'],
  ['activity', 'TEXT'],
  ['organisation', 'TEXT'],
];

const FIND_LAYOUT: ExportLayout<ExportFind> = { layer: 'finds', title: 'Explosive ordnance finds', nameField: 'externalId', columns: FIND_EXPORT_COLUMNS };

/** The export as a byte stream, for every format but GeoPackage (a database file, written whole to disk). */
export function findExportStream(db: Queryable, format: Exclude<ExportFormat, 'gpkg'>, filter: ExportFilter, progress?: Progress): Readable {
  return exportStream(exportFinds(db, filter), format, FIND_LAYOUT, progress);
}

/** Writes an export to a file. */
export async function exportFindsToFile(db: Queryable, format: ExportFormat, filter: ExportFilter, path: string, progress?: Progress): Promise<void> {
  await exportToFile(exportFinds(db, filter), format, FIND_LAYOUT, path, progress);
}

/** A GeoPackage export for an HTTP answer: written to a temporary file, streamed, then deleted. */
export async function geoPackageExportStream(db: Queryable, filter: ExportFilter): Promise<Readable> {
  return geoPackageStream(exportFinds(db, filter), FIND_LAYOUT);
}
