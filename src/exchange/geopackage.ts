import Database from 'better-sqlite3';
import { type Transform, toWgs84 } from './crs.ts';
import type { PointRow } from './geojson.ts';
import { fileProblem } from './problems.ts';
import type { ReadOptions, Source } from './source.ts';
import type { SourceFeature } from './validate.ts';
import { gpkgPoint, readGpkgGeometry, type SourceGeometry, transformGeometry } from './wkb.ts';

function quote(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

/**
 * Reads a features table of a GeoPackage row by row (SQLite's own cursor), converting its
 * coordinate system to WGS84 when it has another.
 */
export async function readGeoPackage(path: string, options: ReadOptions): Promise<Source> {
  const { file } = options;
  let db: Database.Database;
  let layers: { table_name: string; column_name: string; srs_id: number }[];
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    layers = db
      .prepare(
        `SELECT c.table_name, g.column_name, g.srs_id FROM gpkg_contents c JOIN gpkg_geometry_columns g ON g.table_name = c.table_name
         WHERE c.data_type = 'features' ORDER BY c.table_name`,
      )
      .all() as typeof layers;
  } catch (error) {
    throw fileProblem(`${file} is not a readable GeoPackage (${(error as Error).message})`);
  }
  const wanted = options.mapping.layer;
  const layer = wanted ? layers.find((l) => l.table_name === wanted) : layers[0];
  if (!layer || (!wanted && layers.length > 1)) {
    db.close();
    const names = layers.map((l) => l.table_name).join(', ') || 'none';
    throw fileProblem(wanted ? `${file} has no features layer ${JSON.stringify(wanted)} (layers: ${names})` : `${file} has ${layers.length} features layers (${names}); name one as "layer" in the mapping file`);
  }
  let transform: Transform | null = null;
  if (layer.srs_id !== 4326) {
    const srs = db.prepare('SELECT definition FROM gpkg_spatial_ref_sys WHERE srs_id = ?').get(layer.srs_id) as { definition: string } | undefined;
    if (!srs || srs.definition === 'undefined') {
      db.close();
      throw fileProblem(`${file}: layer ${layer.table_name} has SRS ${layer.srs_id} with no definition; reproject it to WGS84 (EPSG:4326)`);
    }
    transform = toWgs84(srs.definition, file);
  }
  const info = db.prepare(`PRAGMA table_info(${quote(layer.table_name)})`).all() as { name: string; pk: number }[];
  const columns = info.filter((c) => c.name !== layer.column_name && c.pk === 0).map((c) => c.name);

  async function* features(): AsyncGenerator<SourceFeature & { problem?: string }> {
    let row = 0;
    try {
      for (const record of db.prepare(`SELECT * FROM ${quote(layer!.table_name)}`).iterate() as Iterable<Record<string, unknown>>) {
        row++;
        const properties: Record<string, unknown> = {};
        for (const column of columns) properties[column] = record[column];
        const blob = record[layer!.column_name];
        let geometry: SourceGeometry | null = null;
        let problem: string | undefined;
        if (blob instanceof Uint8Array) {
          try {
            geometry = readGpkgGeometry(blob, file).geometry;
            if (geometry && transform) geometry = transformGeometry(geometry, transform);
          } catch (error) {
            problem = `has a broken geometry: ${(error as Error).message}`;
          }
        } else if (blob !== null && blob !== undefined) problem = 'has a geometry that is not a GeoPackage blob';
        yield problem ? { row, properties, geometry, problem } : { row, properties, geometry };
      }
    } catch (error) {
      throw fileProblem(`${file}: reading feature ${row + 1} failed (${(error as Error).message}); the file is damaged or truncated`, row + 1);
    } finally {
      db.close();
    }
  }
  return { rowLabel: 'feature', columns, features: features() };
}

export type ColumnType = 'TEXT' | 'INTEGER' | 'REAL' | 'DATE';

/**
 * Writes a GeoPackage 1.2 with one point layer in WGS84, as GDAL and QGIS expect it (application
 * id, SRS table, contents, geometry columns, and an extent).
 */
export async function writeGeoPackage(path: string, layer: string, columns: readonly (readonly [string, ColumnType])[], rows: AsyncIterable<PointRow>): Promise<number> {
  const db = new Database(path);
  try {
    db.pragma('application_id = 1196444487');
    db.pragma('user_version = 10200');
    db.pragma('journal_mode = OFF');
    db.exec(`
      CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
      CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE, description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')), min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER REFERENCES gpkg_spatial_ref_sys(srs_id));
      CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL, PRIMARY KEY (table_name, column_name));
      INSERT INTO gpkg_spatial_ref_sys VALUES
        ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', NULL),
        ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', NULL),
        ('WGS 84 geodetic', 4326, 'EPSG', 4326, 'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]', 'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid');
      CREATE TABLE ${quote(layer)} (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom POINT, ${columns.map(([name, type]) => `${quote(name)} ${type}`).join(', ')});
      INSERT INTO gpkg_geometry_columns VALUES ('${layer.replace(/'/g, "''")}', 'geom', 'POINT', 4326, 0, 0);
    `);
    const insert = db.prepare(`INSERT INTO ${quote(layer)} (geom, ${columns.map(([name]) => quote(name)).join(', ')}) VALUES (?${', ?'.repeat(columns.length)})`);
    let count = 0;
    let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
    const batch: unknown[][] = [];
    const flush = db.transaction((items: unknown[][]) => {
      for (const item of items) insert.run(item);
    });
    for await (const row of rows) {
      const { longitude: x, latitude: y } = row;
      const located = x !== null && y !== null;
      batch.push([located ? gpkgPoint(x, y) : null, ...columns.map(([name]) => row.properties[name] ?? null)]);
      if (located) [minX, minY, maxX, maxY] = [Math.min(minX, x), Math.min(minY, y), Math.max(maxX, x), Math.max(maxY, y)];
      count++;
      if (batch.length >= 5000) flush(batch.splice(0));
    }
    flush(batch.splice(0));
    db.prepare(`INSERT INTO gpkg_contents (table_name, data_type, identifier, min_x, min_y, max_x, max_y, srs_id) VALUES (?, 'features', ?, ?, ?, ?, ?, 4326)`).run(
      layer,
      layer,
      Number.isFinite(minX) ? minX : null,
      Number.isFinite(minY) ? minY : null,
      Number.isFinite(maxX) ? maxX : null,
      Number.isFinite(maxY) ? maxY : null,
    );
    return count;
  } finally {
    db.close();
  }
}
