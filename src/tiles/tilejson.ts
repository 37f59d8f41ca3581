/**
 * TileJSON 3.0.0 for each layer and a default MapLibre style over all of them, with absolute
 * URLs, so QGIS ("Vector Tiles" connection from a style or TileJSON URL) and MapLibre add them by
 * URL alone. Colours are from the Okabe–Ito palette, told apart with colour-blindness; where a
 * difference matters most (SHA vs CHA) it is also drawn as dashed vs solid.
 */
import type { BackgroundStyle } from './basemap/style.ts';
import { FONT } from './basemap/glyphs.ts';
import type { Box } from './cache.ts';
import { CLUSTER_BELOW_ZOOM, TILE_LAYER, type TileLayerName } from './layers.ts';

const WORLD: Box = [-180, -85.0511287798066, 180, 85.0511287798066];

export interface TileJson {
  tilejson: '3.0.0';
  name: string;
  description: string;
  attribution: string;
  scheme: 'xyz';
  tiles: string[];
  minzoom: number;
  maxzoom: number;
  bounds: Box;
  center: [number, number, number];
  vector_layers: { id: string; description: string; minzoom: number; maxzoom: number; fields: Record<string, string> }[];
}

export function tileUrl(baseUrl: string, layerName: TileLayerName): string {
  return `${baseUrl}/tiles/${layerName}/{z}/{x}/{y}.mvt`;
}

export function tileJsonUrl(baseUrl: string, layerName: TileLayerName): string {
  return `${baseUrl}/tiles/${layerName}.json`;
}

/** `bounds` is null while the layer has no data; the world is then the honest answer. */
export function tileJson(layerName: TileLayerName, baseUrl: string, bounds: Box | null): TileJson {
  const layer = TILE_LAYER[layerName];
  const box = bounds ?? WORLD;
  return {
    tilejson: '3.0.0',
    name: layer.title,
    description: layer.description,
    attribution: 'Safeground',
    scheme: 'xyz',
    tiles: [tileUrl(baseUrl, layerName)],
    minzoom: layer.minzoom,
    maxzoom: layer.maxzoom,
    bounds: box,
    center: [(box[0] + box[2]) / 2, (box[1] + box[3]) / 2, bounds ? Math.max(layer.minzoom, 8) : layer.minzoom],
    vector_layers: [{ id: layer.name, description: layer.description, minzoom: layer.minzoom, maxzoom: layer.maxzoom, fields: { ...layer.fields } }],
  };
}

const COLOUR = {
  orange: '#E69F00',
  skyBlue: '#56B4E9',
  bluishGreen: '#009E73',
  yellow: '#F0E442',
  blue: '#0072B2',
  vermillion: '#D55E00',
  reddishPurple: '#CC79A7',
  black: '#000000',
  grey: '#999999',
} as const;

type StyleLayer = Record<string, unknown> & { id: string; type: string; source: TileLayerName; 'source-layer': TileLayerName };

/** Where a style opens on a box: its centre, at the zoom that fits it in a 1024-pixel view. */
function viewOf(box: Box): { center: [number, number]; zoom: number } {
  const mercatorY = (lat: number) => Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360));
  const width = Math.max((box[2] - box[0]) / 360, (mercatorY(box[3]) - mercatorY(box[1])) / (2 * Math.PI), 1e-9);
  return { center: [(box[0] + box[2]) / 2, (box[1] + box[3]) / 2], zoom: Math.max(0, Math.min(16, Math.floor(Math.log2(1024 / 512 / width)))) };
}

function styleLayers(name: TileLayerName): StyleLayer[] {
  const on = { source: name, 'source-layer': name };
  switch (name) {
    case 'hazards':
      return [
        {
          id: 'hazards-fill', type: 'fill', ...on,
          paint: {
            'fill-color': ['match', ['get', 'status'], 'released', COLOUR.grey, ['match', ['get', 'kind'], 'cha', COLOUR.vermillion, COLOUR.orange]],
            'fill-opacity': ['match', ['get', 'status'], 'active', 0.45, 'suspended', 0.25, 0.1],
          },
        },
        { id: 'hazards-sha-outline', type: 'line', ...on, filter: ['==', ['get', 'kind'], 'sha'], paint: { 'line-color': COLOUR.orange, 'line-width': 1.5, 'line-dasharray': [3, 2] } },
        { id: 'hazards-cha-outline', type: 'line', ...on, filter: ['==', ['get', 'kind'], 'cha'], paint: { 'line-color': COLOUR.vermillion, 'line-width': 2 } },
      ];
    case 'release-products':
      return [
        {
          id: 'release-products-fill', type: 'fill', ...on,
          paint: {
            'fill-color': ['match', ['get', 'method'], 'cleared', COLOUR.bluishGreen, 'reduced', COLOUR.skyBlue, 'cancelled', COLOUR.yellow, COLOUR.grey],
            'fill-opacity': 0.5,
            'fill-outline-color': COLOUR.blue,
          },
        },
      ];
    case 'finds':
      return [
        {
          id: 'finds-clusters', type: 'circle', ...on, maxzoom: CLUSTER_BELOW_ZOOM, filter: ['has', 'count'],
          paint: {
            'circle-color': COLOUR.blue,
            'circle-opacity': 0.7,
            'circle-radius': ['interpolate', ['linear'], ['get', 'count'], 1, 4, 10, 8, 100, 14, 1000, 22],
            'circle-stroke-color': '#FFFFFF',
            'circle-stroke-width': 1,
          },
        },
        {
          id: 'finds-cluster-counts', type: 'symbol', ...on, maxzoom: CLUSTER_BELOW_ZOOM, filter: ['has', 'count'],
          layout: { 'text-field': ['to-string', ['get', 'count']], 'text-font': [FONT], 'text-size': 11, 'text-allow-overlap': true, 'text-ignore-placement': true },
          paint: { 'text-color': '#FFFFFF' },
        },
        {
          id: 'finds', type: 'circle', ...on, minzoom: CLUSTER_BELOW_ZOOM, filter: ['!', ['has', 'count']],
          paint: {
            'circle-color': ['match', ['get', 'category'], 'ap_mine', COLOUR.vermillion, 'at_mine', COLOUR.reddishPurple, 'submunition', COLOUR.orange, 'ied', COLOUR.black, COLOUR.blue],
            'circle-radius': 4,
            'circle-stroke-color': '#FFFFFF',
            'circle-stroke-width': 1,
          },
        },
      ];
    case 'minefield-records':
      return [
        { id: 'minefield-records-perimeter', type: 'line', ...on, filter: ['==', ['get', 'part'], 'perimeter'], paint: { 'line-color': COLOUR.black, 'line-width': 1.5, 'line-dasharray': [1, 1] } },
        { id: 'minefield-records-rows', type: 'line', ...on, filter: ['==', ['get', 'part'], 'rows'], paint: { 'line-color': COLOUR.reddishPurple, 'line-width': 2 } },
      ];
    case 'accidents':
      return [
        {
          id: 'accidents', type: 'circle', ...on,
          paint: { 'circle-color': COLOUR.black, 'circle-radius': 5, 'circle-stroke-color': COLOUR.yellow, 'circle-stroke-width': 2 },
        },
      ];
  }
}

/** Land under lines under points. */
const DRAW_ORDER: readonly TileLayerName[] = ['hazards', 'release-products', 'minefield-records', 'finds', 'accidents'];

/**
 * A MapLibre style (version 8) drawing the given layers over the background (basemap files and
 * the gazetteer's), opening at `start` (the data's extent) when there is one.
 */
export function defaultStyle(layerNames: readonly TileLayerName[], baseUrl: string, background: BackgroundStyle, start: Box | null): Record<string, unknown> {
  const drawn = DRAW_ORDER.filter((name) => layerNames.includes(name));
  return {
    version: 8,
    name: 'Safeground',
    ...(start ? viewOf(start) : {}),
    metadata: { 'safeground:bounds': start },
    glyphs: background.glyphs,
    sources: { ...background.sources, ...Object.fromEntries(drawn.map((name) => [name, { type: 'vector', url: tileJsonUrl(baseUrl, name) }])) },
    layers: [...background.layers, ...drawn.flatMap(styleLayers)],
  };
}
