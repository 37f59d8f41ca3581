import { UserError } from '../errors.ts';
import { readCsv } from './csv.ts';
import { readGeoJson } from './geojson.ts';
import { readGeoPackage } from './geopackage.ts';
import { readKml } from './kml.ts';
import { readShapefile } from './shapefile.ts';
import type { ReadOptions, Source } from './source.ts';
import { readXlsx } from './xlsx.ts';

export const IMPORT_FORMATS = ['csv', 'geojson', 'gpkg', 'shapefile', 'kml', 'xlsx'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

export const EXPORT_FORMATS = ['geojson', 'csv', 'gpkg', 'kml', 'xlsx'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

const EXTENSIONS: [RegExp, ImportFormat][] = [
  [/\.(csv|txt|tsv)$/i, 'csv'],
  [/\.(geojson|json)$/i, 'geojson'],
  [/\.gpkg$/i, 'gpkg'],
  [/\.(zip|shp)$/i, 'shapefile'],
  [/\.kml$/i, 'kml'],
  [/\.xlsx$/i, 'xlsx'],
];

export function formatOfFile(name: string): ImportFormat {
  const match = EXTENSIONS.find(([pattern]) => pattern.test(name));
  if (!match) throw new UserError(`Cannot tell the format of ${name} from its extension; Safeground imports .csv, .geojson, .gpkg, .zip (shapefile), .kml and .xlsx`, 'bad_input');
  return match[1];
}

/** Media types of each format, the first being what exports are sent as. */
export const MEDIA_TYPES: Record<ImportFormat, readonly string[]> = {
  csv: ['text/csv', 'text/plain', 'text/tab-separated-values'],
  geojson: ['application/geo+json', 'application/json'],
  gpkg: ['application/geopackage+sqlite3', 'application/x-sqlite3'],
  shapefile: ['application/zip', 'application/x-zip-compressed'],
  kml: ['application/vnd.google-earth.kml+xml', 'application/xml', 'text/xml'],
  xlsx: ['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
};

export const FILE_EXTENSIONS: Record<ExportFormat, string> = { geojson: 'geojson', csv: 'csv', gpkg: 'gpkg', kml: 'kml', xlsx: 'xlsx' };

export function formatOfMediaType(contentType: string): ImportFormat | null {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  return IMPORT_FORMATS.find((format) => MEDIA_TYPES[format].includes(type)) ?? null;
}

/** The reader of each import format. */
const READERS: Record<ImportFormat, (path: string, options: ReadOptions) => Promise<Source>> = {
  csv: readCsv,
  geojson: readGeoJson,
  gpkg: readGeoPackage,
  shapefile: readShapefile,
  kml: readKml,
  xlsx: readXlsx,
};

export function openSource(format: ImportFormat, path: string, options: ReadOptions): Promise<Source> {
  return READERS[format](path, options);
}
