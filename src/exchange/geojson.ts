import { type Duplex, pipeline, Readable, Transform } from 'node:stream';
import parser from 'stream-json';
import pick from 'stream-json/filters/pick.js';
import streamArray from 'stream-json/streamers/stream-array.js';
import { decodeText } from './encoding.ts';
import { FileProblem, fileProblem } from './problems.ts';
import { fileBytes, type ReadOptions, type Source } from './source.ts';
import type { SourceFeature } from './validate.ts';
import type { SourceGeometry } from './wkb.ts';

/**
 * Reads the features of a GeoJSON FeatureCollection one at a time with a streaming JSON parser,
 * so a file of any size is read in constant memory.
 */
export async function readGeoJson(path: string, options: ReadOptions): Promise<Source> {
  const { file } = options;
  let bytes = 0;
  const text = Readable.from(decodeText(fileBytes(path, (n) => {
    bytes = n;
    options.onBytes?.(n);
  }), file, options.mapping.encoding));
  // Counted as the parser emits them, since a parse error discards features not yet consumed.
  let parsed = 0;
  const counter = new Transform({
    objectMode: true,
    transform(item, _encoding, callback) {
      parsed++;
      callback(null, item);
    },
  });
  const items = pipeline(text, parser() as Duplex, pick.asStream({ filter: 'features' }), streamArray.asStream(), counter, () => {}) as unknown as AsyncIterable<{ key: number; value: unknown }>;

  async function* features(): AsyncGenerator<SourceFeature & { problem?: string }> {
    let row = 0;
    try {
      for await (const { value } of items) {
        row++;
        if (typeof value !== 'object' || value === null || (value as { type?: unknown }).type !== 'Feature') {
          yield { row, properties: {}, problem: 'is not a GeoJSON Feature' };
          continue;
        }
        const feature = value as { properties?: unknown; geometry?: unknown };
        const properties = typeof feature.properties === 'object' && feature.properties !== null ? (feature.properties as Record<string, unknown>) : {};
        const geometry = feature.geometry;
        if (geometry !== null && (typeof geometry !== 'object' || typeof (geometry as { type?: unknown }).type !== 'string')) {
          yield { row, properties, problem: 'has a geometry that is not a GeoJSON geometry' };
          continue;
        }
        yield { row, properties, geometry: (geometry ?? null) as SourceGeometry | null };
      }
    } catch (error) {
      if (error instanceof FileProblem) throw error;
      throw fileProblem(`${file}: the JSON is malformed or truncated after feature ${parsed} (near byte ${bytes}): ${(error as Error).message}`, parsed + 1);
    }
    if (row === 0) throw fileProblem(`${file} holds no features; a GeoJSON FeatureCollection with a "features" array is expected`);
  }
  return { rowLabel: 'feature', columns: null, features: features() };
}

export interface PointRow {
  longitude: number;
  latitude: number;
  properties: Record<string, unknown>;
}

/** A FeatureCollection, one feature per line so the file also reads well in a text editor. */
export async function* geoJsonChunks(rows: AsyncIterable<PointRow>): AsyncGenerator<string> {
  yield '{"type":"FeatureCollection","features":[\n';
  let chunk = '';
  let first = true;
  for await (const row of rows) {
    chunk += `${first ? '' : ',\n'}${JSON.stringify({ type: 'Feature', geometry: { type: 'Point', coordinates: [row.longitude, row.latitude] }, properties: row.properties })}`;
    first = false;
    if (chunk.length > 64 * 1024) {
      yield chunk;
      chunk = '';
    }
  }
  yield `${chunk}\n]}\n`;
}
