import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { UserError } from '../errors.ts';
import type { Db } from './db.ts';

export const migrationsDir = new URL('../../migrations/', import.meta.url);

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export async function loadMigrations(dir: URL = migrationsDir): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const name of files) {
    const match = /^(\d{4})_[a-z0-9_]+\.sql$/.exec(name);
    if (!match) throw new Error(`Unexpected migration file name: ${name} (want NNNN_words.sql)`);
    const sql = await readFile(new URL(name, dir), 'utf8');
    const version = Number(match[1]);
    if (migrations.some((m) => m.version === version)) throw new Error(`Two migrations numbered ${version}`);
    migrations.push({ version, name, sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  return migrations;
}

/**
 * Applies the migrations not yet applied, each in its own transaction with its record, so a
 * failing one leaves the database as it was before it. On PostgreSQL an advisory lock keeps two
 * starting processes from migrating at once.
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
      try {
        await tx.exec(migration.sql);
      } catch (error) {
        throw new UserError(`Migration ${migration.name} failed: ${(error as Error).message}`, 'migration_failed');
      }
      await tx.query('INSERT INTO schema_migration (version, name, checksum) VALUES ($1, $2, $3)', [migration.version, migration.name, migration.checksum]);
      return false;
    });
    if (!done) applied.push(migration);
  }
  return applied;
}
