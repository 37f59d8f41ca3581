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

export class Problems {
  readonly listed: Problem[] = [];
  count = 0;

  add(problem: Problem): void {
    this.count++;
    if (this.listed.length < MAX_LISTED) this.listed.push(problem);
  }

  /** Problems counted by a check but beyond the listed ones. */
  addUnlisted(count: number): void {
    this.count += Math.max(0, count);
  }

  /** How many more the list can take; SQL checks fetch no more than this. */
  room(): number {
    return MAX_LISTED - this.listed.length;
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
  problems.addUnlisted((rows[0]?.total ?? 0) - listed.length);
}
