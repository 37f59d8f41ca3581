import type { Catalogue, CatalogueEntry } from '../catalogue/match.ts';
import { FIND_CATEGORIES, type FindCategory } from '../catalogue/ordnance.ts';
import { DISPOSAL_METHODS, FIND_CONDITIONS, type DisposalMethod, type FindCondition } from '../ops/find.ts';
import { type DateFormat, FIND_ALIASES, type FindField, type Mapping } from './mapping.ts';
import type { Problems } from './problems.ts';
import { type FieldMapping, RowFields } from './rowFields.ts';
import { singlePoint, type SourceGeometry } from './wkb.ts';
import { type DateAsKnown, type DatePrecision, parseYearOrMonth } from '../ops/datePrecision.ts';

/**
 * One feature or row as a format reader gives it: its number in the file, its attributes, and
 * its geometry (undefined for formats without one, CSV and spreadsheets, whose coordinates are
 * columns).
 */
export interface SourceFeature {
  row: number;
  properties: Record<string, unknown>;
  geometry?: SourceGeometry | null;
}

/** A find that passed the checks one row can make; the store checks the rest set-wise. */
export interface FindRow {
  row: number;
  externalId: string | null;
  category: FindCategory;
  ordnanceModelId: string | null;
  quantity: number;
  depthCm: number | null;
  condition: FindCondition | null;
  disposalMethod: DisposalMethod | null;
  foundOn: string;
  foundOnPrecision: DatePrecision;
  activity: string | null;
  organisation: string | null;
  longitude: number;
  latitude: number;
}

const EARLIEST = '1900-01-01';

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Digits of `text` from `start` to `end` as a number, or -1 when any is not a digit. */
function digits(text: string, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * The common case, an exact YYYY-MM-DD from year 100 on, checked without a regular expression
 * or a Date; undefined for anything else, which the general parser then reads.
 */
function isoDate(text: string): string | null | undefined {
  if (text.length !== 10 || text.charCodeAt(4) !== 0x2d || text.charCodeAt(7) !== 0x2d) return undefined;
  const y = digits(text, 0, 4);
  const m = digits(text, 5, 7);
  const d = digits(text, 8, 10);
  if (y < 100 || m < 0 || d < 0) return undefined;
  if (m < 1 || m > 12 || d < 1) return null;
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  return d <= (m === 2 && leap ? 29 : DAYS_IN_MONTH[m - 1]!) ? text : null;
}

/** A calendar date as YYYY-MM-DD, or null when the text is not one in the given format. */
export function parseDate(value: unknown, format: DateFormat): string | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString().slice(0, 10);
  if (typeof value !== 'string') return null;
  const fast = isoDate(value);
  if (fast !== undefined) return fast;
  const text = value.trim();
  let parts: [string, string, string] | null = null;
  const iso = /^(\d{4})-(\d{2})-(\d{2})(?:[T ][0-9:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/.exec(text);
  if (iso) parts = [iso[1]!, iso[2]!, iso[3]!];
  else {
    const other = /^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$/.exec(text);
    if (other && format !== 'YYYY-MM-DD' && text.includes(format === 'DD.MM.YYYY' ? '.' : '/')) {
      parts = format === 'MM/DD/YYYY' ? [other[3]!, other[1]!, other[2]!] : [other[3]!, other[2]!, other[1]!];
    }
  }
  if (!parts) return null;
  const [y, m, d] = parts.map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return null;
  return date.toISOString().slice(0, 10);
}

/** A number from a cell: numbers as they are, text with a decimal point or a lone decimal comma. */
export function parseNumber(value: unknown): number | null   {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return Number.NaN;
  const text = value.trim();
  if (text === '') return null;
  const normalised = text.includes(',') && !text.includes('.') && /^-?\d+,\d+$/.test(text) ? text.replace(',', '.') : text;
  return /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(normalised) ? Number(normalised) : Number.NaN;
}

/** The point of a WKT (or EWKT) text; anything but a point names its type for the message. */
export function parseWkt(text: string, noun = 'find'): { point: [number, number] } | { problem: string } {
  const match = /^\s*(?:SRID=(\d+)\s*;)?\s*([A-Za-z]+)\s*(?:ZM|Z|M)?\s*\((.*)\)\s*$/s.exec(text);
  if (!match) return { problem: 'is not WKT' };
  if (match[1] && match[1] !== '4326') return { problem: `has SRID ${match[1]}; coordinates must be WGS84 longitude/latitude (EPSG:4326)` };
  if (match[2]!.toUpperCase() !== 'POINT') return { problem: `is a ${match[2]}; a ${noun} is a point` };
  const numbers = match[3]!.trim().split(/\s+/).map(Number);
  if (numbers.length < 2 || numbers.length > 4 || numbers.some((n) => !Number.isFinite(n))) return { problem: 'is not a point with numeric coordinates' };
  return { point: [numbers[0]!, numbers[1]!] };
}

/** Code values from labels: "AP mine" and "AP-MINE" are ap_mine. */
export function codeOf(text: string): string {
  if (/^[a-z0-9]+(_[a-z0-9]+)*$/.test(text)) return text;
  return text.trim().toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '');
}

/**
 * What the row checks of finds and accidents share: the row's fields through the mapping and the
 * type's aliases, the ordnance catalogue, and today's date.
 */
export abstract class MappedRowValidator<F extends string, M extends FieldMapping<F> & { dateFormat: DateFormat }> {
  protected readonly fields: RowFields<F>;

  constructor(
    protected readonly mapping: M,
    aliases: Readonly<Record<string, F>>,
    protected readonly catalogue: Catalogue,
    /** Today's date, YYYY-MM-DD: later dates are in the future. */
    protected readonly today: string,
  ) {
    this.fields = new RowFields(mapping, aliases);
  }

  /** The columns seen so far that feed no field, for formats that declare no columns up front. */
  ignoredColumns(): string[] {
    return this.fields.ignoredColumns();
  }

  /** The catalogue's model of that name; a name it lacks is a problem that suggests the nearest names. */
  protected ordnanceModel(name: string | null, problem: ProblemSink): CatalogueEntry | undefined {
    if (name === null) return undefined;
    const model = this.catalogue.find(name);
    if (!model) {
      const near = this.catalogue.nearest(name);
      problem('ordnanceModel', name, `is not in the ordnance catalogue${near.length > 0 ? `; did you mean ${near.map((n) => JSON.stringify(n)).join(' or ')}?` : ''}`);
    }
    return model;
  }
}

/**
 * Checks one row or feature and turns it into a find. Every problem goes to `problems` with its
 * row, field and value; a row with any problem gives null and is not loaded, but the rest of the
 * file is still read so that the dry run lists everything at once.
 */
export class RowValidator extends MappedRowValidator<FindField, Mapping> {
  constructor(mapping: Mapping, catalogue: Catalogue, today: string) {
    super(mapping, FIND_ALIASES, catalogue, today);
  }

  validate(feature: SourceFeature, problems: Problems): FindRow | null {
    const values = this.fields.values(feature.properties);
    const before = problems.count;
    const row = feature.row;
    const problem = (field: string | null, value: unknown, message: string) => problems.add({ row, field, value, message });
    const text = (field: FindField): string | null => this.fields.text(values, field);

    const externalId = text('externalId');
    if (externalId !== null && externalId.length > 200) problem('externalId', externalId, 'is longer than 200 characters');

    const modelName = text('ordnanceModel');
    const model = this.ordnanceModel(modelName, problem);

    let category: FindCategory | null = null;
    const categoryText = text('category');
    if (categoryText !== null) {
      const code = codeOf(categoryText);
      if ((FIND_CATEGORIES as readonly string[]).includes(code)) category = code as FindCategory;
      else problem('category', categoryText, `is not one of ${FIND_CATEGORIES.join(', ')}`);
    }
    if (category && model && model.category !== category) problem('category', categoryText, `does not match the ordnance model ${model.name}, which is ${model.category}`);
    if (categoryText === null && modelName === null) problem('category', undefined, 'is missing; give a category or an ordnance model');
    category ??= model?.category ?? null;

    const condition = this.code('condition', text('condition'), FIND_CONDITIONS, problem);
    const disposalMethod = this.code('disposalMethod', text('disposalMethod'), DISPOSAL_METHODS, problem);

    let quantity = 1;
    if (values.has('quantity')) {
      const n = parseNumber(values.get('quantity'));
      if (n === null || !Number.isInteger(n) || n < 1) problem('quantity', values.get('quantity'), 'is not a whole number of 1 or more');
      else quantity = n;
    }

    let depthCm: number | null = null;
    if (values.has('depthCm')) {
      const n = parseNumber(values.get('depthCm'));
      const factor = { mm: 0.1, cm: 1, m: 100 }[this.mapping.units.depth];
      if (n === null || Number.isNaN(n) || n < 0) problem('depthCm', values.get('depthCm'), `is not a depth of 0 or more (${this.mapping.units.depth})`);
      else if (n * factor > 10000) problem('depthCm', values.get('depthCm'), `is deeper than 100 m; is the unit right (${this.mapping.units.depth})?`);
      else depthCm = Math.round(n * factor);
    }

    let foundOn: DateAsKnown | null = null;
    if (!values.has('foundOn')) problem('foundOn', undefined, 'is missing');
    else foundOn = pastDateAsKnown('foundOn', values.get('foundOn'), this.mapping.dateFormat, this.today, problem);

    const point = pointOf(feature, values, problem, { noun: 'find', required: true });

    if (problems.count > before || !foundOn || !point || !category) return null;
    return {
      row,
      externalId,
      category,
      ordnanceModelId: model?.id ?? null,
      quantity,
      depthCm,
      condition,
      disposalMethod,
      foundOn: foundOn.date,
      foundOnPrecision: foundOn.precision,
      activity: text('activity'),
      organisation: text('organisation'),
      longitude: point[0],
      latitude: point[1],
    };
  }

  private code<T extends string>(field: FindField, value: string | null, allowed: readonly T[], problem: (f: string, v: unknown, m: string) => void): T | null {
    if (value === null) return null;
    const code = codeOf(value);
    if ((allowed as readonly string[]).includes(code)) return code as T;
    problem(field, value, `is not one of ${allowed.join(', ')}`);
    return null;
  }
}

/** Files a problem about one field of the row being checked. */
export type ProblemSink = (field: string | null, value: unknown, message: string) => void;

/** A date of something that happened, as YYYY-MM-DD: not in the future, not before 1900. */
export function pastDate(field: string, value: unknown, format: DateFormat, today: string, problem: ProblemSink): string | null {
  const date = parseDate(value, format);
  if (!date) problem(field, value, `is not a date (${format}, or ISO 8601)`);
  else if (date > today) problem(field, date, 'is in the future');
  else if (date < EARLIEST) problem(field, date, 'is before 1900');
  else return date;
  return null;
}

/**
 * A date of something that happened at the precision the file gives it: a day (as pastDate), a
 * month (YYYY-MM) or a year alone. A year or month counts as past once its first day is.
 */
export function pastDateAsKnown(field: string, value: unknown, format: DateFormat, today: string, problem: ProblemSink): DateAsKnown | null {
  const text = typeof value === 'number' && Number.isInteger(value) ? String(value) : typeof value === 'string' ? value.trim() : null;
  const partial = text === null ? null : parseYearOrMonth(text);
  if (!partial) {
    const day = parseDate(value, format);
    if (!day) {
      problem(field, value, `is not a date (${format}, or ISO 8601), a month (YYYY-MM) or a year (YYYY)`);
      return null;
    }
    const date = pastDate(field, day, format, today, problem);
    return date ? { date, precision: 'day' } : null;
  }
  if (partial.date > today) problem(field, text, 'is in the future');
  else if (partial.date < EARLIEST) problem(field, text, 'is before 1900');
  else return partial;
  return null;
}

/**
 * A row's position from its geometry, else latitude and longitude, else WKT, checked for range,
 * swapped axes and the point 0, 0. A record whose position is optional (an accident at an
 * unknown place) gives null without a problem when the row has none.
 */
export function pointOf(
  feature: SourceFeature,
  values: ReadonlyMap<string, unknown>,
  problem: ProblemSink,
  record: { noun: string; required: boolean },
): [number, number] | null {
  let lon: number | null;
  let lat: number | null;
  if (feature.geometry !== undefined && feature.geometry !== null) {
    const geometry = singlePoint(feature.geometry)!;
    if (geometry.type !== 'Point' || !Array.isArray(geometry.coordinates)) {
      problem('geometry', geometry.type, `is not a point; a ${record.noun} is a point`);
      return null;
    }
    const [x, y] = geometry.coordinates as unknown[];
    if (typeof x !== 'number' || typeof y !== 'number' || !Number.isFinite(x) || !Number.isFinite(y)) {
      problem('geometry', geometry.coordinates, 'is not a point with two numeric coordinates');
      return null;
    }
    [lon, lat] = [x, y];
  } else if (values.has('latitude') || values.has('longitude')) {
    lat = parseNumber(values.get('latitude'));
    lon = parseNumber(values.get('longitude'));
    if (lat === null) problem('latitude', undefined, 'is missing');
    else if (Number.isNaN(lat)) problem('latitude', values.get('latitude'), 'is not a number (decimal degrees)');
    if (lon === null) problem('longitude', undefined, 'is missing');
    else if (Number.isNaN(lon)) problem('longitude', values.get('longitude'), 'is not a number (decimal degrees)');
    if (lat === null || lon === null || Number.isNaN(lat) || Number.isNaN(lon)) return null;
  } else if (values.has('wkt')) {
    const wkt = String(values.get('wkt'));
    const parsed = parseWkt(wkt, record.noun);
    if ('problem' in parsed) {
      problem('wkt', wkt, parsed.problem);
      return null;
    }
    [lon, lat] = parsed.point;
  } else {
    if (record.required) problem(feature.geometry === null ? 'geometry' : 'latitude/longitude', undefined, `is missing: the ${record.noun} has no position`);
    return null;
  }
  if (Math.abs(lat) > 90 && Math.abs(lat) <= 180 && Math.abs(lon) <= 90) {
    problem('latitude', lat, `is outside ±90 while longitude ${lon} would be a latitude: latitude and longitude look swapped`);
    return null;
  }
  if (Math.abs(lat) > 90) problem('latitude', lat, 'is outside ±90 degrees');
  if (Math.abs(lon) > 180) problem('longitude', lon, 'is outside ±180 degrees');
  if (Math.abs(lat) > 90 || Math.abs(lon) > 180) return null;
  if (lat === 0 && lon === 0) {
    problem('latitude/longitude', '0, 0', 'is the point 0°, 0° in the Gulf of Guinea, which usually means a missing position');
    return null;
  }
  return [lon, lat];
}
