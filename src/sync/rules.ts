/**
 * The pure rules of sync: the feed's cursor, the three sides of a conflict and their merge, and
 * the cutting of a byte stream into complete NDJSON lines. No I/O here.
 */
import { UserError } from '../errors.ts';

/**
 * The feed's cursor is opaque to clients: `c1.` and the change sequence number of the last change
 * the client holds. The prefix lets a later format be told apart from this one.
 */
const CURSOR = /^c1\.(0|[1-9][0-9]{0,17})$/;

export function encodeCursor(seq: bigint | number | string): string {
  return `c1.${BigInt(seq).toString()}`;
}

/** The change sequence number a cursor stands for; no cursor is the start of the feed (0). */
export function decodeCursor(cursor: string | undefined | null): bigint {
  if (cursor === undefined || cursor === null || cursor === '') return 0n;
  const match = CURSOR.exec(cursor);
  if (!match) throw new UserError(`query.since: ${JSON.stringify(cursor)} is not a cursor of this server's changes feed (want the cursor of a change line or of the end line)`, 'bad_input', { field: 'since' });
  return BigInt(match[1]!);
}

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
    const value = sides[choices[field]!][field];
    if (value === undefined) delete merged[field];
    else merged[field] = value;
  }
  return merged;
}

/**
 * Cuts a stream of bytes into complete lines. What follows the last newline is kept until more
 * arrives; when the stream breaks, it is an incomplete line and is dropped, so a client resumes
 * from the last complete one.
 */
export class LineSplitter {
  private rest = '';
  private readonly decoder = new TextDecoder('utf-8');

  push(chunk: Uint8Array): string[] {
    const text = this.rest + this.decoder.decode(chunk, { stream: true });
    const lines = text.split('\n');
    this.rest = lines.pop()!;
    return lines.filter((l) => l.length > 0);
  }

  /** Text after the last newline when the stream ended: a line cut short. */
  get incomplete(): string {
    return this.rest;
  }
}
