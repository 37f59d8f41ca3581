/** What backups read from the store: table counts, applied migrations, and the embedded snapshot. */
import type { Db, Queryable } from '../store/db.ts';
import { assertIdentifier } from '../store/db.ts';
import type { PgliteDb } from '../store/pglite.ts';
import type { Manifest } from './files.ts';

/** The register's tables: every ordinary table of the public schema but PostGIS's own. */
export async function registerTables(db: Queryable): Promise<string[]> {
  const rows = await db.query<{ name: string }>(
    "SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relname <> 'spatial_ref_sys' AND NOT c.relispartition ORDER BY c.relname",
  );
  return rows.map((r) => r.name);
}

export async function tableCounts(db: Queryable): Promise<Record<string, number>> {
  const tables = await registerTables(db);
  if (tables.length === 0) return {};
  const [row] = await db.query<Record<string, number>>(`SELECT ${tables.map((t) => `(SELECT count(*) FROM ${assertIdentifier(t)})::int AS ${t}`).join(', ')}`);
  return row ?? {};
}

/**
 * A checksum of each table's rows in a fixed order (their text form, sorted), so two stores hold
 * the same register exactly when the checksums agree. Reads every row: for drills and checks,
 * not for each backup.
 */
export async function tableChecksums(db: Queryable): Promise<Record<string, string>> {
  const sums: Record<string, string> = {};
  for (const table of await registerTables(db)) {
    const t = assertIdentifier(table);
    const [row] = await db.query<{ sum: string | null }>(`SELECT md5(string_agg(t::text, E'\\n' ORDER BY t::text COLLATE "C")) AS sum FROM ${t} t`);
    sums[table] = row?.sum ?? 'empty';
  }
  return sums;
}

export async function appliedMigrations(db: Queryable): Promise<Manifest['migrations']> {
  const [exists] = await db.query<{ yes: boolean }>("SELECT to_regclass('public.schema_migration') IS NOT NULL AS yes");
  if (!exists?.yes) return [];
  return db.query<{ version: number; checksum: string }>('SELECT version, checksum FROM schema_migration ORDER BY version');
}

export async function versions(db: Queryable): Promise<{ postgresVersion: string; postgisVersion: string; serverVersionNum: number }> {
  const [row] = await db.query<{ pg: string; postgis: string | null; num: string }>(
    "SELECT current_setting('server_version') AS pg, current_setting('server_version_num') AS num, (SELECT extversion FROM pg_extension WHERE extname = 'postgis') AS postgis",
  );
  return { postgresVersion: row?.pg ?? '', postgisVersion: row?.postgis ?? '', serverVersionNum: Number(row?.num ?? 0) };
}

/** What the manifest says about the store, read in the snapshot's own transaction. */
export async function describeStore(tx: Queryable): Promise<Pick<Manifest, 'postgresVersion' | 'postgisVersion' | 'migrationLevel' | 'migrations' | 'counts'>> {
  const { postgresVersion, postgisVersion } = await versions(tx);
  const migrations = await appliedMigrations(tx);
  return { postgresVersion, postgisVersion, migrations, migrationLevel: Math.max(0, ...migrations.map((m) => m.version)), counts: await tableCounts(tx) };
}

/**
 * The embedded store's data directory as a tarball, taken inside one of PGlite's transactions:
 * PGlite is one backend, so while the transaction is open no other request or GIS-socket unit
 * runs, and the files are a point in time after every committed write. A CHECKPOINT first
 * writes the shared buffers out, so the copy needs little WAL replay when it is opened.
 */
export async function snapshotPglite(db: PgliteDb): Promise<{ tar: Blob; store: Awaited<ReturnType<typeof describeStore>> }> {
  return db.transaction(async (tx) => {
    const store = await describeStore(tx);
    await tx.exec('CHECKPOINT');
    const tar = await db.dump('gzip');
    return { tar, store };
  });
}

/**
 * On PostgreSQL, a repeatable-read transaction exports its snapshot, so pg_dump (given
 * `--snapshot`) and the manifest's counts see the very same state. `fn` runs while the
 * transaction is open.
 */
export async function withExportedSnapshot<T>(db: Db, fn: (snapshot: string, store: Awaited<ReturnType<typeof describeStore>>) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.exec('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    const [row] = await tx.query<{ snapshot: string }>('SELECT pg_export_snapshot() AS snapshot');
    const store = await describeStore(tx);
    return fn(row!.snapshot, store);
  });
}

/** Whether a PostgreSQL database holds nothing of Safeground's (a restore target). */
export async function isEmptyDatabase(db: Queryable): Promise<boolean> {
  return (await registerTables(db)).length === 0;
}
