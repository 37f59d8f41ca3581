/**
 * The query parameters of OGC API – Features that need more than a schema: bbox, datetime,
 * sortby, properties, paging cursors and the choice between HTML and JSON. Pure functions;
 * errors name the parameter and the value.
 */
import type { Polygon } from 'geojson';
import { UserError } from '../errors.ts';
import { isCalendarDate, isTimestamp } from './cql2.ts';
import type { Crs } from './crs.ts';
import { classOf, type Cursor, isQueryable, type Property, type SortKey, type ValueClass } from './store.ts';

function invalid(parameter: string, message: string): UserError {
  return new UserError(`query.${parameter}: ${message}`, 'invalid_request');
}

function box(x1: number, y1: number, x2: number, y2: number): Polygon {
  return { type: 'Polygon', coordinates: [[[x1, y1], [x2, y1], [x2, y2], [x1, y2], [x1, y1]]] };
}

/**
 * A bbox in the axis order of its CRS, as polygons in that CRS. A geographic box whose west edge
 * lies east of its east edge crosses the antimeridian and becomes two boxes. Projected boxes are
 * densified before transforming, so their curved edges in longitude/latitude are followed.
 */
export function parseBbox(text: string, crs: Crs): { polygons: Polygon[]; densify: number | null } {
  const parts = text.split(',');
  const values = parts.map((p) => (p.trim() === '' ? NaN : Number(p)));
  if ((values.length !== 4 && values.length !== 6) || !values.every(Number.isFinite)) {
    throw invalid('bbox', `${JSON.stringify(text)} is not 4 (or 6, with heights) comma-separated numbers: minx,miny,maxx,maxy in the axis order of bbox-crs`);
  }
  const [x1, y1, x2, y2] = values.length === 4 ? values : [values[0]!, values[1]!, values[3]!, values[4]!];
  if (crs.srid !== 4326) {
    if (x1! > x2! || y1! > y2!) throw invalid('bbox', `${JSON.stringify(text)} has a minimum above its maximum`);
    return { polygons: [box(x1!, y1!, x2!, y2!)], densify: Math.max(x2! - x1!, y2! - y1!) / 32 || null };
  }
  const [west, south, east, north] = crs.latitudeFirst ? [y1!, x1!, y2!, x2!] : [x1!, y1!, x2!, y2!];
  const axes = crs.latitudeFirst ? 'lat,lon,lat,lon (EPSG:4326 is latitude first)' : 'lon,lat,lon,lat';
  if ([west, east].some((lon) => lon < -180 || lon > 180) || [south, north].some((lat) => lat < -90 || lat > 90)) {
    throw invalid('bbox', `${JSON.stringify(text)} lies outside longitude -180..180 or latitude -90..90; the order is ${axes}`);
  }
  if (south > north) throw invalid('bbox', `${JSON.stringify(text)} has its southern edge north of its northern edge; the order is ${axes}`);
  const inOrder = (w: number, s: number, e: number, n: number) => (crs.latitudeFirst ? box(s, w, n, e) : box(w, s, e, n));
  const polygons = west <= east ? [inOrder(west, south, east, north)] : [inOrder(west, south, 180, north), inOrder(-180, south, east, north)];
  return { polygons, densify: null };
}

/**
 * A datetime parameter (RFC 3339 instant, or an interval with `..` or nothing for an open end) as
 * inclusive instants. A date alone stands for its whole day, UTC.
 */
export function parseDatetime(text: string): { start: string | null; end: string | null } {
  const instant = (value: string, end: boolean): string | null => {
    if (value === '..' || value === '') return null;
    if (isCalendarDate(value)) return end ? `${value}T23:59:59.999999Z` : `${value}T00:00:00Z`;
    if (isTimestamp(value)) return value;
    throw invalid('datetime', `${JSON.stringify(value)} is neither a date (2024-03-01), a timestamp (2024-03-01T12:00:00Z) nor .. for an open end`);
  };
  const parts = text.split('/');
  if (parts.length === 1) {
    if (parts[0] === '..' || parts[0] === '') throw invalid('datetime', `${JSON.stringify(text)} is not an instant; an interval is start/end`);
    return { start: instant(parts[0]!, false), end: instant(parts[0]!, true) };
  }
  if (parts.length !== 2) throw invalid('datetime', `${JSON.stringify(text)} is neither an instant nor an interval start/end`);
  const start = instant(parts[0]!, false);
  const end = instant(parts[1]!, true);
  if (start && end && new Date(start).getTime() > new Date(end).getTime()) throw invalid('datetime', `${JSON.stringify(text)} ends before it starts`);
  return { start, end };
}

/** HTML when asked with f=html, or when a browser prefers it; JSON (GeoJSON) otherwise. */
export function wantsHtml(f: string | undefined, accept: string | undefined): boolean {
  if (f) return f === 'html';
  if (!accept) return false;
  const html = accept.indexOf('text/html');
  const json = accept.search(/json/);
  return html >= 0 && (json < 0 || html < json);
}

/** The version an If-Match header names: `"3"` (or weakly, W/"3"); `*` is any current version. */
export function parseIfMatch(header: string | undefined): number | '*' | null {
  if (!header) return null;
  if (header.trim() === '*') return '*';
  const match = /^\s*(?:W\/)?"(\d+)"\s*$/.exec(header);
  if (!match) throw new UserError(`If-Match: ${JSON.stringify(header)} is not an ETag this API gave (like "3")`, 'invalid_request');
  return Number(match[1]);
}

/**
 * sortby (OGC API – Features Part 8, draft): comma-separated properties, each ascending or with a
 * leading - descending. A leading + means ascending too; unencoded in a URL it arrives as a
 * space, which is read the same way.
 */
export function parseSortby(text: string, properties: readonly Property[]): SortKey[] {
  const sortable = properties.filter(isQueryable);
  return text.split(',').map((item) => {
    const match = /^\s*([+-]?)\s*([^\s+-].*?)\s*$/.exec(item);
    if (!match) throw invalid('sortby', `${JSON.stringify(item)} is not a property with an optional + or -, e.g. sortby=-foundOn,category`);
    const property = sortable.find((p) => p.name === match[2]);
    if (!property) throw invalid('sortby', `${JSON.stringify(match[2])} is not a sortable property; use ${sortable.map((p) => p.name).join(', ')}`);
    return { property, descending: match[1] === '-' };
  });
}

/** properties (property selection, draft): comma-separated names; checked against the collection by the store. */
export function parseProperties(text: string): string[] {
  return text === '' ? [] : text.split(',').map((name) => name.trim());
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A cursor as the next and prev links carry it: the feature id in the default order, else the sort values and id as base64url JSON. */
export function cursorParameter(cursor: Cursor): string {
  if (cursor.values.length === 0) return cursor.id;
  return Buffer.from(JSON.stringify([...cursor.values, cursor.id])).toString('base64url');
}

const VALUE_CHECKS: Record<ValueClass, (value: unknown) => boolean> = {
  text: (v) => typeof v === 'string',
  uuid: (v) => typeof v === 'string' && UUID.test(v),
  numeric: (v) => typeof v === 'number' && Number.isFinite(v),
  boolean: (v) => typeof v === 'boolean',
  date: (v) => typeof v === 'string' && isCalendarDate(v),
  timestamp: (v) => typeof v === 'string' && isTimestamp(v),
};

/** The cursor of an after or before parameter, checked against the sort order it was made for. */
export function parseCursor(name: 'after' | 'before', text: string, sortby: readonly SortKey[]): Cursor {
  const wrong = () => invalid(name, `${JSON.stringify(text)} is not a cursor of this query; follow the next and prev links rather than writing it (the same sortby is needed)`);
  if (sortby.length === 0) {
    if (!UUID.test(text)) throw wrong();
    return { values: [], id: text };
  }
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw wrong();
  }
  if (!Array.isArray(decoded) || decoded.length !== sortby.length + 1) throw wrong();
  const id: unknown = decoded.at(-1);
  const values = decoded.slice(0, -1);
  if (typeof id !== 'string' || !UUID.test(id)) throw wrong();
  if (!values.every((value, i) => value === null || VALUE_CHECKS[classOf(sortby[i]!.property)](value))) throw wrong();
  return { values, id };
}
