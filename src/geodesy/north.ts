/**
 * North references of a record's azimuths. Reconstruction turns every azimuth into a true
 * azimuth before walking a geodesic, because geodesics are defined from true north.
 */

export type NorthReference = 'true' | 'grid' | 'magnetic';

/** true = grid + γ, with γ from `gridConvergenceDeg` (positive east of the central meridian in the north). */
export function trueFromGridDeg(gridAzimuthDeg: number, convergenceDeg: number): number {
  return gridAzimuthDeg + convergenceDeg;
}

/** true = magnetic + δ, with the declination δ positive when magnetic north lies east of true north. */
export function trueFromMagneticDeg(magneticAzimuthDeg: number, declinationDeg: number): number {
  return magneticAzimuthDeg + declinationDeg;
}
