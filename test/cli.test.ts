import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { openPostgres } from '../src/store/postgres.ts';
import { createTestDatabase, POSTGRES_SKIPPED, testDatabaseUrl } from './support/backends.ts';

const bin = new URL('../bin/safeground.js', import.meta.url).pathname;

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const { DATABASE_URL: _ignored, ...base } = process.env;
  const result = spawnSync(process.execPath, [bin, ...args], { env: { ...base, ...env }, encoding: 'utf8', timeout: 120_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * A failing command says what is wrong on one line of stderr, its last, and exits non-zero
 * (progress lines of work done before the failure may precede it).
 */
function assertOneLineError(result: ReturnType<typeof run>, code: number, pattern: RegExp) {
  assert.equal(result.code, code, result.stderr);
  const lines = result.stderr.trim().split('\n');
  const errors = lines.filter((line) => line.startsWith('safeground: '));
  assert.equal(errors.length, 1, `expected one error line, got:\n${result.stderr}`);
  assert.equal(errors[0], lines.at(-1));
  assert.match(errors[0]!, pattern);
}

/** Starts `safeground serve` and resolves with the URL it prints. */
function serve(args: string[]): Promise<{ url: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const match = /serving at (http:\/\/\S+?)\/? /.exec(stdout);
      if (match) {
        resolve({
          url: match[1]!,
          stop: () =>
            new Promise((done) => {
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
      }
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
}

describe('safeground CLI', () => {
  test('--help lists the commands and exits 0', () => {
    const result = run(['--help']);
    assert.equal(result.code, 0);
    for (const command of ['serve', 'migrate', 'demo']) assert.match(result.stdout, new RegExp(`\\b${command}\\b`));
  });

  test('an unknown command or flag is a usage error (exit 2)', () => {
    assertOneLineError(run(['frobnicate']), 2, /unknown command 'frobnicate'/);
    assertOneLineError(run(['migrate', '--colour']), 2, /unknown option '--colour'/);
    assertOneLineError(run(['serve', '--port', 'eighty']), 2, /eighty/);
  });

  test('a DATABASE_URL that cannot connect', () => {
    assertOneLineError(run(['migrate'], { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' }), 1, /Cannot connect to the database at postgres:\/\/nobody@127\.0\.0\.1:1\/none/);
    assertOneLineError(run(['migrate'], { DATABASE_URL: 'mysql://x@localhost/y' }), 1, /must start with postgres:\/\//);
  });

  test('the PostgreSQL socket is for the embedded store; on PostgreSQL GIS users get a role instead', () => {
    assertOneLineError(run(['serve', '--port', '0', '--pg-port', '5440'], { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' }), 1, /--pg-port serves the embedded store; .* gis-role create/);
    assertOneLineError(run(['serve', '--port', '0', '--pg-port', '5440', '--pg-unit-seconds', 'soon']), 2, /positive number of seconds, got "soon"/);
  });

  test('a data folder that is not a Safeground store', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sg-not-a-store-'));
    writeFileSync(join(dir, 'holiday-photo.jpg'), 'not a database');
    assertOneLineError(run(['migrate', '--data-dir', dir]), 1, /is not a Safeground store/);
  });

  test('the embedded store: created and migrated on first run, served, kept across restarts, and a port in use is refused', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'sg-store-')), 'data');
    const first = await serve(['--data-dir', dir]);
    try {
      const health = (await (await fetch(`${first.url}/api/health`)).json()) as { backend: string; postgisVersion: string };
      assert.equal(health.backend, 'pglite');
      assert.match(health.postgisVersion, /^3\./);
      const port = new URL(first.url).port;
      const other = join(mkdtempSync(join(tmpdir(), 'sg-store-')), 'data');
      assertOneLineError(run(['serve', '--data-dir', other, '--port', port]), 1, new RegExp(`Port ${port} is in use`));
      // Other commands reach the store through the server's socket, which only the owner may open.
      const socket = join(dir, 'run', '.s.PGSQL.5432');
      assert.equal(statSync(socket).mode & 0o777, 0o600);
      assert.equal(statSync(join(dir, 'run')).mode & 0o777, 0o700);
      const migrated = run(['migrate', '--data-dir', dir]);
      assert.equal(migrated.code, 0, migrated.stderr);
      assert.match(migrated.stdout, /Schema is up to date \(pglite, /);
      const created = run(['tokens', 'create', '--data-dir', dir, '--username', 'admin', '--name', 'while serving']);
      assert.equal(created.code, 0, created.stderr);
      const token = created.stdout.trim();
      const csv = join(dirname(dir), 'finds.csv');
      writeFileSync(csv, 'externalId,category,ordnanceModel,foundOn,latitude,longitude\nS1,ap_mine,PMN-2,1999-03-01,10.5,10.5\nS2,at_mine,TM-62M,1999-03-02,10.6,10.6\n');
      // The demo the server loaded has finds too; these are told apart by place and date.
      const ours = `${first.url}/api/finds?bbox=10,10,11,11&from=1999-01-01&to=1999-12-31`;
      const imported = run(['import', 'finds', csv, '--data-dir', dir]);
      assert.equal(imported.code, 0, imported.stderr);
      const finds = (await (await fetch(ours, { headers: { authorization: `Bearer ${token}` } })).json()) as { items: { externalId: string; ordnanceModel: string }[] };
      assert.deepEqual(finds.items.map((f) => [f.externalId, f.ordnanceModel]).sort(), [['S1', 'PMN-2'], ['S2', 'TM-62M']]);
      const report = run(['report', 'land', '--data-dir', dir, '--format', 'json']);
      assert.equal(report.code, 0, report.stderr);
      assert.ok(JSON.parse(report.stdout), report.stdout);
      // A file import is all or nothing through the socket too: a bad row leaves no find behind.
      writeFileSync(csv, 'externalId,category,ordnanceModel,foundOn,latitude,longitude\nS3,ap_mine,PMN-2,1999-03-01,10.5,10.5\nS4,ap_mine,PMN-2,1999-03-01,95.5,10.5\n');
      assert.equal(run(['import', 'finds', csv, '--data-dir', dir]).code, 1);
      const after = (await (await fetch(ours, { headers: { authorization: `Bearer ${token}` } })).json()) as { items: unknown[] };
      assert.equal(after.items.length, 2);
      assertOneLineError(run(['backup', '--data-dir', dir, '--backup-folder', join(dirname(dir), 'backups')]), 1, /in use by process \d+ \(lock file [^)]+\): a running server holds the embedded store; back it up through that server with --server/);
      assertOneLineError(run(['serve', '--data-dir', dir, '--port', '0']), 1, /The store is in use by process \d+ \(lock file [^)]+\)$/);
      // A version with migrations the running store lacks does not change the schema under the server.
      const owner = await openPostgres('postgres://postgres@localhost/postgres', { max: 1, path: socket });
      try {
        const [last] = await owner.query<{ version: number; name: string; checksum: string }>('DELETE FROM schema_migration WHERE version = (SELECT max(version) FROM schema_migration) RETURNING version, name, checksum');
        assertOneLineError(run(['tokens', 'create', '--data-dir', dir, '--username', 'admin', '--name', 'too new']), 1, new RegExp(`lacks migrations this version applies \\(${last!.name}\\); stop the server, run safeground migrate`));
        await owner.query('INSERT INTO schema_migration (version, name, checksum) VALUES ($1, $2, $3)', [last!.version, last!.name, last!.checksum]);
      } finally {
        await owner.close();
      }
    } finally {
      await first.stop();
    }
    const again = run(['migrate', '--data-dir', dir]);
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stderr, /Applied/);
  });

  test('PostgreSQL: migrate, a large import under a short statement timeout, then a database without PostGIS is refused with what to do', { skip: !testDatabaseUrl && POSTGRES_SKIPPED }, async () => {
    const withPostgis = await createTestDatabase(testDatabaseUrl!, 'postgis');
    try {
      const first = run(['migrate'], { DATABASE_URL: withPostgis.url });
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, /postgres, PostGIS 3\./);
      // The store's statement timeout keeps a stuck database from hanging a command; an import's
      // writing statement grows with the file and is not cut by it (here 200 ms against 20,000 finds).
      const csv = join(mkdtempSync(join(tmpdir(), 'sg-cli-import-')), 'finds.csv');
      writeFileSync(csv, `externalId,category,foundOn,latitude,longitude\n${Array.from({ length: 20_000 }, (_, i) => `T${i},ap_mine,2001-05-01,${40 + i / 1e5},${45 + i / 1e5}`).join('\n')}\n`);
      const imported = run(['import', 'finds', csv], { DATABASE_URL: withPostgis.url, SAFEGROUND_DB_STATEMENT_TIMEOUT_MS: '200' });
      assert.equal(imported.code, 0, imported.stderr);
      const db = await openPostgres(withPostgis.url, { max: 1 });
      try {
        const [counted] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM find');
        assert.equal(counted?.n, 20_000);
      } finally {
        await db.close();
      }
    } finally {
      await withPostgis.drop();
    }
    const bare = await createTestDatabase(testDatabaseUrl!, 'empty');
    try {
      const owner = new URL(bare.url);
      const admin = await openPostgres(testDatabaseUrl!, { max: 1 });
      await admin.exec('DO $$ BEGIN CREATE ROLE sg_test_plain LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$');
      await admin.close();
      owner.username = 'sg_test_plain';
      assertOneLineError(run(['migrate'], { DATABASE_URL: owner.toString() }), 1, /has no PostGIS.*CREATE EXTENSION postgis/);
    } finally {
      await bare.drop();
    }
  });
});

describe('safeground risk', () => {
  const events = new URL('fixtures/risk/events.csv', import.meta.url).pathname;

  test('refusals name the option at fault, before any store is opened', () => {
    const dir = mkdtempSync(join(tmpdir(), 'safeground-cli-risk-'));
    assertOneLineError(run(['risk', 'evaluate', '--data-dir', dir, '--train-until', '2015', '--test-from', '2015']), 1, /--train-until \(2015\) must come before --test-from \(2015\)/);
    assertOneLineError(run(['risk', 'evaluate', '--data-dir', dir, '--train-until', '2014', '--test-from', '2015', '--type-column', 'type']), 1, /describe an --events file; give one/);
    assertOneLineError(run(['risk', 'rasters', 'import', join(dir, 'none.tif'), '--data-dir', dir, '--kind', 'land-cover']), 1, /a land-cover raster needs --valid-from/);
    assertOneLineError(run(['risk', 'rasters', 'import', join(dir, 'none.tif'), '--data-dir', dir, '--kind', 'elevation']), 1, /Cannot read .*none\.tif/);
  });

  test('a GeoTIFF DEM is stored, then an events file is imported and evaluated against the baseline, as JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'safeground-cli-risk-'));
    const header = 'ncols 30\nnrows 20\nxllcorner 20\nyllcorner 44\ncellsize 0.02\nNODATA_value -9999\n';
    writeFileSync(join(dir, 'dem.asc'), header + Array.from({ length: 20 }, (_, r) => Array.from({ length: 30 }, (_, c) => 100 + 5 * c + 3 * r).join(' ')).join('\n') + '\n');
    execFileSync('gdal_translate', ['-q', '-a_srs', 'EPSG:4326', 'dem.asc', 'dem.tif'], { cwd: dir });
    const store = ['--data-dir', join(dir, 'store')];
    const stored = run(['risk', 'rasters', 'import', join(dir, 'dem.tif'), '--kind', 'elevation', ...store]);
    assert.equal(stored.code, 0, stored.stderr);
    assert.match(stored.stdout, /Stored dem\.tif \(30 × 20 pixels\) as the elevation\n/);
    const evaluated = run(['risk', 'evaluate', '--events', events, '--type-column', 'type', '--date-column', 'date', '--train-until', '2014', '--test-from', '2015', '--window', '10', '--cell-size', '1000', '--resamples', '20', '--format', 'json', ...store]);
    assert.equal(evaluated.code, 0, evaluated.stderr);
    assert.match(evaluated.stderr, /Imported 900 events from .*events\.csv as dataset "events\.csv": 180 accident, 720 find; dated to the day 853, to the month 0, to the year only 47\n/);
    const evaluation = JSON.parse(evaluated.stdout) as { dataset: string; events: { total: number }; verdict: string; bootstrap: { resamples: number }; train: { layers: string[] } };
    assert.equal(evaluation.dataset, 'events.csv');
    assert.equal(evaluation.events.total, 900);
    assert.equal(evaluation.bootstrap.resamples, 20);
    assert.ok(evaluation.verdict.length > 0);
    assert.ok(evaluation.train.layers.some((layer) => /dem\.tif/.test(layer)), `the DEM is a layer: ${evaluation.train.layers.join('; ')}`);
  });
});

