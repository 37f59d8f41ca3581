/**
 * The server-side tile cache, exact without hooks in the code that writes records: triggers
 * (migration 0006) log the box of every change to a tile layer's table with its transaction id,
 * and each tile remembers the snapshot it was rendered under. A cached tile is served while no
 * change that its snapshot could not see meets its search box; one index probe per request
 * decides that, so several API processes and any writer (approvals, imports, the CLI) stay
 * consistent. ETags are hashes of the tile's bytes, so they change exactly when the content does.
 */
import { createHash } from 'node:crypto';
import type { Db } from '../store/db.ts';
import { primaryOf } from '../store/replicas.ts';
import { searchBox, type TileId } from './grid.ts';
import { TILE_LAYER, type TileLayerName, type TileSource } from './layers.ts';
import { renderTile } from './render.ts';

export interface CachedTile {
  mvt: Uint8Array;
  /** Strong HTTP entity tag: a hash of the bytes. */
  etag: string;
  /** The snapshot the tile was rendered under; it stays the same while the cached copy is served. */
  snapshot: string;
  /** When it was rendered (ms since the epoch): older than MAX_TILE_AGE_MS, it is rendered again. */
  renderedAt: number;
}

/**
 * How long tile_change keeps a change, and so how long a cached tile may be trusted. A cached
 * tile needs every change its snapshot could not see; those were made after its snapshot was
 * taken, or by transactions open then. Tiles are rendered again after MAX_TILE_AGE_MS and changes
 * are pruned after TILE_CHANGE_RETENTION_MS, so a change is pruned only when every tile that
 * could need it is gone, unless a transaction writing a tile layer stayed open for the 23 hours
 * between the two.
 */
export const MAX_TILE_AGE_MS = 60 * 60 * 1000;
export const TILE_CHANGE_RETENTION_MS = 24 * 60 * 60 * 1000;
/** How often a server prunes tile_change; a day's changes are a few hundred rows per bulk load, so hourly keeps the table small. */
export const PRUNE_EVERY_MS = 60 * 60 * 1000;

/**
 * Deletes the changes older than the retention, in batches of `batchSize` (each its own
 * statement, so the triggers that write the table never wait long); returns how many.
 */
export async function pruneTileChanges(db: Db, options: { retentionMs?: number; batchSize?: number } = {}): Promise<number> {
  const retention = `${(options.retentionMs ?? TILE_CHANGE_RETENTION_MS) / 1000} seconds`;
  let deleted = 0;
  for (;;) {
    const rows = await db.query(
      `DELETE FROM tile_change WHERE id IN (SELECT id FROM tile_change WHERE at < now() - $1::interval LIMIT $2) RETURNING 1 AS gone`,
      [retention, options.batchSize ?? 10_000],
    );
    deleted += rows.length;
    if (rows.length < (options.batchSize ?? 10_000)) return deleted;
  }
}

/**
 * Prunes tile_change every PRUNE_EVERY_MS while a server runs (first after a minute); `stop`
 * waits for a prune under way, so the store can be closed after it.
 */
export function scheduleTileChangePruning(db: Db, onError: (error: unknown) => void): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  const prune = () => {
    running = pruneTileChanges(db).catch(onError);
  };
  const first = setTimeout(prune, 60_000);
  const every = setInterval(prune, PRUNE_EVERY_MS);
  first.unref();
  every.unref();
  return {
    async stop() {
      clearTimeout(first);
      clearInterval(every);
      await running;
    },
  };
}

/** West, south, east, north in degrees. */
export type Box = [number, number, number, number];

interface Bounds {
  /** Null while the layer has no data. */
  box: Box | null;
  snapshot: string;
  /** When the snapshot was taken (ms since the epoch): older than MAX_TILE_AGE_MS, the extent is computed again. */
  at: number;
}

type BoxRow = { snapshot: string; west: number | null; south: number | null; east: number | null; north: number | null };

function boxOf(row: BoxRow): Box | null {
  return row.west === null ? null : [row.west, row.south!, row.east!, row.north!];
}

function union(a: Box | null, b: Box | null): Box | null {
  if (!a || !b) return a ?? b;
  return [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])];
}

/** Whether a change the snapshot could not see meets the box (west, south, east, north). */
async function changedSince(db: Db, layerName: string, snapshot: string, box: Box): Promise<boolean> {
  const [row] = await db.query<{ changed: boolean }>(
    `SELECT EXISTS (
       SELECT 1 FROM tile_change
       WHERE layer = $1 AND xid >= pg_snapshot_xmin($2::pg_snapshot) AND NOT pg_visible_in_snapshot(xid, $2::pg_snapshot)
         AND bbox && ST_MakeEnvelope($3, $4, $5, $6, 4326)
     ) AS changed`,
    [layerName, snapshot, ...box],
  );
  return row!.changed;
}

function sourceOf(layer: TileLayerName | TileSource): TileSource {
  if (typeof layer !== 'string') return layer;
  const { name, extent } = TILE_LAYER[layer];
  return { name, extent, layers: [TILE_LAYER[layer]] };
}

function etagOf(mvt: Uint8Array): string {
  return `"${createHash('sha256').update(mvt).digest('base64url').slice(0, 27)}"`;
}

/** Default memory for cached tiles of one store. */
const MAX_BYTES = 64 * 2 ** 20;

/** Tiles and layer extents kept in memory, in least-recently-used order (a hit moves its entry to the end). */
class TileMemory {
  readonly tiles = new Map<string, CachedTile>();
  readonly bounds = new Map<string, Bounds>();
  private bytes = 0;

  constructor(private readonly maxBytes = MAX_BYTES) {}

  remember(key: string, tile: CachedTile): void {
    const old = this.tiles.get(key);
    if (old) {
      this.bytes -= old.mvt.byteLength;
      this.tiles.delete(key);
    }
    this.tiles.set(key, tile);
    this.bytes += tile.mvt.byteLength;
    for (const [oldest, entry] of this.tiles) {
      if (this.bytes <= this.maxBytes) break;
      this.tiles.delete(oldest);
      this.bytes -= entry.mvt.byteLength;
    }
  }
}

/**
 * Tiles of one store, checked and rendered through `db`. Its memory may be shared by the servers
 * of a store (the primary and its read replicas): a tile rendered under one server's snapshot is
 * checked against the changes that snapshot could not see on whichever server is asked, so a
 * replica never serves a tile older than what it has replayed, and a client who reads from the
 * primary (after a write of theirs) sees every change.
 */
export class TileCache {
  constructor(
    private readonly db: Db,
    private readonly memory = new TileMemory(),
  ) {}

  /** A tile of one register layer, or of a source of several layers (the gazetteer's background). */
  async tile(layer: TileLayerName | TileSource, tile: TileId): Promise<CachedTile> {
    const source = sourceOf(layer);
    const key = `${source.name}/${tile.z}/${tile.x}/${tile.y}`;
    const { tiles } = this.memory;
    const cached = tiles.get(key);
    const box = searchBox(tile, Math.max(...source.layers.map((l) => l.query(tile.z).margin)));
    if (cached && Date.now() - cached.renderedAt < MAX_TILE_AGE_MS && !(await changedSince(this.db, source.name, cached.snapshot, box))) {
      tiles.delete(key);
      tiles.set(key, cached);
      return cached;
    }
    const { mvt, snapshot } = await renderTile(this.db, source, tile);
    const fresh: CachedTile = { mvt, etag: etagOf(mvt), snapshot, renderedAt: Date.now() };
    this.memory.remember(key, fresh);
    return fresh;
  }

  /**
   * A box holding all the layer's data, for TileJSON. The full extent is computed once (a scan of
   * the table); after that the boxes of changes are added to it, so it may outgrow the data after
   * deletions but never misses any, which is what clients need of it.
   */
  async layerBounds(layer: TileLayerName | TileSource): Promise<Box | null> {
    const { name: layerName, extent } = sourceOf(layer);
    const remembered = this.memory.bounds.get(layerName);
    const known = remembered && Date.now() - remembered.at < MAX_TILE_AGE_MS ? remembered : undefined;
    const select = 'pg_current_snapshot()::text AS snapshot, ST_XMin(e) AS west, ST_YMin(e) AS south, ST_XMax(e) AS east, ST_YMax(e) AS north';
    const [row] = known
      ? await this.db.query<BoxRow>(
          `SELECT ${select} FROM (
             SELECT ST_Extent(bbox) AS e FROM tile_change
             WHERE layer = $1 AND xid >= pg_snapshot_xmin($2::pg_snapshot) AND NOT pg_visible_in_snapshot(xid, $2::pg_snapshot)
           ) changes`,
          [layerName, known.snapshot],
        )
      : await this.db.query<BoxRow>(`SELECT ${select} FROM (${extent}) everything`);
    const bounds = { box: union(known?.box ?? null, boxOf(row!)), snapshot: row!.snapshot, at: Date.now() };
    this.memory.bounds.set(layerName, bounds);
    return bounds.box;
  }
}

const memories = new WeakMap<Db, TileMemory>();

/** The tile cache of a store in this process, read through `db` (the primary, or a read replica of it). */
export function tileCache(db: Db): TileCache {
  const store = primaryOf(db);
  let memory = memories.get(store);
  if (!memory) memories.set(store, (memory = new TileMemory()));
  return new TileCache(db, memory);
}
