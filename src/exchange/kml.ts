import { SaxesParser, type SaxesTagNS } from 'saxes';
import { decodeText } from './encoding.ts';
import { FileProblem, fileProblem } from './problems.ts';
import { fileBytes, type ReadOptions, type Source } from './source.ts';
import type { PointRow } from './geojson.ts';
import type { SourceFeature } from './validate.ts';
import type { SourceGeometry } from './wkb.ts';

const GEOMETRIES = new Set(['Point', 'LineString', 'LinearRing', 'Polygon', 'MultiGeometry', 'Model', 'Track', 'MultiTrack']);

/**
 * Reads the placemarks of a KML file (Google Earth, ODK, QGIS) with a streaming XML parser:
 * attributes from ExtendedData (Data/value and SchemaData/SimpleData), the placemark's name as
 * `name`, and its Point. Folders and styles are ignored.
 */
export async function readKml(path: string, options: ReadOptions): Promise<Source> {
  const { file } = options;
  const text = decodeText(fileBytes(path, options.onBytes), file, options.mapping.encoding);

  async function* features(): AsyncGenerator<SourceFeature & { problem?: string }> {
    const parser = new SaxesParser({ xmlns: true });
    const ready: (SourceFeature & { problem?: string })[] = [];
    let row = 0;
    let current: { properties: Record<string, unknown>; geometry: SourceGeometry | null; problem?: string } | null = null;
    let dataName: string | null = null;
    let geometryDepth = 0;
    let buffer = '';
    parser.on('opentag', (tag: SaxesTagNS) => {
      buffer = '';
      if (tag.local === 'Placemark') current = { properties: {}, geometry: null };
      if (!current) return;
      if (tag.local === 'Data' || tag.local === 'SimpleData') dataName = tag.attributes.name?.value ?? null;
      if (GEOMETRIES.has(tag.local)) {
        geometryDepth++;
        if (geometryDepth === 1) current.geometry = { type: tag.local };
      }
    });
    parser.on('text', (t) => (buffer += t));
    parser.on('cdata', (t) => (buffer += t));
    parser.on('closetag', (tag: SaxesTagNS) => {
      if (!current) return;
      const value = buffer.trim();
      if (tag.local === 'name' && geometryDepth === 0 && dataName === null) current.properties.name = value;
      else if ((tag.local === 'value' && dataName !== null) || tag.local === 'SimpleData') {
        if (dataName !== null) current.properties[dataName] = value;
        if (tag.local === 'SimpleData') dataName = null;
      } else if (tag.local === 'Data') dataName = null;
      else if (tag.local === 'coordinates' && geometryDepth === 1 && current.geometry?.type === 'Point') {
        const numbers = value.split(',').map((n) => Number(n.trim()));
        if (numbers.length < 2 || numbers.length > 3 || numbers.some((n) => !Number.isFinite(n))) current.problem = `has Point coordinates ${JSON.stringify(value)}; expected longitude,latitude[,altitude]`;
        else current.geometry = { type: 'Point', coordinates: numbers.slice(0, 2) };
      } else if (GEOMETRIES.has(tag.local)) geometryDepth--;
      else if (tag.local === 'Placemark') {
        row++;
        const { properties, geometry, problem } = current;
        ready.push(problem ? { row, properties, geometry, problem } : { row, properties, geometry });
        current = null;
      }
      buffer = '';
    });
    try {
      for await (const chunk of text) {
        parser.write(chunk);
        yield* ready.splice(0);
      }
      parser.close();
      yield* ready.splice(0);
    } catch (error) {
      if (error instanceof FileProblem) throw error;
      throw fileProblem(`${file}: the XML is malformed or truncated after placemark ${row}: ${(error as Error).message}`, row + 1);
    }
    if (row === 0) throw fileProblem(`${file} holds no placemarks`);
  }
  return { rowLabel: 'placemark', columns: null, features: features() };
}

function xml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** A KML document with one placemark per find, its attributes as ExtendedData. */
export async function* kmlChunks(name: string, nameField: string, rows: AsyncIterable<PointRow>): AsyncGenerator<string> {
  yield `<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2">\n<Document>\n<name>${xml(name)}</name>\n`;
  let chunk = '';
  for await (const row of rows) {
    const data = Object.entries(row.properties)
      .filter(([, v]) => v !== null && v !== undefined)
      .map(([k, v]) => `<Data name="${xml(k)}"><value>${xml(String(v))}</value></Data>`)
      .join('');
    chunk += `<Placemark><name>${xml(String(row.properties[nameField] ?? ''))}</name><ExtendedData>${data}</ExtendedData>${row.longitude === null || row.latitude === null ? '' : `<Point><coordinates>${row.longitude},${row.latitude}</coordinates></Point>`}</Placemark>\n`;
    if (chunk.length > 64 * 1024) {
      yield chunk;
      chunk = '';
    }
  }
  yield `${chunk}</Document>\n</kml>\n`;
}
