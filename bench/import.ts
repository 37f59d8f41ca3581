/**
 * Import benchmark: a million finds from CSV and from GeoJSON into PostgreSQL, by Safeground's
 * import, by GDAL's `ogr2ogr -f PostgreSQL` on the same files, and by a raw COPY of a prepared
 * CSV (the floor: no parsing, no checks), both into a new bare table, and by the same COPY into
 * `find` itself, which pays for find's indexes and foreign keys as an import does. Each Safeground run is a child process, so its peak
 * resident memory is its own; it is measured at 100,000 and at 1,000,000 rows and must not grow
 * with the file.
 *
 *   node --import tsx bench/import.ts [--rows 1000000] [--url postgres://postgres@127.0.0.1:5432/postgres]
 *
 * or from the harness, `importBenchmark(serverUrl, { rows })`. Makes a database of its own on
 * the server (PostGIS), and drops it at the end. The targets of the performance issue are marked
 * met or not: at least 1.5× the rows per second of ogr2ogr, at least half those of raw COPY, and
 * peak memory flat (within 20%) from a tenth of the rows (at most 100,000) to all of them.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { once } from 'node:events';
import postgres from 'postgres';
import { importFinds } from '../src/exchange/findImporter.ts';
import { seedOrdnanceCatalogue } from '../src/catalogue/store.ts';
import { migrate } from '../src/store/migrate.ts';
import { ensurePostgis } from '../src/store/open.ts';
import { openPglite } from '../src/store/pglite.ts';
import { openPostgres } from '../src/store/postgres.ts';
import { type Figure, table } from './harness.ts';
import { mulberry32 } from '../src/mulberry32.ts';

const MODELS: readonly (readonly [string, string])[] = [
  ['ap_mine', 'PMN-2'],
  ['ap_mine', 'PFM-1'],
  ['ap_mine', 'OZM-72'],
  ['at_mine', 'TM-62M'],
  ['uxo', 'Mortar bomb'],
  ['uxo', 'Artillery projectile'],
  ['submunition', 'PTAB-1M'],
];


interface Find {
  externalId: string;
  category: string;
  ordnanceModel: string;
  depthCm: number;
  foundOn: string;
  latitude: number;
  longitude: number;
}

function* finds(count: number): Generator<Find> {
  const next = mulberry32(42);
  const day0 = Date.UTC(2020, 0, 1);
  for (let i = 0; i < count; i++) {
    const [category, ordnanceModel] = MODELS[Math.floor(next() * MODELS.length)]!;
    yield {
      externalId: `B-${i + 1}`,
      category,
      ordnanceModel,
      depthCm: Math.floor(next() * 30),
      foundOn: new Date(day0 + Math.floor(next() * 1826) * 86_400_000).toISOString().slice(0, 10),
      latitude: Number((47 + next() * 3).toFixed(7)),
      longitude: Number((36 + next() * 4).toFixed(7)),
    };
  }
}

export async function write(path: string, chunks: Iterable<string>): Promise<void> {
  const out = createWriteStream(path);
  for (const chunk of chunks) if (!out.write(chunk)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
}

export function* csv(count: number): Generator<string> {
  yield 'externalId,category,ordnanceModel,depthCm,foundOn,latitude,longitude\n';
  for (const f of finds(count)) yield `${f.externalId},${f.category},${f.ordnanceModel},${f.depthCm},${f.foundOn},${f.latitude},${f.longitude}\n`;
}

function* geojson(count: number): Generator<string> {
  yield '{"type":"FeatureCollection","features":[\n';
  let first = true;
  for (const { latitude, longitude, ...properties } of finds(count)) {
    yield `${first ? '' : ',\n'}${JSON.stringify({ type: 'Feature', properties, geometry: { type: 'Point', coordinates: [longitude, latitude] } })}`;
    first = false;
  }
  yield '\n]}\n';
}

/** What COPY would load after all parsing and checking: the floor for any importer. */
function* prepared(count: number): Generator<string> {
  for (const f of finds(count)) yield `${f.externalId},${f.category},${f.depthCm},${f.foundOn},SRID=4326;POINT(${f.longitude} ${f.latitude})\n`;
}

export interface Run {
  rows: number;
  seconds: number;
  peakRssMb: number;
}

/** The child: one Safeground import, reporting its time and its own peak memory. `url` "pglite" is a fresh embedded store. */
async function child(url: string, path: string): Promise<void> {
  const db = url === 'pglite' ? await openPglite() : await openPostgres(url, { max: 2 });
  try {
    if (url === 'pglite') {
      await ensurePostgis(db);
      await migrate(db);
      await seedOrdnanceCatalogue(db);
    }
    const start = performance.now();
    const report = await importFinds(db, { path, dryRun: false, actor: null });
    const seconds = (performance.now() - start) / 1000;
    if (report.problemCount > 0 || !report.committed) throw new Error(`import failed: ${JSON.stringify(report.problems.slice(0, 3))}`);
    const run: Run = { rows: report.created, seconds, peakRssMb: process.resourceUsage().maxRSS / 1024 };
    process.stdout.write(JSON.stringify(run));
  } finally {
    await db.close();
  }
}

export function safegroundImport(url: string, path: string): Run {
  const result = spawnSync(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, 'child', url, path], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (result.status !== 0) throw new Error(`Safeground import of ${path} failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as Run;
}

/** ogr2ogr into a new table, with GDAL's defaults for PostgreSQL (COPY, one transaction per 64k rows). */
function gdalImport(connection: string, path: string, layer: string): { seconds: number; peakRssMb: number } {
  const args = ['-f', '%M', 'ogr2ogr', '-f', 'PostgreSQL', connection, path, '-nln', layer, '-a_srs', 'EPSG:4326', '-gt', '65536', '-lco', 'SPATIAL_INDEX=GIST'];
  if (path.endsWith('.csv')) args.push('-oo', 'X_POSSIBLE_NAMES=longitude', '-oo', 'Y_POSSIBLE_NAMES=latitude', '-oo', 'AUTODETECT_TYPE=YES');
  const start = performance.now();
  const result = spawnSync('/usr/bin/time', args, { encoding: 'utf8' });
  const seconds = (performance.now() - start) / 1000;
  if (result.status !== 0) throw new Error(`ogr2ogr failed on ${path}: ${result.stderr}`);
  const kb = Number(result.stderr.trim().split('\n').at(-1));
  return { seconds, peakRssMb: kb / 1024 };
}

/** Targets of the issue "Performance at national scale". */
/** Seconds to COPY a CSV file by `copy` (COPY ... FROM STDIN) on a connection of its own: the floor the importer is measured against. */
async function timedCopy(url: URL, copy: string, path: string): Promise<number> {
  const sql = postgres(url.toString(), { max: 1, onnotice: () => {} });
  const start = performance.now();
  const writable = await sql.unsafe(copy).writable();
  await new Promise<void>((resolve, reject) => createReadStream(path).pipe(writable).on('finish', resolve).on('error', reject));
  const seconds = (performance.now() - start) / 1000;
  await sql.end();
  return seconds;
}

const TARGET = { overOgr2ogr: 1.5, ofCopy: 0.5, ofCopyIntoFind: 1.25, memoryGrowth: 1.2 };

const rate = (rows: number, seconds: number) => Math.round(rows / seconds);

/**
 * Runs the import benchmark on a database of its own on the server at `serverUrl` (any database
 * URL there; the benchmark's own database is made beside it and dropped) and gives its figures.
 */
export async function importBenchmark(serverUrl: string, options: { rows: number }): Promise<Figure[]> {
  const total = options.rows;
  const small = Math.min(100_000, Math.round(total / 10));
  const baseUrl = serverUrl;
  const name = `sg_bench_import_${process.pid}`;
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  const work = mkdtempSync(join(tmpdir(), 'safeground-bench-import-'));
  const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  try {
    const db = await openPostgres(url.toString(), { max: 2 });
    await ensurePostgis(db);
    await migrate(db);
    await seedOrdnanceCatalogue(db);
    // Each import starts on clean tables, as the COPY floor does: the last run's million dead
    // versions vacuumed now, not by autovacuum in the middle of the next run.
    const reset = async () => {
      await db.exec("TRUNCATE find CASCADE; DELETE FROM record_version WHERE entity_type = 'find'");
      await db.exec('VACUUM ANALYZE record_version');
    };

    process.stderr.write(`Writing ${total.toLocaleString('en')} and ${small.toLocaleString('en')} finds as CSV and GeoJSON in ${work}\n`);
    const files = {
      csv: join(work, 'finds.csv'),
      geojson: join(work, 'finds.geojson'),
      csvSmall: join(work, 'finds-small.csv'),
      geojsonSmall: join(work, 'finds-small.geojson'),
      prepared: join(work, 'prepared.csv'),
    };
    await write(files.csv, csv(total));
    await write(files.geojson, geojson(total));
    await write(files.csvSmall, csv(small));
    await write(files.geojsonSmall, geojson(small));
    await write(files.prepared, prepared(total));

    const runs: Record<string, Run> = {};
    for (const [key, path] of [['csvSmall', files.csvSmall], ['csv', files.csv], ['geojsonSmall', files.geojsonSmall], ['geojson', files.geojson]] as const) {
      await reset();
      process.stderr.write(`Safeground import of ${path} (${(statSync(path).size / 1e6).toFixed(0)} MB)\n`);
      runs[key] = safegroundImport(url.toString(), path);
      process.stderr.write(`  ${JSON.stringify(runs[key])}\n`);
    }
    await reset();

    const connection = `PG:host=${url.hostname} port=${url.port || 5432} user=${decodeURIComponent(url.username) || 'postgres'} dbname=${name}`;
    process.stderr.write('ogr2ogr of the CSV and the GeoJSON\n');
    const gdalCsv = gdalImport(connection, files.csv, 'gdal_csv');
    const gdalGeojson = gdalImport(connection, files.geojson, 'gdal_geojson');

    process.stderr.write('Raw COPY of the prepared CSV\n');
    await db.exec('CREATE TABLE copy_floor (external_id text, category text, depth_cm integer, found_on date, geom geometry(Point, 4326))');
    const copySeconds = await timedCopy(url, 'COPY copy_floor FROM STDIN (FORMAT csv)', files.prepared);
    const [copied] = await db.query<{ n: number }>('SELECT count(*) AS n FROM copy_floor');
    if (copied!.n !== total) throw new Error(`COPY loaded ${copied!.n} rows, not ${total}`);

    // The floor for the same work: the same rows COPYed straight into `find` itself, with its
    // indexes and foreign keys, without reading, checking or history.
    process.stderr.write('Raw COPY of the prepared CSV into find\n');
    await db.exec("TRUNCATE find CASCADE; ALTER TABLE find ALTER COLUMN source SET DEFAULT 'copy'");
    const intoFindSeconds = await timedCopy(url, 'COPY find (external_id, category, depth_cm, found_on, geom) FROM STDIN (FORMAT csv)', files.prepared);
    await db.close();

    const n = total.toLocaleString('en');
    const m = small.toLocaleString('en');
    const csvRate = rate(total, runs.csv!.seconds);
    const geojsonRate = rate(total, runs.geojson!.seconds);
    const ogrCsv = rate(total, gdalCsv.seconds);
    const ogrGeojson = rate(total, gdalGeojson.seconds);
    const copyRate = rate(total, copySeconds);
    const intoFindRate = rate(total, intoFindSeconds);
    const overOgr = { text: `≥ ${TARGET.overOgr2ogr}× ogr2ogr` };
    const memory = (key: 'csv' | 'geojson') => ({
      text: `flat (within ${TARGET.memoryGrowth}×)`,
      met: runs[key]!.peakRssMb <= runs[`${key}Small`]!.peakRssMb * TARGET.memoryGrowth,
    });
    process.stderr.write(
      `Seconds: Safeground CSV ${runs.csv!.seconds.toFixed(1)}, GeoJSON ${runs.geojson!.seconds.toFixed(1)}; ogr2ogr CSV ${gdalCsv.seconds.toFixed(1)}, GeoJSON ${gdalGeojson.seconds.toFixed(1)}; COPY ${copySeconds.toFixed(1)}, into find ${intoFindSeconds.toFixed(1)}\n`,
    );
    return [
      { figure: `Import CSV, ${n} finds`, unit: 'rows/s', safeground: csvRate, reference: { name: 'ogr2ogr', value: ogrCsv }, higherIsBetter: true, target: { ...overOgr, met: csvRate >= ogrCsv * TARGET.overOgr2ogr } },
      {
        figure: `Import CSV, ${n} finds`,
        unit: 'rows/s',
        safeground: csvRate,
        reference: { name: 'raw COPY of prepared CSV', value: copyRate },
        higherIsBetter: true,
        target: { text: `≥ ${TARGET.ofCopy}× raw COPY`, met: csvRate >= copyRate * TARGET.ofCopy },
      },
      {
        figure: `Import CSV, ${n} finds`,
        unit: 'rows/s',
        safeground: csvRate,
        reference: { name: 'raw COPY into find (its indexes and keys, file order)', value: intoFindRate },
        higherIsBetter: true,
        target: { text: `within ${TARGET.ofCopyIntoFind}× of COPY into find`, met: csvRate * TARGET.ofCopyIntoFind >= intoFindRate },
      },
      { figure: `Import GeoJSON, ${n} finds`, unit: 'rows/s', safeground: geojsonRate, reference: { name: 'ogr2ogr', value: ogrGeojson }, higherIsBetter: true, target: { ...overOgr, met: geojsonRate >= ogrGeojson * TARGET.overOgr2ogr } },
      { figure: `Import CSV peak RSS, ${n} vs ${m} rows`, unit: 'MB', safeground: Math.round(runs.csv!.peakRssMb), reference: { name: `Safeground at ${m}`, value: Math.round(runs.csvSmall!.peakRssMb) }, target: memory('csv') },
      { figure: `Import GeoJSON peak RSS, ${n} vs ${m} rows`, unit: 'MB', safeground: Math.round(runs.geojson!.peakRssMb), reference: { name: `Safeground at ${m}`, value: Math.round(runs.geojsonSmall!.peakRssMb) }, target: memory('geojson') },
      { figure: 'ogr2ogr peak RSS (CSV / GeoJSON)', unit: 'MB', safeground: Math.round(gdalCsv.peakRssMb), reference: { name: 'GeoJSON', value: Math.round(gdalGeojson.peakRssMb) } },
    ];
  } finally {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * The same imports into the embedded store (PGlite), whose figures the harness sets beside
 * PostgreSQL's at the same scale; ogr2ogr and COPY need a server, so they have no reference here.
 */
export async function pgliteImportBenchmark(options: { rows: number }): Promise<Figure[]> {
  const work = mkdtempSync(join(tmpdir(), 'safeground-bench-import-'));
  try {
    const files = { csv: join(work, 'finds.csv'), geojson: join(work, 'finds.geojson') };
    await write(files.csv, csv(options.rows));
    await write(files.geojson, geojson(options.rows));
    const n = options.rows.toLocaleString('en');
    return (['csv', 'geojson'] as const).map((format) => {
      const run = safegroundImport('pglite', files[format]);
      process.stderr.write(`  ${format}: ${JSON.stringify(run)}\n`);
      return { figure: `Import ${format === 'csv' ? 'CSV' : 'GeoJSON'}, ${n} finds`, unit: 'rows/s', safeground: rate(run.rows, run.seconds), higherIsBetter: true };
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const [mode, ...rest] = process.argv.slice(2);
  if (mode === 'child') return child(rest[0]!, rest[1]!);
  const argument = (name: string, fallback: string) => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? process.argv[i + 1]! : fallback;
  };
  const figures = await importBenchmark(argument('--url', 'postgres://postgres@127.0.0.1:5432/postgres'), { rows: Number(argument('--rows', '1000000')) });
  process.stdout.write(`${table(figures)}\n`);
}

// Run alone (and as the child of a run); imported by the harness, only importBenchmark is used.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
