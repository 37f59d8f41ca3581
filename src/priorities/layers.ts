/**
 * Reference layers (roads, corridors, utilities, reconstruction projects, farmland, water points)
 * imported from files with the exchange module's readers, all or nothing. GeoJSON and shapefiles
 * carry lines and polygons; CSV carries a `wkt` column or latitude and longitude columns.
 * GeoPackage and KML are read by those readers as points only, so their lines and polygons are
 * refused with a message saying so.
 */
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { writeAudit } from '../access/store.ts';
import { UserError } from '../errors.ts';
import { formatOfFile, type ImportFormat, openSource } from '../exchange/formats.ts';
import { parseDate } from '../exchange/validate.ts';
import { DEFAULT_MAPPING, type Mapping } from '../exchange/mapping.ts';
import type { Db } from '../store/db.ts';
import { deleteLayer, insertReferenceFeatures, invalidFeatures, type ReferenceFeatureInput, type ReferenceLayer } from './store.ts';

/** One feature of a file: its number, attributes and geometry (GeoJSON object or WKT text). */
export interface FileFeature {
  row: number;
  properties: Record<string, unknown>;
  geometry: unknown;
}

const LATITUDE = ['latitude', 'lat', 'y'];
const LONGITUDE = ['longitude', 'lon', 'lng', 'long', 'x'];

function column(properties: Record<string, unknown>, names: readonly string[]): unknown {
  const key = Object.keys(properties).find((k) => names.includes(k.trim().toLowerCase()));
  return key === undefined ? undefined : properties[key];
}

/** Reads every feature of a file with its geometry, or says on which row and why it cannot. */
export async function* readFileFeatures(path: string, options: { file?: string; format?: ImportFormat; mapping?: Pick<Mapping, 'encoding' | 'layer'> } = {}): AsyncGenerator<FileFeature> {
  const file = options.file ?? basename(path);
  try {
    statSync(path);
  } catch (error) {
    throw new UserError(`Cannot read ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  const format = options.format ?? formatOfFile(path);
  const source = await openSource(format, path, { file, mapping: options.mapping ?? DEFAULT_MAPPING });
  try {
    for await (const feature of source.features) {
      const where = `${file} ${source.rowLabel} ${feature.row}`;
      if (feature.problem) throw new UserError(`${where} ${feature.problem}`);
      const { properties } = feature;
      let geometry: unknown = feature.geometry;
      if (geometry === undefined) {
        const wkt = column(properties, ['wkt', 'geometry', 'geom']);
        const lat = Number(column(properties, LATITUDE));
        const lon = Number(column(properties, LONGITUDE));
        if (typeof wkt === 'string' && wkt.trim() !== '') geometry = wkt.trim();
        else if (Number.isFinite(lat) && Number.isFinite(lon) && String(column(properties, LATITUDE)).trim() !== '') geometry = { type: 'Point', coordinates: [lon, lat] };
        else throw new UserError(`${where} has no geometry: give a wkt column, or latitude and longitude columns`);
      }
      if (geometry === null) throw new UserError(`${where} has no geometry`);
      if (typeof geometry === 'object' && !('coordinates' in geometry) && !('geometries' in geometry)) {
        throw new UserError(`${where} is a ${(geometry as { type: string }).type}, which Safeground reads from ${format} files as points only; export lines and polygons as GeoJSON or a shapefile`);
      }
      yield { row: feature.row, properties, geometry };
    }
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError((error as Error).message);
  }
}

const BATCH = 500;

export interface LayerImport {
  layer: ReferenceLayer;
  /** What the file calls its features (road, track, power line, ...); or the column that says. */
  kind: string;
  kindColumn?: string | undefined;
  nameColumn?: string | undefined;
  /** Replace the features already in the layer rather than add to them. */
  replace: boolean;
  source?: string | undefined;
  /** The day from which every feature existed (YYYY-MM-DD); or the column giving each feature's day or year. */
  validFrom?: string | undefined;
  validFromColumn?: string | undefined;
  actorId: string | null;
}

/** A feature's day from a column: a date, or a year standing for its first day. */
function validFromOf(value: unknown, file: string, row: number, column: string): string | null {
  if (value === null || value === undefined || String(value).trim() === '') return null;
  const text = String(value).trim();
  const day = /^\d{4}$/.test(text) ? `${text}-01-01` : parseDate(text, 'YYYY-MM-DD');
  if (!day) throw new UserError(`${file} row ${row}: ${column} ${JSON.stringify(value)} is not a date (YYYY-MM-DD) or a year`);
  return day;
}

/**
 * Imports a file into one reference layer in one transaction; a geometry PostGIS finds invalid
 * refuses the whole file, naming the rows.
 */
export async function importLayer(db: Db, path: string, options: LayerImport): Promise<{ imported: number; replaced: number }> {
  const file = basename(path);
  const source = options.source ?? file;
  return db.transaction(async (tx) => {
    const replaced = options.replace ? await deleteLayer(tx, options.layer) : 0;
    let imported = 0;
    let batch: ReferenceFeatureInput[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      const invalid = await invalidFeatures(tx, batch);
      if (invalid.length > 0) throw new UserError(`${file}: invalid geometry at ${invalid.slice(0, 5).map((i) => `row ${i.row} (${i.reason})`).join(', ')}${invalid.length > 5 ? ` and ${invalid.length - 5} more` : ''}`);
      imported += await insertReferenceFeatures(tx, options.layer, source, batch, options.actorId);
      batch = [];
    };
    try {
      for await (const f of readFileFeatures(path)) {
        const kind = options.kindColumn ? String(f.properties[options.kindColumn] ?? '').trim() : options.kind;
        if (kind === '') throw new UserError(`${file} row ${f.row}: column ${JSON.stringify(options.kindColumn)} is empty; each feature needs a kind`);
        const name = f.properties[options.nameColumn ?? 'name'];
        const validFrom = options.validFromColumn ? validFromOf(f.properties[options.validFromColumn], file, f.row, options.validFromColumn) : (options.validFrom ?? null);
        batch.push({ row: f.row, kind, name: name === undefined || name === null || name === '' ? null : String(name), geometry: f.geometry, properties: f.properties, validFrom });
        if (batch.length >= BATCH) await flush();
      }
      await flush();
    } catch (error) {
      if (error instanceof UserError) throw error;
      throw new UserError(`${file}: ${(error as Error).message.split('\n')[0]}`);
    }
    if (imported === 0) throw new UserError(`${file} holds no features`);
    await writeAudit(tx, null, 'reference_layer_import', { type: 'reference_layer' }, { layer: options.layer, file, imported, replaced, by: options.actorId ?? 'cli' });
    return { imported, replaced };
  });
}
