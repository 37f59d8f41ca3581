/**
 * Victims' age groups for statistics and treaty reports, from the age as reported: exact years,
 * or a range (`{ min, max }`, an open upper bound as null) when the source gives one ("under
 * 18", "18-25", "60+"). A victim counts in a group only when all of the reported age lies in it,
 * so a range that straddles a boundary ("15-25") is counted as unknown, never guessed.
 */
import { type AgeGroup, ageGroup as ageGroupOfRange } from '../casualties/age.ts';

export type ReportedAge = number | { min: number | null; max: number | null } | null;

export { AGE_GROUPS, type AgeGroup } from '../casualties/age.ts';

/** Children are under 18, as in the Mine Ban Treaty's and the CCM's reporting on victims (the rule of src/casualties/age.ts). */
export const ADULT_FROM = 18;

/**
 * @example ageGroup(12) === 'child'; ageGroup({ min: 0, max: 17 }) === 'child';
 *          ageGroup({ min: 61, max: null }) === 'adult'; ageGroup({ min: 15, max: 25 }) === 'unknown'
 */
export function ageGroup(age: ReportedAge): AgeGroup {
  const { min, max } = typeof age === 'number' ? { min: age, max: age } : (age ?? { min: null, max: null });
  return ageGroupOfRange(min, max);
}

/**
 * The same rule as an SQL expression over a victim's lower and upper bound columns (age_min,
 * age_max), so that statistics group in the database; a test holds the two to the same answers.
 */
export function ageGroupSql(min: string, max: string): string {
  return `CASE WHEN ${min} IS NULL THEN 'unknown' WHEN ${max} IS NOT NULL AND ${max} < ${ADULT_FROM} THEN 'child' WHEN ${min} >= ${ADULT_FROM} THEN 'adult' ELSE 'unknown' END`;
}
