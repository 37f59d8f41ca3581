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

/**
 * An angle as it is shown, rounded to `decimals`. Bearings are wrapped into [0, 360) after
 * rounding, because wrapping first lets 359.9996° round up to "360°"; signed angles (rotations,
 * declinations, convergences) into (−180, 180]. Neither is ever a negative zero, which would
 * print as "-0.0°". Every text and every page shows angles through this, so they agree.
 *
 * @example displayedDeg(359.9996, 0, 'bearing') // 0
 * @example displayedDeg(-0.0001, 1, 'signed') // 0 (not -0)
 */
export function displayedDeg(degrees: number, decimals: number, kind: 'bearing' | 'signed'): number {
  if (!Number.isFinite(degrees)) throw new Error(`an angle must be a finite number of degrees, got ${degrees}`);
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 10) throw new Error(`decimals must be an integer 0-10, got ${decimals}`);
  const factor = 10 ** decimals;
  const rounded = Math.round(degrees * factor) / factor;
  const bearing = normalizeAzimuthDeg(rounded);
  const wrapped = kind === 'bearing' ? bearing : bearing > 180 ? bearing - DEGREES_PER_CIRCLE : bearing;
  return Math.round(wrapped * factor) / factor + 0;
}

/**
 * An angle as text in degrees: `formatDeg(359.9996)` is "0°", `formatDeg(-0.0001, { decimals: 1, kind: 'signed' })` "0.0°".
 * Bearings by default; see `displayedDeg`.
 */
export function formatDeg(degrees: number, options: { decimals?: number; kind?: 'bearing' | 'signed' } = {}): string {
  const decimals = options.decimals ?? 0;
  return `${displayedDeg(degrees, decimals, options.kind ?? 'bearing').toFixed(decimals)}°`;
}
