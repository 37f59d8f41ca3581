import type { Queryable } from '../store/db.ts';

/**
 * What is wrong with an import, row by row: the dry run lists these, and a commit refuses the
 * whole file while any remain. The list keeps the first MAX_LISTED problems and counts the rest,
 * so a file with a million bad rows does not fill the memory with messages.
 */
export interface Problem {
  /** Row, feature, placemark or record number in the file (1-based); null for the file as a whole. */
  row: number | null;
  /** The find field (or source column) concerned; null when the problem is not one field's. */
  field: string | null;
  value: unknown;
  message: string;
}

export const MAX_LISTED = 1000;
/** Problems of one kind listed at most, so that a repetitive one never buries the others. */
export const MAX_LISTED_PER_KIND = 20;

/** A problem's kind: its field and message with the row's own values left out ("is not one of ..." of sex, say). */
export function problemKind(problem: Pick<Problem, 'field' | 'message'>): string {
  const message = problem.message.replace(/"[^"]*"/g, '"…"').replace(/-?\d+(\.\d+)?/g, 'N');
  return problem.field === null ? message : `${problem.field}: ${message}`;
}

export class Problems {
  readonly listed: Problem[] = [];
  count = 0;
  /** Every problem counted by kind, listed or not. */
  readonly byKind = new Map<string, number>();

  add(problem: Problem): void {
    this.count++;
    const kind = problemKind(problem);
    const seen = this.byKind.get(kind) ?? 0;
    this.byKind.set(kind, seen + 1);
    if (this.listed.length < MAX_LISTED && seen < MAX_LISTED_PER_KIND) this.listed.push(problem);
  }

  /** Problems counted by a check but beyond the listed ones, of the kind of `like`. */
  addUnlisted(count: number, like?: Pick<Problem, 'field' | 'message'>): void {
    this.count += Math.max(0, count);
    if (like && count > 0) this.byKind.set(problemKind(like), (this.byKind.get(problemKind(like)) ?? 0) + count);
  }

  /** How many more the list can take; SQL checks fetch no more than this. */
  room(): number {
    return MAX_LISTED - this.listed.length;
  }

  /**
   * The listed problems most serious first, in place: those of the whole file, then those of the
   * most frequent kinds (a wrong mapping or a systematic error in the source, which one change
   * fixes) before the rarer ones, in row order among kinds equally frequent.
   */
  ordered(): Problem[] {
    const rank = (p: Problem) => (p.row === null ? Number.POSITIVE_INFINITY : (this.byKind.get(problemKind(p)) ?? 0));
    this.listed.sort((a, b) => rank(b) - rank(a) || (a.row ?? 0) - (b.row ?? 0));
    return this.listed;
  }

  /** Counts by kind, the most frequent first, for a report whose list was capped. */
  kinds(): Record<string, number> {
    return Object.fromEntries([...this.byKind].sort((a, b) => b[1] - a[1]));
  }
}

/** One line naming the file, the row, the field and the value: `finds.csv row 5, foundOn "2091-01-01": ...`. */
export function describeProblem(file: string, rowLabel: string, problem: Problem): string {
  // Problems that stop the reading already say where they are.
  if (problem.message.startsWith(file)) return problem.message;
  const where = problem.row === null ? file : `${file} ${rowLabel} ${problem.row}`;
  const what = problem.field === null ? '' : `, ${problem.field}${problem.value === undefined ? '' : ` ${shortValue(problem.value)}`}`;
  return `${where}${what}: ${problem.message}`;
}

function shortValue(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : value instanceof Date ? value.toISOString() : JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** A problem that stops reading the file (truncated, malformed, wrong encoding, too large). */
export class FileProblem extends Error {
  constructor(readonly problem: Problem) {
    super(problem.message);
    this.name = 'FileProblem';
  }
}

export function fileProblem(message: string, row: number | null = null, field: string | null = null, value?: unknown): FileProblem {
  return new FileProblem({ row, field, value, message });
}

/**
 * Runs a check query over a staging table and files its problems: the query returns `row_number`
 * and `total` (the count before LIMIT, `count(*) OVER ()`), and only as many rows as the list has
 * room for are fetched.
 */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- T types the rows handed to `describe`, inferred from the caller's callback
export async function queryProblems<T extends { row_number: number; total: number }>(
  tx: Queryable,
  problems: Problems,
  sql: string,
  params: unknown[],
  describe: (row: T) => { field: string; value: unknown; message: string },
): Promise<void> {
  const room = problems.room();
  const rows = await tx.query<T>(`${sql} ORDER BY row_number LIMIT ${Math.max(1, room)}`, params);
  const listed = rows.slice(0, room);
  for (const row of listed) problems.add({ row: row.row_number, ...describe(row) });
  problems.addUnlisted((rows[0]?.total ?? 0) - listed.length, rows[0] ? describe(rows[0]) : undefined);
}
