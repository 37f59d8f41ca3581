/**
 * The national map: the server's vector tiles for every layer, and the hazard register from the
 * API as GeoJSON where the tiles cannot answer (as of a past date, or one organisation's hazards,
 * since tiles carry neither history nor organisation).
 */
import type { GeoJSONSource, LayerSpecification, Map as MapLibreMap, StyleSpecification } from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, query } from '../api.ts';
import { messageOf, useLoad } from '../data.ts';
import type { FeatureCollection } from '../geojson.ts';
import { currentLanguage, formatDate, t } from '../i18n/index.ts';
import { useSession } from '../session.ts';
import { rememberView, savedView, startBox, unionBox } from './view.ts';
import { PlaceSearch } from '../places/PlaceSearch.tsx';
import { loadMapLibre } from './maplibre.ts';
import { href, navigate } from '../router.ts';
import { HAZARD_KINDS, HAZARD_STATUSES, type Hazard, type HazardKind, type HazardStatus, type Organisation, RELEASE_METHODS } from '../types.ts';
import { ErrorMessage, Select } from '../ui.tsx';
import {
  ACCIDENT_COLOUR,
  accidentLayers,
  FIND_COLOUR,
  findLayers,
  HAZARDS_AS_OF_SOURCE,
  hazardLayers,
  layerIds,
  MAP_LAYERS,
  type MapFilters,
  type MapLayer,
  METHOD_COLOURS,
  minefieldRecordLayers,
  RECORD_COLOUR,
  releaseProductLayers,
  STATUS_COLOURS,
} from './layers.ts';

declare global {
  interface Window {
    /** The map, for the browser tests to read what it renders (queryRenderedFeatures). */
    safegroundMap?: MapLibreMap;
  }
}

interface TileJson {
  bounds?: [number, number, number, number];
}

/** What the server draws under the register (GET /tiles/basemap/style.json), and where the map should open. */
interface Background {
  glyphs: string;
  sources: StyleSpecification['sources'];
  layers: LayerSpecification[];
  metadata: { 'safeground:bounds': [number, number, number, number] | null };
}

const FIRST_DAY = Date.UTC(2000, 0, 1);
const DAY_MS = 86_400_000;
const today = () => new Date().toISOString().slice(0, 10);
const dayIndex = (date: string) => Math.round((Date.parse(`${date}T00:00:00Z`) - FIRST_DAY) / DAY_MS);
const dayOf = (index: number) => new Date(FIRST_DAY + index * DAY_MS).toISOString().slice(0, 10);

/** Which layers the server has tiles for (a layer whose TileJSON does not answer is shown as unavailable). */
async function probeTiles(): Promise<Partial<Record<MapLayer, TileJson>>> {
  const answers = await Promise.all(
    MAP_LAYERS.map(async (layer) => {
      try {
        return [layer, await api.get<TileJson>(`/tiles/${layer}.json`)] as const;
      } catch {
        return [layer, null] as const;
      }
    }),
  );
  return Object.fromEntries(answers.filter(([, tileJson]) => tileJson !== null));
}

function layersFor(tiles: Partial<Record<MapLayer, TileJson>>, filters: MapFilters): LayerSpecification[] {
  return [
    ...(tiles['release-products'] ? releaseProductLayers(filters) : []),
    ...(tiles.hazards ? hazardLayers('hazards', 'hazards', 'hazards', filters) : []),
    ...hazardLayers('hazards-as-of', HAZARDS_AS_OF_SOURCE, undefined, filters),
    ...(tiles['minefield-records'] ? minefieldRecordLayers() : []),
    ...(tiles.finds ? findLayers(filters) : []),
    ...(tiles.accidents ? accidentLayers(filters) : []),
  ];
}

/** The background (basemaps, gazetteer, glyphs) with the register's layers over it. */
function initialStyle(background: Background, tiles: Partial<Record<MapLayer, TileJson>>, filters: MapFilters): StyleSpecification {
  const sources: StyleSpecification['sources'] = { ...background.sources, [HAZARDS_AS_OF_SOURCE]: { type: 'geojson', data: { type: 'FeatureCollection', features: [] } } };
  for (const layer of MAP_LAYERS) {
    if (tiles[layer]) sources[layer] = { type: 'vector', url: new URL(`/tiles/${layer}.json`, location.href).href };
  }
  return { version: 8, glyphs: background.glyphs, sources, layers: [...background.layers, ...layersFor(tiles, filters)] };
}

/** The register as GeoJSON with the tiles' attribute names, so one style draws both. */
function registerAsGeoJson(hazards: Hazard[]): FeatureCollection {
  return {
    type: 'FeatureCollection',
    features: hazards.map((h) => ({
      type: 'Feature',
      geometry: h.geometry,
      properties: { id: h.id, reference: h.reference, kind: h.kind, status: h.status, release_date: h.releaseDate, organisation_id: h.organisationId },
    })),
  };
}

interface InView {
  id: string;
  reference: string;
  kind: HazardKind;
  status: HazardStatus;
}

export function MapPage() {
  const { actor } = useSession();
  const container = useRef<HTMLDivElement>(null);
  const mapRef = useRef<MapLibreMap | null>(null);
  const [tiles, setTiles] = useState<Partial<Record<MapLayer, TileJson>> | null>(null);
  const [ready, setReady] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [visible, setVisible] = useState<Record<MapLayer, boolean>>({ hazards: true, 'release-products': true, finds: true, 'minefield-records': true, accidents: true });
  const [filters, setFilters] = useState<MapFilters>({ organisationId: '', from: '', to: '', kind: '', status: '', asOf: null });
  const [slider, setSlider] = useState(dayIndex(today()));
  const [inView, setInView] = useState<InView[]>([]);
  const [organisations] = useLoad(() => api.get<{ organisations: Organisation[] }>('/api/organisations').then((a) => a.organisations), []);
  const useRegister = !tiles?.hazards || filters.asOf !== null || filters.organisationId !== '';

  useEffect(() => {
    let map: MapLibreMap | null = null;
    let cancelled = false;
    void (async () => {
      const [maplibre, available, background] = await Promise.all([
        loadMapLibre(),
        probeTiles(),
        api.get<Background>(`/tiles/basemap/style.json${query({ lang: currentLanguage() })}`),
      ]);
      if (cancelled || !container.current) return;
      setTiles(available);
      const saved = savedView(actor.userId);
      const dataBox = startBox(background.metadata['safeground:bounds'] ?? unionBox(Object.values(available).flatMap((tj) => (tj.bounds ? [tj.bounds] : []))));
      map = new maplibre.Map({
        container: container.current,
        style: initialStyle(background, available, filters),
        ...(saved ? { center: saved.center, zoom: saved.zoom } : dataBox ? { bounds: dataBox, fitBoundsOptions: { padding: 30, maxZoom: 15 } } : { center: [0, 20], zoom: 1 }),
        attributionControl: { compact: true },
      });
      rememberView(map, actor.userId);
      // Styles written for sprites (the Protomaps layers' town and shield icons) draw their text without the icon.
      map.on('styleimagemissing', (event) => map?.addImage(event.id, { width: 1, height: 1, data: new Uint8Array(4) }));
      map.addControl(new maplibre.NavigationControl({ showCompass: false }), 'top-right');
      map.addControl(new maplibre.ScaleControl({ unit: 'metric' }), 'bottom-left');
      mapRef.current = map;
      window.safegroundMap = map;
      const hazardFills = ['hazards-fill', 'hazards-as-of-fill'];
      for (const id of hazardFills) {
        if (!map.getLayer(id)) continue;
        map.on('click', id, (event) => {
          const hazardId: unknown = event.features?.[0]?.properties.id;
          if (typeof hazardId === 'string') navigate(`/hazards/${hazardId}`);
        });
        map.on('mouseenter', id, () => map && (map.getCanvas().style.cursor = 'pointer'));
        map.on('mouseleave', id, () => map && (map.getCanvas().style.cursor = ''));
      }
      map.on('idle', () => {
        if (!map) return;
        const seen = new Map<string, InView>();
        for (const feature of map.queryRenderedFeatures({ layers: hazardFills.filter((id) => map?.getLayer(id)) })) {
          const p = feature.properties as InView;
          if (!seen.has(p.id)) seen.set(p.id, { id: p.id, reference: p.reference, kind: p.kind, status: p.status });
        }
        setInView([...seen.values()].sort((a, b) => a.reference.localeCompare(b.reference)));
      });
      map.on('error', (event) => setError(event.error.message));
      map.on('load', () => setReady(true));
    })().catch((caught: unknown) => setError(messageOf(caught)));
    return () => {
      cancelled = true;
      map?.remove();
      mapRef.current = null;
      delete window.safegroundMap;
    };
  }, []);

  useEffect(() => {
    const map = mapRef.current;
    if (!ready || !map || !tiles) return;
    for (const spec of layersFor(tiles, filters)) {
      if ('filter' in spec && spec.filter) map.setFilter(spec.id, spec.filter);
    }
    for (const layer of MAP_LAYERS) {
      for (const id of layerIds(layer)) {
        if (!map.getLayer(id)) continue;
        const fromRegister = id.startsWith('hazards-as-of');
        const shown = visible[layer] && (layer !== 'hazards' || fromRegister === useRegister);
        map.setLayoutProperty(id, 'visibility', shown ? 'visible' : 'none');
      }
    }
  }, [ready, tiles, filters, visible, useRegister]);

  useEffect(() => {
    const map = mapRef.current;
    if (!ready || !map || !useRegister) return;
    let current = true;
    api
      .get<{ hazards: Hazard[] }>(`/api/hazards${query({ asOf: filters.asOf, kind: filters.kind, status: filters.status, limit: 10_000 })}`)
      .then(({ hazards }) => {
        if (!current) return;
        const data = registerAsGeoJson(hazards);
        void (map.getSource(HAZARDS_AS_OF_SOURCE) as GeoJSONSource).setData(data as Parameters<GeoJSONSource['setData']>[0]);
      })
      .catch((caught: unknown) => current && setError(messageOf(caught)));
    return () => {
      current = false;
    };
  }, [ready, useRegister, filters.asOf, filters.kind, filters.status]);

  const set = (change: Partial<MapFilters>) => setFilters((f) => ({ ...f, ...change }));
  const organisationOptions = organisations.state === 'ready' ? organisations.value : [];

  return (
    <div class="map-page">
      <aside class="map-panel" aria-label={t('map.controls')}>
        <h1>{t('map.title')}</h1>
        <PlaceSearch
          onResults={(places) => {
            const box = unionBox(places.map((p) => p.bbox));
            if (box) mapRef.current?.fitBounds(box, { padding: 40, maxZoom: 13 });
          }}
          onChoose={(place) => mapRef.current?.fitBounds(place.bbox, { padding: 40, maxZoom: 15 })}
        />
        <fieldset>
          <legend>{t('map.layers')}</legend>
          {MAP_LAYERS.map((layer) => {
            const available = layer === 'hazards' || Boolean(tiles?.[layer]);
            return (
              <label key={layer} class="checkbox">
                <input
                  type="checkbox"
                  checked={visible[layer] && available}
                  disabled={!available}
                  onChange={(event) => setVisible((v) => ({ ...v, [layer]: event.currentTarget.checked }))}
                />
                {t(`layer.${layer}`)}
                {tiles && !available ? <span class="muted"> ({t('map.unavailable')})</span> : null}
              </label>
            );
          })}
        </fieldset>
        <fieldset>
          <legend>{t('map.filters')}</legend>
          <Select
            label={t('field.organisation')}
            value={filters.organisationId}
            options={[{ value: '', label: t('common.all') }, ...organisationOptions.map((o) => ({ value: o.id, label: o.name }))]}
            hint={t('map.organisationHint')}
            onChange={(organisationId) => set({ organisationId })}
          />
          <Select<'' | HazardKind>
            label={t('field.hazardKind')}
            value={filters.kind}
            options={[{ value: '', label: t('common.all') }, ...HAZARD_KINDS.map((k) => ({ value: k, label: t(`kind.${k}`) }))]}
            onChange={(kind) => set({ kind })}
          />
          <Select<'' | HazardStatus>
            label={t('field.status')}
            value={filters.status}
            options={[{ value: '', label: t('common.all') }, ...HAZARD_STATUSES.map((s) => ({ value: s, label: t(`status.${s}`) }))]}
            onChange={(status) => set({ status })}
          />
          <div class="inline two">
            <div class="field">
              <label for="map-from">{t('map.from')}</label>
              <input id="map-from" type="date" value={filters.from} onChange={(event) => set({ from: event.currentTarget.value })} />
            </div>
            <div class="field">
              <label for="map-to">{t('map.to')}</label>
              <input id="map-to" type="date" value={filters.to} onChange={(event) => set({ to: event.currentTarget.value })} />
            </div>
          </div>
          <p class="hint">{t('map.periodHint')}</p>
        </fieldset>
        <fieldset>
          <legend>{t('map.asOf')}</legend>
          <label for="map-as-of">{filters.asOf ? t('map.asOfDate', { date: formatDate(dayOf(slider)) }) : t('map.asOfNow')}</label>
          <input
            id="map-as-of"
            type="range"
            min={0}
            max={dayIndex(today())}
            step={1}
            value={slider}
            aria-valuetext={formatDate(dayOf(slider))}
            onInput={(event) => setSlider(Number(event.currentTarget.value))}
            onChange={(event) => {
              const index = Number(event.currentTarget.value);
              set({ asOf: index >= dayIndex(today()) ? null : dayOf(index) });
            }}
          />
          <button
            type="button"
            disabled={filters.asOf === null}
            onClick={() => {
              setSlider(dayIndex(today()));
              set({ asOf: null });
            }}
          >
            {t('map.backToNow')}
          </button>
        </fieldset>
        <Legend />
      </aside>
      <section class="map-main" aria-label={t('map.title')}>
        {error ? <ErrorMessage message={error} /> : null}
        <div ref={container} class="map" data-source={useRegister ? 'register' : 'tiles'} />
        <details class="in-view" open>
          <summary>{t('map.inView', { count: inView.length })}</summary>
          <ul class="plain columns">
            {inView.slice(0, 60).map((h) => (
              <li key={h.id}>
                <a href={href(`/hazards/${h.id}`)}>{h.reference}</a> <span class="muted">{t(`kind.${h.kind}`)}, {t(`status.${h.status}`)}</span>
              </li>
            ))}
          </ul>
        </details>
      </section>
    </div>
  );
}

function Legend() {
  return (
    <section class="legend" aria-label={t('map.legend')}>
      <h2>{t('map.legend')}</h2>
      <ul class="plain">
        {HAZARD_STATUSES.map((s) => (
          <li key={s}>
            <span class="swatch" style={{ background: STATUS_COLOURS[s] }} /> {t(`status.${s}`)}
          </li>
        ))}
        <li>
          <span class="swatch line solid" /> {t('kind.cha')} <span class="swatch line dashed" /> {t('kind.sha')}
        </li>
        {RELEASE_METHODS.map((m) => (
          <li key={m}>
            <span class="swatch" style={{ background: METHOD_COLOURS[m] }} /> {t(`method.${m}`)}
          </li>
        ))}
        <li>
          <span class="swatch dot" style={{ background: FIND_COLOUR }} /> {t('layer.finds')}
        </li>
        <li>
          <span class="swatch line dashed" style={{ borderColor: RECORD_COLOUR }} /> {t('layer.minefield-records')}
        </li>
        <li>
          <span class="swatch dot" style={{ background: '#fde047', borderColor: ACCIDENT_COLOUR }} /> {t('layer.accidents')}
        </li>
      </ul>
    </section>
  );
}
