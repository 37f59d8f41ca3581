/**
 * The embedded store on a field laptop: memory and first start, each measured in a process of its
 * own so that one figure's heap is not another's.
 * - The floor: a bare PGlite with PostGIS loaded and used once, with the bundle as published and
 *   with the slim one Safeground loads (src/store/postgisBundle.ts). Nothing can use less.
 * - First start: `safeground serve` on an empty folder until /api/health answers (create the
 *   store, migrate, seed the catalogue and the small demo); target under 30 s.
 * - The idle server: its resident memory after the first start and a round of requests; target
 *   within 150 MB of the slim floor.
 * - An import of 25,000 finds into a fresh store: peak resident memory; target within 1.2× of idle.
 *
 *   npm run bench -- --only embedded          (PGlite only; also run alone: node --import tsx bench/embedded.ts)
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { postgis } from '@electric-sql/pglite-postgis';
import { slimPostgis } from '../src/store/postgisBundle.ts';
import { type Figure, table } from './harness.ts';
import { csv, safegroundImport, write } from './import.ts';

const TARGET = { firstStartSeconds: 30, idleOverFloorMb: 150, importOverIdle: 1.2 };
const IMPORT_ROWS = 25_000;
const MB = 1024 * 1024;

/** The child: a bare PGlite with PostGIS used once; prints its resident memory then. */
async function floorChild(bundle: string): Promise<void> {
  const pg = await PGlite.create({ extensions: { postgis: bundle === 'slim' ? slimPostgis : postgis } });
  await pg.exec('CREATE EXTENSION postgis');
  await pg.query("SELECT ST_Area(ST_Transform(ST_GeomFromText('POLYGON((30 50,30.01 50,30.01 50.01,30 50))', 4326), 32636))");
  process.stdout.write(JSON.stringify({ rssMb: process.memoryUsage().rss / MB }));
  await pg.close();
}

function floorMb(bundle: 'published' | 'slim'): number {
  const result = spawnSync(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, 'floor', bundle], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`The PGlite floor (${bundle}) failed: ${result.stderr}`);
  return (JSON.parse(result.stdout) as { rssMb: number }).rssMb;
}

/** Resident and peak resident memory of a process, from Linux's /proc. */
function processMemoryMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('No port');
  return address.port;
}

async function waitForHealth(base: string, server: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`safeground serve exited with ${server.exitCode}`);
    const ok = await fetch(`${base}/api/health`).then((r) => r.status === 200, () => false);
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`safeground serve did not answer health within ${timeoutMs / 1000} s`);
}

/** First start of `safeground serve` on an empty folder, and its memory once idle after a round of requests. */
async function serverFigures(): Promise<{ firstStartSeconds: number; idleMb: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'safeground-bench-embedded-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const server = spawn(process.execPath, ['bin/safeground.js', 'serve', '--data-dir', dataDir, '--port', String(port)], { stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    await waitForHealth(base, server, 300_000);
    const firstStartSeconds = (performance.now() - started) / 1000;
    for (const path of ['/api/hazards?limit=100', '/api/statistics/land', '/tiles/hazards/10/600/345.mvt', '/ogc/collections/hazards/items?limit=100', '/']) await fetch(`${base}${path}`).then((r) => r.arrayBuffer());
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    return { firstStartSeconds, idleMb: processMemoryMb(server.pid!).rss };
  } finally {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Peak memory of a 25,000-find import into a fresh embedded store (the import benchmark's child). */
async function importPeakMb(): Promise<number> {
  const work = mkdtempSync(join(tmpdir(), 'safeground-bench-embedded-import-'));
  try {
    const path = join(work, 'finds.csv');
    await write(path, csv(IMPORT_ROWS));
    const run = safegroundImport('pglite', path);
    if (run.rows !== IMPORT_ROWS) throw new Error(`The import made ${run.rows} finds, not ${IMPORT_ROWS}`);
    return run.peakRssMb;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export async function embeddedBenchmark(): Promise<Figure[]> {
  const published = floorMb('published');
  const slim = floorMb('slim');
  const { firstStartSeconds, idleMb } = await serverFigures();
  const importMb = await importPeakMb();
  const round = (mb: number) => Math.round(mb);
  return [
    { figure: 'PGlite with PostGIS, bare (the floor): slim bundle vs published', unit: 'MB', safeground: round(slim), reference: { name: 'published bundle', value: round(published) } },
    { figure: 'First start of safeground serve (create, migrate, seed the demo)', unit: 's', safeground: Math.round(firstStartSeconds * 10) / 10, target: { text: `under ${TARGET.firstStartSeconds} s`, met: firstStartSeconds < TARGET.firstStartSeconds } },
    { figure: 'Idle server after the first start and a round of requests', unit: 'MB', safeground: round(idleMb), reference: { name: 'the floor', value: round(slim) }, target: { text: `within ${TARGET.idleOverFloorMb} MB of the floor`, met: idleMb - slim <= TARGET.idleOverFloorMb } },
    { figure: `Import of ${IMPORT_ROWS.toLocaleString('en')} finds into a fresh store, peak`, unit: 'MB', safeground: round(importMb), reference: { name: 'idle server', value: round(idleMb) }, target: { text: `within ${TARGET.importOverIdle}× of idle`, met: importMb <= idleMb * TARGET.importOverIdle } },
  ];
}

async function main(): Promise<void> {
  const [mode, argument] = process.argv.slice(2);
  if (mode === 'floor') return floorChild(argument!);
  process.stdout.write(`${table(await embeddedBenchmark())}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
