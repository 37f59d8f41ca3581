/**
 * Restores a backup into a new store, after checking, before anything is touched, that the file
 * matches its checksum, that its backend is the target's, and that its migrations are ones this
 * Safeground knows. The restored store's row counts are then compared with the manifest's.
 */
import { existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UserError } from '../errors.ts';
import type { Progress } from '../exchange/progress.ts';
import { loadMigrations } from '../store/migrate.ts';
import { openStore, type StoreConfig } from '../store/open.ts';
import { openPostgres } from '../store/postgres.ts';
import { isAlive, type Manifest, migrationProblem, verifyBackup } from './files.ts';
import { findPgTool, runPgTool } from './pgtools.ts';
import { isEmptyDatabase, tableCounts, versions } from './store.ts';

export interface RestoreOptions {
  /** Replace what the target holds (the embedded folder is kept aside, the database's objects are dropped). */
  clean?: boolean;
  progress?: (label: string, total: number | null, unit: 'rows' | 'bytes') => Progress;
}

export interface RestoreResult {
  manifest: Manifest;
  seconds: number;
  /** Where the embedded store that was replaced now is. */
  replaced?: string;
}

/** Everything checked that can be checked without the target: the file, its manifest, its migrations. */
export async function checkBackup(data: string, target: StoreConfig): Promise<Manifest> {
  const manifest = await verifyBackup(data);
  const wanted = 'databaseUrl' in target ? 'postgres' : 'pglite';
  if (manifest.backend !== wanted) {
    throw new UserError(
      `${basename(data)} is a backup of ${manifest.backend === 'pglite' ? 'an embedded store' : 'a PostgreSQL database'}; it restores into ${manifest.backend === 'pglite' ? 'a data folder (--data-dir)' : 'a PostgreSQL database (--database-url)'}`,
      'backup_backend',
    );
  }
  const problem = migrationProblem(manifest.migrations, await loadMigrations());
  if (problem) throw new UserError(`Cannot restore ${basename(data)}: ${problem}`, 'backup_migrations');
  return manifest;
}

function assertCounts(manifest: Manifest, counts: Record<string, number>, where: string): void {
  const differ = Object.entries(manifest.counts).filter(([table, n]) => counts[table] !== n);
  if (differ.length > 0) {
    throw new UserError(`The restored ${where} differs from the backup's manifest: ${differ.map(([t, n]) => `${t} ${counts[t] ?? 'missing'} rows, expected ${n}`).join('; ')}`, 'restore_mismatch');
  }
}

export async function restoreBackup(data: string, target: StoreConfig, options: RestoreOptions = {}): Promise<RestoreResult> {
  const started = Date.now();
  const manifest = await checkBackup(data, target);
  const result = 'databaseUrl' in target ? await restorePostgres(data, manifest, target.databaseUrl, options) : await restorePglite(data, manifest, target.dataDir, options);
  return { manifest, seconds: (Date.now() - started) / 1000, ...result };
}

/**
 * The embedded store is restored into a new folder beside the target and swapped in only when
 * its counts match, so a failed restore leaves the target as it was; a replaced store is kept
 * aside under a dated name, never deleted.
 */
async function restorePglite(data: string, manifest: Manifest, dataDir: string, options: RestoreOptions): Promise<{ replaced?: string }> {
  const root = resolve(dataDir);
  const occupied = existsSync(root) && readdirSync(root).length > 0;
  if (occupied && !options.clean) throw new UserError(`${root} is not empty; restore into a new folder, or give --clean --yes to replace the store there (it is kept aside)`, 'store_exists');
  if (occupied && existsSync(join(root, 'lock'))) {
    const pid = Number(readFileSync(join(root, 'lock'), 'utf8'));
    if (pid && isAlive(pid)) throw new UserError(`The store in ${root} is in use by process ${pid}; stop the server before replacing its store`, 'store_locked');
  }
  const staging = join(dirname(root), `.${basename(root)}.restoring-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  const progress = options.progress?.(`Restoring ${basename(data)}`, manifest.bytes, 'bytes');
  progress?.update(0, 0);
  try {
    const db = await openStore({ dataDir: staging }, { loadDataDir: new Blob([readFileSync(data)]) });
    try {
      assertCounts(manifest, await tableCounts(db), 'store');
    } finally {
      await db.close();
    }
    progress?.update(manifest.bytes, manifest.bytes);
    progress?.done();
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  let replaced: string | undefined;
  if (existsSync(root)) {
    replaced = occupied ? `${root}.replaced-${new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}` : undefined;
    if (replaced) renameSync(root, replaced);
    else rmSync(root, { recursive: true });
  }
  renameSync(staging, root);
  return replaced ? { replaced } : {};
}

/**
 * pg_restore in one transaction that stops at the first error, so the database gets the whole
 * backup or nothing. Ownership and grants are not restored: the restoring user owns the
 * objects, and GIS roles (cluster-wide, not in a dump) are granted again with
 * `safeground gis-role create`.
 */
async function restorePostgres(data: string, manifest: Manifest, url: string, options: RestoreOptions): Promise<Record<string, never>> {
  let db: Awaited<ReturnType<typeof openPostgres>>;
  try {
    db = await openPostgres(url, { max: 1 });
    await db.query('SELECT 1');
  } catch (error) {
    throw new UserError(`Cannot connect to the database to restore into: ${(error as Error).message}`, 'database_unreachable');
  }
  try {
    if (!options.clean && !(await isEmptyDatabase(db))) {
      throw new UserError('The database already holds tables; restore into a new, empty database (createdb), or give --clean --yes to drop and replace what the backup holds', 'store_exists');
    }
    const { serverVersionNum } = await versions(db);
    const backupMajor = Number(/^\d+/.exec(manifest.postgresVersion)?.[0] ?? 0);
    const serverMajor = Math.floor(serverVersionNum / 10000);
    if (serverMajor < backupMajor) {
      throw new UserError(`The backup is of PostgreSQL ${manifest.postgresVersion}; this server is ${serverMajor}, older: restore into PostgreSQL ${backupMajor} or newer`, 'pg_version_mismatch');
    }
    const pgRestore = findPgTool('pg_restore', Math.max(serverMajor, backupMajor));
    const total = Object.values(manifest.counts).reduce((a, b) => a + b, 0);
    const progress = options.progress?.(`Restoring ${basename(data)}`, total, 'rows');
    let done = 0;
    let current: string | null = null;
    const database = decodeURIComponent(new URL(url).pathname.slice(1));
    await runPgTool(pgRestore, ['--no-owner', '--no-privileges', '--single-transaction', '--exit-on-error', ...(options.clean ? ['--clean', '--if-exists'] : []), `--dbname=${database}`, data], url, (table) => {
      if (current) done += manifest.counts[current] ?? 0;
      current = table;
      progress?.update(done, done);
    });
    progress?.update(total, total);
    progress?.done();
    assertCounts(manifest, await tableCounts(db), 'database');
    return {};
  } finally {
    await db.close();
  }
}
