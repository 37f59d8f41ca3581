/** The GeoJSON shapes the API sends (RFC 7946), typed for the app without a dependency. */
export type Position = number[];
export interface Point { type: 'Point'; coordinates: Position }
export interface LineString { type: 'LineString'; coordinates: Position[] }
export interface MultiLineString { type: 'MultiLineString'; coordinates: Position[][] }
export interface Polygon { type: 'Polygon'; coordinates: Position[][] }
export interface MultiPolygon { type: 'MultiPolygon'; coordinates: Position[][][] }
export interface MultiPoint { type: 'MultiPoint'; coordinates: Position[] }
export type Geometry = Point | MultiPoint | LineString | MultiLineString | Polygon | MultiPolygon;

export interface Feature<G extends Geometry | null = Geometry | null, P = Record<string, unknown>> {
  type: 'Feature';
  id?: string | number;
  geometry: G;
  properties: P;
}

export interface FeatureCollection<G extends Geometry | null = Geometry | null, P = Record<string, unknown>> {
  type: 'FeatureCollection';
  features: Feature<G, P>[];
}

/** Every position of a geometry, for bounding boxes and sketches. */
export function positions(geometry: Geometry | null): Position[] {
  if (!geometry) return [];
  switch (geometry.type) {
    case 'Point':
      return [geometry.coordinates];
    case 'MultiPoint':
    case 'LineString':
      return geometry.coordinates;
    case 'MultiLineString':
    case 'Polygon':
      return geometry.coordinates.flat();
    case 'MultiPolygon':
      return geometry.coordinates.flat(2);
  }
}

/** [west, south, east, north] of some geometries, or null when they have no positions. */
export function bbox(geometries: readonly (Geometry | null)[]): [number, number, number, number] | null {
  let box: [number, number, number, number] | null = null;
  for (const g of geometries) {
    for (const [x, y] of positions(g)) {
      if (x === undefined || y === undefined) continue;
      box = box ? [Math.min(box[0], x), Math.min(box[1], y), Math.max(box[2], x), Math.max(box[3], y)] : [x, y, x, y];
    }
  }
  return box;
}
