/**
 * npm test's runner: every *.test.ts under src and test, each in a Node test process of its own,
 * in two rounds. Files that measure latency (they say "npm test runs this file alone") go first,
 * one at a time, since a file running beside them on a two-core machine is what they would
 * measure. The rest run three at a time (or one per core on a bigger machine): much of a test's
 * time is spent waiting on PostgreSQL, PGlite's thread, Chromium or a timer, so a third file fills
 * the gaps of two cores.
 *
 * The longest files start first, so that none of them starts last and runs alone at the end. How
 * long each takes is kept in scripts/test-times.json, written by a whole run with --save-times; a
 * file not in it counts as the longest, so a new slow file cannot come last either. Each file's
 * output is printed whole when it ends, with its time, and the totals and failed files come last.
 * Both rounds run even when the first fails, so one failure does not hide another.
 *
 *   node --import tsx scripts/test.ts [--save-times] [file ...]      (SAFEGROUND_TEST_CONCURRENCY overrides the second round's)
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

const ALONE = 'npm test runs this file alone';
const COUNTS = ['tests', 'pass', 'fail', 'cancelled', 'skipped', 'todo'] as const;

const TIMES = new URL('./test-times.json', import.meta.url);

interface FileResult {
  path: string;
  passed: boolean;
  seconds: number;
  counts: Record<(typeof COUNTS)[number], number>;
}

function testFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.test.ts'))
    .map((entry) => join(entry.parentPath, entry.name))
    .filter((path) => !path.split('/').includes('node_modules'));
}

const times: Record<string, number> = existsSync(TIMES) ? (JSON.parse(readFileSync(TIMES, 'utf8')) as Record<string, number>) : {};

function longestFirst(paths: string[]): string[] {
  const seconds = (path: string) => times[path] ?? Infinity;
  return [...paths].sort((a, b) => seconds(b) - seconds(a) || a.localeCompare(b));
}

function runFile(path: string): Promise<FileResult> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', path], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => output.push(chunk));
  return new Promise((resolve) => {
    child.once('close', (code, signal) => {
      const text = Buffer.concat(output).toString();
      const counts = Object.fromEntries(COUNTS.map((name) => [name, Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(text)?.[1] ?? 0)])) as FileResult['counts'];
      const passed = code === 0;
      const seconds = Math.round((performance.now() - started) / 1000);
      process.stdout.write(`# file ${path}\n${text}# file ${path}: ${passed ? 'passed' : `FAILED (${signal ?? `exit ${code}`})`} in ${seconds} s\n`);
      resolve({ path, passed, seconds, counts });
    });
  });
}

/**
 * A file that measures latency fails when some other process takes the CPU at the wrong moment,
 * so the first round runs a failed one once more and its second result counts; both outputs are
 * printed. A real stall fails both runs.
 */
async function runTimedFile(path: string): Promise<FileResult> {
  const first = await runFile(path);
  if (first.passed) return first;
  process.stdout.write(`# file ${path} measures latency: run once more\n`);
  return runFile(path);
}

async function round(label: string, paths: string[], concurrency: number, run: (path: string) => Promise<FileResult>): Promise<FileResult[]> {
  if (paths.length === 0) return [];
  process.stdout.write(`# ${label}: ${paths.length} file(s)\n`);
  const started = performance.now();
  const queue = longestFirst(paths);
  const results: FileResult[] = [];
  const worker = async () => {
    for (let path = queue.shift(); path !== undefined; path = queue.shift()) results.push(await run(path));
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, paths.length) }, worker));
  const failed = results.filter((result) => !result.passed).length;
  process.stdout.write(`# ${label}: ${failed === 0 ? 'passed' : `${failed} file(s) failed`} in ${Math.round((performance.now() - started) / 1000)} s\n`);
  return results;
}

const args = process.argv.slice(2);
const saveTimes = args.includes('--save-times');
const named = args.filter((arg) => arg !== '--save-times');
const files = named.length > 0 ? named : [...testFiles('src'), ...testFiles('test')];
const alone = files.filter((path) => readFileSync(path, 'utf8').includes(ALONE));
const together = files.filter((path) => !alone.includes(path));
const concurrency = Number(process.env.SAFEGROUND_TEST_CONCURRENCY ?? Math.max(3, availableParallelism()));
if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`SAFEGROUND_TEST_CONCURRENCY must be a whole number from 1, not ${process.env.SAFEGROUND_TEST_CONCURRENCY}`);

const results = [...(await round('files that run alone', alone, 1, runTimedFile)), ...(await round(`the other files, ${concurrency} at a time`, together, concurrency, runFile))];
const totals = COUNTS.map((name) => `${name} ${results.reduce((sum, result) => sum + result.counts[name], 0)}`);
const failed = results.filter((result) => !result.passed).map((result) => result.path);
process.stdout.write(`# all files: ${results.length}, ${totals.join(', ')}\n${failed.map((path) => `# FAILED ${path}\n`).join('')}`);
process.exitCode = failed.length === 0 ? 0 : 1;
if (saveTimes) {
  const measured: Record<string, number> = named.length > 0 ? { ...times } : {};
  for (const result of results) measured[result.path] = result.seconds;
  writeFileSync(TIMES, `${JSON.stringify(Object.fromEntries(Object.entries(measured).sort(([a], [b]) => a.localeCompare(b))), null, 1)}\n`);
}
