import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { UserError } from '../errors.ts';
import { ENCODINGS } from './encoding.ts';

/**
 * The fields of a find in exchange files, named as in the API. A source column reaches a field
 * through the mapping file, or by its name when it already is a field name or a well-known
 * alias (what KoBo, ODK, QGIS and spreadsheets call it).
 */
export const FIND_FIELDS = [
  'externalId',
  'category',
  'ordnanceModel',
  'quantity',
  'depthCm',
  'condition',
  'disposalMethod',
  'foundOn',
  'activity',
  'organisation',
  'latitude',
  'longitude',
  'wkt',
] as const;
export type FindField = (typeof FIND_FIELDS)[number];

/** Fields whose text values a mapping may translate ("AP" -> ap_mine). */
const VALUE_MAPPED = ['category', 'ordnanceModel', 'condition', 'disposalMethod', 'activity', 'organisation'] as const;

export const DATE_FORMATS = ['YYYY-MM-DD', 'DD/MM/YYYY', 'MM/DD/YYYY', 'DD.MM.YYYY'] as const;
export type DateFormat = (typeof DATE_FORMATS)[number];

export const Mapping = z.strictObject({
  /** Source column -> find field; columns not named here are matched by name, the rest ignored. */
  fields: z.record(z.string(), z.enum(FIND_FIELDS)).default({}),
  /** Per field, source value -> value (compared without regard to case and surrounding spaces). */
  values: z.partialRecord(z.enum(VALUE_MAPPED), z.record(z.string(), z.string())).default({}),
  /** Unit of the depth column: depths are stored in centimetres. */
  units: z.strictObject({ depth: z.enum(['mm', 'cm', 'm']).default('cm') }).default({ depth: 'cm' }),
  /** How dates are written when not ISO 8601 (ISO dates and date-times are always understood). */
  dateFormat: z.enum(DATE_FORMATS).default('YYYY-MM-DD'),
  /** The text encoding, when detection cannot tell (CSV, GeoJSON, KML, the DBF of a shapefile). */
  encoding: z.enum(ENCODINGS).optional(),
  /** Values for fields the file lacks or leaves empty. */
  defaults: z.partialRecord(z.enum(FIND_FIELDS), z.union([z.string(), z.number()])).default({}),
  /** The layer to read from a GeoPackage with several. */
  layer: z.string().optional(),
});
export type Mapping = z.infer<typeof Mapping>;

export const DEFAULT_MAPPING: Mapping = Mapping.parse({});

export function parseMapping(value: unknown, file: string): Mapping {
  const result = Mapping.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`);
  throw new UserError(`Mapping file ${file} is not valid: ${problems.join('; ')}`, 'bad_input');
}

export async function readMapping(path: string): Promise<Mapping> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UserError(`Cannot read mapping file ${path}: ${(error as Error).message}`, 'bad_input');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UserError(`Mapping file ${path} is not JSON: ${(error as Error).message}`, 'bad_input');
  }
  return parseMapping(value, path);
}

/** Lower case, letters and digits only: "Found on" and "found_on" and "FOUND-ON" are one name. */
export function normaliseName(name: string): string {
  return name.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');
}

const ALIASES: Record<string, FindField> = {
  externalid: 'externalId',
  uuid: 'externalId',
  instanceid: 'externalId',
  metainstanceid: 'externalId',
  category: 'category',
  ordnancecategory: 'category',
  ordnancemodel: 'ordnanceModel',
  ordnance: 'ordnanceModel',
  model: 'ordnanceModel',
  quantity: 'quantity',
  qty: 'quantity',
  depthcm: 'depthCm',
  depth: 'depthCm',
  condition: 'condition',
  disposalmethod: 'disposalMethod',
  disposal: 'disposalMethod',
  foundon: 'foundOn',
  date: 'foundOn',
  founddate: 'foundOn',
  datefound: 'foundOn',
  activity: 'activity',
  activityreference: 'activity',
  organisation: 'organisation',
  organization: 'organisation',
  latitude: 'latitude',
  lat: 'latitude',
  y: 'latitude',
  longitude: 'longitude',
  lon: 'longitude',
  lng: 'longitude',
  long: 'longitude',
  x: 'longitude',
  wkt: 'wkt',
  geometry: 'wkt',
  geom: 'wkt',
  thegeom: 'wkt',
};

/**
 * The field a source column feeds, or null to ignore it. KoBo and ODK prefix the GPS question's
 * name (`_location_latitude`, `location-Latitude`), so a name ending in latitude or longitude
 * counts as one.
 */
export function fieldOf(column: string, mapping: Mapping): FindField | null {
  const mapped = mapping.fields[column];
  if (mapped) return mapped;
  const name = normaliseName(column);
  const alias = ALIASES[name];
  if (alias) return alias;
  if (name.endsWith('latitude')) return 'latitude';
  if (name.endsWith('longitude')) return 'longitude';
  return null;
}

/** Column names grouped by field, for the header check and the report. */
export function columnFields(columns: readonly string[], mapping: Mapping): { fields: Map<string, FindField>; ignored: string[]; clashes: string[] } {
  const fields = new Map<string, FindField>();
  const byField = new Map<FindField, string[]>();
  const ignored: string[] = [];
  for (const column of columns) {
    const field = fieldOf(column, mapping);
    if (!field) {
      ignored.push(column);
      continue;
    }
    fields.set(column, field);
    byField.set(field, [...(byField.get(field) ?? []), column]);
  }
  const clashes = [...byField].filter(([, names]) => names.length > 1).map(([field, names]) => `${names.map((n) => JSON.stringify(n)).join(' and ')} both give ${field}`);
  return { fields, ignored, clashes };
}

export function mapValue(mapping: Mapping, field: FindField, value: string): string {
  const table = (mapping.values as Partial<Record<FindField, Record<string, string>>>)[field];
  if (!table) return value;
  const key = value.trim().toLowerCase();
  for (const [from, to] of Object.entries(table)) if (from.trim().toLowerCase() === key) return to;
  return value;
}
