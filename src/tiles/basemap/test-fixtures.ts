/**
 * Small basemaps made for the tests, nothing downloaded: Natural Earth country outlines (from the
 * world-atlas package) and a few synthetic villages, roads, a lake and a river around the demo
 * box, written by GDAL's MVT driver (`ogr2ogr -f MBTiles`) in the OpenMapTiles schema and in the
 * Protomaps basemap schema, and a synthetic scanned sheet by `gdal_translate -of MBTiles`. The
 * village names are made up, in English, Armenian, Russian and Azerbaijani.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Feature, FeatureCollection, Geometry } from 'geojson';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';

const require = createRequire(import.meta.url);

/** Around the demo data (src/demo/gazetteer.ts BOX), with room to pan. */
export const FIXTURE_BOX = [-76.5, 6.0, -74.3, 8.0] as const;

export const VILLAGES = [
  { at: [-75.45, 7.05], en: 'Riverbend', hy: 'Ռիվերբենդ', ru: 'Ривербенд', az: 'Çayqırağı', kind: 'town', population: 12000 },
  { at: [-75.2, 6.82], en: 'Stonebridge', hy: 'Սթոունբրիջ', ru: 'Стоунбридж', az: 'Daşkörpü', kind: 'village', population: 3000 },
  { at: [-75.7, 7.22], en: 'Hillcrest', hy: 'Հիլքրեսթ', ru: 'Хиллкрест', az: 'Təpəbaşı', kind: 'village', population: 2000 },
] as const;

const ROADS: [number, number][][] = [
  [[-75.7, 7.22], [-75.45, 7.05], [-75.2, 6.82]],
  [[-75.9, 6.9], [-75.45, 7.05], [-75.1, 7.3]],
];
const RIVER: [number, number][] = [[-75.95, 7.35], [-75.6, 7.1], [-75.3, 6.95], [-74.95, 6.65]];
const LAKE: [number, number][] = [[-75.35, 7.2], [-75.25, 7.2], [-75.22, 7.27], [-75.33, 7.3], [-75.35, 7.2]];

function collection(features: Feature[]): FeatureCollection {
  return { type: 'FeatureCollection', features };
}

function feat(geometry: Geometry, properties: Record<string, unknown>): Feature {
  return { type: 'Feature', geometry, properties };
}

/** Natural Earth countries meeting the fixture's surroundings. */
function countries(): Feature[] {
  const topology = require('world-atlas/countries-50m.json') as Topology<{ countries: GeometryCollection<{ name: string }> }>;
  const [w, s, e, n] = [-82, -5, -66, 14];
  return feature(topology, topology.objects.countries).features.filter((c) => {
    const points = JSON.stringify(c.geometry).match(/-?\d+\.?\d*,-?\d+\.?\d*/g) ?? [];
    return points.some((p) => {
      const [x, y] = p.split(',').map(Number) as [number, number];
      return x >= w && x <= e && y >= s && y <= n;
    });
  });
}

function names(v: (typeof VILLAGES)[number]): Record<string, string> {
  return { name: v.en, 'name:en': v.en, 'name:hy': v.hy, 'name:ru': v.ru, 'name:az': v.az };
}

/** Writes each layer into one GeoPackage, then the GeoPackage as vector MBTiles. */
/**
 * `clip` cuts every layer to a box first: the neighbouring countries' outlines down to zoom 12
 * would be some 10⁵ tiles, most of them far from anything a test looks at.
 */
function toMbtiles(dir: string, stem: string, layers: Record<string, Feature[]>, maxzoom: number, clip?: readonly [number, number, number, number]): string {
  const gpkg = join(dir, `${stem}.gpkg`);
  let first = true;
  for (const [name, features] of Object.entries(layers)) {
    const geojson = join(dir, `${stem}-${name}.geojson`);
    writeFileSync(geojson, JSON.stringify(collection(features)));
    execFileSync('ogr2ogr', ['-f', 'GPKG', ...(first ? [] : ['-update']), gpkg, geojson, '-nln', name, ...(clip ? ['-clipsrc', ...clip.map(String)] : [])], { stdio: 'pipe' });
    first = false;
  }
  const out = join(dir, `${stem}.mbtiles`);
  execFileSync('ogr2ogr', ['-f', 'MBTiles', out, gpkg, '-dsco', 'MINZOOM=0', '-dsco', `MAXZOOM=${maxzoom}`, '-dsco', `NAME=${stem}`], { stdio: 'pipe' });
  return out;
}

/** An OpenMapTiles-schema MBTiles: boundary, place, transportation, water, waterway. */
export function openMapTilesFixture(dir: string, maxzoom = 10): string {
  const borders = countries().map((c) => feat(c.geometry, { admin_level: 2 }));
  return toMbtiles(dir, 'omt', {
    boundary: borders,
    water: [feat({ type: 'Polygon', coordinates: [LAKE] }, { class: 'lake' })],
    waterway: [feat({ type: 'LineString', coordinates: RIVER }, { class: 'river' })],
    transportation: ROADS.map((r, i) => feat({ type: 'LineString', coordinates: r }, { class: i === 0 ? 'primary' : 'minor' })),
    place: VILLAGES.map((v) => feat({ type: 'Point', coordinates: [...v.at] }, { class: v.kind, ...names(v) })),
  }, maxzoom);
}

/** A Protomaps-basemap-schema MBTiles: earth, water, roads, places, boundaries. */
export function protomapsFixture(dir: string, maxzoom = 10, clip?: readonly [number, number, number, number]): string {
  const land = countries();
  return toMbtiles(dir, 'protomaps', {
    earth: land.map((c) => feat(c.geometry, { kind: 'earth' })),
    water: [feat({ type: 'Polygon', coordinates: [LAKE] }, { kind: 'lake' })],
    roads: ROADS.map((r, i) => feat({ type: 'LineString', coordinates: r }, { kind: i === 0 ? 'major_road' : 'minor_road', kind_detail: i === 0 ? 'primary' : 'residential' })),
    places: VILLAGES.map((v) => feat({ type: 'Point', coordinates: [...v.at] }, { kind: 'locality', kind_detail: v.kind, min_zoom: 6, population_rank: 8, ...names(v) })),
    boundaries: land.map((c) => feat(c.geometry, { kind: 'country', kind_detail: 2 })),
  }, maxzoom, clip);
}

/** A synthetic "scanned sheet": a buff raster with the roads burnt in, as PNG MBTiles with overviews. */
export function rasterFixture(dir: string): string {
  const tif = join(dir, 'sheet.tif');
  const roads = join(dir, 'sheet-roads.geojson');
  writeFileSync(roads, JSON.stringify(collection(ROADS.map((r) => feat({ type: 'LineString', coordinates: r }, {})))));
  const [w, s, e, n] = [-75.9, 6.6, -74.9, 7.4];
  execFileSync('gdal_create', ['-of', 'GTiff', '-outsize', '1024', '820', '-bands', '3', '-ot', 'Byte', '-burn', '246', '-burn', '238', '-burn', '214', '-a_srs', 'EPSG:4326', '-a_ullr', String(w), String(n), String(e), String(s), tif], { stdio: 'pipe' });
  execFileSync('gdal_rasterize', ['-b', '1', '-b', '2', '-b', '3', '-burn', '120', '-burn', '60', '-burn', '30', roads, tif], { stdio: 'pipe' });
  const out = join(dir, 'sheet.mbtiles');
  execFileSync('gdal_translate', ['-of', 'MBTiles', '-co', 'TILE_FORMAT=PNG', tif, out], { stdio: 'pipe' });
  execFileSync('gdaladdo', ['-r', 'average', out, '2', '4', '8'], { stdio: 'pipe' });
  return out;
}
