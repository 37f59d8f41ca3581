/**
 * Coordinate reference systems of OGC API – Features Part 2. Safeground stores WGS84
 * longitude/latitude (EPSG:4326 in PostGIS, which keeps x = longitude whatever the EPSG axis
 * order says), so every other CRS is a transformation on the way out or in.
 */
import { UserError } from '../errors.ts';

export const CRS84 = 'http://www.opengis.net/def/crs/OGC/1.3/CRS84';

export interface Crs {
  uri: string;
  /** The PostGIS SRID of the same datum and projection. */
  srid: number;
  /**
   * EPSG:4326 as the EPSG register defines it: latitude first. PostGIS SRID 4326 is longitude
   * first (that is CRS84), so coordinates are swapped at the edge.
   */
  latitudeFirst: boolean;
}

const EPSG = 'http://www.opengis.net/def/crs/EPSG/0/';

export const crs84: Crs = { uri: CRS84, srid: 4326, latitudeFirst: false };

function epsg(code: number): Crs {
  return { uri: `${EPSG}${code}`, srid: code, latitudeFirst: code === 4326 };
}

/** WGS84 / UTM zones: 326zz north, 327zz south. */
function isUtm(code: number): boolean {
  return (code >= 32601 && code <= 32660) || (code >= 32701 && code <= 32760);
}

/**
 * The UTM zones covering a longitude/latitude box, north or south of the equator or both. A box
 * wider than 12 zones (72°) is no field area, and listing half the globe's zones helps nobody, so
 * none are offered then.
 */
export function utmZones(bbox: readonly [number, number, number, number] | null): number[] {
  if (!bbox) return [];
  const [west, south, east, north] = bbox;
  const zone = (lon: number) => Math.min(60, Math.max(1, Math.floor((lon + 180) / 6) + 1));
  const first = zone(west);
  const last = zone(east);
  if (last - first + 1 > 12) return [];
  const codes: number[] = [];
  for (const hemisphere of [north >= 0 ? 32600 : null, south < 0 ? 32700 : null]) {
    if (hemisphere === null) continue;
    for (let z = first; z <= last; z++) codes.push(hemisphere + z);
  }
  return codes;
}

/** The CRSs a collection offers: CRS84 first (the default), then EPSG:4326, Web Mercator and the instance's UTM zones. */
export function offeredCrs(instanceBbox: readonly [number, number, number, number] | null): string[] {
  return [CRS84, `${EPSG}4326`, `${EPSG}3857`, ...utmZones(instanceBbox).map((code) => `${EPSG}${code}`)];
}

/**
 * Reads a `crs`, `bbox-crs` or `filter-crs` value: the OGC URI, or the short forms clients also
 * send (`EPSG:4326`, `[EPSG:4326]`, `OGC:CRS84`). Any WGS84 UTM zone is accepted, offered or not.
 */
export function parseCrs(parameter: string, value: string | undefined): Crs {
  if (value === undefined) return crs84;
  const text = value.trim().replace(/^\[(.*)\]$/, '$1');
  if (text === CRS84 || text === 'OGC:CRS84' || text === 'urn:ogc:def:crs:OGC:1.3:CRS84') return crs84;
  const match = /^(?:http:\/\/www\.opengis\.net\/def\/crs\/EPSG\/0\/|EPSG:|urn:ogc:def:crs:EPSG::)(\d+)$/.exec(text);
  const code = match ? Number(match[1]) : NaN;
  if (code === 4326 || code === 3857 || isUtm(code)) return epsg(code);
  throw new UserError(
    `query.${parameter}: ${JSON.stringify(value)} is not a CRS this server supports; use ${CRS84}, ${EPSG}4326, ${EPSG}3857 or a WGS84 UTM zone (${EPSG}326zz north, ${EPSG}327zz south)`,
    'invalid_request',
  );
}
