import { existsSync, mkdtempSync, openSync, readFileSync, readSync, closeSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import * as shapefile from 'shapefile';
import { type Transform, toWgs84 } from './crs.ts';
import { detectEncoding, type Encoding } from './encoding.ts';
import { FileProblem, fileProblem } from './problems.ts';
import type { ReadOptions, Source } from './source.ts';
import type { SourceFeature } from './validate.ts';
import { extractZip } from './zip.ts';
import { singlePoint, transformGeometry } from './wkb.ts';

/** Code page names as .cpg files write them. */
function encodingOfCpg(text: string): Encoding | null {
  const name = text.trim().toLowerCase().replace(/^(ansi|cp|windows-?)\s*/, '');
  if (['utf-8', 'utf8', '65001'].includes(name)) return 'utf-8';
  if (name === '1251') return 'windows-1251';
  if (['1252', '28591', 'iso-8859-1', 'latin1'].includes(name)) return 'windows-1252';
  return null;
}

/** The DBF's text encoding: the mapping's, else its .cpg file's, else told from its records. */
function dbfEncoding(dbf: string, file: string, given: Encoding | undefined): Encoding {
  if (given) return given;
  const cpg = dbf.replace(/\.dbf$/i, '.cpg');
  if (existsSync(cpg)) {
    const text = readFileSync(cpg, 'latin1');
    const encoding = encodingOfCpg(text);
    if (!encoding) throw fileProblem(`${file}: its .cpg names the code page ${JSON.stringify(text.trim())}, which Safeground does not read; name the encoding in the mapping file`);
    return encoding;
  }
  const fd = openSync(dbf, 'r');
  try {
    const header = Buffer.alloc(32);
    readSync(fd, header, 0, 32, 0);
    const sample = Buffer.alloc(64 * 1024);
    const length = readSync(fd, sample, 0, sample.length, header.readUInt16LE(8));
    return detectEncoding(sample.subarray(0, length), `${file} (its .dbf)`).encoding;
  } finally {
    closeSync(fd);
  }
}

function sidecar(shp: string, ext: string): string | null {
  for (const candidate of [shp.replace(/\.shp$/i, ext), shp.replace(/\.shp$/i, ext.toUpperCase())]) if (existsSync(candidate)) return candidate;
  return null;
}

/**
 * What the DBF reader makes of an empty date field (blanks or zeros read as year 0, month 0,
 * day 0): 30 November 1899. No field record is that old, so it is taken for an empty date.
 */
const EMPTY_DBF_DATE = new Date(0, -1, 0).getTime();

/** The DBF reader makes dates at local midnight; the calendar date is what the file says. */
function localDates(properties: Record<string, unknown>): Record<string, unknown> {
  for (const [key, value] of Object.entries(properties)) {
    if (!(value instanceof Date)) continue;
    properties[key] = value.getTime() === EMPTY_DBF_DATE ? null : `${value.getFullYear()}-${String(value.getMonth() + 1).padStart(2, '0')}-${String(value.getDate()).padStart(2, '0')}`;
  }
  return properties;
}

/**
 * Reads a shapefile record by record: a zip holding one .shp with its .dbf (and .prj, .cpg), or
 * a .shp beside its sidecar files. The zip is unpacked to a temporary folder with the zip-bomb
 * limits; coordinates in another system (UTM, say) are converted with the .prj.
 */
export async function readShapefile(path: string, options: ReadOptions): Promise<Source> {
  const { file } = options;
  let dir: string | null = null;
  let shp: string;
  if (/\.shp$/i.test(path)) shp = path;
  else {
    dir = mkdtempSync(join(tmpdir(), 'safeground-shapefile-'));
    try {
      const names = await extractZip(path, file, dir, (name) => /\.(shp|shx|dbf|prj|cpg)$/i.test(name) && !basename(name).startsWith('.'));
      const shps = names.filter((n) => /\.shp$/i.test(n));
      if (shps.length !== 1) throw fileProblem(`${file} holds ${shps.length === 0 ? 'no .shp file' : `${shps.length} shapefiles (${shps.join(', ')})`}; put exactly one shapefile in the zip`);
      shp = join(dir, shps[0]!);
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }
  const cleanUp = () => dir && rmSync(dir, { recursive: true, force: true });
  let source: shapefile.Source<GeoJSON.Feature>;
  let transform: Transform | null = null;
  try {
    const dbf = sidecar(shp, '.dbf');
    if (!dbf) throw fileProblem(`${file}: ${basename(shp)} has no .dbf beside it, so its finds have no attributes`);
    const prj = sidecar(shp, '.prj');
    if (prj) transform = toWgs84(readFileSync(prj, 'utf8'), file);
    source = await shapefile.open(shp, dbf, { encoding: dbfEncoding(dbf, file, options.mapping.encoding) });
  } catch (error) {
    cleanUp();
    if (error instanceof FileProblem) throw error;
    throw fileProblem(`${file} is not a readable shapefile (${(error as Error).message})`);
  }

  async function* features(): AsyncGenerator<SourceFeature & { problem?: string }> {
    let row = 0;
    try {
      for (;;) {
        let next: { done: boolean; value: GeoJSON.Feature };
        try {
          next = await source.read();
        } catch (error) {
          throw fileProblem(`${file}: record ${row + 1} cannot be read (${(error as Error).message}); the shapefile is damaged or truncated`, row + 1);
        }
        if (next.done) break;
        row++;
        let geometry = singlePoint(next.value.geometry);
        if (geometry && transform) geometry = transformGeometry(geometry, transform);
        yield { row, properties: localDates(next.value.properties ?? {}), geometry };
      }
    } finally {
      cleanUp();
    }
  }
  return { rowLabel: 'record', columns: null, features: features() };
}
