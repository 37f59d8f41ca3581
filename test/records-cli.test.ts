import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, testDatabaseUrl } from './support/backends.ts';

const bin = new URL('../bin/safeground.js', import.meta.url).pathname;
const example = new URL('../src/records/fixtures/example-record.json', import.meta.url).pathname;

function run(args: string[]) {
  const { DATABASE_URL: _ignored, ...env } = process.env;
  const result = spawnSync(process.execPath, [bin, ...args], { env, encoding: 'utf8', timeout: 120_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The example record under another reference, with a third row ending at a point nothing defines: one reconstruction error. */
function recordWithError(dir: string): string {
  const json = JSON.parse(readFileSync(example, 'utf8')) as { rows: unknown[] } & Record<string, unknown>;
  const path = join(dir, 'with-error.json');
  writeFileSync(path, JSON.stringify({ ...json, reference: 'MF-ERR', rows: [...json.rows, { name: 'Row 3', start: 'R2A', end: 'NOPE', mineCount: 4, spacing: 5 }] }));
  return path;
}

const ERROR_LINE = 'error: minefield record "MF-ERR": rows[2].end: point "NOPE" is not defined by any reference point or leg';
const REASON = 'rows[2].end: point "NOPE" is not defined by any reference point or leg';

const backends: Array<{ name: string; store(dir: string): Promise<{ args: string[]; drop(): Promise<void> }> }> = [
  { name: 'pglite', store: async (dir) => ({ args: ['--data-dir', join(dir, 'store')], drop: async () => undefined }) },
];
const postgresUrl = testDatabaseUrl;
if (postgresUrl) {
  backends.push({
    name: 'postgres',
    store: async () => {
      const database = await createTestDatabase(postgresUrl, 'postgis');
      return { args: ['--database-url', database.url], drop: () => database.drop() };
    },
  });
}

for (const backend of backends) {
  describe(`safeground records on ${backend.name}`, () => {
    test('import, refuse a duplicate, a bad file and a record with reconstruction errors unless kept; audit a batch saying what it left out; write the report', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'sg-records-cli-'));
      const store = await backend.store(dir);
      const data = store.args;
      try {
        const imported = run(['records', 'import', example, ...data]);
        assert.equal(imported.code, 0, imported.stderr);

        const again = run(['records', 'import', example, ...data]);
        assert.equal(again.code, 1);
        assert.match(again.stderr.trim().split('\n').at(-1)!, /^safeground: .*MF 34-117\/93/);

        const bad = join(dir, 'bad.json');
        writeFileSync(bad, JSON.stringify({ ...JSON.parse(readFileSync(example, 'utf8')), reference: 'MF-BAD', angleUnit: 'gon' }));
        const refused = run(['records', 'import', bad, ...data]);
        assert.equal(refused.code, 1);
        assert.match(refused.stderr, /MF-BAD/);
        assert.match(refused.stderr, /angleUnit/);

        const withError = recordWithError(dir);
        const notStored = run(['records', 'import', withError, ...data]);
        assert.equal(notStored.code, 1, notStored.stderr);
        const lines = notStored.stderr.trim().split('\n');
        assert.ok(lines.includes(ERROR_LINE), notStored.stderr);
        assert.equal(
          lines.at(-1),
          'safeground: minefield record "MF-ERR" was not stored: its reconstruction has 1 error (listed above); fix the record, or store it flagged with --keep-with-errors (it is then left out of audits)',
        );
        assert.equal(notStored.stdout, '');

        const kept = run(['records', 'import', withError, '--keep-with-errors', ...data]);
        assert.equal(kept.code, 0, kept.stderr);
        assert.ok(kept.stderr.split('\n').includes(ERROR_LINE));
        // Version 1: the refused import stored nothing (a stored record would have been a conflict).
        assert.match(kept.stdout, /^Stored "MF-ERR" as [0-9a-f-]{36}, version 1: .*, flagged: kept with 1 reconstruction error, left out of audits\n$/);

        const table = run(['records', 'audit', '--batch', 'HB-1996-03', ...data]);
        assert.equal(table.code, 0, table.stderr);
        assert.ok(table.stdout.split('\n').includes(`HB-1996-03: pooled over 1 of 2 records; 1 skipped: MF-ERR (${REASON})`), table.stdout);
        assert.match(table.stdout, /^HB-1996-03 +1 of 2 /m);

        const json = JSON.parse(run(['records', 'audit', '--batch', 'HB-1996-03', '--format', 'json', ...data]).stdout);
        assert.deepEqual(json.records.map((r: { reference: string }) => r.reference), ['MF 34-117/93']);
        assert.deepEqual(json.skipped.map((s: { reference: string; reason: string }) => [s.reference, s.reason]), [['MF-ERR', REASON]]);
        assert.equal(json.batches[0].coverage, `pooled over 1 of 2 records; 1 skipped: MF-ERR (${REASON})`);

        const csv = run(['records', 'audit', '--batch', 'HB-1996-03', '--format', 'csv', ...data]).stdout;
        assert.match(csv, /^skipped,[0-9a-f-]{36},MF-ERR,HB-1996-03,"rows\[2\]\.end: point ""NOPE"" is not defined by any reference point or leg"$/m);

        const out = join(dir, 'report.html');
        const report = run(['records', 'report', 'MF 34-117/93', '--out', out, ...data]);
        assert.equal(report.code, 0, report.stderr);
        const html = readFileSync(out, 'utf8');
        assert.match(html, /MF 34-117\/93/);
        assert.match(html, /Audited on \d{4}-\d{2}-\d{2} at \d{2}:\d{2} UTC by Safeground \d+\.\d+\.\d+/);
        assert.ok(html.includes('<td>zone 34N, E 361360.5 m, N 4931130.5 m</td><td>34T CQ 61360 31130</td>'));
      } finally {
        await store.drop();
      }
    });
  });
}
