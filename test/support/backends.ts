import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Backend, Db } from '../../src/store/db.ts';
import { loadMigrations, migrate } from '../../src/store/migrate.ts';
import { ensurePostgis } from '../../src/store/open.ts';
import { openPglite } from '../../src/store/pglite.ts';
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
}

export const testDatabaseUrl = process.env.SAFEGROUND_TEST_DATABASE_URL;

export const POSTGRES_SKIPPED = 'skipped: PostgreSQL (set SAFEGROUND_TEST_DATABASE_URL)';

export function testBackends(): TestBackend[] {
  const backends: TestBackend[] = [{ name: 'pglite', open: openTestPglite }];
  if (testDatabaseUrl) backends.push({ name: 'postgres', open: () => openTestPostgres(testDatabaseUrl) });
  else test('postgres', (t) => t.skip(POSTGRES_SKIPPED));
  return backends;
}

/**
 * PGlite takes seconds to create and to add PostGIS, so the first test process migrates one
 * database and leaves its dump in the temporary folder, keyed by the migrations (numbers and
 * contents: a renumbered migration is another store); every later
 * open loads that dump.
 */
async function openTestPglite(): Promise<Db> {
  const migrations = await loadMigrations();
  const key = createHash('sha256').update(migrations.map((m) => `${m.version}:${m.checksum}`).join()).digest('hex').slice(0, 16);
  const path = join(tmpdir(), `safeground-pglite-template-${key}.tar`);
  if (existsSync(path)) return openPglite(undefined, new Blob([readFileSync(path)]));
  const db = await openPglite();
  await ensurePostgis(db);
  await migrate(db, migrations);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, Buffer.from(await (await db.dump()).arrayBuffer()));
  renameSync(tmp, path);
  return db;
}

async function openTestPostgres(baseUrl: string): Promise<Db> {
  const database = await createTestDatabase(baseUrl, true);
  const db = await openPostgres(database.url, { max: 4 });
  await migrate(db);
  const close = db.close.bind(db);
  return { ...db, close: async () => { await close(); await database.drop(); } };
}

/** A fresh database URL on the test server (for tests that drive the CLI or server). */
export async function createTestDatabase(baseUrl: string, withPostgis: boolean): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = await openPostgres(baseUrl, { max: 1 });
  const name = `sg_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await admin.exec(`CREATE DATABASE ${name}`);
  await admin.close();
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  if (withPostgis) {
    const db = await openPostgres(url.toString(), { max: 1 });
    await ensurePostgis(db);
    await db.close();
  }
  return {
    url: url.toString(),
    drop: async () => {
      const dropper = await openPostgres(baseUrl, { max: 1 });
      await dropper.exec(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await dropper.close();
    },
  };
}

