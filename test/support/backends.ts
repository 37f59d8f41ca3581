import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { generateDemo } from '../../src/demo/generate.ts';
import type { Backend, Db } from '../../src/store/db.ts';
import { loadMigrations, migrate, type Migration } from '../../src/store/migrate.ts';
import { ensurePostgis } from '../../src/store/open.ts';
import { openPglite, type PgliteDb } from '../../src/store/pglite.ts';
import { openPostgres } from '../../src/store/postgres.ts';

/**
 * The store suite runs on PGlite always and on PostgreSQL whenever SAFEGROUND_TEST_DATABASE_URL
 * names a database on a server with PostGIS (.ci/run always sets it). Each open() gives a fresh,
 * migrated database of its own, dropped on close(). Without that variable each file that asks
 * for its backends shows a skipped test saying so, so a run without PostgreSQL cannot pass for
 * one with it.
 */
export interface TestBackend {
  name: Backend;
  open(): Promise<Db>;
  /** A fresh store holding the small demo dataset (default seed), as `open()` then generateDemo would give. */
  openDemo(): Promise<Db>;
}

export const testDatabaseUrl = process.env.SAFEGROUND_TEST_DATABASE_URL;

export const POSTGRES_SKIPPED = 'skipped: PostgreSQL (set SAFEGROUND_TEST_DATABASE_URL)';

export function testBackends(): TestBackend[] {
  const backends: TestBackend[] = [{ name: 'pglite', open: openTestPglite, openDemo: openTestPgliteDemo }];
  if (testDatabaseUrl) backends.push({ name: 'postgres', open: () => openTestPostgres(testDatabaseUrl, 'migrated'), openDemo: () => openTestPostgres(testDatabaseUrl, 'demo') });
  else test('postgres', (t) => t.skip(POSTGRES_SKIPPED));
  return backends;
}

/**
 * A fresh store of `backend` for the enclosing describe block: opened before its tests and closed
 * after them. The Db it gives passes each call on to that store, so the block can name it at once.
 */
export function storeFor(backend: TestBackend): Db {
  let opened: Db | undefined;
  before(async () => {
    opened = await backend.open();
  });
  after(async () => {
    await opened?.close();
  });
  return new Proxy({} as Db, {
    get(_target, key) {
      if (!opened) throw new Error('The test store opens before the tests of its describe block');
      const value: unknown = Reflect.get(opened, key);
      return typeof value === 'function' ? value.bind(opened) : value;
    },
  });
}

/**
 * PGlite takes seconds to create and to add PostGIS, so the first test process migrates one
 * database and leaves its dump in the temporary folder, keyed by the migrations; every later
 * open loads that dump. Gzipped: half the dump is two 16 MB WAL segments, mostly zeros, and
 * reading 8 MB instead of 68 MB through a Blob saves about a second a store.
 */
async function openTestPglite(): Promise<PgliteDb> {
  const migrations = await loadMigrations();
  const path = join(tmpdir(), `safeground-pglite-template-${migrationsKey(migrations)}.tar.gz`);
  if (existsSync(path)) return openPglite(undefined, new Blob([readFileSync(path)]));
  const db = await openPglite();
  await ensurePostgis(db);
  await migrate(db, migrations);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, Buffer.from(await (await db.dump('gzip')).arrayBuffer()));
  renameSync(tmp, path);
  return db;
}

/**
 * Generating the demo takes seconds on PostgreSQL and more on PGlite, and a dozen files start from
 * it on both backends, so it is made once into a template too. Its key covers the migrations, every
 * source file under src (the demo is whatever the code now generates) and the day (its rows carry
 * the time they were written).
 */
async function openTestPgliteDemo(): Promise<Db> {
  const path = join(tmpdir(), `safeground-pglite-demo-${await demoKey()}.tar.gz`);
  if (existsSync(path)) return openPglite(undefined, new Blob([readFileSync(path)]));
  const db = await openTestPglite();
  await generateDemo(db, { scale: 'small' });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, Buffer.from(await (await db.dump('gzip')).arrayBuffer()));
  renameSync(tmp, path);
  return db;
}

let demoKeyOfProcess: Promise<string> | undefined;

/** Hashing every source file takes a moment, and a test process opens many stores: once a process. */
function demoKey(): Promise<string> {
  demoKeyOfProcess ??= loadMigrations().then(hashDemoKey);
  return demoKeyOfProcess;
}

function hashDemoKey(migrations: readonly Migration[]): string {
  const hash = createHash('sha256').update(migrationsKey(migrations)).update(new Date().toISOString().slice(0, 10));
  const sources = readdirSync(SOURCES, { recursive: true, encoding: 'utf8' }).filter((path) => path.endsWith('.ts') && !path.endsWith('.test.ts')).sort();
  for (const path of sources) hash.update(path).update(readFileSync(join(SOURCES, path)));
  return hash.digest('hex').slice(0, 16);
}

const SOURCES = new URL('../../src/', import.meta.url).pathname;

/** Names a migration set by its numbers and contents: a renumbered migration is another store. */
function migrationsKey(migrations: readonly Migration[]): string {
  return createHash('sha256').update(migrations.map((m) => `${m.version}:${m.checksum}`).join()).digest('hex').slice(0, 16);
}

async function openTestPostgres(baseUrl: string, contents: 'migrated' | 'demo'): Promise<Db> {
  const database = await createTestDatabase(baseUrl, contents);
  const db = await openPostgres(database.url, { max: 4 });
  const close = db.close.bind(db);
  return { ...db, close: async () => { await close(); await database.drop(); } };
}

/**
 * A fresh database on the test server: empty, with PostGIS only (for tests that drive the CLI or
 * server, which migrate it themselves), migrated, or migrated with the small demo.
 */
export async function createTestDatabase(baseUrl: string, contents: 'empty' | 'postgis' | 'migrated' | 'demo'): Promise<{ url: string; drop(): Promise<void> }> {
  const template = contents === 'empty' ? 'template1' : await templateDatabase(baseUrl, contents);
  const admin = await openPostgres(baseUrl, { max: 1 });
  const name = `sg_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await admin.exec(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  await admin.close();
  const url = databaseUrl(baseUrl, name);
  return {
    url: url.toString(),
    drop: async () => {
      const dropper = await openPostgres(baseUrl, { max: 1 });
      await dropper.exec(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await dropper.close();
    },
  };
}

/**
 * Adding PostGIS to a new database, running every migration and generating the demo take seconds
 * each, and the suite opens dozens of databases; copying a template takes a fraction of one. So
 * each kind is made once per key (demoKey), `sg_template_<kind>_<key>`, under an advisory lock
 * that parallel test files wait on, and published by renaming, so a process killed half-way
 * leaves no template that looks finished. Templates of other keys (and a half-made one) are
 * dropped when a new one is made, unless in use.
 */
/** The advisory lock the test processes make templates under; not the sync feed's (7240118). */
const TEMPLATE_LOCK = 7240119;

async function templateDatabase(baseUrl: string, kind: 'postgis' | 'migrated' | 'demo'): Promise<string> {
  const key = await demoKey();
  const name = `sg_template_${kind}_${key}`;
  const admin = await openPostgres(baseUrl, { max: 1 });
  try {
    await admin.query('SELECT pg_advisory_lock($1)', [TEMPLATE_LOCK]);
    const [exists] = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists) return name;
    for (const { datname } of await admin.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'sg\\_template\\_%'")) {
      if (!datname.endsWith(`_${key}`)) await admin.exec(`DROP DATABASE IF EXISTS ${datname}`).catch(() => undefined);
    }
    const building = `${name}_building`;
    await admin.exec(`CREATE DATABASE ${building}`);
    const db = await openPostgres(databaseUrl(baseUrl, building).toString(), { max: 1 });
    try {
      await ensurePostgis(db);
      if (kind !== 'postgis') await migrate(db);
      if (kind === 'demo') await generateDemo(db, { scale: 'small' });
    } finally {
      await db.close();
    }
    await admin.exec(`ALTER DATABASE ${building} RENAME TO ${name}`);
    return name;
  } finally {
    await admin.query('SELECT pg_advisory_unlock($1)', [TEMPLATE_LOCK]);
    await admin.close();
  }
}

/** The URL of another database on the server `baseUrl` names. */
function databaseUrl(baseUrl: string, database: string): URL {
  const url = new URL(baseUrl);
  url.pathname = `/${database}`;
  return url;
}
