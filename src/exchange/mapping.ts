import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { UserError } from '../errors.ts';
import { ENCODINGS } from './encoding.ts';
import { normaliseName } from '../names.ts';
import { Composition, RowFilter } from './compose.ts';

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

/** The keys every mapping file has, over one record type's fields and value-mapped fields. */
export function mappingShape<F extends string, V extends F>(fields: readonly [F, ...F[]], valueMapped: readonly [V, ...V[]]) {
  return {
    /** Source column -> field; columns not named here are matched by name, the rest ignored. */
    fields: z.record(z.string(), z.enum(fields)).default({}),
    /** Per field, source value -> value (compared without regard to case and surrounding spaces). */
    values: z.partialRecord(z.enum(valueMapped), z.record(z.string(), z.string())).default({}),
    /** How dates are written when not ISO 8601 (ISO dates and date-times are always understood). */
    dateFormat: z.enum(DATE_FORMATS).default('YYYY-MM-DD'),
    /** The text encoding, when detection cannot tell (CSV, GeoJSON, KML, the DBF of a shapefile). */
    encoding: z.enum(ENCODINGS).optional(),
    /** Values for fields the file lacks or leaves empty. */
    defaults: z.partialRecord(z.enum(fields), z.union([z.string(), z.number()])).default({}),
    /** The layer to read from a GeoPackage with several. */
    layer: z.string().optional(),
    /** Fields made from several columns or from a template (see compose.ts and docs/import-export.md). */
    compose: z.partialRecord(z.enum(fields), Composition).default({}),
    /** Only rows with one of these values in the column are read; the others are counted as skipped. */
    keep: RowFilter.optional(),
    /** Rows with one of these values in the column are counted as skipped, not read. */
    skip: RowFilter.optional(),
  };
}

export const Mapping = z.strictObject({
  ...mappingShape(FIND_FIELDS, VALUE_MAPPED),
  /** Unit of the depth column: depths are stored in centimetres. */
  units: z.strictObject({ depth: z.enum(['mm', 'cm', 'm']).default('cm') }).default({ depth: 'cm' }),
});
export type Mapping = z.infer<typeof Mapping>;

export const DEFAULT_MAPPING: Mapping = Mapping.parse({});

export function parseMapping(value: unknown, file: string): Mapping {
  return parseMappingWith(Mapping, value, file);
}

/** Checks a mapping file's JSON against the schema of one record type's mappings. */
export function parseMappingWith<S extends z.ZodType>(schema: S, value: unknown, file: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`);
  throw new UserError(`Mapping file ${file} is not valid: ${problems.join('; ')}`, 'bad_input');
}

export async function readMapping(path: string): Promise<Mapping> {
  return readMappingWith(Mapping, path);
}

export async function readMappingWith<S extends z.ZodType>(schema: S, path: string): Promise<z.infer<S>> {
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
  return parseMappingWith(schema, value, path);
}

/** How files name a position, for every record type that has one (risk-model events too). */
export const POSITION_ALIASES = {
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
} as const;

export const FIND_ALIASES: Readonly<Record<string, FindField>> = {
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
  ...POSITION_ALIASES,
};

/** What a mapping needs to name a column's field: its own `fields`, and the aliases of the record type. */
interface FieldNaming<F extends string> {
  fields: Record<string, F>;
}

/**
 * The field a source column feeds, through the mapping or the record type's aliases, or null to
 * ignore it. KoBo and ODK prefix the GPS question's name (`_location_latitude`,
 * `location-Latitude`), so a name ending in latitude or longitude counts as one.
 */
export function fieldByName<F extends string>(column: string, mapping: FieldNaming<F>, aliases: Readonly<Record<string, F>>): F | null {
  const mapped = mapping.fields[column];
  if (mapped) return mapped;
  const name = normaliseName(column);
  const alias = aliases[name];
  if (alias) return alias;
  if (name.endsWith('latitude') && 'latitude' in aliases) return aliases.latitude;
  if (name.endsWith('longitude') && 'longitude' in aliases) return aliases.longitude;
  return column.length === DBF_NAME_LENGTH ? cutName(name, aliases) : null;
}

/** dBase, so every shapefile, keeps ten characters of a column's name (QGIS and GDAL cut `ordnanceModel` to `ordnanceMo`). */
const DBF_NAME_LENGTH = 10;

/** The one field whose name or alias a cut name begins, or null when none or several do. */
function cutName<F extends string>(name: string, aliases: Readonly<Record<string, F>>): F | null {
  const fields = new Set<F>();
  for (const [alias, field] of Object.entries<F>(aliases)) if (alias.startsWith(name)) fields.add(field);
  return fields.size === 1 ? [...fields][0]! : null;
}

/** Column names grouped by field, for the header check and the report. */
export function columnFields(columns: readonly string[], mapping: Mapping): { fields: Map<string, FindField>; ignored: string[]; clashes: string[] } {
  return columnFieldsByName(columns, mapping, FIND_ALIASES);
}

export function columnFieldsByName<F extends string>(
  columns: readonly string[],
  mapping: FieldNaming<F>,
  aliases: Readonly<Record<string, F>>,
): { fields: Map<string, F>; ignored: string[]; clashes: string[] } {
  const fields = new Map<string, F>();
  const byField = new Map<F, string[]>();
  const ignored: string[] = [];
  for (const column of columns) {
    const field = fieldByName(column, mapping, aliases);
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

export function mapValue(mapping: { values: Partial<Record<string, Record<string, string>>> }, field: string, value: string): string {
  const table = mapping.values[field];
  if (!table) return value;
  const key = value.trim().toLowerCase();
  for (const [from, to] of Object.entries(table)) if (from.trim().toLowerCase() === key) return to;
  return value;
}

// Accidents ----------------------------------------------------------------------------------------

/**
 * The fields of an accident file: one row per victim, the accident's fields repeated on each of
 * its rows and grouped by `reference` (an accident without victims is one row with the victim
 * fields empty). See docs/import-export.md for why this shape.
 */
export const ACCIDENT_FIELDS = [
  'reference',
  'occurredOn',
  'latitude',
  'longitude',
  'wkt',
  'locationPrecisionM',
  'adminArea',
  'deviceCategory',
  'ordnanceModel',
  'deminingRelated',
  'activity',
  'description',
  'victimId',
  'outcome',
  'sex',
  'age',
  'ageReported',
  'victimGroup',
  'activityAtTime',
  'injuries',
  'displacementStatus',
  'fullName',
  'dateOfBirth',
  'address',
  'contact',
] as const;
export type AccidentField = (typeof ACCIDENT_FIELDS)[number];

/** Victims' identifying details: restricted personal data, imported only by roles with restricted.read. */
export const IDENTITY_FIELDS = ['fullName', 'dateOfBirth', 'address', 'contact'] as const satisfies readonly AccidentField[];

const ACCIDENT_VALUE_MAPPED = ['deviceCategory', 'ordnanceModel', 'deminingRelated', 'activity', 'adminArea', 'outcome', 'sex', 'age', 'victimGroup', 'displacementStatus'] as const;

export const AccidentMapping = z.strictObject(mappingShape(ACCIDENT_FIELDS, ACCIDENT_VALUE_MAPPED));
export type AccidentMapping = z.infer<typeof AccidentMapping>;

export const DEFAULT_ACCIDENT_MAPPING: AccidentMapping = AccidentMapping.parse({});

/** What KoBo, ODK, IMSMA-style exports and spreadsheets call the accident fields. */
export const ACCIDENT_ALIASES: Readonly<Record<string, AccidentField>> = {
  reference: 'reference',
  accidentreference: 'reference',
  accidentid: 'reference',
  externalid: 'reference',
  uuid: 'reference',
  instanceid: 'reference',
  metainstanceid: 'reference',
  occurredon: 'occurredOn',
  date: 'occurredOn',
  accidentdate: 'occurredOn',
  dateofaccident: 'occurredOn',
  ...POSITION_ALIASES,
  locationprecisionm: 'locationPrecisionM',
  locationprecision: 'locationPrecisionM',
  locationaccuracy: 'locationPrecisionM',
  precision: 'locationPrecisionM',
  accuracy: 'locationPrecisionM',
  adminarea: 'adminArea',
  devicecategory: 'deviceCategory',
  category: 'deviceCategory',
  device: 'deviceCategory',
  ordnancemodel: 'ordnanceModel',
  ordnance: 'ordnanceModel',
  model: 'ordnanceModel',
  deminingrelated: 'deminingRelated',
  demining: 'deminingRelated',
  activity: 'activity',
  activityreference: 'activity',
  description: 'description',
  notes: 'description',
  victimid: 'victimId',
  outcome: 'outcome',
  killedinjured: 'outcome',
  sex: 'sex',
  gender: 'sex',
  age: 'age',
  agereported: 'ageReported',
  victimgroup: 'victimGroup',
  group: 'victimGroup',
  activityattime: 'activityAtTime',
  injuries: 'injuries',
  injury: 'injuries',
  displacementstatus: 'displacementStatus',
  displacement: 'displacementStatus',
  fullname: 'fullName',
  victimname: 'fullName',
  dateofbirth: 'dateOfBirth',
  dob: 'dateOfBirth',
  address: 'address',
  contact: 'contact',
  phone: 'contact',
};
