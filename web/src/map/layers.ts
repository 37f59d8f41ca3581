/**
 * The map's layers: how each kind of feature is drawn and filtered. The same style serves the
 * server's vector tiles and the GeoJSON of the hazard register as of a date, because both carry
 * the tile layers' attribute names (id, reference, kind, status, release_date, ...).
 */
import type { ExpressionSpecification, FilterSpecification, LayerSpecification } from 'maplibre-gl';
import type { HazardKind, HazardStatus, ReleaseMethod } from '../types.ts';

export const MAP_LAYERS = ['hazards', 'release-products', 'finds', 'minefield-records', 'accidents'] as const;
export type MapLayer = (typeof MAP_LAYERS)[number];

export interface MapFilters {
  /** Hazards of one organisation; '' for all. */
  organisationId: string;
  /** Period (YYYY-MM-DD) of release dates, find dates and accident dates; '' leaves it open. */
  from: string;
  to: string;
  kind: '' | HazardKind;
  status: '' | HazardStatus;
  /** The register as known at the end of that day; null for now. */
  asOf: string | null;
}

/** Colours with at least 3:1 contrast against the light map background (WCAG non-text contrast). */
export const STATUS_COLOURS: Record<HazardStatus, string> = { active: '#c62828', suspended: '#b45309', released: '#2e7d32' };
export const METHOD_COLOURS: Record<ReleaseMethod, string> = { cleared: '#1b5e20', reduced: '#0f766e', cancelled: '#4d7c0f' };
export const FIND_COLOUR = '#6a1b9a';
export const RECORD_COLOUR = '#1d4ed8';
export const ACCIDENT_COLOUR = '#111827';

/** The source of each layer: the server's tiles, or (hazards as of a date) the API's GeoJSON. */
export const HAZARDS_AS_OF_SOURCE = 'hazards-as-of';

function period(property: string, filters: MapFilters): ExpressionSpecification[] {
  const value: ExpressionSpecification = ['to-string', ['get', property]];
  const tests: ExpressionSpecification[] = [];
  if (filters.from) tests.push(['>=', value, filters.from]);
  if (filters.to) tests.push(['<=', value, filters.to]);
  return tests;
}

function all(tests: ExpressionSpecification[]): FilterSpecification {
  return tests.length === 0 ? ['boolean', true] : tests.length === 1 ? tests[0]! : ['all', ...tests];
}

export function hazardFilter(filters: MapFilters, extra: ExpressionSpecification[] = []): FilterSpecification {
  const tests: ExpressionSpecification[] = [...extra];
  if (filters.kind) tests.push(['==', ['get', 'kind'], filters.kind]);
  if (filters.status) tests.push(['==', ['get', 'status'], filters.status]);
  if (filters.organisationId) tests.push(['==', ['get', 'organisation_id'], filters.organisationId]);
  return all(tests);
}

/** Fill by status; outline solid for confirmed (CHA), dashed for suspected (SHA). */
export function hazardLayers(prefix: string, source: string, sourceLayer: string | undefined, filters: MapFilters): LayerSpecification[] {
  const from = sourceLayer ? { source, 'source-layer': sourceLayer } : { source };
  const colour: ExpressionSpecification = ['match', ['get', 'status'], 'active', STATUS_COLOURS.active, 'suspended', STATUS_COLOURS.suspended, STATUS_COLOURS.released];
  return [
    { id: `${prefix}-fill`, type: 'fill', ...from, filter: hazardFilter(filters), paint: { 'fill-color': colour, 'fill-opacity': 0.35 } },
    { id: `${prefix}-cha`, type: 'line', ...from, filter: hazardFilter(filters, [['==', ['get', 'kind'], 'cha']]), paint: { 'line-color': colour, 'line-width': 2.5 } },
    { id: `${prefix}-sha`, type: 'line', ...from, filter: hazardFilter(filters, [['==', ['get', 'kind'], 'sha']]), paint: { 'line-color': colour, 'line-width': 2, 'line-dasharray': [2, 1.5] } },
  ];
}

export function releaseProductLayers(filters: MapFilters): LayerSpecification[] {
  const colour: ExpressionSpecification = ['match', ['get', 'method'], 'cleared', METHOD_COLOURS.cleared, 'reduced', METHOD_COLOURS.reduced, METHOD_COLOURS.cancelled];
  const filter = all(period('release_date', filters));
  return [
    { id: 'release-products-fill', type: 'fill', source: 'release-products', 'source-layer': 'release-products', filter, paint: { 'fill-color': colour, 'fill-opacity': 0.45 } },
    { id: 'release-products-line', type: 'line', source: 'release-products', 'source-layer': 'release-products', filter, paint: { 'line-color': colour, 'line-width': 1 } },
  ];
}

/** The font the server's glyphs are made from (GET /tiles/fonts/...), so labels need no font server. */
export const LABEL_FONT = 'Noto Sans Regular';

/**
 * Below the tiles' cluster zoom a feature is a cluster with a `count`; each cluster is a circle
 * whose size grows with its count, with the count written on it.
 */
export function findLayers(filters: MapFilters): LayerSpecification[] {
  const clusterPeriod: ExpressionSpecification[] = [];
  if (filters.from) clusterPeriod.push(['>=', ['to-string', ['get', 'last_found_on']], filters.from]);
  if (filters.to) clusterPeriod.push(['<=', ['to-string', ['get', 'first_found_on']], filters.to]);
  return [
    {
      id: 'finds-clusters',
      type: 'circle',
      source: 'finds',
      'source-layer': 'finds',
      filter: all([['has', 'count'], ...clusterPeriod]),
      paint: {
        'circle-color': FIND_COLOUR,
        'circle-opacity': 0.75,
        'circle-radius': ['interpolate', ['linear'], ['get', 'count'], 1, 6, 10, 9, 100, 14, 1000, 22],
        'circle-stroke-color': '#ffffff',
        'circle-stroke-width': 1,
      },
    },
    {
      id: 'finds-cluster-counts',
      type: 'symbol',
      source: 'finds',
      'source-layer': 'finds',
      filter: all([['has', 'count'], ...clusterPeriod]),
      layout: { 'text-field': ['to-string', ['get', 'count']], 'text-font': [LABEL_FONT], 'text-size': 11, 'text-allow-overlap': true, 'text-ignore-placement': true },
      paint: { 'text-color': '#ffffff' },
    },
    {
      id: 'finds-points',
      type: 'circle',
      source: 'finds',
      'source-layer': 'finds',
      filter: all([['!', ['has', 'count']], ...period('found_on', filters)]),
      paint: { 'circle-color': FIND_COLOUR, 'circle-radius': 4, 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 1 },
    },
  ];
}

/** Perimeters dashed, mine rows solid: the record as reconstructed from its legs. */
export function minefieldRecordLayers(): LayerSpecification[] {
  return [
    {
      id: 'minefield-records-perimeter',
      type: 'line',
      source: 'minefield-records',
      'source-layer': 'minefield-records',
      filter: ['==', ['get', 'part'], 'perimeter'],
      paint: { 'line-color': RECORD_COLOUR, 'line-width': 2, 'line-dasharray': [3, 2] },
    },
    {
      id: 'minefield-records-rows',
      type: 'line',
      source: 'minefield-records',
      'source-layer': 'minefield-records',
      filter: ['==', ['get', 'part'], 'rows'],
      paint: { 'line-color': RECORD_COLOUR, 'line-width': 1.5 },
    },
  ];
}

export function accidentLayers(filters: MapFilters): LayerSpecification[] {
  return [
    {
      id: 'accidents-points',
      type: 'circle',
      source: 'accidents',
      'source-layer': 'accidents',
      filter: all(period('occurred_on', filters)),
      paint: { 'circle-color': '#fde047', 'circle-radius': 4.5, 'circle-stroke-color': ACCIDENT_COLOUR, 'circle-stroke-width': 2 },
    },
  ];
}

/** The MapLibre layer ids drawn for each switchable layer. */
export function layerIds(layer: MapLayer): string[] {
  switch (layer) {
    case 'hazards':
      return ['hazards-fill', 'hazards-cha', 'hazards-sha', 'hazards-as-of-fill', 'hazards-as-of-cha', 'hazards-as-of-sha'];
    case 'release-products':
      return ['release-products-fill', 'release-products-line'];
    case 'finds':
      return ['finds-clusters', 'finds-cluster-counts', 'finds-points'];
    case 'minefield-records':
      return ['minefield-records-perimeter', 'minefield-records-rows'];
    case 'accidents':
      return ['accidents-points'];
  }
}
