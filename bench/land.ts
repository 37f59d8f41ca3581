/**
 * Land-release accounting benchmark: national statistics, and recomputing one hazard with 100
 * products, each timed beside one hand-written PostGIS query that gives the same figures, so the
 * ratio shows what Safeground's own layers cost. National statistics sum stored pieces
 * (docs/land-release.md, "Stored pieces"), so their cost is also shown where pieces must be
 * computed: every hazard's after the bulk load, one hazard's after a change outside the
 * workflow, and the refresh an approval of a 100-product hazard adds.
 *
 *   node --import tsx bench/land.ts [--database-url postgres://postgres@127.0.0.1:5432] [--hazards 5000]
 *
 * With --database-url, a database sg_bench_land is made on that server (with PostGIS) and
 * dropped afterwards; without it, an in-memory PGlite is used. The data is synthetic and seeded.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { hazardAccounting } from '../src/land/accounting.ts';
import { RELEASE_METHODS } from '../src/land/rules.ts';
import { landStatistics } from '../src/land/statistics.ts';
import { refreshLandPieces } from '../src/land/piecesStore.ts';
import type { Db } from '../src/store/db.ts';
import { migrate } from '../src/store/migrate.ts';
import { ensurePostgis } from '../src/store/open.ts';
import { openPglite } from '../src/store/pglite.ts';
import { openPostgres } from '../src/store/postgres.ts';
import { type Figure, machineFacts, sampleMs, table, timedFigure } from './harness.ts';
import { mulberry32 } from '../src/mulberry32.ts';

const BENCH_DB = 'sg_bench_land';


const rect = (lon0: number, lat0: number, lon1: number, lat1: number) =>
  `SRID=4326;MULTIPOLYGON(((${lon0} ${lat0},${lon1} ${lat0},${lon1} ${lat1},${lon0} ${lat1},${lon0} ${lat0})))`;
/** A quadrilateral with jittered corners, so cuts are not all along grid lines. */
function quad(rand: () => number, lon0: number, lat0: number, lon1: number, lat1: number): string {
  const j = (v: number, span: number) => v + (rand() - 0.5) * span * 0.15;
  const w = lon1 - lon0;
  const h = lat1 - lat0;
  const p = [
    [j(lon0, w), j(lat0, h)],
    [j(lon1, w), j(lat0, h)],
    [j(lon1, w), j(lat1, h)],
    [j(lon0, w), j(lat1, h)],
  ];
  return `SRID=4326;MULTIPOLYGON(((${[...p, p[0]!].map(([x, y]) => `${x} ${y}`).join(',')})))`;
}

/** Ten provinces of four districts each; hazards of 1–25 ha with 0–4 products each; one hazard of 1 km² with 100 products. */
async function seed(db: Db, hazardCount: number): Promise<{ bigHazardId: string; products: number }> {
  const rand = mulberry32(1);
  const [country] = await db.query<{ id: string }>(`INSERT INTO admin_area (level, code, geom, source) VALUES (0, 'ZZ', $1, 'bench') RETURNING id`, [rect(20, 40, 30, 44)]);
  const districts: { id: string; lon: number; lat: number }[] = [];
  for (let p = 0; p < 10; p++) {
    const [province] = await db.query<{ id: string }>(`INSERT INTO admin_area (parent_id, level, code, geom, source) VALUES ($1, 1, $2, $3, 'bench') RETURNING id`, [
      country!.id,
      `P${p}`,
      rect(20 + p, 40, 21 + p, 44),
    ]);
    for (let d = 0; d < 4; d++) {
      const [district] = await db.query<{ id: string }>(`INSERT INTO admin_area (parent_id, level, code, geom, source) VALUES ($1, 2, $2, $3, 'bench') RETURNING id`, [
        province!.id,
        `P${p}-D${d}`,
        rect(20 + p, 40 + d, 21 + p, 41 + d),
      ]);
      districts.push({ id: district!.id, lon: 20 + p, lat: 40 + d });
    }
  }
  const organisations = [randomUUID(), randomUUID(), randomUUID()];
  await db.bulkLoad('organisation', ['id', 'name', 'kind'], organisations.map((id, i) => [id, `Bench operator ${i}`, 'ngo']));
  const hazards: unknown[][] = [];
  const activities: unknown[][] = [];
  const links: unknown[][] = [];
  const products: unknown[][] = [];
  const methods = RELEASE_METHODS;
  const product = (activityId: string, hazardId: string, geom: string) => {
    const method = methods[Math.floor(rand() * 3)]!;
    const date = `${2019 + Math.floor(rand() * 6)}-${String(1 + Math.floor(rand() * 12)).padStart(2, '0')}-${String(1 + Math.floor(rand() * 28)).padStart(2, '0')}`;
    products.push([randomUUID(), activityId, hazardId, method, method === 'reduced' ? rand() < 0.5 : null, method === 'cleared' ? 20 : null, geom, date, 'bench']);
  };
  for (let i = 0; i < hazardCount; i++) {
    const district = districts[i % districts.length]!;
    // Hazards on a grid of 0.01° cells inside their district, so they do not overlap one another.
    const cell = Math.floor(i / districts.length);
    const lon0 = district.lon + 0.005 + (cell % 99) * 0.01;
    const lat0 = district.lat + 0.005 + Math.floor(cell / 99) * 0.01;
    const size = 0.001 + rand() * 0.004;
    const hazardId = randomUUID();
    hazards.push([hazardId, `B-${i}`, 'sha', quad(rand, lon0, lat0, lon0 + size, lat0 + size), district.id, 'bench']);
    const activityId = randomUUID();
    activities.push([activityId, `BA-${i}`, 'clearance', organisations[i % 3], 'bench']);
    links.push([activityId, hazardId]);
    const count = Math.floor(rand() * 5);
    for (let k = 0; k < count; k++) {
      const x = lon0 + rand() * size * 0.8 - size * 0.1;
      const y = lat0 + rand() * size * 0.8 - size * 0.1;
      const s = size * (0.2 + rand() * 0.5);
      product(activityId, hazardId, quad(rand, x, y, x + s, y + s));
    }
  }
  const bigHazardId = randomUUID();
  const bigActivity = randomUUID();
  hazards.push([bigHazardId, 'B-BIG', 'cha', rect(29.5, 43.5, 29.5 + 0.0125, 43.5 + 0.009), districts.at(-1)!.id, 'bench']);
  activities.push([bigActivity, 'BA-BIG', 'clearance', organisations[0], 'bench']);
  links.push([bigActivity, bigHazardId]);
  for (let x = 0; x < 10; x++) {
    for (let y = 0; y < 10; y++) {
      const lon = 29.5 + x * 0.00125;
      const lat = 43.5 + y * 0.0009;
      product(bigActivity, bigHazardId, quad(rand, lon, lat, lon + 0.00135, lat + 0.001));
    }
  }
  await db.bulkLoad('hazard', ['id', 'reference', 'kind', 'geom', 'admin_area_id', 'source'], hazards);
  await db.bulkLoad('activity', ['id', 'reference', 'kind', 'organisation_id', 'source'], activities);
  await db.bulkLoad('activity_hazard', ['activity_id', 'hazard_id'], links);
  await db.bulkLoad(
    'release_product',
    ['id', 'activity_id', 'hazard_id', 'method', 'technical_assets', 'clearance_depth_cm', 'geom', 'release_date', 'source'],
    products,
  );
  await db.exec('ANALYZE');
  return { bigHazardId, products: products.length };
}

/**
 * The references are written as a competing tool would write them, in plain PostGIS: ST_Difference
 * and the geography's area, not Safeground's snapping difference (sg_difference) or its densified
 * area (geodesicArea). The two sides' figures are compared within a relative tolerance of 1e-4:
 * the geography type takes edges as geodesics, Safeground as drawn on the map (straight in
 * degrees), and for edges of a kilometre or so the two areas differ by about 1e-5.
 */
const AREA = (g: string) => `ST_Area(ST_CollectionExtract(${g}, 3)::geography)`;

/** How far apart two areas are, relative to the larger (0 when both are 0). */
const relative = (a: number, b: number) => (a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b)));

/** The national figures written by hand: released by province × year × method, pieces with precedence, no layers. */
const handStatistics = `
  SELECT pr.id AS admin1_id, to_char(rp.release_date, 'YYYY') AS period, rp.method,
    sum(round(${AREA(`ST_Difference(ST_Intersection(rp.geom, h.geom), COALESCE(prior.geom, 'SRID=4326;POLYGON EMPTY'::geometry))`)}::numeric, 4))::float8 AS area_m2
  FROM release_product rp
  JOIN hazard h ON h.id = rp.hazard_id
  JOIN admin_area d ON d.id = h.admin_area_id JOIN admin_area pr ON pr.id = d.parent_id
  LEFT JOIN LATERAL (
    SELECT ST_Union(q.geom) AS geom FROM release_product q
    WHERE q.hazard_id = rp.hazard_id AND q.id <> rp.id AND ST_Intersects(q.geom, rp.geom)
      AND (array_position(ARRAY['cleared','reduced','cancelled'], q.method), q.release_date, q.id)
        < (array_position(ARRAY['cleared','reduced','cancelled'], rp.method), rp.release_date, rp.id)
  ) prior ON true
  GROUP BY 1, 2, 3`;

const handRemaining = `
  SELECT pr.id AS admin1_id, sum(round(${AREA('COALESCE(ST_Difference(h.geom, u.geom), h.geom)')}::numeric, 4))::float8 AS area_m2
  FROM hazard h
  JOIN admin_area d ON d.id = h.admin_area_id JOIN admin_area pr ON pr.id = d.parent_id
  CROSS JOIN LATERAL (SELECT ST_Union(geom) AS geom FROM release_product WHERE hazard_id = h.id) u
  GROUP BY 1`;

/** One hazard written by hand: unions by method with precedence, and what remains. */
const handHazard = `
  WITH h AS (SELECT geom FROM hazard WHERE id = $1),
  m AS (
    SELECT ST_Union(rp.geom) FILTER (WHERE method = 'cleared') AS cleared,
      ST_Union(rp.geom) FILTER (WHERE method = 'reduced') AS reduced,
      ST_Union(rp.geom) FILTER (WHERE method = 'cancelled') AS cancelled,
      ST_Union(rp.geom) AS all_products
    FROM release_product rp WHERE rp.hazard_id = $1
  )
  SELECT ${AREA('ST_Intersection(m.cleared, h.geom)')} AS cleared,
    ${AREA(`ST_Difference(ST_Intersection(m.reduced, h.geom), COALESCE(m.cleared, 'SRID=4326;POLYGON EMPTY'::geometry))`)} AS reduced,
    ${AREA(`ST_Difference(ST_Intersection(m.cancelled, h.geom), COALESCE(ST_Union(m.cleared, m.reduced), m.cleared, m.reduced, 'SRID=4326;POLYGON EMPTY'::geometry))`)} AS cancelled,
    ${AREA('ST_Difference(h.geom, m.all_products)')} AS remaining
  FROM h, m`;


/**
 * Seeds `db` (an empty, migrated database) with `hazards` synthetic hazards and one hazard of
 * 100 products, checks that Safeground's figures equal the hand-written query's, and times both.
 */
export async function landBenchmark(db: Db, options: { hazards: number; runs?: number }): Promise<Figure[]> {
  const runs = options.runs ?? 5;
  const sample = (fn: () => Promise<unknown>) => sampleMs(fn, { runs, warmup: 1 });
  const started = performance.now();
  const { bigHazardId, products } = await seed(db, options.hazards);
  process.stderr.write(`land: ${options.hazards + 1} hazards, ${products} release products, seeded in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  // The first request after a bulk load finds no stored pieces and computes every hazard's.
  const coldStarted = performance.now();
  const ours = await landStatistics(db, { by: ['admin1'], period: 'year' });
  const coldMs = performance.now() - coldStarted;
  const hand = await db.query<{ admin1_id: string; period: string; method: string; area_m2: number }>(handStatistics);
  let statisticsDiff = 0;
  for (const row of ours.released) {
    const other = hand.find((h) => h.admin1_id === row.admin1?.id && h.period === row.period && h.method === row.method);
    statisticsDiff = Math.max(statisticsDiff, relative(row.areaM2, other?.area_m2 ?? 0));
  }
  if (hand.length !== ours.released.length) throw new Error(`hand-written statistics have ${hand.length} rows, Safeground ${ours.released.length}`);
  const handLeft = await db.query<{ admin1_id: string; area_m2: number }>(handRemaining);
  for (const row of ours.remaining) {
    statisticsDiff = Math.max(statisticsDiff, relative(row.areaM2, handLeft.find((h) => h.admin1_id === row.admin1?.id)?.area_m2 ?? 0));
  }

  const accounting = (await hazardAccounting(db, bigHazardId))!;
  const [handBig] = await db.query<Record<'cleared' | 'reduced' | 'cancelled' | 'remaining', number | null>>(handHazard, [bigHazardId]);
  const hazardDiff = Math.max(
    ...RELEASE_METHODS.map((m) => relative(accounting.releasedM2[m], handBig![m] ?? 0)),
    relative(accounting.remainingM2, handBig!.remaining ?? 0),
  );

  const statistics = await sample(() => landStatistics(db, { by: ['admin1'], period: 'year' }));
  const handStatisticsRuns = await sample(async () => {
    await db.query(handStatistics);
    await db.query(handRemaining);
  });
  // A product changed outside the workflow (an import bumping its version): the next request computes its hazard again.
  const [small] = await db.query<{ id: string }>('SELECT id FROM release_product WHERE hazard_id <> $1 ORDER BY id LIMIT 1', [bigHazardId]);
  const stale = await sample(async () => {
    await db.query('UPDATE release_product SET version = version + 1, updated_at = clock_timestamp() WHERE id = $1', [small!.id]);
    await landStatistics(db, { by: ['admin1'], period: 'year' });
  });
  const refresh = await sample(() => db.transaction((tx) => refreshLandPieces(tx, [bigHazardId])));
  const hazard = await sample(() => hazardAccounting(db, bigHazardId));
  const handHazardRuns = await sample(() => db.query(handHazard, [bigHazardId]));
  const agree = (diff: number) => ({ text: `same figures as the hand-written query (largest relative difference ${diff.toExponential(1)})`, met: diff < 1e-4 });
  return [
    // The fair comparison: both compute everything from the register. One run: after it the pieces are stored.
    {
      figure: `national statistics, first request after the bulk load (computes and stores every hazard's pieces; one run): released by admin1 × year × method, remaining by admin1 (${options.hazards + 1} hazards, ${products} products)`,
      unit: 'ms',
      safeground: coldMs,
      reference: { name: 'hand-written PostGIS (from scratch, as a tool without stored pieces must)', value: handStatisticsRuns.median, spread: { runs: handStatisticsRuns.runs, min: handStatisticsRuns.min, max: handStatisticsRuns.max } },
    },
    // Later requests read the stored pieces; the hand-written query has nothing stored, so no ratio is shown.
    {
      ...timedFigure('national statistics from stored pieces (no reference: nothing else stores them)', statistics),
      target: { text: `under 2 s; ${agree(statisticsDiff).text}`, met: statistics.median < 2000 && agree(statisticsDiff).met },
    },
    { ...timedFigure('national statistics after one product changed outside the workflow (its hazard computed again)', stale), target: { text: 'under 2 s', met: stale.median < 2000 } },
    timedFigure('stored pieces of the hazard with 100 products computed again (what its approval adds)', refresh),
    { ...timedFigure('recompute one hazard with 100 products', hazard, { name: 'hand-written PostGIS', sample: handHazardRuns }), target: agree(hazardDiff) },
  ];
}

async function main(): Promise<void> {
  const { values: args } = parseArgs({ options: { 'database-url': { type: 'string' }, hazards: { type: 'string' }, runs: { type: 'string', default: '5' } } });
  const serverUrl = args['database-url'];
  let db: Db;
  let drop = async () => {};
  if (serverUrl) {
    const admin = await openPostgres(serverUrl, { max: 1 });
    await admin.exec(`DROP DATABASE IF EXISTS ${BENCH_DB} WITH (FORCE)`);
    await admin.exec(`CREATE DATABASE ${BENCH_DB}`);
    await admin.close();
    const url = new URL(serverUrl);
    url.pathname = `/${BENCH_DB}`;
    db = await openPostgres(url.toString(), { max: 2 });
    drop = async () => {
      const dropper = await openPostgres(serverUrl, { max: 1 });
      await dropper.exec(`DROP DATABASE IF EXISTS ${BENCH_DB} WITH (FORCE)`);
      await dropper.close();
    };
  } else {
    db = await openPglite();
  }
  try {
    await ensurePostgis(db);
    await migrate(db);
    const figures = await landBenchmark(db, { hazards: Number(args.hazards ?? (serverUrl ? 5000 : 1000)), runs: Number(args.runs) });
    process.stdout.write(`${table(figures)}\n\n${JSON.stringify(machineFacts())}\n`);
  } finally {
    await db.close();
    await drop();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
