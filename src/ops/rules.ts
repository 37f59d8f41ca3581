/**
 * The rules every field record's report is checked by, each naming the value it refuses: dates,
 * counts, positions, and a category that must agree with the ordnance model given beside it.
 */
import { z } from 'zod';
import type { CatalogueEntry } from '../catalogue/match.ts';
import { UserError } from '../errors.ts';
import { EARLIEST_DATE, pastDateProblem, todayUtc } from '../land/rules.ts';
import { readDateAsKnown } from './datePrecision.ts';

/** What a QA visit concluded. */
export const QA_OUTCOMES = ['satisfactory', 'corrective_action_required', 'suspended'] as const;

/** A date of something that happened: not in the future, not before 1900 (pastDateProblem, which the web forms share). */
export const PastDate = z.iso.date({ error: (issue) => `${JSON.stringify(issue.input)} is not a date (YYYY-MM-DD)` }).superRefine((date, context) => {
  const today = todayUtc();
  const problem = pastDateProblem(date, today);
  if (problem === 'future') context.addIssue({ code: 'custom', message: `${date} is in the future (today is ${today})` });
  else if (problem === 'before_1900') context.addIssue({ code: 'custom', message: `${date} is before 1900` });
});

/**
 * A date of something that happened, as precisely as it is known: a day (YYYY-MM-DD), a month
 * (YYYY-MM) or a year (YYYY); stored as the period's first day with its precision.
 */
export const PastDateAsKnown = z.string().superRefine((text, context) => {
  const known = readDateAsKnown(text);
  if (!known || (known.precision === 'day' && !z.iso.date().safeParse(text).success)) {
    context.addIssue({ code: 'custom', message: `${JSON.stringify(text)} is not a date (YYYY-MM-DD), a month (YYYY-MM) or a year (YYYY)` });
    return;
  }
  const today = todayUtc();
  if (known.date > today) context.addIssue({ code: 'custom', message: `${text} is in the future (today is ${today})` });
  else if (known.date < EARLIEST_DATE) context.addIssue({ code: 'custom', message: `${text} is before 1900` });
});

/** A whole number of people or items, `min` or more. */
export function count(min = 0) {
  return z.number({ error: (issue) => `${JSON.stringify(issue.input)} is not a number` }).superRefine((n, context) => {
    if (!Number.isInteger(n) || n < min) {
      context.addIssue({ code: 'custom', message: `${n} is ${n < 0 ? 'negative' : n < min ? `below ${min}` : 'not a whole number'}; a whole number of ${min} or more is expected` });
    }
  });
}

export const Longitude = z.number().superRefine((v, context) => {
  if (!Number.isFinite(v) || v < -180 || v > 180) context.addIssue({ code: 'custom', message: `longitude ${v} is outside -180 to 180` });
});
export const Latitude = z.number().superRefine((v, context) => {
  if (!Number.isFinite(v) || v < -90 || v > 90) context.addIssue({ code: 'custom', message: `latitude ${v} is outside -90 to 90 (GeoJSON gives [longitude, latitude])` });
});

/** A point in WGS84 as GeoJSON: [longitude, latitude]. */
export const PointGeometry = z.strictObject({ type: z.literal('Point'), coordinates: z.tuple([Longitude, Latitude]) });
export type PointGeometry = z.infer<typeof PointGeometry>;

export const Text = (max: number) => z.string().trim().min(1).max(max);

/** A category given beside a model must be the model's. */
export function checkCategory(field: string, category: string | null | undefined, model: CatalogueEntry | null): void {
  if (category && model && category !== model.category && category !== 'unknown') {
    throw new UserError(`payload.${field}: ${category} does not match ${model.name}, which is ${model.category}`, 'bad_input', { field, value: category });
  }
}
