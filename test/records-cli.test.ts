import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bin = new URL('../bin/safeground.js', import.meta.url).pathname;
const example = new URL('../src/records/fixtures/example-record.json', import.meta.url).pathname;

function run(args: string[]) {
  const { DATABASE_URL: _ignored, ...env } = process.env;
  const result = spawnSync(process.execPath, [bin, ...args], { env, encoding: 'utf8', timeout: 120_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('safeground records: import, refuse a duplicate and a bad file, audit a batch, write the report', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sg-records-cli-'));
  const data = ['--data-dir', join(dir, 'store')];

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

  const audit = run(['records', 'audit', '--batch', 'HB-1996-03', '--format', 'json', ...data]);
  assert.equal(audit.code, 0, audit.stderr);
  const body = JSON.stringify(JSON.parse(audit.stdout));
  assert.match(body, /MF 34-117\/93/);
  assert.match(body, /HB-1996-03/);

  const out = join(dir, 'report.html');
  const report = run(['records', 'report', 'MF 34-117/93', '--out', out, ...data]);
  assert.equal(report.code, 0, report.stderr);
  assert.match(readFileSync(out, 'utf8'), /MF 34-117\/93/);
});
