import { decodeText } from './encoding.ts';
import { FileProblem, fileProblem } from './problems.ts';
import { fileBytes, type ReadOptions, type Source } from './source.ts';
import type { SourceFeature } from './validate.ts';
import type { SourceGeometry } from './wkb.ts';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

class Malformed extends Error {}

/**
 * The text of each element of the top-level "features" array, in order, cut out of the stream by
 * a scanner that only follows strings and brackets; each is then parsed by JSON.parse, which is
 * many times faster than a token-by-token streaming parser. Everything outside the array (type,
 * crs, name, ...) is kept, with the array emptied, and parsed at the end, so a file that is not
 * JSON is refused as before. Memory: one feature's text at a time.
 */
async function* featureTexts(text: AsyncIterable<string>, state: { sawFeatures: boolean }): AsyncGenerator<string> {
  let depth = 0;
  let inString = false;
  let escaped = false;
  /** True while between the brackets of the top-level "features" array. */
  let inFeatures = false;
  /** The text outside the features array. */
  let outer = '';
  /** The current element's text from earlier chunks. */
  let pending = '';
  /** Where the current element starts in this chunk (0 when it began in an earlier one); -1: none. */
  let elementStart: number;
  let inElement = false;
  for await (const chunk of text) {
    let outerFrom = inFeatures ? -1 : 0;
    elementStart = inElement ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (inString) {
        if (escaped) escaped = false;
        else if (c === BACKSLASH) escaped = true;
        else if (c === QUOTE) inString = false;
        continue;
      }
      if (inFeatures && depth === 2) {
        // Between or inside a primitive element of the features array.
        if (c === COMMA || c === CLOSE_BRACKET) {
          if (inElement) {
            yield pending + chunk.slice(elementStart, i);
            pending = '';
            inElement = false;
          }
          if (c === CLOSE_BRACKET) {
            inFeatures = false;
            depth = 1;
            outer += ']';
            outerFrom = i + 1;
          }
          continue;
        }
        if (!inElement && !isSpace(c)) {
          inElement = true;
          elementStart = i;
        }
      }
      if (c === QUOTE) inString = true;
      else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        depth++;
        if (!inFeatures && depth === 2 && c === OPEN_BRACKET && /"features"\s*:\s*$/.test(outer + chunk.slice(outerFrom, i))) {
          outer += chunk.slice(outerFrom, i + 1);
          outerFrom = -1;
          inFeatures = true;
          state.sawFeatures = true;
        }
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        depth--;
        if (depth < 0) throw new Malformed(`unexpected ${String.fromCharCode(c)}`);
        if (inFeatures && depth === 2 && inElement) {
          yield pending + chunk.slice(elementStart, i + 1);
          pending = '';
          inElement = false;
        }
      }
    }
    if (inElement) pending += chunk.slice(elementStart);
    if (outerFrom >= 0) {
      outer += chunk.slice(outerFrom);
      if (outer.length > 16 * 1024 * 1024) throw new Malformed('no "features" array in the first 16 MB');
    }
  }
  if (inString || depth !== 0 || inElement) throw new Malformed('unexpected end of the file');
  JSON.parse(outer);
}

/**
 * Reads the features of a GeoJSON FeatureCollection one at a time, so a file of any size is read
 * in constant memory.
 */
export async function readGeoJson(path: string, options: ReadOptions): Promise<Source> {
  const { file } = options;
  let bytes = 0;
  const text = decodeText(fileBytes(path, (n) => {
    bytes = n;
    options.onBytes?.(n);
  }), file, options.mapping.encoding);

  async function* features(): AsyncGenerator<SourceFeature & { problem?: string }> {
    let row = 0;
    const state = { sawFeatures: false };
    try {
      for await (const item of featureTexts(text, state)) {
        const value: unknown = JSON.parse(item);
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
      throw fileProblem(`${file}: the JSON is malformed or truncated after feature ${row} (near byte ${bytes}): ${(error as Error).message}`, row + 1);
    }
    if (row === 0) throw fileProblem(`${file} holds no features; a GeoJSON FeatureCollection with a "features" array is expected`);
  }
  return { rowLabel: 'feature', columns: null, features: features() };
}

/** A record to export; a record at an unknown place (an accident, say) has no position. */
export interface PointRow {
  longitude: number | null;
  latitude: number | null;
  properties: Record<string, unknown>;
}

/** A FeatureCollection, one feature per line so the file also reads well in a text editor. */
export async function* geoJsonChunks(rows: AsyncIterable<PointRow>): AsyncGenerator<string> {
  yield '{"type":"FeatureCollection","features":[\n';
  let chunk = '';
  let first = true;
  for await (const row of rows) {
    chunk += `${first ? '' : ',\n'}${JSON.stringify({ type: 'Feature', geometry: row.longitude === null || row.latitude === null ? null : { type: 'Point', coordinates: [row.longitude, row.latitude] }, properties: row.properties })}`;
    first = false;
    if (chunk.length > 64 * 1024) {
      yield chunk;
      chunk = '';
    }
  }
  yield `${chunk}\n]}\n`;
}
