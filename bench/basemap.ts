/**
 * Basemap benchmark: tile latency served from a large PMTiles archive and from a large MBTiles
 * file (through the HTTP route, as a browser asks), beside the floor of reading the same bytes
 * straight from the file at their offset; and the server's memory while it serves tiles from all
 * over the archive, which must stay flat: archives are read by ranges, never loaded.
 *
 *   node --import tsx bench/basemap.ts [--megabytes 400]
 *
 * The archives are generated here (incompressible tiles of 4-36 kB, as dense vector tiles of a
 * city are, over zooms 0-14 of one area), written with Safeground's PMTiles writer and
 * better-sqlite3, in a temporary folder removed afterwards. The files sit in the page cache
 * after being written, so the figures are of reads from memory; the floor reads the same way.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { tileIdToZxy, zxyToTileId } from 'pmtiles';
import { closeBasemaps, openBasemaps, serveBasemaps } from '../src/tiles/basemap/served.ts';
import { Compression, PmtilesWriter, TileType } from '../src/tiles/basemap/pmtilesWriter.ts';
import { buildServer } from '../src/http/server.ts';
import { migrate } from '../src/store/migrate.ts';
import { ensurePostgis } from '../src/store/open.ts';
import { openPglite } from '../src/store/pglite.ts';
import { type Figure, machineFacts, percentile, table } from './harness.ts';
import { mulberry32 } from '../src/mulberry32.ts';

interface Placed {
  z: number;
  x: number;
  y: number;
  /** Where the tile's bytes lie in the PMTiles file, for the floor. */
  offset: number;
  length: number;
}

const SAMPLE = 2_000;
const MEMORY_REQUESTS = 20_000;

/** Tiles of zooms 0-14 over one area, in tile id order, until the archive holds about `megabytes`. */
async function generate(dir: string, megabytes: number, random: () => number): Promise<{ pmtiles: string; mbtiles: string; tiles: Placed[] }> {
  const pmtiles = join(dir, 'large.pmtiles');
  const mbtiles = join(dir, 'large.mbtiles');
  const writer = await PmtilesWriter.create(pmtiles, {
    tileType: TileType.Mvt, tileCompression: Compression.Gzip, minzoom: 0, maxzoom: 14,
    bounds: [44, 38.8, 46.6, 41.3], center: [45, 40, 10], metadata: { name: 'large', vector_layers: [{ id: 'noise' }] },
  });
  const sqlite = new Database(mbtiles);
  sqlite.exec(`CREATE TABLE metadata (name text, value text); CREATE TABLE tiles (zoom_level integer, tile_column integer, tile_row integer, tile_data blob);
    CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row);
    INSERT INTO metadata VALUES ('name', 'large'), ('format', 'pbf'), ('minzoom', '0'), ('maxzoom', '14'), ('bounds', '44,38.8,46.6,41.3'), ('json', '{"vector_layers":[{"id":"noise"}]}')`);
  const insert = sqlite.prepare('INSERT INTO tiles VALUES (?, ?, ?, ?)');
  const tiles: Placed[] = [];
  let bytes = 0;
  let offset = 0;
  sqlite.exec('BEGIN');
  // Tile ids of the area, zoom by zoom, each zoom in id order.
  for (let z = 0; z <= 14 && bytes < megabytes * 2 ** 20; z++) {
    const n = 2 ** z;
    const [x0, x1] = [Math.floor(((44 + 180) / 360) * n), Math.floor(((46.6 + 180) / 360) * n)];
    const row = (lat: number) => Math.floor(((1 - Math.log(Math.tan((lat * Math.PI) / 180) + 1 / Math.cos((lat * Math.PI) / 180)) / Math.PI) / 2) * n);
    const [y0, y1] = [row(41.3), row(38.8)];
    const ids: number[] = [];
    for (let x = x0; x <= x1; x++) for (let y = y0; y <= y1; y++) ids.push(zxyToTileId(z, x, y));
    ids.sort((a, b) => a - b);
    for (const id of ids) {
      if (bytes >= megabytes * 2 ** 20) break;
      const [tz, tx, ty] = tileIdToZxy(id);
      // A gzip header on random bytes: incompressible, and unlike every other tile, so nothing is deduplicated.
      const length = 4096 + Math.floor(random() * 32 * 1024);
      const data = Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]), randomBytes(length - 10)]);
      await writer.add(tz, tx, ty, data);
      insert.run(tz, tx, 2 ** tz - 1 - ty, data);
      tiles.push({ z: tz, x: tx, y: ty, offset, length });
      offset += length;
      bytes += length;
    }
  }
  sqlite.exec('COMMIT');
  sqlite.close();
  await writer.finish();
  // The tile data section starts after the header, root, metadata and leaves: read it from the header.
  const handle = await open(pmtiles, 'r');
  const header = Buffer.alloc(127);
  await handle.read(header, 0, 127, 0);
  await handle.close();
  const dataOffset = Number(header.readBigUInt64LE(56));
  return { pmtiles, mbtiles, tiles: tiles.map((t) => ({ ...t, offset: t.offset + dataOffset })) };
}

export async function basemapBenchmark(options: { megabytes?: number } = {}): Promise<Figure[]> {
  const megabytes = options.megabytes ?? 400;
  const random = mulberry32(20261204);
  const dir = mkdtempSync(join(tmpdir(), 'safeground-bench-basemap-'));
  const db = await openPglite();
  try {
    process.stderr.write(`generating about ${megabytes} MB of tiles as PMTiles and MBTiles...\n`);
    const started = performance.now();
    const { pmtiles, mbtiles, tiles } = await generate(dir, megabytes, random);
    const sizeMb = statSync(pmtiles).size / 2 ** 20;
    process.stderr.write(`${tiles.length} tiles, PMTiles ${sizeMb.toFixed(0)} MB, MBTiles ${(statSync(mbtiles).size / 2 ** 20).toFixed(0)} MB, in ${((performance.now() - started) / 1000).toFixed(0)} s\n`);

    await ensurePostgis(db);
    await migrate(db);
    const app = await buildServer({ db });
    const basemaps = await openBasemaps([pmtiles, mbtiles]);
    serveBasemaps(app, basemaps);
    const floorFile = await open(pmtiles, 'r');
    try {
      const sample = Array.from({ length: SAMPLE }, () => tiles[Math.floor(random() * tiles.length)]!);
      const timed = async (fn: (t: Placed) => Promise<unknown>): Promise<number[]> => {
        for (const t of sample.slice(0, 500)) await fn(t);
        const times: number[] = [];
        for (const t of sample) {
          const start = performance.now();
          await fn(t);
          times.push(performance.now() - start);
        }
        return times;
      };
      const floor = await timed(async (t) => {
        const buffer = Buffer.allocUnsafe(t.length);
        await floorFile.read(buffer, 0, t.length, t.offset);
      });
      const viaHttp = (name: string) =>
        timed(async (t) => {
          const response = await app.inject({ method: 'GET', url: `/tiles/basemap/${name}/${t.z}/${t.x}/${t.y}.mvt`, headers: { 'accept-encoding': 'gzip' } });
          if (response.statusCode !== 200 || response.rawPayload.length !== t.length) throw new Error(`Unexpected answer ${response.statusCode} of ${response.rawPayload.length} bytes for ${name} ${t.z}/${t.x}/${t.y}`);
        });
      const direct = (index: number) =>
        timed(async (t) => {
          const tile = await basemaps[index]!.archive.tile(t.z, t.x, t.y);
          if (tile?.data.length !== t.length) throw new Error(`Unexpected tile of ${tile?.data.length} bytes at ${t.z}/${t.x}/${t.y}`);
        });
      const readPmtiles = await direct(0);
      const readMbtiles = await direct(1);
      const fromPmtiles = await viaHttp('large');
      const fromMbtiles = await viaHttp('large-2');
      const p = (values: number[], q: number) => ({ name: 'fs read of the same bytes', value: percentile(values, q) });

      // Memory: tiles from all over the archive, RSS sampled as it serves them.
      const rss: number[] = [];
      for (let i = 0; i < MEMORY_REQUESTS; i++) {
        const t = tiles[Math.floor(random() * tiles.length)]!;
        await app.inject({ method: 'GET', url: `/tiles/basemap/${i % 2 === 0 ? 'large' : 'large-2'}/${t.z}/${t.x}/${t.y}.mvt`, headers: { 'accept-encoding': 'gzip' } });
        if (i % 1000 === 999) rss.push(process.memoryUsage().rss / 2 ** 20);
      }
      const early = rss[1]!;
      const late = Math.max(...rss.slice(-5));
      await app.close();
      await closeBasemaps(basemaps);
      return [
        { figure: `PMTiles tile read (pmtiles library over fs ranges; ${tiles.length} tiles, ${sizeMb.toFixed(0)} MB; ${SAMPLE} random tiles) p50`, unit: 'ms', safeground: percentile(readPmtiles, 50), reference: p(floor, 50) },
        { figure: 'PMTiles tile read p95', unit: 'ms', safeground: percentile(readPmtiles, 95), reference: p(floor, 95) },
        { figure: 'MBTiles tile read (better-sqlite3; the same tiles) p50', unit: 'ms', safeground: percentile(readMbtiles, 50), reference: p(floor, 50) },
        { figure: 'MBTiles tile read p95', unit: 'ms', safeground: percentile(readMbtiles, 95), reference: p(floor, 95) },
        { figure: 'PMTiles tile over HTTP (route, ETag, headers; in-process request) p50', unit: 'ms', safeground: percentile(fromPmtiles, 50), reference: p(floor, 50) },
        { figure: 'PMTiles tile over HTTP p95', unit: 'ms', safeground: percentile(fromPmtiles, 95), reference: p(floor, 95), target: { text: 'under 5 ms', met: percentile(fromPmtiles, 95) < 5 } },
        { figure: 'MBTiles tile over HTTP p50', unit: 'ms', safeground: percentile(fromMbtiles, 50), reference: p(floor, 50) },
        { figure: 'MBTiles tile over HTTP p95', unit: 'ms', safeground: percentile(fromMbtiles, 95), reference: p(floor, 95), target: { text: 'under 5 ms', met: percentile(fromMbtiles, 95) < 5 } },
        {
          figure: `RSS (with the embedded store) after ${MEMORY_REQUESTS.toLocaleString('en')} tiles from all over both archives (${sizeMb.toFixed(0)} MB each) vs after 2,000`,
          unit: 'MB',
          safeground: late,
          reference: { name: 'RSS after 2,000 tiles', value: early },
          target: { text: 'flat (within 1.2×)', met: late <= early * 1.2 },
        },
      ];
    } finally {
      await floorFile.close();
    }
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { megabytes: { type: 'string', default: '400' } } });
  const figures = await basemapBenchmark({ megabytes: Number(values.megabytes) });
  process.stdout.write(`${table(figures)}\n`);
  process.stdout.write(`${JSON.stringify(machineFacts())}\n`);
}
