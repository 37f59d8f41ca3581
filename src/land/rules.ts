/** Land-release rules of the domain primer that need no database. */

export const HAZARD_KINDS = ['sha', 'cha'] as const;
export const HAZARD_STATUSES = ['active', 'suspended', 'released'] as const;
export const EVIDENCE = [
  'old_survey',
  'former_front_line',
  'low_reliability_record',
  'accident_unknown_location',
  'unused_productive_land',
  'local_report',
  'detonation',
  'accident_known_location',
  'high_reliability_record',
  'signs_or_fences',
  'ordnance_seen',
] as const;
/** Direct evidence makes a hazard confirmed (CHA); the rest is indirect and supports a suspicion (SHA). */
export const DIRECT_EVIDENCE: ReadonlySet<(typeof EVIDENCE)[number]> = new Set([
  'detonation',
  'accident_known_location',
  'high_reliability_record',
  'signs_or_fences',
  'ordnance_seen',
]);
export const CONTAMINATION = ['ap_mine', 'at_mine', 'erw_uxo', 'cluster_munition', 'ied'] as const;
export const BLOCKAGES = ['cropland', 'pasture', 'water', 'housing', 'road', 'infrastructure', 'forest'] as const;
export const ACTIVITY_KINDS = ['nts', 'ts', 'clearance', 'eod_spot_task', 'bac', 'post_clearance_inspection'] as const;
export const ACTIVITY_STATUSES = ['planned', 'ongoing', 'suspended', 'completed', 'cancelled'] as const;

/** Highest precedence first: where products overlap, the land counts once, for the first method here. */
export const RELEASE_METHODS = ['cleared', 'reduced', 'cancelled'] as const;
export type ReleaseMethod = (typeof RELEASE_METHODS)[number];

/**
 * The SQL rank of a method (1 = highest precedence), generated from RELEASE_METHODS so the
 * precedence is written once. `column` is a fixed column name, never user input.
 */
export function methodRankSql(column: string): string {
  return `CASE ${column} ${RELEASE_METHODS.map((m, i) => `WHEN '${m}' THEN ${i + 1}`).join(' ')} END`;
}

/**
 * A hazard is released when what remains of it is below this many square metres. Differences of
 * polygons that share edges leave floating-point slivers far smaller than this (about 1e-8 m² for
 * field shapes), while a real gap a surveyor left, even a 10 cm strip along a 1 m edge, is
 * larger and keeps the hazard open.
 */
export const RELEASE_TOLERANCE_M2 = 0.01;

export function isReleased(remainingM2: number): boolean {
  return remainingM2 < RELEASE_TOLERANCE_M2;
}

/** The release date of a released hazard: that of its last product. */
export function releaseDateOf(productDates: readonly string[]): string | null {
  return productDates.length === 0 ? null : [...productDates].sort().at(-1)!;
}

/** A hazard's kind must match its evidence: a CHA rests on direct evidence. */
export function evidenceProblem(kind: (typeof HAZARD_KINDS)[number], evidence: readonly (typeof EVIDENCE)[number][]): string | null {
  if (kind === 'cha' && !evidence.some((e) => DIRECT_EVIDENCE.has(e))) {
    return `A confirmed hazardous area (cha) needs direct evidence (${[...DIRECT_EVIDENCE].join(', ')}); with only ${evidence.join(', ') || 'no evidence'} it is suspected (sha)`;
  }
  return null;
}

/** Today's date in UTC, YYYY-MM-DD: the dates of field work are calendar dates. */
export function todayUtc(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}

/** The earliest date a record of something that happened may carry. */
export const EARLIEST_DATE = '1900-01-01';

/** What is wrong with the date of something that happened, as a code each side words itself. */
export type DateProblem = 'not_date' | 'future' | 'before_1900';

/**
 * The date of something that happened (a find, a session, a day's work): a calendar day that
 * exists, written YYYY-MM-DD, not after today and not before 1900. The server and the field app's
 * forms judge dates by this one rule; null when the date is fine.
 */
export function pastDateProblem(date: string, today: string = todayUtc()): DateProblem | null {
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!day) return 'not_date';
  const [year, month, dayOfMonth] = [Number(day[1]), Number(day[2]), Number(day[3])];
  const parsed = new Date(0);
  parsed.setUTCFullYear(year, month - 1, dayOfMonth);
  if (parsed.getUTCFullYear() !== year || parsed.getUTCMonth() !== month - 1 || parsed.getUTCDate() !== dayOfMonth) return 'not_date';
  if (date > today) return 'future';
  if (date < EARLIEST_DATE) return 'before_1900';
  return null;
}

/** Work that is done cannot be dated in the future. */
export function futureDateProblem(field: string, date: string | null | undefined, today: string = todayUtc()): string | null {
  return date && date > today ? `${field} ${date} is in the future (today is ${today})` : null;
}

/**
 * area(H) = cancelled + reduced + cleared + remaining, to rounding. Rounding here is that of
 * geodesic areas of polygons cut from one another: a part per billion of the hazard, and never
 * less than the release tolerance.
 */
export function reconcile(areaM2: number, parts: { cancelled: number; reduced: number; cleared: number; remaining: number }) {
  const sumM2 = parts.cancelled + parts.reduced + parts.cleared + parts.remaining;
  const differenceM2 = areaM2 - sumM2;
  return { sumM2, differenceM2, balanced: Math.abs(differenceM2) <= Math.max(RELEASE_TOLERANCE_M2, areaM2 * 1e-9) };
}
