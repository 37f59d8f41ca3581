/**
 * Every benchmark, on PostgreSQL at the chosen scale and on PGlite at region scale, each figure
 * beside its reference (hand-written SQL, GDAL, raw COPY, a Martin-style ST_AsMVT query) as a
 * ratio, timed figures as the median of at least five runs with their spread, with the targets of
 * the performance issue marked met or not. Prints one table per backend, writes
 * bench/results/<date>-<scale>-<backends>[-<only>].json with the machine's facts, and exits
 * non-zero when a benchmark failed or a target was missed. On a PostgreSQL server with autovacuum
 * off, autovacuum is turned on for the run (ALTER SYSTEM, reloaded) and off again after it: a
 * deployment runs with it.
 *
 *   npm run bench -- [--scale region|national] [--backend postgres|pglite|both] [--only land,audit,import,casualties,tiles,api,basemap,ogc,sync,embedded,field]
 *                    [--database-url postgres://postgres@127.0.0.1:5432/postgres]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { generateDemo } from '../src/demo/generate.ts';
import type { Db } from '../src/store/db.ts';
import { migrate } from '../src/store/migrate.ts';
import { ensurePostgis, storeInfo } from '../src/store/open.ts';
import { openPglite } from '../src/store/pglite.ts';
import { openPostgres } from '../src/store/postgres.ts';
import { apiBenchmark } from './api.ts';
import { auditBenchmark } from './audit.ts';
import { basemapBenchmark } from './basemap.ts';
import { casualtyBenchmark } from './casualties.ts';
import { embeddedBenchmark } from './embedded.ts';
import { fieldBenchmark } from './field.ts';
import { failures, type Figure, machineFacts, table } from './harness.ts';
import { importBenchmark, pgliteImportBenchmark } from './import.ts';
import { landBenchmark } from './land.ts';
import { ogcBenchmark } from './ogc.ts';
import { syncBenchmark } from './sync.ts';
import { tilesBenchmark } from './tiles.ts';

type Scale = 'region' | 'national';
type Backend = 'postgres' | 'pglite';

interface Benchmark {
  name: string;
  /**
   * `empty`: the benchmark seeds its own data in a fresh database; `demo`: it runs on the demo
   * dataset of the scale, shared by all such benchmarks; `server`: it makes its own databases (the
   * import benchmark: on the PostgreSQL server, where it also runs ogr2ogr and COPY, or embedded).
   */
  data: 'empty' | 'demo' | 'server';
  /** What its figures are set against, in one sentence. */
  reference: string;
  run(db: Db | null, scale: Scale, backend: Backend): Promise<Figure[]>;
}

const BENCHMARKS: Benchmark[] = [
  { name: 'land', data: 'empty', reference: 'the same statistics in hand-written PostGIS from the register, and the first request (which computes everything) against it', run: (db, scale) => landBenchmark(db!, { hazards: scale === 'national' ? 12_000 : 1_000 }) },
  { name: 'audit', data: 'empty', reference: 'a PostGIS ST_DWithin join counting finds within τ of each recorded mine, timed alike (no warm-up, median of five)', run: (db, scale) => auditBenchmark(db!, { records: scale === 'national' ? 1_000 : 100, findsPerRecord: 1_000 }) },
  {
    name: 'import',
    data: 'server',
    reference: 'ogr2ogr loading the same file, and COPY of the same prepared rows into find with its indexes and keys',
    run: (_db, scale, backend) => {
      const rows = scale === 'national' ? 1_000_000 : 100_000;
      return backend === 'postgres' ? importBenchmark(serverUrl, { rows }) : pgliteImportBenchmark({ rows });
    },
  },
  { name: 'casualties', data: 'empty', reference: 'the same aggregates as one hand-written GROUPING SETS query', run: (db, scale) => casualtyBenchmark(db!, { victims: scale === 'national' ? 50_000 : 12_000 }) },
  { name: 'tiles', data: 'demo', reference: 'one minimal ST_AsMVT query per layer as Martin\'s table sources write it (PostgreSQL only)', run: (db) => tilesBenchmark(db!) },
  { name: 'api', data: 'demo', reference: 'none: latency percentiles of the list endpoints under autocannon load, against the 100 ms target, and the CPU a request costs the server, PostgreSQL and the clients', run: (db, _scale, backend) => apiBenchmark(db!, { seconds: backend === 'postgres' ? 30 : 10 }) },
  // Serving basemap files does not touch the store: measured once, with the first backend.
  { name: 'basemap', data: 'server', reference: 'reading the same tile bytes from the file with fs, no library or route', run: (_db, scale, backend) => (backend === backends[0] ? basemapBenchmark({ megabytes: scale === 'national' ? 800 : 400 }) : Promise.resolve([])) },
  { name: 'sync', data: 'empty', reference: 'COPY TO STDOUT of the same change rows (PostgreSQL only)', run: async (db, _scale, backend) => syncBenchmark(db!, { changes: 100_000, databaseUrl: backend === 'postgres' ? await databaseUrl(db!) : null }) },
  { name: 'ogc', data: 'demo', reference: 'ogr2ogr reading the gis views from the database (or through the GIS socket on PGlite) into the same GeoPackage', run: async (db, _scale, backend) => ogcBenchmark(db!, { postgresUrl: backend === 'postgres' ? await databaseUrl(db!) : null }) },
  { name: 'embedded', data: 'server', reference: 'a bare PGlite with PostGIS loaded (the floor no embedded store can go under), with the bundle as published and as Safeground loads it (PGlite only)', run: (_db, _scale, backend) => (backend === 'pglite' ? embeddedBenchmark() : Promise.resolve([])) },
  // Last: it adds version 1 of every record to the shared demo database.
  { name: 'field', data: 'demo', reference: 'none: sizes and times a programme weighs against its phones and links (app shell, a region\'s package, a form offline)', run: (db) => fieldBenchmark(db!) },
];

/** The URL of a database on the benchmark server, for clients other than Safeground (ogr2ogr). */
async function databaseUrl(db: Db): Promise<string> {
  const [{ name } = { name: '' }] = await db.query<{ name: string }>('SELECT current_database() AS name');
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

const { values: args } = parseArgs({
  options: {
    scale: { type: 'string', default: 'region' },
    backend: { type: 'string', default: 'both' },
    only: { type: 'string' },
    'database-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
  },
});
const scale = args.scale as Scale;
if (scale !== 'region' && scale !== 'national') throw new Error(`Unexpected --scale ${JSON.stringify(args.scale)} (want region or national)`);
const backends: Backend[] = args.backend === 'both' ? ['postgres', 'pglite'] : [args.backend as Backend];
if (!backends.every((b) => b === 'postgres' || b === 'pglite')) throw new Error(`Unexpected --backend ${JSON.stringify(args.backend)}`);
const only = args.only?.split(',');
const selected = BENCHMARKS.filter((b) => !only || only.includes(b.name));
const serverUrl = args['database-url'];

/** A fresh, migrated database for one benchmark, dropped by the returned function. */
async function freshDatabase(backend: Backend, name: string): Promise<{ db: Db; drop(): Promise<void> }> {
  if (backend === 'pglite') {
    const db = await openPglite();
    await ensurePostgis(db);
    await migrate(db);
    return { db, drop: () => db.close() };
  }
  const database = `sg_bench_${name}`;
  const admin = await openPostgres(serverUrl, { max: 1 });
  await admin.exec(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.exec(`CREATE DATABASE ${database}`);
  await admin.close();
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  const db = await openPostgres(url.toString(), { max: 10 });
  await ensurePostgis(db);
  await migrate(db);
  return {
    db,
    drop: async () => {
      await db.close();
      const dropper = await openPostgres(serverUrl, { max: 1 });
      await dropper.exec(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await dropper.close();
    },
  };
}

/**
 * Turns autovacuum on for the run where the server has it off (the shared test server does), and
 * returns how to put it back; a server with it on is left alone.
 */
async function autovacuumOn(): Promise<{ was: string; restore(): Promise<void> }> {
  const admin = await openPostgres(serverUrl, { max: 1 });
  try {
    const [{ autovacuum, sourcefile } = { autovacuum: 'unknown', sourcefile: null }] = await admin.query<{ autovacuum: string; sourcefile: string | null }>(
      "SELECT setting AS autovacuum, sourcefile FROM pg_settings WHERE name = 'autovacuum'",
    );
    if (autovacuum === 'on') return { was: 'on', restore: () => Promise.resolve() };
    // Put back as it was set: by ALTER SYSTEM (postgresql.auto.conf), or by a configuration file ALTER SYSTEM overrides.
    const putBack = sourcefile?.endsWith('postgresql.auto.conf') ? 'ALTER SYSTEM SET autovacuum = off' : 'ALTER SYSTEM RESET autovacuum';
    await admin.exec('ALTER SYSTEM SET autovacuum = on');
    await admin.exec('SELECT pg_reload_conf()');
    process.stderr.write('autovacuum was off on this server: turned on for the run, off again after it\n');
    return {
      was: autovacuum,
      restore: async () => {
        const after = await openPostgres(serverUrl, { max: 1 });
        await after.exec(putBack);
        await after.exec('SELECT pg_reload_conf()');
        await after.close();
      },
    };
  } finally {
    await admin.close();
  }
}

const autovacuum = backends.includes('postgres') ? await autovacuumOn() : null;
const references = Object.fromEntries(selected.map((b) => [b.name, b.reference]));
const results: Record<string, { scale: Scale; store: unknown; figures: Figure[] }> = {};
try {
  for (const backend of backends) {
    const backendScale: Scale = backend === 'pglite' ? 'region' : scale;
    const figures: Figure[] = [];
    let store: unknown = null;
    let demo: { db: Db; drop(): Promise<void> } | null = null;
    try {
      for (const benchmark of selected) {
        process.stderr.write(`\n== ${benchmark.name} on ${backend} (${backendScale})\n`);
        if (benchmark.data === 'demo' && !demo) {
          demo = await freshDatabase(backend, `demo_${backendScale}`);
          const summary = await generateDemo(demo.db, { scale: backendScale });
          // What autovacuum does to a loaded table, done now rather than whenever it comes round:
          // statistics for the planner and a visibility map, without which counts cannot be index-only.
          await demo.db.exec('VACUUM ANALYZE');
          process.stderr.write(`demo ${backendScale} loaded in ${summary.seconds.toFixed(1)} s\n`);
        }
        const own = benchmark.data === 'empty' ? await freshDatabase(backend, benchmark.name) : null;
        const db = own?.db ?? (benchmark.data === 'demo' ? demo!.db : null);
        try {
          if (db) store ??= await storeInfo(db);
          const measured = (await benchmark.run(db, backendScale, backend)).map((f) => ({ ...f, figure: `${benchmark.name}: ${f.figure}` }));
          figures.push(...measured);
          process.stderr.write(`${table(measured)}\n`);
        } catch (error) {
          /** One failing benchmark is reported in its row; the others still run and are written. */
          process.stderr.write(`${benchmark.name} failed: ${(error as Error).stack ?? String(error)}\n`);
          figures.push({ figure: `${benchmark.name}: FAILED (${(error as Error).message})`, unit: '', safeground: Number.NaN });
        } finally {
          await own?.drop();
        }
      }
    } finally {
      await demo?.drop();
    }
    results[backend] = { scale: backendScale, store, figures };
    process.stdout.write(`\n### ${backend}, ${backendScale} scale\n\n${table(figures)}\n`);
  }
} finally {
  await autovacuum?.restore();
}
process.stdout.write(`\nReferences:\n${Object.entries(references).map(([name, text]) => `- ${name}: ${text}`).join('\n')}\n`);

if (results.postgres && results.pglite && results.postgres.scale === results.pglite.scale) {
  const lines = ['| figure | PGlite ÷ PostgreSQL |', '|---|---:|'];
  for (const f of results.pglite.figures) {
    const pg = results.postgres.figures.find((g) => g.figure === f.figure);
    if (pg && pg.safeground > 0) lines.push(`| ${f.figure} | ${(f.higherIsBetter ? pg.safeground / f.safeground : f.safeground / pg.safeground).toFixed(2)}× |`);
  }
  process.stdout.write(`\n### PGlite against PostgreSQL (same scale)\n\n${lines.join('\n')}\n`);
}

const date = new Date().toISOString().slice(0, 10);
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
const file = new URL(`./results/${date}-${scale}-${backends.join('-')}${only ? `-${only.join('-')}` : ''}.json`, import.meta.url);
writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), machine: machineFacts(), autovacuum: autovacuum ? { server: autovacuum.was, run: 'on' } : null, references, results }, null, 2) + '\n');
process.stdout.write(`\nWrote ${file.pathname}\n`);

const failed = Object.entries(results).flatMap(([backend, r]) => failures(r.figures).map((f) => `${backend}: ${f.figure}${f.target ? ` (${f.target.text})` : ''}`));
if (failed.length > 0) {
  process.stdout.write(`\n${failed.length} benchmark figure(s) failed or missed their target:\n${failed.map((f) => `- ${f}`).join('\n')}\n`);
  process.exitCode = 1;
}
