/**
 * Calendar days as integers (days since 1970-01-01, UTC), so plans can add and compare dates
 * without time zones, and every date is formatted the same way on both backends.
 */

const MS_PER_DAY = 86_400_000;

export function day(isoDate: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate);
  if (!match) throw new Error(`Expected a date as YYYY-MM-DD, got ${JSON.stringify(isoDate)}`);
  return Math.round(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) / MS_PER_DAY);
}

export function isoDate(dayNumber: number): string {
  return new Date(dayNumber * MS_PER_DAY).toISOString().slice(0, 10);
}

/** A timestamp on the given day, in the working day so that it reads naturally in a UI. */
export function timestamp(dayNumber: number, hour = 9): string {
  return `${isoDate(dayNumber)}T${String(hour).padStart(2, '0')}:00:00Z`;
}

/** The demo's "today": nothing in the dataset is dated later (the brief's limit is 2026-11-01). */
export const DEMO_TODAY = day('2026-10-31');
