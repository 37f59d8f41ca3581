/**
 * The one small database interface every store function is written against. Two
 * implementations exist (embedded PGlite and PostgreSQL); both run PostGIS, so SQL written
 * here runs unchanged on either.
 */
export type Backend = 'pglite' | 'postgres';

export type Row = Record<string, unknown>;

export interface Queryable {
  /** One parameterised statement ($1, $2, ...). */
  query<T extends object = Row>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** A script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  /**
   * Loads many rows into one table: COPY on PostgreSQL, batched multi-row INSERTs on PGlite.
   * Values are plain JS values; geometry columns take EWKT or WKT text with an SRID.
   */
  bulkLoad(table: string, columns: readonly string[], rows: AsyncIterable<readonly unknown[]> | Iterable<readonly unknown[]>): Promise<number>;
}

export interface Db extends Queryable {
  readonly backend: Backend;
  /** Runs fn in one transaction: committed when fn resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * Lifts the statement timeout for the rest of a transaction on PostgreSQL, for work that may
 * rightly take minutes (an import's writing statement grows with the file: a million finds take
 * over a minute on two cores). The timeout keeps a stuck database from hanging a request or a
 * short command; on such work it would only throw the whole file away. PGlite has none.
 */
export async function unboundedStatements(tx: Queryable, backend: Backend): Promise<void> {
  if (backend === 'postgres') await tx.exec('SET LOCAL statement_timeout = 0');
}

/** Identifiers that reach SQL text (table and column names in bulk loads) must be plain. */
export function assertIdentifier(name: string): string {
  if (!/^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/.test(name)) throw new Error(`Unexpected SQL identifier: ${JSON.stringify(name)}`);
  return name;
}

/** Rows per INSERT on PGlite: under PostgreSQL's 65,535-parameter limit for any column count. */
export function insertBatchSize(columnCount: number): number {
  return Math.max(1, Math.min(1000, Math.floor(60000 / columnCount)));
}

export async function* batches<T>(rows: AsyncIterable<T> | Iterable<T>, size: number): AsyncGenerator<T[]> {
  let batch: T[] = [];
  for await (const row of rows) {
    batch.push(row);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/** bulkLoad as batched multi-row INSERTs: PGlite's way, and the CLI's through the server's socket (which serves no COPY). */
export async function insertRows(q: Pick<Queryable, 'query'>, table: string, columns: readonly string[], rows: AsyncIterable<readonly unknown[]> | Iterable<readonly unknown[]>): Promise<number> {
  let count = 0;
  for await (const batch of batches(rows, insertBatchSize(columns.length))) {
    await q.query(multiRowInsert(table, columns, batch.length), batch.flat());
    count += batch.length;
  }
  return count;
}

export function multiRowInsert(table: string, columns: readonly string[], rowCount: number): string {
  const cols = columns.map(assertIdentifier).join(', ');
  const tuples: string[] = [];
  for (let r = 0; r < rowCount; r++) {
    const base = r * columns.length;
    tuples.push(`(${columns.map((_, c) => `$${base + c + 1}`).join(', ')})`);
  }
  return `INSERT INTO ${assertIdentifier(table)} (${cols}) VALUES ${tuples.join(', ')}`;
}

/** Connection errors of postgres.js and node, and PostgreSQL's shutdown and connection-failure codes (57P01-57P03, class 08). */
const UNAVAILABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE', 'CONNECT_TIMEOUT', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', '57P01', '57P02', '57P03']);

/** Whether an error means the database cannot be reached now (an outage or restart), not that the request was wrong. */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (UNAVAILABLE.has(code) || code.startsWith('08'))) return true;
  // An aggregate of connection attempts (several addresses) or an error wrapping its cause.
  const inner = (error as { errors?: unknown[]; cause?: unknown }).errors ?? [(error as { cause?: unknown }).cause];
  return inner.some((e) => e !== undefined && e !== error && isDatabaseUnavailable(e));
}
