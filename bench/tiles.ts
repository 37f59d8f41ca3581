/**
 * Vector tile benchmark: latency at z6, z10 and z14 over every layer, cold (rendered, hashed and
 * cached by the tile cache the routes use) and cached (served after the one change-log probe),
 * each beside a reference written here independently of Safeground's tile SQL: one minimal
 * ST_AsMVT query per layer, as Martin's table sources write them (finds below z13 clustered by a
 * plain GROUP BY on a world grid, as a hand-written function source would). On PGlite, whose
 * PostGIS has no ST_AsMVT, the same figures without that reference, to compare with PostgreSQL's.
 *
 *   node --import tsx bench/tiles.ts [--database-url postgres://postgres@127.0.0.1:5432/postgres]
 *
 * Alone, it makes a database sg_bench_tiles on that server, loads the national demo dataset
 * (about 30 s) and drops the database afterwards. `tilesBenchmark(db)` runs on a database that
 * already holds a demo dataset.
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { generateDemo } from '../src/demo/generate.ts';
import type { Db } from '../src/store/db.ts';
import { migrate } from '../src/store/migrate.ts';
import { ensurePostgis } from '../src/store/open.ts';
import { openPostgres } from '../src/store/postgres.ts';
import { TileCache } from '../src/tiles/cache.ts';
import type { TileId } from '../src/tiles/grid.ts';
import { TILE_LAYERS, type TileLayerName } from '../src/tiles/layers.ts';
import { type Figure, machineFacts, percentile, table } from './harness.ts';

const ZOOMS = [6, 10, 14] as const;
/** Tiles sampled per zoom: those under the most hazards first, so the sample is of tiles with data. */
const TILES_PER_ZOOM = 24;
const ROUNDS = 5;
/** Cached requests are cheap: more of them, after an untimed pass that prepares the statements on every pooled connection. */
const CACHED_PASSES = 10;

/** Each layer's table, properties and geometry as a competing tile server would publish them. */
const REFERENCE_SOURCES: Record<Exclude<TileLayerName, 'finds'>, { from: string; properties: string; geometries: string[] }> = {
  hazards: { from: 'hazard', properties: 'id::text AS id, reference, kind, status, release_date::text AS release_date', geometries: ['geom'] },
  'release-products': {
    from: 'release_product',
    properties: 'id::text AS id, hazard_id::text AS hazard_id, activity_id::text AS activity_id, method, technical_assets, clearance_depth_cm, release_date::text AS release_date',
    geometries: ['geom'],
  },
  'minefield-records': {
    from: 'minefield_record',
    properties: 'id::text AS id, reference, handover_batch, laying_date::text AS laying_date, handover_date::text AS handover_date, stated_mine_total',
    geometries: ['perimeter', 'row_lines'],
  },
  accidents: { from: 'accident', properties: 'id::text AS id, reference, occurred_on::text AS occurred_on, device_category, demining_related', geometries: ['geom'] },
};

/** Martin's table-source query: the tile envelope grown by the buffer, in the table's SRID, and ST_AsMVTGeom. */
function referenceSql(layer: TileLayerName, z: number): string {
  const box = 'ST_Transform(ST_TileEnvelope($1, $2, $3, margin => (64.0 / 4096)), 4326)';
  const mvtGeom = (column: string) => `ST_AsMVTGeom(ST_Transform(${column}, 3857), ST_TileEnvelope($1, $2, $3), 4096, 64, true)`;
  if (layer === 'finds') {
    if (z >= 13) {
      return `SELECT ST_AsMVT(t, 'finds', 4096, 'geom') FROM (
        SELECT id::text AS id, category, quantity, found_on::text AS found_on, ${mvtGeom('geom')} AS geom FROM find WHERE geom && ${box}) t`;
    }
    // 16 × 16 cells a tile, fixed to the world's grid; the search one cell wider so edge cells are whole.
    const world = 20037508.342789244;
    const cell = (2 * world) / 2 ** z / 16;
    return `SELECT ST_AsMVT(t, 'finds', 4096, 'geom') FROM (
      SELECT count(*)::int AS count, sum(quantity)::int AS quantity,
        CASE WHEN count(DISTINCT category) = 1 THEN min(category) ELSE 'mixed' END AS category,
        min(found_on)::text AS first_found_on, max(found_on)::text AS last_found_on,
        ST_AsMVTGeom(ST_Centroid(ST_Collect(p)), ST_TileEnvelope($1, $2, $3), 4096, 64, true) AS geom
      FROM (SELECT quantity, category, found_on, ST_Transform(geom, 3857) AS p FROM find
            WHERE geom && ST_Transform(ST_TileEnvelope($1, $2, $3, margin => (${64 + 256}.0 / 4096)), 4326)) f
      GROUP BY floor((ST_X(p) + ${world}) / ${cell}), floor((${world} - ST_Y(p)) / ${cell})) t WHERE geom IS NOT NULL`;
  }
  const source = REFERENCE_SOURCES[layer];
  const parts = source.geometries.map((column) => `SELECT ${source.properties}, ${mvtGeom(column)} AS geom FROM ${source.from} WHERE ${column} && ${box}`);
  return `SELECT ST_AsMVT(t, '${layer}', 4096, 'geom') FROM (${parts.join(' UNION ALL ')}) t`;
}

async function busiestTiles(db: Db, z: number): Promise<TileId[]> {
  return db.query<TileId>(
    `SELECT $1::int AS z, x::int AS x, y::int AS y FROM (
       SELECT floor((ST_X(p) + 180) / 360 * 2 ^ $1) AS x,
              floor((1 - ln(tan(radians(ST_Y(p))) + 1 / cos(radians(ST_Y(p)))) / pi()) / 2 * 2 ^ $1) AS y
       FROM (SELECT ST_PointOnSurface(geom) AS p FROM hazard) h
     ) t GROUP BY x, y ORDER BY count(*) DESC, x, y LIMIT $2`,
    [z, TILES_PER_ZOOM],
  );
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/** `reference` is empty where there is no raw ST_AsMVT (PGlite). */
function figure(name: string, p: 50 | 95, values: number[], reference: number[], target?: (value: number, ref: number) => { text: string; met: boolean }): Figure {
  const safeground = percentile(values, p);
  const ref = reference.length > 0 ? percentile(reference, p) : Number.NaN;
  return {
    figure: `${name} p${p}`,
    unit: 'ms',
    safeground,
    ...(reference.length > 0 ? { reference: { name: 'Martin-style ST_AsMVT per layer', value: ref } } : {}),
    ...(target ? { target: target(safeground, ref) } : {}),
  };
}

/**
 * Raw and cold renders alternate tile by tile, so both meet the same state of PostgreSQL's
 * buffer cache; a first untimed pass warms it, as a running server's would be. Each round starts
 * with an empty tile cache.
 */
export async function tilesBenchmark(db: Db): Promise<Figure[]> {
  const hasRaw = db.backend === 'postgres';
  const figures: Figure[] = [];
  for (const z of ZOOMS) {
    const tiles = await busiestTiles(db, z);
    const raw = (layer: TileLayerName, t: TileId) => db.query(referenceSql(layer, z), [t.z, t.x, t.y]);
    const warm = hasRaw ? raw : (layer: TileLayerName, t: TileId) => new TileCache(db).tile(layer, t);
    for (const t of tiles) for (const layer of TILE_LAYERS) await warm(layer, t);

    const rawMs: number[] = [];
    const coldMs: number[] = [];
    const cachedMs: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const cache = new TileCache(db);
      for (const t of tiles) {
        for (const layer of TILE_LAYERS) {
          if (hasRaw) rawMs.push(await timed(() => raw(layer, t)));
          coldMs.push(await timed(() => cache.tile(layer, t)));
        }
      }
      for (let pass = 0; pass <= CACHED_PASSES; pass++) {
        for (const t of tiles) {
          for (const layer of TILE_LAYERS) {
            const ms = await timed(() => cache.tile(layer, t));
            if (pass > 0) cachedMs.push(ms);
          }
        }
      }
    }
    const tileCount = `${tiles.length} tile${tiles.length === 1 ? '' : 's'} × ${TILE_LAYERS.length} layers`;
    const withinRaw = (value: number, ref: number) => ({ text: 'within 1.25× of a Martin-style ST_AsMVT query', met: value <= 1.25 * ref });
    const under5 = (value: number) => ({ text: 'under 5 ms', met: value < 5 });
    figures.push(
      figure(`z${z} cold tile (${tileCount} × ${ROUNDS})`, 50, coldMs, rawMs),
      figure(`z${z} cold tile`, 95, coldMs, rawMs, hasRaw ? withinRaw : undefined),
      // A cached tile is a read of stored bytes: no query to compare it with.
      figure(`z${z} cached tile (${tileCount} × ${ROUNDS * CACHED_PASSES})`, 50, cachedMs, []),
      figure(`z${z} cached tile`, 95, cachedMs, [], under5),
    );
  }
  return figures;
}

if (import.meta.url === pathToFileURL(process.argv[1]!).href) {
  const { values: args } = parseArgs({ options: { 'database-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' } } });
  const serverUrl = args['database-url'];
  const database = 'sg_bench_tiles';
  const admin = await openPostgres(serverUrl, { max: 1 });
  await admin.exec(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.exec(`CREATE DATABASE ${database}`);
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  const db = await openPostgres(url.toString(), { max: 10 });
  try {
    await ensurePostgis(db);
    await migrate(db);
    const summary = await generateDemo(db, { scale: 'national' });
    process.stderr.write(`national demo loaded in ${summary.seconds.toFixed(1)} s\n`);
    await db.exec('ANALYZE');
    process.stdout.write(`${JSON.stringify(machineFacts())}\n\n${table(await tilesBenchmark(db))}\n`);
  } finally {
    await db.close();
    await admin.exec(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.close();
  }
}
