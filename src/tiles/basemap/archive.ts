/**
 * Basemap archives a user supplies: PMTiles v3 (read with the `pmtiles` library over file
 * ranges) and MBTiles (SQLite, read with better-sqlite3). Either is read a tile at a time, never
 * loaded whole, and served as stored: a gzipped vector tile goes out gzipped, with its
 * Content-Encoding, so serving costs a lookup and a read.
 */
import { open as openFile, stat, type FileHandle } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { Compression, PMTiles, SharedPromiseCache, TileType, type RangeResponse, type Source } from 'pmtiles';
import { UserError } from '../../errors.ts';

export type TileFormat = 'mvt' | 'png' | 'jpg' | 'webp';

/**
 * Which style draws the archive: the Protomaps basemap layers (`earth`, `roads`, `places`, ...),
 * the OpenMapTiles schema (`water`, `transportation`, `place`, ...), raster images, or a vector
 * archive of another schema, drawn plainly layer by layer.
 */
export type BasemapSchema = 'protomaps' | 'openmaptiles' | 'raster' | 'other';

export interface VectorLayer {
  id: string;
  fields?: Record<string, string>;
  minzoom?: number;
  maxzoom?: number;
  description?: string;
}

/** A tile as stored, with the HTTP Content-Encoding its bytes carry (null: none). */
export interface StoredTile {
  data: Uint8Array;
  encoding: 'gzip' | 'br' | null;
}

export interface BasemapArchive {
  path: string;
  /** A file's format, or `store`: the gazetteer's background, drawn from the store (./gazetteer.ts). */
  kind: 'pmtiles' | 'mbtiles' | 'store';
  format: TileFormat;
  schema: BasemapSchema;
  minzoom: number;
  maxzoom: number;
  /** West, south, east, north in degrees. */
  bounds: [number, number, number, number];
  name: string;
  attribution: string;
  description: string;
  vectorLayers: VectorLayer[];
  /**
   * Changes when the file does (its size, time and inode), so the ETags of its tiles, made from
   * it and the tile's address, stay the same across restarts and change with the file.
   */
  identity: string;
  /** Everything the archive's metadata holds, for a copy to carry on (extracts). */
  metadata: Record<string, unknown>;
  tile(z: number, x: number, y: number): Promise<StoredTile | null>;
  close(): Promise<void>;
}

const WORLD: [number, number, number, number] = [-180, -85.0511287798066, 180, 85.0511287798066];

function schemaOf(format: TileFormat, layers: readonly VectorLayer[]): BasemapSchema {
  if (format !== 'mvt') return 'raster';
  const ids = new Set(layers.map((l) => l.id));
  if (ids.has('earth') && (ids.has('roads') || ids.has('places') || ids.has('water'))) return 'protomaps';
  if (ids.has('transportation') || ids.has('place') || (ids.has('water') && ids.has('boundary'))) return 'openmaptiles';
  return 'other';
}

async function identityOf(path: string): Promise<string> {
  const s = await stat(path);
  return createHash('sha256').update(`${s.size}:${s.mtimeMs}:${s.ino}`).digest('base64url').slice(0, 16);
}

/** A `pmtiles` Source reading byte ranges of a local file. */
export class NodeFileSource implements Source {
  private constructor(
    private readonly path: string,
    private readonly handle: FileHandle,
  ) {}

  static async open(path: string): Promise<NodeFileSource> {
    return new NodeFileSource(path, await openFile(path, 'r'));
  }

  getKey(): string {
    return this.path;
  }

  async getBytes(offset: number, length: number): Promise<RangeResponse> {
    const buffer = Buffer.allocUnsafe(length);
    const { bytesRead } = await this.handle.read(buffer, 0, length, offset);
    return { data: buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + bytesRead) };
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

const PMTILES_FORMAT: Partial<Record<TileType, TileFormat>> = { [TileType.Mvt]: 'mvt', [TileType.Png]: 'png', [TileType.Jpeg]: 'jpg', [TileType.Webp]: 'webp' };
const ENCODING: Partial<Record<Compression, StoredTile['encoding']>> = { [Compression.None]: null, [Compression.Unknown]: null, [Compression.Gzip]: 'gzip', [Compression.Brotli]: 'br' };

/** Directories (up to this many) stay decoded in memory: a few MB at most, whatever the archive's size. */
const DIRECTORY_CACHE_ENTRIES = 64;

export async function openPmtiles(path: string): Promise<BasemapArchive> {
  const source = await NodeFileSource.open(path);
  try {
    const magic = new Uint8Array((await source.getBytes(0, 8)).data);
    if (new TextDecoder().decode(magic.subarray(0, 7)) !== 'PMTiles') throw new UserError(`${path} is not a PMTiles archive (it does not start with "PMTiles")`, 'bad_basemap');
    if (magic[7] !== 3) throw new UserError(`${path} is PMTiles version ${magic[7]}; Safeground reads version 3 (convert it with \`pmtiles convert\`)`, 'bad_basemap');
    /**
     * Directories are decompressed by the cache; tiles are returned as stored (the identity
     * function below), to be sent with their Content-Encoding.
     */
    const archive = new PMTiles(source, new SharedPromiseCache(DIRECTORY_CACHE_ENTRIES), async (buf) => buf);
    const header = await archive.getHeader();
    const format = PMTILES_FORMAT[header.tileType];
    if (!format) throw new UserError(`${path} holds tiles of type ${TileType[header.tileType] ?? header.tileType}; Safeground serves MVT, PNG, JPEG and WebP`, 'bad_basemap');
    const encoding = ENCODING[header.tileCompression];
    if (encoding === undefined) throw new UserError(`${path} compresses its tiles with ${Compression[header.tileCompression]}, which browsers cannot take; convert it with gzip`, 'bad_basemap');
    const metadata = ((await new PMTiles(source).getMetadata()) ?? {}) as Record<string, unknown>;
    const vectorLayers = Array.isArray(metadata.vector_layers) ? (metadata.vector_layers as VectorLayer[]) : [];
    return {
      path,
      kind: 'pmtiles',
      format,
      schema: schemaOf(format, vectorLayers),
      minzoom: header.minZoom,
      maxzoom: header.maxZoom,
      bounds: [header.minLon, header.minLat, header.maxLon, header.maxLat],
      name: typeof metadata.name === 'string' ? metadata.name : basename(path, extname(path)),
      attribution: typeof metadata.attribution === 'string' ? metadata.attribution : '',
      description: typeof metadata.description === 'string' ? metadata.description : '',
      vectorLayers,
      identity: await identityOf(path),
      metadata,
      async tile(z, x, y) {
        const found = await archive.getZxy(z, x, y);
        return found ? { data: new Uint8Array(found.data), encoding } : null;
      },
      close: () => source.close(),
    };
  } catch (error) {
    await source.close();
    throw error;
  }
}

const MBTILES_FORMAT: Record<string, TileFormat> = { pbf: 'mvt', mvt: 'mvt', png: 'png', jpg: 'jpg', jpeg: 'jpg', webp: 'webp' };

function isGzip(data: Uint8Array): boolean {
  return data.length > 2 && data[0] === 0x1f && data[1] === 0x8b;
}

function numbers(text: string | undefined, count: number): number[] | null {
  if (!text) return null;
  const values = text.split(',').map(Number);
  return values.length === count && values.every(Number.isFinite) ? values : null;
}

export async function openMbtiles(path: string): Promise<BasemapArchive> {
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new UserError(`${path} cannot be opened as MBTiles: ${(error as Error).message}`, 'bad_basemap');
  }
  try {
    let rows: { name: string; value: string }[];
    try {
      rows = db.prepare('SELECT name, value FROM metadata').all() as { name: string; value: string }[];
    } catch (error) {
      throw new UserError(`${path} is not an MBTiles file: ${(error as Error).message}`, 'bad_basemap');
    }
    const meta = Object.fromEntries(rows.map((r) => [r.name, r.value]));
    const format = MBTILES_FORMAT[(meta.format ?? '').toLowerCase()];
    if (!format) throw new UserError(`${path}: the metadata format ${JSON.stringify(meta.format ?? null)} is not one of pbf, png, jpg, webp`, 'bad_basemap');
    let json: Record<string, unknown> = {};
    if (meta.json) {
      try {
        json = JSON.parse(meta.json) as Record<string, unknown>;
      } catch {
        throw new UserError(`${path}: the metadata json is not JSON`, 'bad_basemap');
      }
    }
    const vectorLayers = Array.isArray(json.vector_layers) ? (json.vector_layers as VectorLayer[]) : [];
    let minzoom = Number(meta.minzoom);
    let maxzoom = Number(meta.maxzoom);
    if (meta.minzoom === undefined || meta.maxzoom === undefined || !Number.isInteger(minzoom) || !Number.isInteger(maxzoom)) {
      const range = db.prepare('SELECT min(zoom_level) AS low, max(zoom_level) AS high FROM tiles').get() as { low: number | null; high: number | null };
      if (range.low === null || range.high === null) throw new UserError(`${path} holds no tiles`, 'bad_basemap');
      minzoom = range.low;
      maxzoom = range.high;
    }
    const bounds = (numbers(meta.bounds, 4) as [number, number, number, number] | null) ?? WORLD;
    const select = db.prepare('SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?').pluck();
    const metadata: Record<string, unknown> = { ...json };
    for (const key of ['name', 'attribution', 'description', 'version', 'type']) if (meta[key] !== undefined) metadata[key] = meta[key];
    return {
      path,
      kind: 'mbtiles',
      format,
      schema: schemaOf(format, vectorLayers),
      minzoom,
      maxzoom,
      bounds,
      name: meta.name ?? basename(path, extname(path)),
      attribution: meta.attribution ?? '',
      description: meta.description ?? '',
      vectorLayers,
      identity: await identityOf(path),
      metadata,
      async tile(z, x, y) {
        // MBTiles counts rows from the south (TMS); the web grid counts from the north.
        const data = select.get(z, x, 2 ** z - 1 - y) as Buffer | undefined;
        if (!data || data.length === 0) return null;
        return { data, encoding: format === 'mvt' && isGzip(data) ? 'gzip' : null };
      },
      async close() {
        db.close();
      },
    };
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Opens a basemap by its content: PMTiles by its magic bytes, anything else as MBTiles (SQLite). */
export async function openBasemap(path: string): Promise<BasemapArchive> {
  let handle: FileHandle;
  try {
    handle = await openFile(path, 'r');
  } catch (error) {
    throw new UserError(`Basemap ${path} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, 'bad_basemap');
  }
  const head = Buffer.alloc(16);
  try {
    await handle.read(head, 0, 16, 0);
  } finally {
    await handle.close();
  }
  if (head.subarray(0, 7).toString('latin1') === 'PMTiles') return openPmtiles(path);
  if (head.toString('latin1').startsWith('SQLite format 3')) return openMbtiles(path);
  throw new UserError(`Basemap ${path} is neither PMTiles nor MBTiles (SQLite)`, 'bad_basemap');
}
