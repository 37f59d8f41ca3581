import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { UserError } from '../errors.ts';
import type { Db, Queryable } from './db.ts';

export const migrationsDir = new URL('../../migrations/', import.meta.url);

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
  /** The file's first line is NO_TRANSACTION: its statements run one by one, outside a transaction. */
  transaction: boolean;
}

/**
 * The first line that lets a migration run outside a transaction, for what PostgreSQL refuses
 * inside one (CREATE INDEX CONCURRENTLY) or what must commit as it goes (a backfill in batches,
 * CALL safeground_backfill). Each statement must then be safe to run again (IF NOT EXISTS, OR
 * REPLACE, a backfill of what is still missing): a migration stopped half-way is run again from
 * its first statement, and its record is written only after the last one succeeds.
 */
export const NO_TRANSACTION = '-- safeground: no-transaction';

/** The first migration whose number must follow the one before it without a gap (earlier numbers are deployed as they are). */
export const FIRST_CONTIGUOUS_MIGRATION = 20;

export async function loadMigrations(dir: URL = migrationsDir): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const name of files) {
    const match = /^(\d{4})_[a-z0-9_]+\.sql$/.exec(name);
    if (!match) throw new Error(`Unexpected migration file name: ${name} (want NNNN_words.sql)`);
    const sql = await readFile(new URL(name, dir), 'utf8');
    const version = Number(match[1]);
    if (migrations.some((m) => m.version === version)) throw new Error(`Two migrations numbered ${version}`);
    const transaction = sql.split('\n', 1)[0]!.trim() !== NO_TRANSACTION;
    migrations.push({ version, name, sql, checksum: createHash('sha256').update(sql).digest('hex'), transaction });
  }
  return migrations;
}

/**
 * Applies the migrations not yet applied, each in its own transaction with its record, so a
 * failing one leaves the database as it was before it. On PostgreSQL an advisory lock keeps two
 * starting processes from migrating at once. A migration marked NO_TRANSACTION runs statement by
 * statement outside a transaction (two processes starting at once may both run it, which its
 * idempotent statements allow); its record follows its last statement, and an index that a
 * failed CREATE INDEX CONCURRENTLY left invalid is named in the error, since IF NOT EXISTS
 * would otherwise keep it.
 */
export async function migrate(db: Db, migrations?: Migration[]): Promise<Migration[]> {
  const all = migrations ?? (await loadMigrations());
  await db.exec(`CREATE TABLE IF NOT EXISTS schema_migration (
    version integer PRIMARY KEY,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`);
  const applied: Migration[] = [];
  for (const migration of all) {
    const done = await db.transaction(async (tx) => {
      if (db.backend === 'postgres') await tx.query('SELECT pg_advisory_xact_lock(7240117)');
      const [row] = await tx.query<{ checksum: string }>('SELECT checksum FROM schema_migration WHERE version = $1', [migration.version]);
      if (row) {
        if (row.checksum !== migration.checksum) {
          throw new UserError(`Migration ${migration.name} was changed after it was applied to this database; add a new migration instead`, 'migration_changed');
        }
        return true;
      }
      if (!migration.transaction) return false;
      await run(migration, tx);
      await record(tx, migration);
      return false;
    });
    if (done) continue;
    if (!migration.transaction) {
      for (const statement of splitStatements(migration.sql)) await run({ ...migration, sql: statement }, db);
      const invalid = await db.query<{ name: string }>('SELECT indexrelid::regclass::text AS name FROM pg_index WHERE NOT indisvalid');
      if (invalid.length > 0) {
        throw new UserError(`Migration ${migration.name} left invalid indexes (${invalid.map((i) => i.name).join(', ')}): drop them and migrate again`, 'migration_failed');
      }
      await record(db, migration);
    }
    applied.push(migration);
  }
  return applied;
}

async function run(migration: Migration, on: Queryable): Promise<void> {
  try {
    await on.exec(migration.sql);
  } catch (error) {
    throw new UserError(`Migration ${migration.name} failed: ${(error as Error).message}`, 'migration_failed');
  }
}

async function record(on: Queryable, migration: Migration): Promise<void> {
  await on.query('INSERT INTO schema_migration (version, name, checksum) VALUES ($1, $2, $3) ON CONFLICT (version) DO NOTHING', [migration.version, migration.name, migration.checksum]);
}

/**
 * The statements of a script, split at semicolons outside quotes, quoted identifiers, dollar
 * quotes and comments, so each can be sent alone (several in one message would run as one
 * implicit transaction).
 */
export function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let start = 0;
  let i = 0;
  const dollarQuote = /\$[A-Za-z_]*\$/y;
  const after = (text: string, from: number, offset: number) => (sql.indexOf(text, from) === -1 ? sql.length : sql.indexOf(text, from) + offset);
  while (i < sql.length) {
    dollarQuote.lastIndex = i;
    const dollar = dollarQuote.exec(sql);
    if (sql.startsWith('--', i)) i = after('\n', i, 0);
    else if (sql.startsWith('/*', i)) i = after('*/', i + 2, 2);
    else if (sql[i] === "'" || sql[i] === '"') i = closing(sql, i, sql[i]!);
    else if (dollar) i = after(dollar[0], i + dollar[0].length, dollar[0].length);
    else if (sql[i] === ';') {
      statements.push(sql.slice(start, i + 1));
      start = ++i;
    } else i++;
  }
  statements.push(sql.slice(start));
  return statements.filter((s) => s.replace(/--[^\n]*/g, '').trim().length > 0);
}

/** The index after the quote that closes the one at `at` (a doubled quote stays inside). */
function closing(sql: string, at: number, quote: string): number {
  let i = at + 1;
  while (i < sql.length) {
    if (sql[i] === quote && sql[i + 1] === quote) i += 2;
    else if (sql[i] === quote) return i + 1;
    else i++;
  }
  return sql.length;
}
