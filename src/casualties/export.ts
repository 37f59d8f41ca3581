import type { Readable } from 'node:stream';
import type { Queryable } from '../store/db.ts';
import { type AccidentExportFilter, exportAccidents, type ExportAccidentRow, type IdentityReader } from './store.ts';
import { type ExportLayout, exportStream, exportToFile, geoPackageStream } from '../exchange/exportStream.ts';
import type { ExportFormat } from '../exchange/formats.ts';
import type { ColumnType } from '../exchange/geopackage.ts';
import type { Progress } from '../exchange/progress.ts';

/** One row per victim (an accident without victims: one row), named as the import reads them. */
export const ACCIDENT_EXPORT_COLUMNS: readonly (readonly [keyof ExportAccidentRow, ColumnType])[] = [
  ['reference', 'TEXT'],
  ['occurredOn', 'TEXT'],
  ['locationPrecisionM', 'REAL'],
  ['adminArea', 'TEXT'],
  ['deviceCategory', 'TEXT'],
  ['ordnanceModel', 'TEXT'],
  ['deminingRelated', 'TEXT'],
  ['activity', 'TEXT'],
  ['description', 'TEXT'],
  ['victimId', 'TEXT'],
  ['outcome', 'TEXT'],
  ['sex', 'TEXT'],
  ['age', 'TEXT'],
  ['ageReported', 'TEXT'],
  ['victimGroup', 'TEXT'],
  ['activityAtTime', 'TEXT'],
  ['injuries', 'TEXT'],
  ['displacementStatus', 'TEXT'],
];

/** Victims' identifying details: in an export only when the reader may and asked (see exportAccidents). */
const IDENTITY_COLUMNS: readonly (readonly [keyof ExportAccidentRow, ColumnType])[] = [
  ['fullName', 'TEXT'],
  ['dateOfBirth', 'DATE'],
  ['address', 'TEXT'],
  ['contact', 'TEXT'],
];

function layout(identities: boolean): ExportLayout<ExportAccidentRow> {
  return { layer: 'accidents', title: 'Accidents and victims', nameField: 'reference', columns: identities ? [...ACCIDENT_EXPORT_COLUMNS, ...IDENTITY_COLUMNS] : ACCIDENT_EXPORT_COLUMNS };
}

/**
 * The export as a byte stream (every format but GeoPackage). `identityReader` is given only when
 * the reader holds restricted.read and asked for identities; their reads are logged.
 */
export function accidentExportStream(db: Queryable, format: Exclude<ExportFormat, 'gpkg'>, filter: AccidentExportFilter, identityReader: IdentityReader | null, progress?: Progress): Readable {
  return exportStream(exportAccidents(db, filter, identityReader), format, layout(identityReader !== null), progress);
}

export async function exportAccidentsToFile(db: Queryable, format: ExportFormat, filter: AccidentExportFilter, identityReader: IdentityReader | null, path: string, progress?: Progress): Promise<void> {
  await exportToFile(exportAccidents(db, filter, identityReader), format, layout(identityReader !== null), path, progress);
}

export async function accidentGeoPackageStream(db: Queryable, filter: AccidentExportFilter, identityReader: IdentityReader | null): Promise<Readable> {
  return geoPackageStream(exportAccidents(db, filter, identityReader), layout(identityReader !== null));
}
