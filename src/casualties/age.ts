/**
 * Victims' ages as sources give them: a whole number of years, or a range ("18-25", "under 18",
 * "menor de 18", "60+"). A range is kept as its bounds (an open upper bound is null) beside the
 * words of the source, and counted in an age group only when it lies wholly inside it.
 */
export interface AgeRange {
  min: number;
  /** Null for an open range ("over 60"). */
  max: number | null;
}

const OLDEST = 120;

const BETWEEN = /^(\d{1,3})\s*(?:-|–|—|to|a|al|y|hasta)\s*(\d{1,3})(?:\s*(?:years?|años|anos))?$/i;
const UNDER = /^(?:under|below|less than|younger than|menor(?:es)? de|menos de|<)\s*(\d{1,3})(?:\s*(?:years?|años|anos))?$/i;
const OVER = /^(?:over|above|older than|more than|mayor(?:es)? de|más de|mas de|>)\s*(\d{1,3})(?:\s*(?:years?|años|anos))?$/i;
const AT_LEAST = /^(\d{1,3})\s*(?:\+|or (?:more|older|over)|y más|y mas|o más|o mas|and over|and older)$|^(?:>=|≥)\s*(\d{1,3})$/i;
const EXACT = /^(\d{1,3})(?:\s*(?:years?|años|anos))?$/i;

/** The age range a text gives, or null when it is not one (the caller names the value). */
export function parseAge(text: string): AgeRange | null {
  const t = text.trim().replace(/\s+/g, ' ');
  const checked = (min: number, max: number | null): AgeRange | null => (min <= OLDEST && (max === null || (max <= OLDEST && min <= max)) ? { min, max } : null);
  let m = EXACT.exec(t);
  if (m) return checked(Number(m[1]), Number(m[1]));
  m = BETWEEN.exec(t);
  if (m) return checked(Number(m[1]), Number(m[2]));
  m = UNDER.exec(t);
  if (m) return Number(m[1]) >= 1 ? checked(0, Number(m[1]) - 1) : null;
  m = OVER.exec(t);
  if (m) return checked(Number(m[1]) + 1, null);
  m = AT_LEAST.exec(t);
  if (m) return checked(Number(m[1] ?? m[2]), null);
  return null;
}

export const AGE_GROUPS = ['child', 'adult', 'unknown'] as const;
export type AgeGroup = (typeof AGE_GROUPS)[number];

/**
 * Children are under 18, as in the Mine Ban Treaty's reporting on victims. A range is a child's or
 * an adult's only when all of it is ("15-25" could be either, so its group is unknown).
 */
export function ageGroup(min: number | null, max: number | null): AgeGroup {
  if (min === null) return 'unknown';
  if (max !== null && max < 18) return 'child';
  if (min >= 18) return 'adult';
  return 'unknown';
}
