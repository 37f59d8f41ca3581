/**
 * Coordinate systems found on minefield records and survey reports: geographic lat/lon,
 * UTM (zone, hemisphere, easting, northing) and MGRS. All on WGS84; records on other datums
 * (e.g. national Gauss–Krüger grids on Bessel) must be transformed before entry.
 */
import proj4 from 'proj4';
import mgrs from 'mgrs';
import { assertLatLon, type LatLon } from './geodesic.ts';

export type Hemisphere = 'N' | 'S';

export interface UtmZone {
  zone: number;
  hemisphere: Hemisphere;
}

export interface UtmCoordinate extends UtmZone {
  easting: number;
  northing: number;
}

const converters = new Map<string, proj4.Converter>();

function utmConverter(z: UtmZone): proj4.Converter {
  assertZone(z);
  const key = `${z.zone}${z.hemisphere}`;
  let c = converters.get(key);
  if (c === undefined) {
    const south = z.hemisphere === 'S' ? ' +south' : '';
    c = proj4('EPSG:4326', `+proj=utm +zone=${z.zone}${south} +datum=WGS84 +units=m +no_defs`);
    converters.set(key, c);
  }
  return c;
}

function assertZone(z: UtmZone): void {
  if (!Number.isInteger(z.zone) || z.zone < 1 || z.zone > 60) throw new Error(`UTM zone must be an integer 1-60, got ${z.zone}`);
  if (z.hemisphere !== 'N' && z.hemisphere !== 'S') throw new Error(`UTM hemisphere must be "N" or "S", got ${String(z.hemisphere)}`);
}

/**
 * The UTM zone a point falls in, with the Norway and Svalbard exceptions, so that it agrees
 * with MGRS grid zone designators.
 */
export function utmZoneOf(p: LatLon): UtmZone {
  assertLatLon(p);
  if (p.lat < -80 || p.lat > 84) throw new Error(`latitude ${p.lat} is outside UTM coverage (-80 to 84); polar (UPS) positions are not supported`);
  const lon = ((((p.lon + 180) % 360) + 360) % 360) - 180;
  let zone = Math.floor((lon + 180) / 6) + 1;
  if (zone > 60) zone = 60;
  if (p.lat >= 56 && p.lat < 64 && lon >= 3 && lon < 12) zone = 32;
  if (p.lat >= 72) {
    if (lon >= 0 && lon < 9) zone = 31;
    else if (lon >= 9 && lon < 21) zone = 33;
    else if (lon >= 21 && lon < 33) zone = 35;
    else if (lon >= 33 && lon < 42) zone = 37;
  }
  return { zone, hemisphere: p.lat >= 0 ? 'N' : 'S' };
}

/** @example utmToLatLon({ zone: 34, hemisphere: 'N', easting: 500000, northing: 4929000 }) */
export function utmToLatLon(u: UtmCoordinate): LatLon {
  if (!Number.isFinite(u.easting) || u.easting < 100_000 || u.easting > 900_000) {
    throw new Error(`UTM easting must be within 100000-900000 m, got ${u.easting}`);
  }
  if (!Number.isFinite(u.northing) || u.northing < 0 || u.northing > 10_000_000) {
    throw new Error(`UTM northing must be within 0-10000000 m, got ${u.northing}`);
  }
  const [lon, lat] = utmConverter(u).inverse([u.easting, u.northing]);
  if (lon === undefined || lat === undefined || !Number.isFinite(lat) || !Number.isFinite(lon)) {
    throw new Error(`UTM ${u.zone}${u.hemisphere} ${u.easting} ${u.northing} could not be converted`);
  }
  return { lat, lon };
}

/** Project into the point's own UTM zone, or into `zone` when the record states one. */
export function latLonToUtm(p: LatLon, zone: UtmZone = utmZoneOf(p)): UtmCoordinate {
  assertLatLon(p);
  const [easting, northing] = utmConverter(zone).forward([p.lon, p.lat]);
  if (easting === undefined || northing === undefined) throw new Error(`lat ${p.lat} lon ${p.lon} could not be projected to UTM`);
  return { ...zone, easting, northing };
}

/**
 * The centre of the MGRS square the reference names (a 10-digit reference names a 1 m square,
 * so the centre is within 0.71 m of any point in it).
 */
export function mgrsToLatLon(reference: string): LatLon {
  const compact = reference.replace(/\s+/g, '').toUpperCase();
  let point: [number, number];
  try {
    point = mgrs.toPoint(compact);
  } catch (e) {
    throw new Error(`invalid MGRS reference "${reference}": ${(e as Error).message}`, { cause: e });
  }
  const [lon, lat] = point;
  if (!Number.isFinite(lat) || !Number.isFinite(lon)) throw new Error(`invalid MGRS reference "${reference}"`);
  return { lat, lon };
}

/** @param digits 5 for 1 m, 4 for 10 m ... 0 for 100 km */
export function latLonToMgrs(p: LatLon, digits = 5): string {
  assertLatLon(p);
  return mgrs.forward([p.lon, p.lat], digits);
}

/**
 * Grid convergence γ of UTM at a point, in degrees, in the sign convention
 * **true azimuth = grid azimuth + γ**. East of the central meridian in the northern
 * hemisphere (and west of it in the southern) γ is positive: grid north lies clockwise of
 * true north there. Uses the point's own zone unless the record states the zone its grid
 * bearings were taken on (a record can use a neighbouring zone's grid near a boundary).
 *
 * Computed from the projection itself (the grid bearing of a short meridian segment) rather
 * than from a truncated series, so it is exact to the projection's own precision anywhere in
 * or beside the zone.
 */
export function gridConvergenceDeg(p: LatLon, zone: UtmZone = utmZoneOf(p)): number {
  assertLatLon(p);
  const delta = 1e-5;
  const south = latLonToUtm({ lat: p.lat - delta, lon: p.lon }, zone);
  const north = latLonToUtm({ lat: p.lat + delta, lon: p.lon }, zone);
  const gridAzimuthOfTrueNorth = (Math.atan2(north.easting - south.easting, north.northing - south.northing) * 180) / Math.PI;
  return -gridAzimuthOfTrueNorth;
}

/**
 * A position in the three forms a survey team may carry, as text: latitude and longitude with
 * hemisphere letters (a sign is easily lost in transcription; 7 decimals is about a centimetre),
 * UTM in the point's own zone unless one is given, and MGRS to 1 m, grouped as it is written.
 *
 * @example formatPosition({ lat: 44.5346, lon: 18.6701 }).mgrs // "34T CQ 14886 33892"
 */
export function formatPosition(p: LatLon, zone: UtmZone = utmZoneOf(p)): { latLon: string; utm: string; mgrs: string } {
  const u = latLonToUtm(p, zone);
  const compact = latLonToMgrs(p, 5);
  const parts = /^(\d{1,2}[C-X])([A-Z]{2})(\d{5})(\d{5})$/.exec(compact);
  return {
    latLon: `${hemisphere(p.lat, 'N', 'S')}, ${hemisphere(p.lon, 'E', 'W')}`,
    utm: `zone ${u.zone}${u.hemisphere}, E ${u.easting.toFixed(1)} m, N ${u.northing.toFixed(1)} m`,
    mgrs: parts === null ? compact : parts.slice(1).join(' '),
  };
}

/** Degrees to 7 decimals with a hemisphere letter; what rounds to 0 takes the positive letter. */
function hemisphere(degrees: number, positive: string, negative: string): string {
  const rounded = Number(degrees.toFixed(7));
  return `${Math.abs(rounded).toFixed(7)}° ${rounded < 0 ? negative : positive}`;
}
