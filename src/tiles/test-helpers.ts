/**
 * Tiles decoded with Mapbox's own reader (@mapbox/vector-tile), into plain typed features, so
 * tests check what a real client sees rather than what the encoder meant to write.
 */
import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';

export interface DecodedFeature {
  type: 'Point' | 'LineString' | 'Polygon';
  properties: Record<string, string | number | boolean>;
  /** Rings or parts in tile units, as the reader gives them. */
  geometry: { x: number; y: number }[][];
}

export interface DecodedLayer {
  name: string;
  version: number;
  extent: number;
  features: DecodedFeature[];
}

const TYPES = { 1: 'Point', 2: 'LineString', 3: 'Polygon' } as const;

export function decodeTile(bytes: Uint8Array): Record<string, DecodedLayer> {
  const tile = new VectorTile(new PbfReader(bytes));
  const layers: Record<string, DecodedLayer> = {};
  for (const [name, layer] of Object.entries(tile.layers)) {
    const features: DecodedFeature[] = [];
    for (let i = 0; i < layer.length; i++) {
      const feature = layer.feature(i);
      if (feature.type === 0) throw new Error(`Unexpected feature ${i} of unknown geometry type in layer ${name}`);
      features.push({
        type: TYPES[feature.type],
        properties: { ...feature.properties },
        geometry: feature.loadGeometry().map((ring) => ring.map((p) => ({ x: p.x, y: p.y }))),
      });
    }
    layers[name] = { name, version: layer.version, extent: layer.extent, features };
  }
  return layers;
}

/** Twice the signed area of a ring by the surveyor's formula, in tile units (y down). */
export function ringArea(ring: readonly { x: number; y: number }[]): number {
  let sum = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) sum += ring[j]!.x * ring[i]!.y - ring[i]!.x * ring[j]!.y;
  return sum;
}

export function bbox(feature: DecodedFeature): [number, number, number, number] {
  const points = feature.geometry.flat();
  return [Math.min(...points.map((p) => p.x)), Math.min(...points.map((p) => p.y)), Math.max(...points.map((p) => p.x)), Math.max(...points.map((p) => p.y))];
}

/** The tile holding a point at zoom z. */
export function tileOf(lon: number, lat: number, z: number): { z: number; x: number; y: number } {
  const n = 2 ** z;
  const rad = (lat * Math.PI) / 180;
  return { z, x: Math.floor(((lon + 180) / 360) * n), y: Math.floor(((1 - Math.log(Math.tan(rad) + 1 / Math.cos(rad)) / Math.PI) / 2) * n) };
}
