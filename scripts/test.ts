/**
 * npm test's runner: every *.test.ts under src and test, in two rounds of Node's test runner.
 * Files that measure latency (they say "npm test runs this file alone") go first, one at a time,
 * since a file running beside them on a two-core machine is what they would measure. The rest run
 * three files at a time (or one per core on a bigger machine): much of a test's time is spent
 * waiting on PostgreSQL, PGlite's thread, Chromium or a timer, so a third file fills the gaps of
 * two cores; the whole suite passed at a load of 6 to 10 on two cores. Both rounds run even when
 * the first fails, so one failure does not hide another.
 *
 *   node --import tsx scripts/test.ts [file ...]      (SAFEGROUND_TEST_CONCURRENCY overrides the second round's)
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

const ALONE = 'npm test runs this file alone';

function testFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.test.ts'))
    .map((entry) => join(entry.parentPath, entry.name))
    .filter((path) => !path.split('/').includes('node_modules'));
}

const files = (process.argv.length > 2 ? process.argv.slice(2) : [...testFiles('src'), ...testFiles('test')]).sort();
const alone = files.filter((path) => readFileSync(path, 'utf8').includes(ALONE));
const together = files.filter((path) => !alone.includes(path));
const concurrency = Number(process.env.SAFEGROUND_TEST_CONCURRENCY ?? Math.max(3, availableParallelism()));
if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`SAFEGROUND_TEST_CONCURRENCY must be a whole number from 1, not ${process.env.SAFEGROUND_TEST_CONCURRENCY}`);

function round(label: string, paths: string[], options: string[]): number {
  if (paths.length === 0) return 0;
  process.stdout.write(`# ${label}: ${paths.length} file(s)\n`);
  const started = performance.now();
  const { status, signal } = spawnSync(process.execPath, ['--import', 'tsx', '--test', ...options, ...paths], { stdio: 'inherit' });
  process.stdout.write(`# ${label}: ${status === 0 ? 'passed' : `failed (${signal ?? `exit ${status}`})`} in ${Math.round((performance.now() - started) / 1000)} s\n`);
  return status ?? 1;
}

const first = round('files that run alone', alone, ['--test-concurrency=1']);
const second = round(`the other files, ${concurrency} at a time`, together, [`--test-concurrency=${concurrency}`]);
process.exitCode = first || second;
