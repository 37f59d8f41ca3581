import postgres from 'postgres';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { assertIdentifier, type Db, type Queryable } from './db.ts';

type Sql = postgres.Sql | postgres.TransactionSql;

/** COPY text format: backslash escapes, \N for NULL. */
export function copyField(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  let text: string;
  if (value instanceof Date) text = value.toISOString();
  else if (Array.isArray(value)) text = `{${value.map((v) => `"${String(v).replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
  else if (typeof value === 'object') text = JSON.stringify(value);
  else text = String(value);
  return text.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c] ?? c);
}

async function* copyLines(rows: AsyncIterable<readonly unknown[]> | Iterable<readonly unknown[]>, counter: { n: number }): AsyncGenerator<string> {
  let chunk = '';
  for await (const row of rows) {
    chunk += row.map(copyField).join('\t') + '\n';
    counter.n++;
    if (chunk.length > 1 << 16) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

function queryable(sql: Sql): Queryable {
  return {
    async query<T extends object>(text: string, params: readonly unknown[] = []) {
      // Prepared (a named statement per connection, planned once and kept), as the driver's tagged
      // queries are and its `unsafe` ones are not: PostgreSQL took longer to plan a list page than
      // to run it (1.4 ms against 1.2 ms), on every request. Without parameters the statement
      // goes by the simple protocol, which cannot be prepared; the CLI's socket prepares nothing.
      const rows = await sql.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare: params.length > 0 });
      return rows as unknown as T[];
    },
    async exec(text: string) {
      await sql.unsafe(text);
    },
    async bulkLoad(table, columns, rows) {
      const copy = `COPY ${assertIdentifier(table)} (${columns.map(assertIdentifier).join(', ')}) FROM STDIN`;
      const writable = await sql.unsafe(copy).writable();
      const counter = { n: 0 };
      await pipeline(Readable.from(copyLines(rows, counter)), writable);
      return counter.n;
    },
  };
}

/** int8 counts come back as numbers, as on PGlite, so both backends give the same JS values. */
const int8AsNumber = { to: 20, from: [20], serialize: (v: number) => String(v), parse: (v: string) => Number(v) };

/**
 * A json/jsonb parameter given as a string is taken as JSON text, as PGlite takes it; postgres.js
 * would otherwise encode the string itself and store a JSON string instead of the object.
 */
const jsonText = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
const json = { to: 114, from: [114], serialize: jsonText, parse: (v: string) => JSON.parse(v) as unknown };
const jsonb = { to: 3802, from: [3802], serialize: jsonText, parse: (v: string) => JSON.parse(v) as unknown };

/**
 * How long a client of the store may wait: for a connection (seconds) and for one statement
 * (milliseconds), so that an unreachable or stuck database gives a quick, clear error instead of
 * a hung request. SAFEGROUND_DB_CONNECT_TIMEOUT_S and SAFEGROUND_DB_STATEMENT_TIMEOUT_MS change them.
 */
export const DEFAULT_CONNECT_TIMEOUT_S = 3;
export const DEFAULT_STATEMENT_TIMEOUT_MS = 60_000;
/** The statement timeout a store opened now gets, in milliseconds (0: none). */
export function statementTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  return setting(env, 'SAFEGROUND_DB_STATEMENT_TIMEOUT_MS', DEFAULT_STATEMENT_TIMEOUT_MS);
}

/** Whether PostgreSQL cancelled a statement at its statement timeout (query_canceled by the timer, not by a cancel request). */
export function cancelledAtTimeout(error: unknown): boolean {
  return error instanceof Error && (error as { code?: unknown }).code === '57014' && /statement timeout/.test(error.message);
}

/** Idle connections are closed after this, so a pool does not keep connections a restart has broken. */
export const IDLE_TIMEOUT_S = 60;

function setting(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`Unexpected ${name}: ${JSON.stringify(value)} (want a whole number, 0 or more)`);
  return n;
}

/** `path`: a unix socket to connect through, with unnamed statements only (the server's CLI socket, open.ts, shares one session among its clients). */
export async function openPostgres(url: string, options: { max?: number; connectTimeoutS?: number; statementTimeoutMs?: number; path?: string } = {}, env: NodeJS.ProcessEnv = process.env): Promise<Db> {
  const sql = postgres(url, {
    max: options.max ?? 10,
    ...(options.path ? { path: options.path, prepare: false } : {}),
    onnotice: () => {},
    types: { int8: int8AsNumber, json, jsonb },
    connect_timeout: options.connectTimeoutS ?? setting(env, 'SAFEGROUND_DB_CONNECT_TIMEOUT_S', DEFAULT_CONNECT_TIMEOUT_S),
    idle_timeout: IDLE_TIMEOUT_S,
    connection: { statement_timeout: options.statementTimeoutMs ?? statementTimeoutMs(env) },
  });
  const base = queryable(sql);
  return {
    backend: 'postgres',
    ...base,
    transaction: <T>(fn: (tx: Queryable) => Promise<T>) => sql.begin((tx) => fn(queryable(tx))) as Promise<T>,
    close: () => sql.end({ timeout: 5 }),
  };
}
