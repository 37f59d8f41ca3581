/**
 * Draws an area package's map with no network: MapLibre reads the package's PMTiles extracts and
 * glyph ranges from their Blobs in IndexedDB through a `package://` protocol, read with the
 * `pmtiles` library a range at a time (an extract is never read whole into memory). Both
 * libraries load with the first package map, not with the app.
 *
 *   package://{package id}/tiles/{source}/{z}/{x}/{y}    a tile of the source's extract
 *   package://{package id}/glyphs/{font stack}/{range}   a glyph range (every stack gets the one font, as from the server)
 */
import type { LayerSpecification, StyleSpecification } from 'maplibre-gl';
import type { PMTiles, RangeResponse, Source } from 'pmtiles';
import type { FeatureCollection, Geometry } from '../geojson.ts';
import { loadMapLibre } from '../map/maplibre.ts';
import type { AreaPackage, HeldFile } from './store.ts';

/** A PMTiles archive in a Blob, read by ranges. */
class BlobSource implements Source {
  constructor(
    private readonly key: string,
    private readonly blob: Blob,
  ) {}

  getKey(): string {
    return this.key;
  }

  async getBytes(offset: number, length: number): Promise<RangeResponse> {
    return { data: await this.blob.slice(offset, offset + length).arrayBuffer() };
  }
}

/** The extracts of the packages drawn so far, by `{package id}/{source}`, and their glyphs by package id. */
const archives = new Map<string, { archive: PMTiles; file: HeldFile }>();
const glyphs = new Map<string, Record<string, HeldFile>>();

const TILE = /^package:\/\/([^/]+)\/tiles\/([^/]+)\/(\d+)\/(\d+)\/(\d+)$/;
const GLYPHS = /^package:\/\/([^/]+)\/glyphs\/.*\/(\d+)-\d+$/;

let registered: Promise<typeof import('maplibre-gl')> | null = null;

/** MapLibre, with the `package://` protocol registered. */
export function loadMapLibreForPackages(): Promise<typeof import('maplibre-gl')> {
  registered ??= loadMapLibre().then((maplibre) => {
    maplibre.addProtocol('package', async ({ url }, abort) => {
      const tile = TILE.exec(url);
      if (tile) {
        const [, id, source, z, x, y] = tile as unknown as [string, string, string, string, string, string];
        const held = archives.get(`${id}/${source}`);
        if (!held) throw new Error(`No map of ${source} in the package ${id} on this device`);
        const found = await held.archive.getZxy(Number(z), Number(x), Number(y), abort.signal);
        if (found) return { data: found.data };
        // A vector tile the extract lacks is empty land or sea; an image cannot be made up.
        if ((await held.archive.getHeader()).tileType === (await import('pmtiles')).TileType.Mvt) return { data: new ArrayBuffer(0) };
        throw new Error(`No tile ${z}/${x}/${y} of ${source} in the package`);
      }
      const range = GLYPHS.exec(url);
      const file = range ? glyphs.get(range[1]!)?.[range[2]!] : undefined;
      // A range the package lacks holds no glyph the labels need: an empty range draws nothing.
      return { data: file ? await file.bytes.arrayBuffer() : new ArrayBuffer(0) };
    });
    return maplibre;
  });
  return registered;
}

/** What the package draws under its register, for a MapLibre style. */
export interface PackageBackground {
  glyphs?: string;
  sources: StyleSpecification['sources'];
  layers: LayerSpecification[];
  /** The shallowest zoom of the extracts: above it the map would be blank. */
  minzoom: number;
}

/**
 * The package's background: the server's style with each source read from the package's extract
 * of it (a source with no extract, where the basemap had nothing in the area, is left out with
 * its layers). Null for a package without a map.
 */
export async function packageBackground(pkg: AreaPackage): Promise<PackageBackground | null> {
  if (!pkg.basemap) return null;
  const { style, extracts } = pkg.basemap;
  glyphs.set(pkg.id, pkg.basemap.glyphs);
  const { PMTiles } = await import('pmtiles');
  const sources: StyleSpecification['sources'] = {};
  let minzoom = Infinity;
  for (const [id, file] of Object.entries(extracts)) {
    const source = style.sources[id];
    if (!source || (source.type !== 'vector' && source.type !== 'raster')) continue;
    const key = `${pkg.id}/${id}`;
    // A refresh may have brought a new extract: a new archive, so no cached directory of the old one is read.
    if (archives.get(key)?.file.etag !== file.etag) archives.set(key, { archive: new PMTiles(new BlobSource(key, file.bytes)), file });
    const { archive } = archives.get(key)!;
    const [header, metadata] = await Promise.all([archive.getHeader(), archive.getMetadata() as Promise<{ attribution?: unknown }>]);
    minzoom = Math.min(minzoom, header.minZoom);
    sources[id] = {
      type: source.type,
      tiles: [`package://${pkg.id}/tiles/${id}/{z}/{x}/{y}`],
      minzoom: header.minZoom,
      maxzoom: header.maxZoom,
      bounds: [header.minLon, header.minLat, header.maxLon, header.maxLat],
      ...(source.type === 'raster' ? { tileSize: source.tileSize ?? 256 } : {}),
      // The basemap's licence asks for it, offline as online.
      ...(typeof metadata.attribution === 'string' ? { attribution: metadata.attribution } : {}),
    };
  }
  const layers = style.layers.filter((layer) => !('source' in layer) || (typeof layer.source === 'string' && layer.source in sources));
  return { glyphs: `package://${pkg.id}/glyphs/{fontstack}/{range}`, sources, layers, minzoom: Number.isFinite(minzoom) ? minzoom : 0 };
}

/** Lets go of a deleted package's files, so the browser can free their storage. */
export function forgetPackage(id: string): void {
  glyphs.delete(id);
  for (const key of archives.keys()) if (key.startsWith(`${id}/`)) archives.delete(key);
}

/** The package's hazardous areas as GeoJSON with the tile layers' attribute names, so the map's hazard layers (../map/layers.ts) draw them. */
export function packageHazards(pkg: AreaPackage): FeatureCollection {
  return {
    type: 'FeatureCollection',
    features: pkg.records
      .filter((r) => r.entityType === 'hazard')
      .map((r) => ({ type: 'Feature', geometry: r.geometry as Geometry, properties: { id: r.entityId, reference: r.data.reference, kind: r.data.kind, status: r.data.status } })),
  };
}
