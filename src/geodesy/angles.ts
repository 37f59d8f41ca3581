/**
 * Angle units used on minefield records. NATO mils divide the circle into 6400 (not the
 * 6000 of the former Warsaw Pact or the 6283 of true milliradians); records from other
 * traditions must be converted before entry.
 */

export type AngleUnit = 'degrees' | 'mils';

export const MILS_PER_CIRCLE = 6400;
export const DEGREES_PER_CIRCLE = 360;

export function unitsPerCircle(unit: AngleUnit): number {
  return unit === 'mils' ? MILS_PER_CIRCLE : DEGREES_PER_CIRCLE;
}

/** @example toDegrees(1600, 'mils') // 90 */
export function toDegrees(value: number, unit: AngleUnit): number {
  return unit === 'mils' ? (value * DEGREES_PER_CIRCLE) / MILS_PER_CIRCLE : value;
}

/** @example fromDegrees(90, 'mils') // 1600 */
export function fromDegrees(degrees: number, unit: AngleUnit): number {
  return unit === 'mils' ? (degrees * MILS_PER_CIRCLE) / DEGREES_PER_CIRCLE : degrees;
}

/** An azimuth as written on a record must lie in [0, circle): 360 or 6400 is a transcription slip. */
export function isAzimuthInRange(value: number, unit: AngleUnit): boolean {
  return Number.isFinite(value) && value >= 0 && value < unitsPerCircle(unit);
}

/** Wrap any angle in degrees to [0, 360). */
export function normalizeAzimuthDeg(degrees: number): number {
  const r = degrees % DEGREES_PER_CIRCLE;
  const wrapped = r < 0 ? r + DEGREES_PER_CIRCLE : r;
  return wrapped === DEGREES_PER_CIRCLE ? 0 : wrapped;
}

/** Smallest signed difference a − b in degrees, in (-180, 180]. */
export function angleDifferenceDeg(a: number, b: number): number {
  const d = normalizeAzimuthDeg(a - b);
  return d > 180 ? d - 360 : d;
}
