/**
 * A report written against an older version of a record than the current one is a conflict: its
 * three sides (base, theirs, current) are kept for a person, who chooses per field. Pure rules.
 */
import { UserError } from '../errors.ts';

/** One choice per conflicting field: the value of the base version, of the report, or of the current record. */
export const CONFLICT_SIDES = ['base', 'theirs', 'current'] as const;
export type ConflictSide = (typeof CONFLICT_SIDES)[number];

export interface ConflictSides {
  /** The record at the version the report was written against. */
  base: Record<string, unknown>;
  /** The record as the report would make it (an update's payload merged onto the base). */
  theirs: Record<string, unknown>;
  /** The record as it is now. */
  current: Record<string, unknown>;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/** Objects with sorted keys, so two equal values compare equal whatever their key order. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]));
  }
  return value ?? null;
}

/** The fields on which the report and the current record disagree: each needs a person's choice. */
export function conflictingFields(sides: ConflictSides): string[] {
  const keys = new Set([...Object.keys(sides.theirs), ...Object.keys(sides.current)]);
  return [...keys].filter((k) => !same(sides.theirs[k], sides.current[k])).sort();
}

/**
 * The record a person chose, field by field: every conflicting field needs a choice, the others
 * keep their common value. A choice for a field that does not conflict is refused, so a client
 * working from stale sides learns it instead of overwriting silently.
 */
export function mergeConflict(sides: ConflictSides, choices: Readonly<Record<string, ConflictSide>>): Record<string, unknown> {
  const fields = conflictingFields(sides);
  const missing = fields.filter((f) => !(f in choices));
  if (missing.length > 0) throw new UserError(`choices: choose base, theirs or current for ${missing.join(', ')}`, 'bad_input', { missing });
  const extra = Object.keys(choices).filter((f) => !fields.includes(f));
  if (extra.length > 0) throw new UserError(`choices: ${extra.join(', ')} do not conflict (the conflicting fields are ${fields.join(', ') || 'none'})`, 'bad_input', { extra });
  const merged: Record<string, unknown> = { ...sides.current };
  for (const field of fields) {
    merged[field] = sides[choices[field]!][field] ?? null;
  }
  return merged;
}
