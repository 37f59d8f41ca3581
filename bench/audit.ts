/**
 * Minefield record audit at national scale: 1,000 records audited against 1,000,000 finds, side by
 * side with the same matching done by one PostGIS ST_DWithin join (finds within τ of the records'
 * row lines and mine positions), which is the reference.
 *
 * The audit computes far more than that join (completeness by maximum matching, outside shares,
 * the robust systematic shift and its 19-trial significance test), so the ratio is the price of
 * those figures, not of the matching. Its A(τ) counts must equal the join's; the table says how
 * many records disagree.
 *
 * On its own: `node --import tsx bench/audit.ts --database-url postgres://postgres@127.0.0.1:5432/postgres`
 * creates a database of its own on that server, with PostGIS and the migrations, fills it with
 * seeded synthetic data, prints the table and drops the database.
 */
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { direct } from '../src/geodesy/geodesic.ts';
import type { AuditResult } from '../src/records/audit.ts';
import { mulberry32 } from '../src/mulberry32.ts';
import { parseMinefieldRecord } from '../src/records/format.ts';
import { reconstruct } from '../src/records/reconstruct.ts';
import { auditBatch, coverDistanceM, createRecord, DEFAULT_MAX_SHIFT_M, loadAuditPoints } from '../src/records/store.ts';
import { auditWorkerCount } from '../src/records/auditPool.ts';
import type { Db } from '../src/store/db.ts';
import { migrate } from '../src/store/migrate.ts';
import { ensurePostgis } from '../src/store/open.ts';
import { openPostgres } from '../src/store/postgres.ts';
import { type Figure, machineFacts, sampleMs, table, timedFigure } from './harness.ts';

const BATCH = 'BENCH-AUDIT';
const TOLERANCE = 5;

export interface AuditBenchmarkOptions {
  records?: number;
  findsPerRecord?: number;
}

/**
 * Records on a grid 0.01° apart (about 1 km, so the land they cover does not overlap), each with
 * 4–11 rows of 40 mines at 5 m. Of each record's finds 60% lie on its mines (within 1.5 m), the
 * rest anywhere within 400 m; every third record is anchored 20–80 m off, so its significance
 * test runs all 19 trials.
 */
async function seed(db: Db, records: number, findsPerRecord: number): Promise<void> {
  const random = mulberry32(20240601);
  const findRows: string[] = [];
  for (let n = 0; n < records; n++) {
    const origin = { lat: 44 + Math.floor(n / 40) * 0.01, lon: 18 + (n % 40) * 0.013 };
    const legs = [];
    const rows = [];
    const rowCount = 4 + Math.floor(random() * 8);
    for (let k = 0; k < rowCount; k++) {
      legs.push({ from: 'RP1', to: `S${k}`, azimuth: 150 + random() * 10, distance: 40 + 25 * k });
      legs.push({ from: `S${k}`, to: `E${k}`, azimuth: 85 + random() * 10, distance: 195 });
      rows.push({ name: `R${k}`, start: `S${k}`, end: `E${k}`, mineCount: 40, spacing: 5 });
    }
    const record = parseMinefieldRecord({
      format: 'safeground/minefield-record@1',
      reference: `BENCH-${String(n).padStart(4, '0')}`,
      angleUnit: 'degrees',
      north: { reference: 'true' },
      referencePoints: [{ name: 'RP1', coordinates: { system: 'latlon', ...origin } }],
      legs,
      rows,
      provenance: { source: 'benchmark (synthetic)', handoverBatch: BATCH, statedMineTotal: rowCount * 40 },
    });
    await createRecord(db, record, null);
    const mines = reconstruct(record).predictedMines;
    const shift = n % 3 === 0 ? 20 + random() * 60 : 0;
    const shiftBearing = random() * 360;
    for (let i = 0; i < findsPerRecord; i++) {
      const mine = mines[Math.floor(random() * mines.length)];
      const base = random() < 0.6 && mine ? direct(mine, shiftBearing, shift) : direct(origin, 120 + random() * 60, random() * 400);
      const p = direct(base, random() * 360, random() * 1.5);
      findRows.push(`SRID=4326;POINT(${p.lon} ${p.lat})`);
    }
  }
  await db.bulkLoad('find', ['category', 'geom', 'found_on', 'source'], (function* () {
    for (const geom of findRows) yield ['ap_mine', geom, '2021-06-01', 'benchmark (synthetic)'];
  })());
  await db.exec('ANALYZE find; ANALYZE minefield_record; ANALYZE minefield_record_mine; ANALYZE minefield_record_row');
}

/**
 * The reference: finds within τ of a record's row lines or mine positions, counted once per
 * record, by one join on the spatial index (the 0.0001° box holds 5 m below 60° latitude).
 */
async function postgisMatching(db: Db): Promise<Map<string, number>> {
  const rows = await db.query<{ record_id: string; n: number }>(
    `SELECT record_id, count(*)::int AS n FROM (
       SELECT m.record_id, f.id FROM minefield_record_mine m JOIN find f ON f.geom && ST_Expand(m.geom, 0.0001) AND ST_DWithin(f.geom::geography, m.geom::geography, $1)
       UNION
       SELECT w.record_id, f.id FROM minefield_record_row w JOIN find f ON f.geom && ST_Expand(w.geom, 0.0001) AND ST_DWithin(f.geom::geography, w.geom::geography, $1)
     ) matched GROUP BY record_id`,
    [TOLERANCE],
  );
  return new Map(rows.map((r) => [r.record_id, r.n]));
}

/** Seeds `db` (an empty, migrated database) and measures; returns the benchmark table's lines. */
export async function auditBenchmark(db: Db, options: AuditBenchmarkOptions = {}): Promise<Figure[]> {
  const records = options.records ?? 1000;
  const findsPerRecord = options.findsPerRecord ?? 1000;
  const t0 = performance.now();
  await seed(db, records, findsPerRecord);
  process.stderr.write(`seeded ${records} records and ${records * findsPerRecord} finds in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);

  let audits: Array<{ id: string; audit: AuditResult }> = [];
  // CPU time of this process, all threads: what the audit costs whatever else the machine runs.
  const cpuBefore = process.cpuUsage();
  // Safeground and the PostGIS join alike: no warm-up, the first (cold) run counted in the median of five.
  const alike = { runs: 5, warmup: 0 };
  const batch = await sampleMs(async () => {
    audits = (await auditBatch(db, { batch: BATCH, tolerance: TOLERANCE })).records;
  }, alike);
  const cpu = process.cpuUsage(cpuBefore);
  const cpuMs = (cpu.user + cpu.system) / 1000 / batch.runs;
  const batchMs = batch.median;
  const ids = audits.map((a) => a.id);
  const load = await sampleMs(async () => {
    for (let i = 0; i < ids.length; i += 100) await loadAuditPoints(db, ids.slice(i, i + 100), coverDistanceM({ tolerance: TOLERANCE, maxShift: DEFAULT_MAX_SHIFT_M }));
  }, alike);
  const loadMs = load.median;
  let matched = new Map<string, number>();
  const postgis = await sampleMs(async () => {
    matched = await postgisMatching(db);
  }, alike);
  const postgisMs = postgis.median;
  const join = { name: 'PostGIS ST_DWithin join, A(τ) counts only', sample: postgis };

  const disagreeing = audits.filter((a) => (a.audit.positionalAccuracy.find((p) => p.toleranceM === TOLERANCE)?.count ?? 0) !== (matched.get(a.id) ?? 0)).length;
  const significant = audits.filter((a) => a.audit.systematicError?.significant === true).length;
  process.stderr.write(`${significant} of ${audits.length} records have a significant shift (every third was anchored off)\n`);
  const scale = `${records.toLocaleString('en')} records × ${(records * findsPerRecord).toLocaleString('en')} finds`;
  return [
    {
      ...timedFigure(`batch audit, ${scale} (load + every figure, ${auditWorkerCount(records)} worker threads)`, batch, join),
      target: { text: 'no slower than the PostGIS join', met: batchMs <= postgisMs },
    },
    timedFigure(`loading the finds of the land the records cover (${Math.ceil(records / 100)} set-based queries)`, load, join),
    { figure: 'batch minus loading, per record (the audits overlap the loading, so this is what it does not hide)', unit: 'ms', safeground: Math.max(0, batchMs - loadMs) / records },
    { figure: 'CPU time of the batch audit in Node (main thread and workers, not the database), per record', unit: 'ms', safeground: cpuMs / records },
    { figure: `records whose A(${TOLERANCE} m) count differs from PostGIS`, unit: 'records', safeground: disagreeing, target: { text: '0', met: disagreeing === 0 } },
  ];
}

function argument(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const baseUrl = argument('--database-url') ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const records = Number(argument('--records') ?? 1000);
  const findsPerRecord = Number(argument('--finds-per-record') ?? 1000);
  const name = `safeground_bench_audit_${process.pid}`;
  const admin = await openPostgres(baseUrl, { max: 1 });
  await admin.exec(`CREATE DATABASE ${name}`);
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  try {
    const db = await openPostgres(url.toString(), { max: 4 });
    try {
      await ensurePostgis(db);
      await migrate(db);
      const figures = await auditBenchmark(db, { records, findsPerRecord });
      process.stdout.write(`${table(figures)}\n\n${JSON.stringify(machineFacts())}\n`);
    } finally {
      await db.close();
    }
  } finally {
    await admin.exec(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.close();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
