/**
 * A Mapbox Vector Tile 2.1 writer for one layer, for PGlite, whose PostGIS lacks ST_AsMVT.
 * Geometry arrives already clipped, scaled to tile units and snapped to integers in SQL; this
 * only encodes it: the layer's keys and values tables, zigzag-delta commands, and the winding
 * order the spec requires (exterior rings positive by the surveyor's formula in tile
 * coordinates, that is clockwise on screen; holes negative).
 */
import type { Geometry, Position } from 'geojson';
import { PbfWriter } from 'pbf';

export type AttributeValue = string | number | boolean | null;

export interface TileFeature {
  properties: Readonly<Record<string, AttributeValue>>;
  /** In tile units (integers), y down. */
  geometry: Geometry;
}

const GEOM_TYPE = { point: 1, linestring: 2, polygon: 3 } as const;
const MOVE_TO = 1;
const LINE_TO = 2;
const CLOSE_PATH = 7;

function command(id: number, count: number): number {
  return (id & 0x7) | (count << 3);
}

function zigzag(n: number): number {
  return (n << 1) ^ (n >> 31);
}

/** Twice the signed area by the surveyor's formula; the ring may or may not repeat its first point. */
function signedArea(ring: readonly Position[]): number {
  let sum = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) sum += ring[j]![0]! * ring[i]![1]! - ring[i]![0]! * ring[j]![1]!;
  return sum;
}

/** Encodes paths as commands, each starting from where the last ended (the cursor runs on). */
class Commands {
  readonly out: number[] = [];
  private x = 0;
  private y = 0;

  private point(p: Position): void {
    const x = Math.round(p[0]!);
    const y = Math.round(p[1]!);
    this.out.push(zigzag(x - this.x), zigzag(y - this.y));
    this.x = x;
    this.y = y;
  }

  points(points: readonly Position[]): void {
    if (points.length === 0) return;
    this.out.push(command(MOVE_TO, points.length));
    for (const p of points) this.point(p);
  }

  line(line: readonly Position[]): void {
    if (line.length < 2) return;
    this.out.push(command(MOVE_TO, 1));
    this.point(line[0]!);
    this.out.push(command(LINE_TO, line.length - 1));
    for (const p of line.slice(1)) this.point(p);
  }

  /** A ring in the orientation asked for; rings without area are left out. */
  ring(ring: readonly Position[], exterior: boolean): boolean {
    const open = ring.length > 1 && ring[0]![0] === ring.at(-1)![0] && ring[0]![1] === ring.at(-1)![1] ? ring.slice(0, -1) : [...ring];
    const area = signedArea(open);
    if (open.length < 3 || area === 0) return false;
    if (area > 0 !== exterior) open.reverse();
    this.out.push(command(MOVE_TO, 1));
    this.point(open[0]!);
    this.out.push(command(LINE_TO, open.length - 1));
    for (const p of open.slice(1)) this.point(p);
    this.out.push(command(CLOSE_PATH, 1));
    return true;
  }

  polygon(rings: readonly Position[][]): void {
    const [exterior, ...holes] = rings;
    if (!exterior || !this.ring(exterior, true)) return;
    for (const hole of holes) this.ring(hole, false);
  }
}

/** The feature's type and commands, or null when nothing drawable is left. */
function encodeGeometry(geometry: Geometry): { type: number; commands: number[] } | null {
  const commands = new Commands();
  let type: number;
  switch (geometry.type) {
    case 'Point':
      type = GEOM_TYPE.point;
      commands.points([geometry.coordinates]);
      break;
    case 'MultiPoint':
      type = GEOM_TYPE.point;
      commands.points(geometry.coordinates);
      break;
    case 'LineString':
      type = GEOM_TYPE.linestring;
      commands.line(geometry.coordinates);
      break;
    case 'MultiLineString':
      type = GEOM_TYPE.linestring;
      for (const line of geometry.coordinates) commands.line(line);
      break;
    case 'Polygon':
      type = GEOM_TYPE.polygon;
      commands.polygon(geometry.coordinates);
      break;
    case 'MultiPolygon':
      type = GEOM_TYPE.polygon;
      for (const polygon of geometry.coordinates) commands.polygon(polygon);
      break;
    case 'GeometryCollection':
      if (geometry.geometries.length === 0) return null;
      throw new Error(`Unexpected geometry collection of ${geometry.geometries.length} parts in a tile feature`);
  }
  return commands.out.length > 0 ? { type, commands: commands.out } : null;
}

type Value = { kind: 'string'; value: string } | { kind: 'double' | 'uint' | 'sint'; value: number } | { kind: 'bool'; value: boolean };

function valueOf(value: string | number | boolean): Value {
  if (typeof value === 'string') return { kind: 'string', value };
  if (typeof value === 'boolean') return { kind: 'bool', value };
  if (!Number.isInteger(value)) return { kind: 'double', value };
  return { kind: value >= 0 ? 'uint' : 'sint', value };
}

function writeValue(v: Value, pbf: PbfWriter): void {
  switch (v.kind) {
    case 'string':
      pbf.writeStringField(1, v.value);
      break;
    case 'double':
      pbf.writeDoubleField(3, v.value);
      break;
    case 'uint':
      pbf.writeVarintField(5, v.value);
      break;
    case 'sint':
      pbf.writeSVarintField(6, v.value);
      break;
    case 'bool':
      pbf.writeBooleanField(7, v.value);
      break;
  }
}

interface EncodedFeature {
  tags: number[];
  type: number;
  commands: number[];
}

/**
 * One tile holding one layer. A layer without features is left out, so a tile with nothing in
 * it is empty (zero bytes), as ST_AsMVT gives it. Null attributes are left out too.
 */
export function encodeTile(layerName: string, features: Iterable<TileFeature>, extent: number): Uint8Array {
  const keys = new Map<string, number>();
  const values = new Map<string, number>();
  const valueList: Value[] = [];
  const encoded: EncodedFeature[] = [];
  for (const feature of features) {
    const geometry = encodeGeometry(feature.geometry);
    if (!geometry) continue;
    const tags: number[] = [];
    for (const [key, raw] of Object.entries(feature.properties)) {
      if (raw === null) continue;
      const value = valueOf(raw);
      const valueKey = `${value.kind}:${value.value}`;
      let keyIndex = keys.get(key);
      if (keyIndex === undefined) keys.set(key, (keyIndex = keys.size));
      let valueIndex = values.get(valueKey);
      if (valueIndex === undefined) {
        values.set(valueKey, (valueIndex = valueList.length));
        valueList.push(value);
      }
      tags.push(keyIndex, valueIndex);
    }
    encoded.push({ tags, ...geometry });
  }
  if (encoded.length === 0) return new Uint8Array(0);

  const pbf = new PbfWriter();
  pbf.writeMessage(3, (_: null, layer: PbfWriter) => {
    layer.writeVarintField(15, 2);
    layer.writeStringField(1, layerName);
    for (const feature of encoded) {
      layer.writeMessage(2, (f: EncodedFeature, out: PbfWriter) => {
        if (f.tags.length > 0) out.writePackedVarint(2, f.tags);
        out.writeVarintField(3, f.type);
        out.writePackedVarint(4, f.commands);
      }, feature);
    }
    for (const key of keys.keys()) layer.writeStringField(3, key);
    for (const value of valueList) layer.writeMessage(4, writeValue, value);
    layer.writeVarintField(5, extent);
  }, null);
  return pbf.finish();
}
