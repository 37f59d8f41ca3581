import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UserError } from '../errors.ts';
import { insertRows, type Db, type Queryable } from './db.ts';
import { loadMigrations } from './migrate.ts';
import { openPglite, type PgliteDb } from './pglite.ts';
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

/**
 * `loadDataDir` fills a new embedded store from a data-directory tarball (a backup being restored).
 * An embedded store held by a running server is reached through its CLI socket, unless `exclusive`
 * (the server itself, a backup of the data folder): then it is refused as in use.
 */
export async function openStore(config: StoreConfig, options: { loadDataDir?: Blob; exclusive?: boolean } = {}): Promise<Db> {
  const db = 'databaseUrl' in config ? await connectPostgres(config.databaseUrl) : await openDataDir(config.dataDir, options.loadDataDir, options.exclusive ?? false);
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
async function openDataDir(dir: string, loadDataDir: Blob | undefined, exclusive: boolean): Promise<Db> {
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
  const lock = join(root, 'lock');
  const releaseLock = takeLock(lock);
  if (typeof releaseLock === 'number') {
    const shared = !loadDataDir && !exclusive;
    if (shared && existsSync(cliSocketPath(root))) return connectToServer(root, releaseLock);
    throw new UserError(`The store is in use by process ${releaseLock} (lock file ${lock})${shared ? '; if that is `safeground serve` still starting, try again once it serves' : ''}`, 'store_locked');
  }
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

/** Releases the lock taken, or the process that holds it. */
function takeLock(path: string): (() => void) | number {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number(readFileSync(path, 'utf8'));
      if (pid && pid !== process.pid && isAlive(pid)) return pid;
      rmSync(path, { force: true });
    }
  }
  throw new UserError(`Cannot take the store lock ${path}`, 'store_locked');
}

/**
 * While `serve` holds an embedded store, other commands reach it through this unix socket of the
 * server (socket.ts, policy `owner`): `<data folder>/run/.s.PGSQL.5432`, the folder 0700 and the
 * socket 0600, so only the store's owner can connect and no password is asked. The name is
 * libpq's, so `psql -h <data folder>/run -U postgres` reaches it too.
 */
export function cliSocketPath(dataDir: string): string {
  return join(resolve(dataDir), 'run', '.s.PGSQL.5432');
}

/**
 * The longest one CLI transaction may hold the store while the server runs: long enough for a
 * large import, which holds it (and keeps the web app waiting) as the same import in the server would.
 */
export const CLI_UNIT_SECONDS = 3600;

/** Called by `serve` on the embedded store it holds. */
export function serveCliSocket(db: PgliteDb, dataDir: string): Promise<{ close(): Promise<void> }> {
  const path = cliSocketPath(dataDir);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  chmodSync(dirname(path), 0o700);
  return db.serveSocket({ policy: 'owner', path, unitSeconds: CLI_UNIT_SECONDS }, () => Promise.resolve(null)); // never asked: the file modes are the authentication
}

/**
 * The store through the server's CLI socket. It is PGlite's SQL (backend 'pglite': code that
 * differs by backend takes PGlite's way), over postgres.js with one connection; bulk loads are
 * multi-row INSERTs, since the socket serves no COPY.
 */
async function connectToServer(root: string, pid: number): Promise<Db> {
  const path = cliSocketPath(root);
  const db = await openPostgres('postgres://postgres@localhost/postgres', { max: 1, path });
  let missing: string[];
  try {
    const applied = new Set((await db.query<{ version: number }>('SELECT version FROM schema_migration')).map((row) => row.version));
    missing = (await loadMigrations()).filter((m) => !applied.has(m.version)).map((m) => m.name);
  } catch (error) {
    await db.close().catch(() => {});
    throw new UserError(`The store is in use by process ${pid}, and its socket ${path} does not answer: ${(error as Error).message}`, 'store_locked');
  }
  if (missing.length > 0) {
    await db.close();
    // Migrating a store under a running server of an older version would change its schema beneath it.
    throw new UserError(`The store is in use by process ${pid} (safeground serve), and it lacks migrations this version applies (${missing.join(', ')}); stop the server, run safeground migrate, then start it again`, 'store_locked');
  }
  const through = (q: Queryable): Queryable => ({ ...q, bulkLoad: (table, columns, rows) => insertRows(q, table, columns, rows) });
  return {
    ...db,
    ...through(db),
    backend: 'pglite',
    transaction: (fn) => db.transaction((tx) => fn(through(tx))),
  };
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
