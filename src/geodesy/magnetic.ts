/**
 * Magnetic declination from the World Magnetic Model, for records whose azimuths were taken by
 * compass and which do not state the declination they used.
 *
 * Policy: dates outside the validity of the models shipped in `geomagnetism` (WMM-2015 onwards,
 * so nothing before mid-December 2014) are refused, never extrapolated. Most handed-over
 * minefield records are older than that, and the field's secular variation (often 0.1°/year)
 * would put an extrapolated declination several degrees off: 2° turns into 17 m at 500 m, which
 * is larger than the tolerances the accuracy audit measures. Such records must state their
 * declination (or a value from a historical model such as IGRF, entered on the record).
 */
import geomagnetism from 'geomagnetism';
import type { LatLon } from './geodesic.ts';

export interface WmmDeclination {
  /** Degrees, positive when magnetic north lies east of true north. */
  declinationDeg: number;
  /** The model used, e.g. "WMM-2025". */
  model: string;
  /** The model's epoch (decimal year), e.g. 2025. */
  epoch: number;
  validFrom: string;
  validTo: string;
  /** The date the declination was computed for, YYYY-MM-DD. */
  date: string;
}

export class MagneticModelRangeError extends Error {
  override name = 'MagneticModelRangeError';
}

/**
 * Declination at a place and date from the newest WMM that covers the date.
 * Throws `MagneticModelRangeError` for dates no shipped model covers.
 *
 * @param altitudeKm height above mean sea level in kilometres (WMM test values use it)
 * @example wmmDeclination({ lat: 44.5, lon: 18.7 }, new Date('2020-06-01')).declinationDeg
 */
export function wmmDeclination(p: LatLon, date: Date, altitudeKm = 0): WmmDeclination {
  if (Number.isNaN(date.getTime())) throw new Error('wmmDeclination: invalid date');
  let model: geomagnetism.GeomagnetismModel;
  try {
    model = geomagnetism.model(date);
  } catch (e) {
    throw new MagneticModelRangeError(
      `no World Magnetic Model shipped with geomagnetism covers ${isoDate(date)} (${(e as Error).message}); state the declination on the record`,
    );
  }
  return {
    declinationDeg: model.point([p.lat, p.lon, altitudeKm]).decl,
    model: model.name,
    epoch: model.epoch,
    validFrom: isoDate(model.start_date),
    validTo: isoDate(model.end_date),
    date: isoDate(date),
  };
}

function isoDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}
