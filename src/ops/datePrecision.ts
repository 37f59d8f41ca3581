/**
 * Dates as precise as their source. Many national files know only the year or the month of an
 * accident or a find; such a date is stored as the first day of its period with its precision,
 * written back as "2019" or "2019-03", and counted in statistics by the period it names. Nothing
 * turns a year into a day (neither 1 January nor 1 July).
 */
export const DATE_PRECISIONS = ['year', 'month', 'day'] as const;
export type DatePrecision = (typeof DATE_PRECISIONS)[number];

/** A date at its precision: `date` is the first day of the period (YYYY-MM-DD). */
export interface DateAsKnown {
  date: string;
  precision: DatePrecision;
}

const YEAR = /^(\d{4})$/;
const MONTH = /^(\d{4})-(\d{1,2})$/;

/**
 * A year ("2019") or a month ("2019-03") as a date with its precision; null for anything else
 * (a full date is for the caller's day parser, which knows the file's date format).
 */
export function parseYearOrMonth(text: string): DateAsKnown | null {
  const year = YEAR.exec(text);
  if (year) return { date: `${year[1]}-01-01`, precision: 'year' };
  const month = MONTH.exec(text);
  if (month) {
    const m = Number(month[2]);
    if (m < 1 || m > 12) return null;
    return { date: `${month[1]}-${String(m).padStart(2, '0')}-01`, precision: 'month' };
  }
  return null;
}

/** The date as written at its precision: 2019, 2019-03 or 2019-03-14. */
export function dateAsKnown(date: string, precision: DatePrecision): string {
  return precision === 'year' ? date.slice(0, 4) : precision === 'month' ? date.slice(0, 7) : date.slice(0, 10);
}

/** The text a date written at its precision reads as: its first day and how much of it is known. */
export function readDateAsKnown(text: string): DateAsKnown | null {
  const partial = parseYearOrMonth(text);
  if (partial) return partial;
  return /^\d{4}-\d{2}-\d{2}$/.test(text) ? { date: text, precision: 'day' } : null;
}

/** The last day of the period, YYYY-MM-DD: a year ends on 31 December, a month on its last day. */
export function periodEnd(known: DateAsKnown): string {
  const [y, m] = known.date.split('-').map(Number) as [number, number];
  if (known.precision === 'day') return known.date;
  if (known.precision === 'year') return `${y}-12-31`;
  return new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
}

/** SQL of a date column at its precision, as dateAsKnown writes it (migrations/0025_dates_with_precision.sql). */
export const dateAsKnownSql = (date: string, precision: string) => `date_as_known(${date}, ${precision})`;
