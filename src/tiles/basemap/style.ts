/**
 * The style of what lies under the register: the basemap files in the order given (the first at
 * the bottom), each drawn by the style its schema needs, and the gazetteer's background over
 * them. Labels are in the interface language (`name:xx`), falling back to the name each source
 * gives by default; glyphs come from Safeground itself, so labels need no font server.
 */
import type { LayerSpecification, SourceSpecification } from 'maplibre-gl';
import { layers as protomapsLayers, namedFlavor } from '@protomaps/basemaps';
import type { BasemapArchive, VectorLayer } from './archive.ts';
import { LABEL_MINZOOM } from './gazetteer.ts';
import { FONT } from './glyphs.ts';

export interface ServedBasemap {
  /** Its name in URLs (/tiles/basemap/{name}/...), from the file's name. */
  name: string;
  archive: BasemapArchive;
}

export interface BackgroundStyle {
  glyphs: string;
  sources: Record<string, SourceSpecification>;
  layers: LayerSpecification[];
}

const INK = '#4a4a4a';
const HALO = '#ffffff';
const LAND = '#f4f1ea';
const WATER = '#b9d3e6';

export const GAZETTEER = 'gazetteer';

export function glyphsUrl(baseUrl: string): string {
  return `${baseUrl}/tiles/fonts/{fontstack}/{range}.pbf`;
}

/** The label in the interface language, else the source's default name. */
function label(lang: string, fallback: string[] = ['name']): unknown {
  return ['coalesce', ['get', `name:${lang}`], ...fallback.map((key) => ['get', key])];
}

function textLayout(lang: string, size: unknown, fallback?: string[]): Record<string, unknown> {
  return { 'text-field': label(lang, fallback), 'text-font': [FONT], 'text-size': size, 'text-max-width': 8 };
}

const halo = (colour = INK) => ({ 'text-color': colour, 'text-halo-color': HALO, 'text-halo-width': 1.4 });

/** Only the style layers whose source layer the archive has: MapLibre reports every other one as an error. */
function present(layers: LayerSpecification[], vectorLayers: ReadonlySet<string>): LayerSpecification[] {
  return layers.filter((layer) => !('source-layer' in layer) || vectorLayers.has(layer['source-layer'] as string));
}

/**
 * The Protomaps basemap layers, as the `@protomaps/basemaps` package draws them, without POI icons
 * (no sprite is served), and without the layers of any source layer an extract or a partial
 * build left out.
 */
function protomapsStyle(source: string, lang: string, vectorLayers: ReadonlySet<string>): LayerSpecification[] {
  return present(protomapsLayers(source, { ...namedFlavor('light'), pois: undefined }, { lang }), vectorLayers);
}

/** A small style for the OpenMapTiles schema: land cover, water, roads, boundaries and place names. */
function openMapTilesStyle(source: string, lang: string, vectorLayers: ReadonlySet<string>): LayerSpecification[] {
  const on = (layer: string) => ({ source, 'source-layer': layer });
  const layers: LayerSpecification[] = [
    {
      id: 'landcover', type: 'fill', ...on('landcover'),
      paint: { 'fill-color': ['match', ['get', 'class'], ['wood', 'forest'], '#d3e5c5', ['grass', 'farmland'], '#e5edd5', 'sand', '#f1e9c9', '#e7ead9'], 'fill-opacity': 0.8 },
    },
    {
      id: 'landuse', type: 'fill', ...on('landuse'),
      paint: { 'fill-color': ['match', ['get', 'class'], 'residential', '#ebe3da', ['cemetery', 'military'], '#e2dcd0', '#ece8df'], 'fill-opacity': 0.7 },
    },
    { id: 'park', type: 'fill', ...on('park'), paint: { 'fill-color': '#d8e8c8', 'fill-opacity': 0.7 } },
    { id: 'water', type: 'fill', ...on('water'), paint: { 'fill-color': WATER } },
    { id: 'waterway', type: 'line', ...on('waterway'), paint: { 'line-color': WATER, 'line-width': ['interpolate', ['linear'], ['zoom'], 8, 0.5, 14, 2.5] } },
    {
      id: 'roads', type: 'line', ...on('transportation'),
      filter: ['!=', ['get', 'class'], 'rail'],
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: {
        'line-color': ['match', ['get', 'class'], ['motorway', 'trunk'], '#e8a05c', ['primary', 'secondary'], '#f3d27a', 'track', '#b9a98f', '#ffffff'],
        'line-width': ['interpolate', ['exponential', 1.4], ['zoom'], 6, ['match', ['get', 'class'], ['motorway', 'trunk'], 1.2, 0.5], 16, ['match', ['get', 'class'], ['motorway', 'trunk'], 10, ['primary', 'secondary'], 8, 4]],
      },
    },
    { id: 'railways', type: 'line', ...on('transportation'), filter: ['==', ['get', 'class'], 'rail'], paint: { 'line-color': '#9a9a9a', 'line-width': 1, 'line-dasharray': [3, 3] } },
    {
      id: 'boundaries', type: 'line', ...on('boundary'),
      filter: ['<=', ['to-number', ['get', 'admin_level']], 4],
      paint: { 'line-color': '#8c7a92', 'line-width': ['match', ['to-number', ['get', 'admin_level']], 2, 1.4, 0.7], 'line-dasharray': [3, 2] },
    },
    {
      id: 'water-names', type: 'symbol', ...on('water_name'),
      layout: { ...textLayout(lang, 12, ['name:latin', 'name']), 'text-font': [FONT] },
      paint: halo('#2f5f8a'),
    },
    {
      id: 'road-names', type: 'symbol', ...on('transportation_name'), minzoom: 12,
      layout: { ...textLayout(lang, 11, ['name:latin', 'name']), 'symbol-placement': 'line' },
      paint: halo('#555555'),
    },
    {
      id: 'places', type: 'symbol', ...on('place'),
      layout: {
        ...textLayout(lang, ['match', ['get', 'class'], 'country', 14, 'city', 14, 'town', 12, 11], ['name:latin', 'name']),
        'symbol-sort-key': ['match', ['get', 'class'], 'country', 0, 'city', 1, 'town', 2, 3],
      },
      paint: halo(),
    },
  ];
  return present(layers, vectorLayers);
}

/** A vector archive of another schema: each layer drawn plainly by its geometry, named features labelled. */
function plainStyle(source: string, lang: string, vectorLayers: readonly VectorLayer[]): LayerSpecification[] {
  return vectorLayers.flatMap(({ id }): LayerSpecification[] => {
    const on = { source, 'source-layer': id };
    return [
      { id: `${id}-fill`, type: 'fill', ...on, filter: ['==', ['geometry-type'], 'Polygon'], paint: { 'fill-color': '#e4e0d6', 'fill-opacity': 0.6, 'fill-outline-color': '#b8b2a4' } },
      { id: `${id}-line`, type: 'line', ...on, filter: ['==', ['geometry-type'], 'LineString'], paint: { 'line-color': '#a39e93', 'line-width': 1 } },
      { id: `${id}-point`, type: 'circle', ...on, filter: ['==', ['geometry-type'], 'Point'], paint: { 'circle-color': '#8a8478', 'circle-radius': 2.5 } },
      { id: `${id}-label`, type: 'symbol', ...on, filter: ['has', 'name'], layout: textLayout(lang, 11), paint: halo() },
    ];
  });
}

function archiveLayers(basemap: ServedBasemap, lang: string): LayerSpecification[] {
  const source = `basemap-${basemap.name}`;
  const { archive } = basemap;
  let layers: LayerSpecification[];
  switch (archive.schema) {
    case 'raster':
      layers = [{ id: 'raster', type: 'raster', source }];
      break;
    case 'protomaps':
      layers = protomapsStyle(source, lang, new Set(archive.vectorLayers.map((l) => l.id)));
      break;
    case 'openmaptiles':
      layers = openMapTilesStyle(source, lang, new Set(archive.vectorLayers.map((l) => l.id)));
      break;
    case 'other':
      layers = plainStyle(source, lang, archive.vectorLayers);
      break;
  }
  return layers.map((layer) => ({ ...layer, id: `${source}-${layer.id}` }));
}

/** The gazetteer's layers: land and country borders only where no vector basemap draws them. */
function gazetteerLayers(lang: string, withLand: boolean): LayerSpecification[] {
  const on = (layer: string) => ({ source: GAZETTEER, 'source-layer': layer });
  const labels = (kind: string, minzoom: number, size: unknown, colour: string, extra: Record<string, unknown> = {}): LayerSpecification => ({
    id: `gazetteer-labels-${kind}`,
    type: 'symbol',
    ...on('places'),
    minzoom,
    filter: ['==', ['get', 'kind'], kind],
    layout: { ...textLayout(lang, size), ...extra },
    paint: halo(colour),
  });
  return [
    ...(withLand
      ? ([
          { id: 'gazetteer-land', type: 'fill', ...on('countries'), paint: { 'fill-color': LAND } },
          // The gazetteer's own areas are land too, where no country outline was seeded.
          { id: 'gazetteer-land-areas', type: 'fill', ...on('admin_areas'), paint: { 'fill-color': LAND } },
          { id: 'gazetteer-country-borders', type: 'line', ...on('countries'), paint: { 'line-color': '#9c8ea3', 'line-width': ['interpolate', ['linear'], ['zoom'], 2, 0.6, 10, 1.6] } },
        ] satisfies LayerSpecification[])
      : []),
    {
      id: 'gazetteer-admin-areas', type: 'line', ...on('admin_areas'), minzoom: LABEL_MINZOOM.region - 1,
      paint: { 'line-color': '#8f7f99', 'line-width': ['match', ['get', 'level'], 1, 1.2, 0.7], 'line-dasharray': [4, 2], 'line-opacity': 0.8 },
    },
    labels('country', 2, ['interpolate', ['linear'], ['zoom'], 2, 11, 6, 15], '#5c4d63', { 'text-transform': 'uppercase', 'text-letter-spacing': 0.05 }),
    labels('admin_area', LABEL_MINZOOM.region, ['match', ['get', 'level'], 1, 13, 11], '#6b5b74'),
    labels('settlement', LABEL_MINZOOM.settlement, ['interpolate', ['linear'], ['get', 'population'], 0, 11, 10000, 13], INK),
  ];
}

/** The sources and layers under the register, labelled in `lang`. */
export function backgroundStyle(basemaps: readonly ServedBasemap[], baseUrl: string, lang: string): BackgroundStyle {
  const sources: Record<string, SourceSpecification> = {};
  for (const { name, archive } of basemaps) {
    const url = `${baseUrl}/tiles/basemap/${name}.json`;
    sources[`basemap-${name}`] = archive.format === 'mvt' ? { type: 'vector', url } : { type: 'raster', url, tileSize: 256 };
  }
  sources[GAZETTEER] = { type: 'vector', url: `${baseUrl}/tiles/basemap/${GAZETTEER}.json` };
  const withLand = !basemaps.some((b) => b.archive.format === 'mvt');
  return {
    glyphs: glyphsUrl(baseUrl),
    sources,
    layers: [
      { id: 'background', type: 'background', paint: { 'background-color': withLand ? WATER : LAND } },
      ...basemaps.flatMap((basemap) => archiveLayers(basemap, lang)).filter((layer) => layer.type !== 'background'),
      ...gazetteerLayers(lang, withLand),
    ],
  };
}
