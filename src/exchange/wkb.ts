/**
 * WKB as GeoJSON geometries: points for finds, and lines and polygons for hazards and
 * activities. GeoPackage wraps WKB in a small header (magic "GP", version, flags, SRS id,
 * optional envelope).
 */
export type SourceGeometry = { type: 'Point'; coordinates: number[] } | { type: string; coordinates?: unknown; geometries?: unknown };

const TYPE_NAMES = ['Geometry', 'Point', 'LineString', 'Polygon', 'MultiPoint', 'MultiLineString', 'MultiPolygon', 'GeometryCollection'];

/** Reads WKB from `offset`: the geometry (null for an empty point) and where the next one starts. */
function readAt(bytes: Uint8Array, start: number, file: string): { geometry: SourceGeometry | null; end: number } {
  if (bytes.length < start + 5) throw new Error(`${file}: geometry of ${bytes.length - start} bytes is too short for WKB`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const little = view.getUint8(start) === 1;
  const rawType = view.getUint32(start + 1, little);
  // EWKB keeps Z, M and SRID in the high bits; ISO WKB adds 1000, 2000 or 3000 to the type.
  let dimensions = 2 + (rawType & 0x80000000 ? 1 : 0) + (rawType & 0x40000000 ? 1 : 0);
  let offset = start + 5 + (rawType & 0x20000000 ? 4 : 0);
  let type = rawType & 0x0fffffff;
  if (type >= 1000) {
    const iso = Math.floor(type / 1000);
    dimensions = iso === 3 ? 4 : 3;
    type %= 1000;
  }
  const name = TYPE_NAMES[type] ?? `WKB type ${rawType}`;
  const need = (n: number) => {
    if (bytes.length < offset + n) throw new Error(`${file}: a ${name} of ${bytes.length - start} bytes is truncated`);
  };
  const count = () => {
    need(4);
    const n = view.getUint32(offset, little);
    offset += 4;
    return n;
  };
  const point = () => {
    need(8 * dimensions);
    const xy = [view.getFloat64(offset, little), view.getFloat64(offset + 8, little)];
    offset += 8 * dimensions;
    return xy;
  };
  const points = () => Array.from({ length: count() }, point);
  const rings = () => Array.from({ length: count() }, points);
  const parts = () =>
    Array.from({ length: count() }, () => {
      const part = readAt(bytes, offset, file);
      offset = part.end;
      return part.geometry;
    });
  switch (type) {
    case 1: {
      const [x, y] = point() as [number, number];
      return { geometry: Number.isNaN(x) && Number.isNaN(y) ? null : { type: 'Point', coordinates: [x, y] }, end: offset };
    }
    case 2:
      return { geometry: { type: name, coordinates: points() }, end: offset };
    case 3:
      return { geometry: { type: name, coordinates: rings() }, end: offset };
    case 4:
    case 5:
    case 6:
      return { geometry: { type: name, coordinates: parts().map((part) => (part && 'coordinates' in part ? part.coordinates : [])) }, end: offset };
    case 7:
      return { geometry: { type: name, geometries: parts() }, end: offset };
    default:
      return { geometry: { type: name }, end: bytes.length };
  }
}

export function readWkb(bytes: Uint8Array, file: string): SourceGeometry | null {
  // A MultiPoint of one point (what some GIS tools write for every point layer) is that point.
  return singlePoint(readAt(bytes, 0, file).geometry);
}

/** A geometry with every position converted by `transform` (to WGS84 from a file's own system). */
export function transformGeometry(geometry: SourceGeometry, transform: (x: number, y: number) => number[]): SourceGeometry {
  const convert = (value: unknown): unknown =>
    Array.isArray(value) && typeof value[0] === 'number' ? transform(value[0], value[1] as number) : Array.isArray(value) ? value.map(convert) : value;
  if ('geometries' in geometry && Array.isArray(geometry.geometries)) return { ...geometry, geometries: (geometry.geometries as SourceGeometry[]).map((g) => transformGeometry(g, transform)) };
  return 'coordinates' in geometry ? { ...geometry, coordinates: convert(geometry.coordinates) } : geometry;
}

/**
 * A one-point MultiPoint as the Point it is, so that layers GIS tools save as MultiPoint (QGIS
 * does for many sources) import as points; any other geometry as it is.
 */
export function singlePoint(geometry: SourceGeometry | null): SourceGeometry | null {
  if (geometry?.type !== 'MultiPoint' || !('coordinates' in geometry)) return geometry;
  const points = geometry.coordinates;
  return Array.isArray(points) && points.length === 1 && Array.isArray(points[0]) ? { type: 'Point', coordinates: points[0] as number[] } : geometry;
}

export function pointWkb(x: number, y: number): Buffer {
  const buffer = Buffer.alloc(21);
  buffer.writeUInt8(1, 0);
  buffer.writeUInt32LE(1, 1);
  buffer.writeDoubleLE(x, 5);
  buffer.writeDoubleLE(y, 13);
  return buffer;
}

const ENVELOPE_BYTES = [0, 32, 48, 48, 64];

/** A GeoPackage geometry blob: its SRS id and the geometry (null when empty). */
export function readGpkgGeometry(blob: Uint8Array, file: string): { srsId: number; geometry: SourceGeometry | null } {
  if (blob.length < 8 || blob[0] !== 0x47 || blob[1] !== 0x50) throw new Error(`${file}: geometry blob does not start with the GeoPackage magic "GP"`);
  const flags = blob[3]!;
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const srsId = view.getInt32(4, (flags & 1) === 1);
  const envelope = ENVELOPE_BYTES[(flags >> 1) & 7];
  if (envelope === undefined) throw new Error(`${file}: geometry blob has an unknown envelope code ${(flags >> 1) & 7}`);
  if (flags & 0x10) return { srsId, geometry: null };
  return { srsId, geometry: readWkb(blob.subarray(8 + envelope), file) };
}

export function gpkgPoint(x: number, y: number, srsId = 4326): Buffer {
  const header = Buffer.alloc(8);
  header.write('GP', 0, 'latin1');
  header.writeUInt8(0, 2);
  header.writeUInt8(1, 3);
  header.writeInt32LE(srsId, 4);
  return Buffer.concat([header, pointWkb(x, y)]);
}
