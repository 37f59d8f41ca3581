/**
 * A PMTiles version 3 writer (spec/v3/spec.md of protomaps/PMTiles), for extracts: the `pmtiles`
 * npm library only reads. Tiles are added in ascending tile id order and appended to a temporary
 * file as they come, so memory holds the directory entries and one hash per distinct tile, never
 * the tiles. Identical tiles are stored once (sea and empty land repeat a great deal) and runs
 * of them become one entry. The archive is clustered: tile data in tile id order.
 *
 * Layout, in the order the spec recommends: header (127 bytes), root directory, JSON metadata,
 * leaf directories, tile data. Header and root together stay under 16,384 bytes, so a client
 * reads both in one request; past that, entries go to leaf directories.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import { Compression, TileType, zxyToTileId } from 'pmtiles';

const HEADER_BYTES = 127;
const ROOT_LIMIT = 16_384 - HEADER_BYTES;

export interface Entry {
  tileId: number;
  offset: number;
  length: number;
  /** Tiles this entry stands for; 0 marks a pointer to a leaf directory. */
  runLength: number;
}

export interface PmtilesOptions {
  tileType: TileType;
  tileCompression: Compression;
  minzoom: number;
  maxzoom: number;
  /** West, south, east, north in degrees. */
  bounds: [number, number, number, number];
  center: [number, number, number];
  metadata: Record<string, unknown>;
}

export interface PmtilesSummary {
  addressedTiles: number;
  tileEntries: number;
  tileContents: number;
  bytes: number;
}

/** Little-endian base-128 varint of a non-negative integer up to 2^53 (arithmetic, not 32-bit bit operations). */
function writeVarint(out: number[], value: number): void {
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

/** A directory as the spec serialises it: count, then columns of ids (delta), run lengths, lengths and offsets; gzipped. */
export function serializeDirectory(entries: readonly Entry[]): Uint8Array {
  if (entries.length === 0) throw new Error('Unexpected empty directory: PMTiles directories hold at least one entry');
  const out: number[] = [];
  writeVarint(out, entries.length);
  let lastId = 0;
  for (const e of entries) {
    writeVarint(out, e.tileId - lastId);
    lastId = e.tileId;
  }
  for (const e of entries) writeVarint(out, e.runLength);
  for (const e of entries) writeVarint(out, e.length);
  entries.forEach((e, i) => {
    const previous = entries[i - 1];
    writeVarint(out, i > 0 && previous && e.offset === previous.offset + previous.length ? 0 : e.offset + 1);
  });
  return gzipSync(Uint8Array.from(out));
}

/**
 * The root directory and leaf directories for the entries: all in the root when it fits, else
 * leaves of `leafSize` entries, grown until the root of leaf pointers fits.
 */
export function buildDirectories(entries: readonly Entry[]): { root: Uint8Array; leaves: Uint8Array } {
  if (entries.length < 16_384) {
    const root = serializeDirectory(entries);
    if (root.length <= ROOT_LIMIT) return { root, leaves: new Uint8Array(0) };
  }
  for (let leafSize = Math.max(4096, Math.ceil(entries.length / 3500)); ; leafSize = Math.ceil(leafSize * 1.2)) {
    const pointers: Entry[] = [];
    const parts: Uint8Array[] = [];
    let offset = 0;
    for (let i = 0; i < entries.length; i += leafSize) {
      const leaf = serializeDirectory(entries.slice(i, i + leafSize));
      pointers.push({ tileId: entries[i]!.tileId, offset, length: leaf.length, runLength: 0 });
      parts.push(leaf);
      offset += leaf.length;
    }
    const root = serializeDirectory(pointers);
    if (root.length <= ROOT_LIMIT) return { root, leaves: Buffer.concat(parts) };
  }
}

function header(options: PmtilesOptions, sections: { root: number; metadata: number; leaves: number; tiles: number }, counts: Omit<PmtilesSummary, 'bytes'>): Uint8Array {
  const bytes = new Uint8Array(HEADER_BYTES);
  const view = new DataView(bytes.buffer);
  bytes.set(new TextEncoder().encode('PMTiles'), 0);
  bytes[7] = 3;
  const u64 = (at: number, value: number) => view.setBigUint64(at, BigInt(value), true);
  const e7 = (at: number, degrees: number) => view.setInt32(at, Math.round(degrees * 1e7), true);
  const rootOffset = HEADER_BYTES;
  const metadataOffset = rootOffset + sections.root;
  const leavesOffset = metadataOffset + sections.metadata;
  const tilesOffset = leavesOffset + sections.leaves;
  u64(8, rootOffset);
  u64(16, sections.root);
  u64(24, metadataOffset);
  u64(32, sections.metadata);
  u64(40, leavesOffset);
  u64(48, sections.leaves);
  u64(56, tilesOffset);
  u64(64, sections.tiles);
  u64(72, counts.addressedTiles);
  u64(80, counts.tileEntries);
  u64(88, counts.tileContents);
  bytes[96] = 1;
  bytes[97] = Compression.Gzip;
  bytes[98] = options.tileCompression;
  bytes[99] = options.tileType;
  bytes[100] = options.minzoom;
  bytes[101] = options.maxzoom;
  const [west, south, east, north] = options.bounds;
  e7(102, west);
  e7(106, south);
  e7(110, east);
  e7(114, north);
  bytes[118] = options.center[2];
  e7(119, options.center[0]);
  e7(123, options.center[1]);
  return bytes;
}

export class PmtilesWriter {
  private readonly entries: Entry[] = [];
  /** Offset and length of each distinct tile content, by hash. */
  private readonly contents = new Map<string, { offset: number; length: number }>();
  private dataLength = 0;
  private addressed = 0;
  private lastId = -1;

  private constructor(
    private readonly path: string,
    private readonly options: PmtilesOptions,
    private readonly data: FileHandle,
  ) {}

  /** Starts an archive at `path`; nothing is there until finish() renames the finished file into place. */
  static async create(path: string, options: PmtilesOptions): Promise<PmtilesWriter> {
    if (options.minzoom > options.maxzoom) throw new Error(`Unexpected zooms: minzoom ${options.minzoom} is above maxzoom ${options.maxzoom}`);
    return new PmtilesWriter(path, options, await open(`${path}.tiles.part`, 'w'));
  }

  /** Adds one tile's bytes as they are to be stored (already compressed as `tileCompression` says). */
  async add(z: number, x: number, y: number, tile: Uint8Array): Promise<void> {
    const tileId = zxyToTileId(z, x, y);
    if (tileId <= this.lastId) throw new Error(`Unexpected tile ${z}/${x}/${y} (id ${tileId}) after id ${this.lastId}: tiles are added in ascending tile id order`);
    if (tile.length === 0) return;
    this.lastId = tileId;
    this.addressed++;
    const hash = createHash('sha256').update(tile).digest('base64');
    let content = this.contents.get(hash);
    if (!content) {
      content = { offset: this.dataLength, length: tile.length };
      await this.data.write(tile, 0, tile.length, this.dataLength);
      this.dataLength += tile.length;
      this.contents.set(hash, content);
    }
    const last = this.entries.at(-1);
    if (last && last.offset === content.offset && last.tileId + last.runLength === tileId) last.runLength++;
    else this.entries.push({ tileId, offset: content.offset, length: content.length, runLength: 1 });
  }

  get tileCount(): number {
    return this.addressed;
  }

  async finish(): Promise<PmtilesSummary> {
    await this.data.close();
    try {
      if (this.entries.length === 0) throw new Error('No tiles to write: the archive would be empty');
      const { root, leaves } = buildDirectories(this.entries);
      const metadata = gzipSync(new TextEncoder().encode(JSON.stringify(this.options.metadata)));
      const counts = { addressedTiles: this.addressed, tileEntries: this.entries.length, tileContents: this.contents.size };
      const head = header(this.options, { root: root.length, metadata: metadata.length, leaves: leaves.length, tiles: this.dataLength }, counts);
      const part = `${this.path}.part`;
      const out = createWriteStream(part);
      for (const section of [head, root, metadata, leaves]) out.write(section);
      await pipeline(createReadStream(`${this.path}.tiles.part`), out);
      await rename(part, this.path);
      return { ...counts, bytes: head.length + root.length + metadata.length + leaves.length + this.dataLength };
    } finally {
      await rm(`${this.path}.tiles.part`, { force: true });
      await rm(`${this.path}.part`, { force: true });
    }
  }

  /** Drops the unfinished archive. */
  async abort(): Promise<void> {
    await this.data.close().catch(() => undefined);
    await rm(`${this.path}.tiles.part`, { force: true });
  }
}

export { Compression, TileType };
