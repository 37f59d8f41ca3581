import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../errors.ts';
import type { Db } from './db.ts';
import { openPglite } from './pglite.ts';
import { openPostgres } from './postgres.ts';

export type StoreConfig = { databaseUrl: string } | { dataDir: string };

/** The marker that tells a Safeground data folder from any other folder. */
const MARKER = 'safeground-store.json';
const FORMAT = 1;

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}

/** `loadDataDir` fills a new embedded store from a data-directory tarball (a backup being restored). */
export async function openStore(config: StoreConfig, options: { loadDataDir?: Blob } = {}): Promise<Db> {
  const db = 'databaseUrl' in config ? await connectPostgres(config.databaseUrl) : await openDataDir(config.dataDir, options.loadDataDir);
  try {
    await ensurePostgis(db);
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}

async function connectPostgres(url: string): Promise<Db> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UserError('DATABASE_URL is not a URL; expected postgres://user@host:port/database', 'bad_config');
  }
  if (!['postgres:', 'postgresql:'].includes(parsed.protocol)) {
    throw new UserError(`DATABASE_URL must start with postgres:// (got ${parsed.protocol}//)`, 'bad_config');
  }
  const db = await openPostgres(url);
  try {
    await db.query('SELECT 1');
  } catch (error) {
    await db.close().catch(() => {});
    const e = error as Error & { code?: string };
    throw new UserError(`Cannot connect to the database at ${redactUrl(url)}: ${e.message || e.code}`, 'database_unreachable');
  }
  return db;
}

/**
 * The embedded store lives in a folder: PGlite's data directory, a marker file naming the
 * format, and a lock file so that two processes never open the same store (PGlite is one
 * process's database).
 */
async function openDataDir(dir: string, loadDataDir?: Blob): Promise<Db> {
  const root = resolve(dir);
  const marker = join(root, MARKER);
  if (existsSync(root)) {
    const entries = readdirSync(root);
    if (entries.length > 0 && !entries.includes(MARKER)) {
      throw new UserError(`${root} is not a Safeground store (no ${MARKER}); give an empty or new folder`, 'not_a_store');
    }
    if (entries.includes(MARKER)) {
      const format = (JSON.parse(readFileSync(marker, 'utf8')) as { format?: number }).format;
      if (format !== FORMAT) throw new UserError(`${root} holds a Safeground store of format ${format}; this version reads format ${FORMAT}`, 'not_a_store');
    }
  } else {
    mkdirSync(root, { recursive: true });
  }
  if (!existsSync(marker)) writeFileSync(marker, JSON.stringify({ format: FORMAT, createdAt: new Date().toISOString() }) + '\n');
  const releaseLock = takeLock(join(root, 'lock'));
  if (loadDataDir && existsSync(join(root, 'pgdata'))) {
    releaseLock();
    throw new UserError(`${root} already holds a store; a backup is restored into a new folder`, 'store_exists');
  }
  try {
    const db = await openPglite(join(root, 'pgdata'), loadDataDir);
    const close = db.close.bind(db);
    return { ...db, close: async () => { await close(); releaseLock(); } };
  } catch (error) {
    releaseLock();
    throw new UserError(`Cannot open the store in ${root}: ${(error as Error).message}`, 'store_unreadable');
  }
}

function takeLock(path: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number(readFileSync(path, 'utf8'));
      if (pid && pid !== process.pid && isAlive(pid)) {
        throw new UserError(`The store is in use by process ${pid} (lock file ${path})`, 'store_locked');
      }
      rmSync(path, { force: true });
    }
  }
  throw new UserError(`Cannot take the store lock ${path}`, 'store_locked');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** PostGIS is required: creates it where allowed, otherwise says exactly what to do. */
export async function ensurePostgis(db: Db): Promise<void> {
  const [installed] = await db.query<{ extversion: string }>("SELECT extversion FROM pg_extension WHERE extname = 'postgis'");
  if (installed) return;
  try {
    await db.exec('CREATE EXTENSION IF NOT EXISTS postgis');
  } catch (error) {
    const [{ name } = { name: '?' }] = await db.query<{ name: string }>('SELECT current_database() AS name');
    throw new UserError(
      `Database "${name}" has no PostGIS and Safeground could not add it (${(error as Error).message}); ` +
        'install PostGIS on the server (Debian: apt-get install postgresql-15-postgis-3) and run CREATE EXTENSION postgis as a superuser',
      'postgis_missing',
    );
  }
}

export interface StoreInfo {
  backend: Db['backend'];
  postgresVersion: string;
  postgisVersion: string;
}

export async function storeInfo(db: Db): Promise<StoreInfo> {
  const [row] = await db.query<{ pg: string; postgis: string }>("SELECT current_setting('server_version') AS pg, postgis_lib_version() AS postgis");
  return { backend: db.backend, postgresVersion: row?.pg ?? '', postgisVersion: row?.postgis ?? '' };
}
