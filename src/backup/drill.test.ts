import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareStore } from '../cli/store.ts';
import { generateDemo } from '../demo/generate.ts';
import { buildServer } from '../http/server.ts';
import type { Db } from '../store/db.ts';
import { migrate } from '../store/migrate.ts';
import { openStore, type StoreConfig } from '../store/open.ts';
import { openPostgres } from '../store/postgres.ts';
import { type Actors, seedActors } from '../../test/support/actors.ts';
import { createTestDatabase, POSTGRES_SKIPPED, testDatabaseUrl } from '../../test/support/backends.ts';
import { backupStore } from './backup.ts';
import { checksumPath, listBackups, manifestPath, type Manifest } from './files.ts';
import { restoreBackup } from './restore.ts';
import { tableChecksums } from './store.ts';

/**
 * The restore drill: demo data backed up, restored into a fresh store, and the register compared
 * table by table (row counts and a checksum of the ordered rows of every table, history and
 * versions included); a backup killed with SIGKILL half-way never passes for a backup and leaves
 * the store as it was.
 */
const bin = new URL('../../bin/safeground.js', import.meta.url).pathname;

interface Source {
  config: StoreConfig;
  /** A target for restores that holds nothing yet. */
  freshTarget(): Promise<{ config: StoreConfig; drop(): Promise<void> }>;
  drop(): Promise<void>;
}

async function pgliteSource(dir: string): Promise<Source> {
  let n = 0;
  return {
    config: { dataDir: join(dir, 'store') },
    freshTarget: () => Promise.resolve({ config: { dataDir: join(dir, `restored-${++n}`) }, drop: () => Promise.resolve() }),
    drop: () => Promise.resolve(),
  };
}

async function postgresSource(url: string): Promise<Source> {
  const source = await createTestDatabase(url, 'postgis');
  return {
    config: { databaseUrl: source.url },
    async freshTarget() {
      const target = await createTestDatabase(url, 'empty');
      return { config: { databaseUrl: target.url }, drop: () => target.drop() };
    },
    drop: () => source.drop(),
  };
}

function cli(args: string[]): ReturnType<typeof spawn> {
  const { DATABASE_URL: _ignored, ...env } = process.env;
  return spawn(process.execPath, [bin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
}

function storeArgs(config: StoreConfig): string[] {
  return 'databaseUrl' in config ? ['--database-url', config.databaseUrl] : ['--data-dir', config.dataDir];
}

/** Runs the backup CLI and kills it (and its pg_dump) with SIGKILL as soon as its partial file appears. */
function killMidway(config: StoreConfig, folder: string): Promise<{ killedWhilePartial: boolean; exit: string }> {
  mkdirSync(folder, { recursive: true });
  const child = cli(['backup', ...storeArgs(config), '--backup-folder', folder]);
  return new Promise((resolve) => {
    let killedWhilePartial = false;
    const watcher = watch(folder, (_event, name) => {
      if (name && /\.partial-\d+$/.test(name) && child.exitCode === null && !killedWhilePartial) {
        killedWhilePartial = listBackups(folder).length === 0 && readdirSync(folder).some((f) => f.includes('.partial-'));
        process.kill(-child.pid!, 'SIGKILL');
      }
    });
    child.once('exit', (code, signal) => {
      watcher.close();
      resolve({ killedWhilePartial, exit: signal ?? String(code) });
    });
  });
}

const backends: { name: string; source: (dir: string) => Promise<Source> }[] = [{ name: 'pglite', source: pgliteSource }];
const postgresUrl = testDatabaseUrl;
if (postgresUrl) backends.push({ name: 'postgres', source: () => postgresSource(postgresUrl) });
else test('postgres', (t) => t.skip(POSTGRES_SKIPPED));

for (const backend of backends) {
  describe(`backup and restore drill on ${backend.name}`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'safeground-drill-'));
    let source: Source;
    let db: Db;
    let register: Record<string, string>;
    /** The register when the backup was taken. */
    let backedUp: Record<string, string>;
    let backup: Awaited<ReturnType<typeof backupStore>>;
    let actors: Actors;

    before(async () => {
      source = await backend.source(dir);
      db = await openStore(source.config);
      await migrate(db);
      await prepareStore(db);
      actors = await seedActors(db);
      await generateDemo(db, { scale: 'small', seed: 7 });
      register = await tableChecksums(db);
    });
    after(async () => {
      await db.close();
      await source.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    test('a backup restored into a fresh store gives the same register, table by table', async (t) => {
      backup = await backupStore(db, join(dir, 'backups'), 'databaseUrl' in source.config ? { databaseUrl: source.config.databaseUrl } : {});
      backedUp = register;
      assert.ok(backup.manifest.counts.hazard! > 0 && backup.manifest.counts.record_version! > 0, 'the demo has hazards and history');
      assert.equal(backup.manifest.bytes, statSync(backup.path).size);
      assert.match(readFileSync(checksumPath(backup.path), 'utf8'), new RegExp(`^${backup.manifest.sha256}  safeground-${backend.name}-`));

      const target = await source.freshTarget();
      try {
        const restored = await restoreBackup(backup.path, target.config);
        const copy = await openStore(target.config);
        try {
          const after = await tableChecksums(copy);
          assert.deepEqual(after, register);
          assert.ok(Object.keys(after).includes('record_version') && Object.keys(after).includes('audit_log'));
        } finally {
          await copy.close();
        }
        t.diagnostic(`${backend.name}: ${Object.values(backup.manifest.counts).reduce((a, b) => a + b, 0)} rows, backup ${(backup.manifest.bytes / 1024 ** 2).toFixed(1)} MB in ${backup.seconds.toFixed(1)} s, restore in ${restored.seconds.toFixed(1)} s`);
      } finally {
        await target.drop();
      }
    });

    test('the store changed after the backup differs, so the comparison can fail', async () => {
      await db.query("UPDATE setting SET value = '\"changed\"'::jsonb WHERE key = (SELECT min(key) FROM setting)");
      assert.notDeepEqual(await tableChecksums(db), register);
      register = await tableChecksums(db);
    });

    test('restore refuses a damaged file, a file without its checksum, and a backup from a newer Safeground, before touching the target', async () => {
      const folder = join(dir, 'bad');
      mkdirSync(folder);
      const copyOf = (name: string) => {
        const path = join(folder, name.replace(/-\d{8}T/, '-20000101T'));
        copyFileSync(backup.path, path);
        copyFileSync(checksumPath(backup.path), checksumPath(path));
        copyFileSync(manifestPath(backup.path), manifestPath(path));
        writeFileSync(checksumPath(path), readFileSync(checksumPath(path), 'utf8').replace(/ {2}.*/, `  ${path.split('/').pop()}`));
        return path;
      };
      const name = backup.path.split('/').pop()!;
      const target = await source.freshTarget();
      try {
        const damaged = copyOf(name);
        const bytes = readFileSync(damaged);
        const middle = bytes.length >> 1;
        bytes[middle] = bytes[middle]! ^ 0xff;
        writeFileSync(damaged, bytes);
        await assert.rejects(restoreBackup(damaged, target.config), /does not match its checksum/);

        rmSync(checksumPath(damaged));
        copyFileSync(backup.path, damaged);
        await assert.rejects(restoreBackup(damaged, target.config), /has no checksum file/);

        rmSync(damaged);
        const newer = copyOf(name);
        const manifest = JSON.parse(readFileSync(manifestPath(newer), 'utf8')) as Manifest;
        manifest.migrations.push({ version: 9999, checksum: 'f'.repeat(64) });
        writeFileSync(manifestPath(newer), JSON.stringify(manifest));
        await assert.rejects(restoreBackup(newer, target.config), /migration 9999, which this Safeground .* does not know/);

        await assert.rejects(restoreBackup(backup.path, source.config), /not empty|already holds tables/);
        if ('dataDir' in target.config) assert.equal(existsSync(target.config.dataDir), false, 'nothing was written for a refused restore');
        else {
          const untouched = await openPostgres(target.config.databaseUrl, { max: 1 });
          try {
            const tables = await untouched.query("SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE nspname = 'public' AND relkind = 'r'");
            assert.equal(tables.length, 0, 'nothing was written for a refused restore');
          } finally {
            await untouched.close();
          }
        }
      } finally {
        await target.drop();
      }
    });

    test('`safeground restore --clean --yes` replaces a store that holds other data with the backup\'s register; without --yes it touches nothing', async () => {
      const target = await source.freshTarget();
      try {
        // A store that holds other data: the backup restored, then changed.
        await restoreBackup(backup.path, target.config);
        const other = await openStore(target.config);
        try {
          await other.query("INSERT INTO setting (key, value) VALUES ('drill.other', '\"the store that was there\"'::jsonb)");
        } finally {
          await other.close();
        }
        const run = async (args: string[]) => {
          const child = cli(['restore', backup.path, ...storeArgs(target.config), ...args]);
          let output = '';
          child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
          child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
          const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
          return { code, output };
        };
        const unconfirmed = await run(['--clean']);
        assert.notEqual(unconfirmed.code, 0);
        assert.match(unconfirmed.output, /add --yes to confirm/);
        const refused = await run([]);
        assert.notEqual(refused.code, 0);
        assert.match(refused.output, /not empty|already holds tables/);

        const replaced = await run(['--clean', '--yes']);
        assert.equal(replaced.code, 0, replaced.output);
        assert.match(replaced.output, /counts match the manifest/);
        const copy = await openStore(target.config);
        try {
          assert.deepEqual(await tableChecksums(copy), backedUp);
        } finally {
          await copy.close();
        }
        if ('dataDir' in target.config) {
          const aside = /kept in (\S+)/.exec(replaced.output)?.[1];
          assert.ok(aside && existsSync(join(aside, 'safeground-store.json')) && existsSync(join(aside, 'pgdata')), `the replaced store is kept aside: ${replaced.output}`);
        }
      } finally {
        await target.drop();
      }
    });

    test('a backup killed with SIGKILL half-way is never taken for a backup, and the store is unharmed', async (t) => {
      // The CLI opens the store itself: the embedded one only when no other process holds it.
      await db.close();
      const folder = join(dir, 'killed');
      let midway = 0;
      for (let trial = 0; trial < 3 && midway === 0; trial++) {
        const { killedWhilePartial, exit } = await killMidway(source.config, folder);
        t.diagnostic(`trial ${trial}: exit ${exit}, killed while writing: ${killedWhilePartial}`);
        if (killedWhilePartial) midway++;
        for (const complete of listBackups(folder)) rmSync(complete);
      }
      assert.ok(midway > 0, 'one of the kills landed while the backup was being written');
      assert.deepEqual(listBackups(folder), []);
      const target = await source.freshTarget();
      try {
        for (const name of readdirSync(folder)) {
          if (name.endsWith('.sha256') || name.endsWith('.manifest.json')) continue;
          await assert.rejects(restoreBackup(join(folder, name), target.config), /no checksum file|not a complete|No backup/);
        }
      } finally {
        await target.drop();
      }
      db = await openStore(source.config);
      assert.deepEqual(await tableChecksums(db), register);
    });

    if (backend.name === 'pglite') {
      test('`safeground backup --server` saves the running server\'s snapshot, and it restores', async () => {
        const app = await buildServer({ db });
        await app.listen({ port: 0, host: '127.0.0.1' });
        try {
          const address = app.server.address() as { port: number };
          const folder = join(dir, 'served');
          const refused = await app.inject({ method: 'POST', url: '/api/admin/backup', headers: actors.auth('national_information_officer') });
          assert.equal(refused.statusCode, 403);
          const env = { ...process.env, SAFEGROUND_TOKEN: actors.tokens.administrator };
          const run = spawn(process.execPath, [bin, 'backup', '--server', `http://127.0.0.1:${address.port}`, '--backup-folder', folder], { env, stdio: ['ignore', 'pipe', 'pipe'] });
          let output = '';
          run.stdout.on('data', (d: Buffer) => (output += d.toString()));
          run.stderr.on('data', (d: Buffer) => (output += d.toString()));
          const code = await new Promise((resolve) => run.once('exit', resolve));
          assert.equal(code, 0, output);
          const [saved] = listBackups(folder);
          assert.ok(saved, output);
          // The request's authentication (the token's last use) precedes the snapshot; its audit row follows it.
          register = await tableChecksums(db);
          const target = await source.freshTarget();
          await restoreBackup(saved, target.config);
          const copy = await openStore(target.config);
          try {
            const restored = await tableChecksums(copy);
            // The snapshot was taken before the backup request's own audit row was written.
            const { audit_log: _a, ...rest } = restored;
            const { audit_log: _b, ...expected } = register;
            assert.deepEqual(rest, expected);
          } finally {
            await copy.close();
          }
        } finally {
          await app.close();
        }
      });
    }
  });
}
