/**
 * Drawing a report's shape by clicking on a map, with the current register for context: a
 * hazard's or an activity's outline corner by corner, several finds one click each, or the one
 * place of an accident. The drawn shape replaces the text of the form, which stays the one
 * source of the geometry (keyboard users paste or upload it instead). With no connection, the
 * register and the map under it come from the newest area package on the device, whose
 * settlements can be found by name to go to a place.
 */
import type { GeoJSONSource, LayerSpecification, Map as MapLibreMap, StyleSpecification } from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { type PackageBackground, loadMapLibreForPackages, packageBackground, packageHazards } from '../field/packageMap.ts';
import { newestPackage } from '../field/packages.ts';
import { SettlementFinder } from '../field/SettlementFinder.tsx';
import type { AreaPackage, PackageSettlement } from '../field/store.ts';
import { bbox, type Geometry, type Position } from '../geojson.ts';
import { t } from '../i18n/index.ts';
import type { Hazard } from '../types.ts';
import { polygonFromPoints } from './geometryInput.ts';

/** polygon: corners of one outline; points: one point per click; point: each click moves the one point. */
export type DrawMode = 'polygon' | 'points' | 'point';

function drawn(mode: DrawMode, points: readonly Position[]): Geometry | null {
  if (mode === 'polygon') return polygonFromPoints(points);
  if (mode === 'point') return points[0] ? { type: 'Point', coordinates: points[0] } : null;
  return points.length > 0 ? { type: 'MultiPoint', coordinates: [...points] } : null;
}

/** What the drawing map shows under the drawing: the active hazards, and offline the package they come from with its map. */
interface Context {
  hazards: Geometry[];
  /** Set offline: the newest package on the device, or null for none. */
  offline: { pkg: AreaPackage | null; background: PackageBackground | null } | null;
}

async function drawingContext(): Promise<Context> {
  try {
    const register = await api.get<{ hazards: Hazard[] }>('/api/hazards?status=active&limit=10000');
    return { hazards: register.hazards.map((h) => h.geometry), offline: null };
  } catch (caught) {
    // No answer at all (no network): the device's newest package, as the forms' lists do.
    if (!(caught instanceof TypeError)) throw caught;
    const pkg = await newestPackage();
    if (!pkg) return { hazards: [], offline: { pkg: null, background: null } };
    const hazards = packageHazards(pkg).features.filter((f) => f.properties.status === 'active').flatMap((f) => (f.geometry ? [f.geometry] : []));
    return { hazards, offline: { pkg, background: await packageBackground(pkg) } };
  }
}

const PLAIN: LayerSpecification = { id: 'background', type: 'background', paint: { 'background-color': '#eef2ee' } };

export function DrawOnMap({ mode, onDrawn }: { mode: DrawMode; onDrawn: (text: string) => void }) {
  const container = useRef<HTMLDivElement>(null);
  const mapRef = useRef<MapLibreMap | null>(null);
  const [points, setPoints] = useState<Position[]>([]);
  const [offline, setOffline] = useState<Context['offline']>(null);

  useEffect(() => {
    let map: MapLibreMap | null = null;
    let cancelled = false;
    void (async () => {
      const [maplibre, context] = await Promise.all([loadMapLibreForPackages(), drawingContext()]);
      if (cancelled || !container.current) return;
      setOffline(context.offline);
      const background = context.offline?.background;
      const area = context.offline?.pkg?.bbox;
      const box = area ?? bbox(context.hazards);
      const glyphs: Pick<StyleSpecification, 'glyphs'> = background?.glyphs ? { glyphs: background.glyphs } : {};
      map = new maplibre.Map({
        container: container.current,
        style: {
          version: 8,
          ...glyphs,
          sources: {
            ...background?.sources,
            register: { type: 'geojson', data: { type: 'FeatureCollection', features: context.hazards.map((geometry) => ({ type: 'Feature', geometry, properties: {} })) } },
            drawn: { type: 'geojson', data: { type: 'FeatureCollection', features: [] } },
          },
          layers: [
            ...(background?.layers ?? [PLAIN]),
            { id: 'register', type: 'line', source: 'register', paint: { 'line-color': '#6b7280', 'line-width': 1 } },
            { id: 'drawn-fill', type: 'fill', source: 'drawn', filter: ['==', ['geometry-type'], 'Polygon'], paint: { 'fill-color': '#c62828', 'fill-opacity': 0.3 } },
            { id: 'drawn-line', type: 'line', source: 'drawn', paint: { 'line-color': '#c62828', 'line-width': 2 } },
            { id: 'drawn-points', type: 'circle', source: 'drawn', filter: ['==', ['geometry-type'], 'Point'], paint: { 'circle-color': '#c62828', 'circle-radius': 5, 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 1 } },
          ],
        },
        bounds: box ?? undefined,
        center: [0, 20],
        zoom: 1,
        ...(background ? { minZoom: background.minzoom } : {}),
        attributionControl: false,
      });
      map.addControl(new maplibre.NavigationControl({ showCompass: false }), 'top-right');
      map.getCanvas().style.cursor = 'crosshair';
      map.on('click', (event) => {
        const clicked: Position = [Number(event.lngLat.lng.toFixed(7)), Number(event.lngLat.lat.toFixed(7))];
        setPoints((p) => (mode === 'point' ? [clicked] : [...p, clicked]));
      });
      mapRef.current = map;
    })();
    return () => {
      cancelled = true;
      map?.remove();
      mapRef.current = null;
    };
  }, []);

  useEffect(() => {
    const source = mapRef.current?.getSource<GeoJSONSource>('drawn');
    const shape = drawn(mode, points);
    void source?.setData({
      type: 'FeatureCollection',
      features: [
        ...points.map((p) => ({ type: 'Feature' as const, geometry: { type: 'Point' as const, coordinates: p }, properties: {} })),
        ...(shape?.type === 'Polygon' ? [{ type: 'Feature' as const, geometry: shape, properties: {} }] : []),
      ],
    });
    if (shape) onDrawn(JSON.stringify(shape));
  }, [points]);

  function goTo(settlement: PackageSettlement) {
    mapRef.current?.jumpTo({ center: [settlement.longitude, settlement.latitude], zoom: Math.max(mapRef.current.getZoom(), 14) });
  }

  const hint = mode === 'polygon' ? t('report.drawHint', { count: points.length }) : mode === 'points' ? t('report.drawPointsHint', { count: points.length }) : t('report.drawPointHint');
  return (
    <div class="draw">
      {offline ? <p class="hint">{offline.pkg ? t('report.drawFromPackage', { name: offline.pkg.name }) : t('report.drawNoPackage')}</p> : null}
      {offline?.pkg?.settlements?.length ? <SettlementFinder settlements={offline.pkg.settlements} onChoose={goTo} /> : null}
      <div ref={container} class="map small" role="application" aria-label={mode === 'polygon' ? t('report.drawMap') : t('report.drawPointsMap')} />
      <p class="hint" role="status">
        {hint}
      </p>
      <div class="inline">
        {mode !== 'point' ? (
          <button type="button" disabled={points.length === 0} onClick={() => setPoints((p) => p.slice(0, -1))}>
            {mode === 'polygon' ? t('report.undoPoint') : t('report.undoFind')}
          </button>
        ) : null}
        <button type="button" disabled={points.length === 0} onClick={() => setPoints([])}>
          {t('report.clearDrawing')}
        </button>
      </div>
    </div>
  );
}
