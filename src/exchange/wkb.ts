/**
 * The little of WKB that finds need: points in, points out, and the name of any other geometry
 * type so that a line or polygon is refused with a message that says what it is. GeoPackage
 * wraps WKB in a small header (magic "GP", version, flags, SRS id, optional envelope).
 */
export type SourceGeometry = { type: 'Point'; coordinates: number[] } | { type: string };

const TYPE_NAMES = ['Geometry', 'Point', 'LineString', 'Polygon', 'MultiPoint', 'MultiLineString', 'MultiPolygon', 'GeometryCollection'];

export function readWkb(bytes: Uint8Array, file: string): SourceGeometry | null {
  if (bytes.length < 5) throw new Error(`${file}: geometry of ${bytes.length} bytes is too short for WKB`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const little = view.getUint8(0) === 1;
  const rawType = view.getUint32(1, little);
  // EWKB keeps Z, M and SRID in the high bits; ISO WKB adds 1000, 2000 or 3000 to the type.
  let dimensions = 2 + (rawType & 0x80000000 ? 1 : 0) + (rawType & 0x40000000 ? 1 : 0);
  const offset = 5 + (rawType & 0x20000000 ? 4 : 0);
  let type = rawType & 0x0fffffff;
  if (type >= 1000) {
    const iso = Math.floor(type / 1000);
    dimensions = iso === 3 ? 4 : 3;
    type %= 1000;
  }
  const name = TYPE_NAMES[type] ?? `WKB type ${rawType}`;
  // A MultiPoint of one point (what some GIS tools write for every point layer) is that point.
  if (type === 4 && bytes.length >= offset + 4 && view.getUint32(offset, little) === 1) return readWkb(bytes.subarray(offset + 4), file);
  if (type !== 1) return { type: name };
  if (bytes.length < offset + 8 * dimensions) throw new Error(`${file}: a Point of ${bytes.length} bytes is truncated`);
  const x = view.getFloat64(offset, little);
  const y = view.getFloat64(offset + 8, little);
  if (Number.isNaN(x) && Number.isNaN(y)) return null;
  return { type: 'Point', coordinates: [x, y] };
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
