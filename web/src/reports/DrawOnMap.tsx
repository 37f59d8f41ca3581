/**
 * Drawing a report's shape by clicking on a map, with the current register for context: a
 * hazard's or an activity's outline corner by corner, several finds one click each, or the one
 * place of an accident. The drawn shape replaces the text of the form, which stays the one
 * source of the geometry (keyboard users paste or upload it instead).
 */
import type { GeoJSONSource, Map as MapLibreMap } from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { bbox, type Geometry, type Position } from '../geojson.ts';
import { t } from '../i18n/index.ts';
import type { Hazard } from '../types.ts';
import { polygonFromPoints } from './geometryInput.ts';
import { loadMapLibre } from '../map/maplibre.ts';

/** polygon: corners of one outline; points: one point per click; point: each click moves the one point. */
export type DrawMode = 'polygon' | 'points' | 'point';

function drawn(mode: DrawMode, points: readonly Position[]): Geometry | null {
  if (mode === 'polygon') return polygonFromPoints(points);
  if (mode === 'point') return points[0] ? { type: 'Point', coordinates: points[0] } : null;
  return points.length > 0 ? { type: 'MultiPoint', coordinates: [...points] } : null;
}

export function DrawOnMap({ mode, onDrawn }: { mode: DrawMode; onDrawn: (text: string) => void }) {
  const container = useRef<HTMLDivElement>(null);
  const mapRef = useRef<MapLibreMap | null>(null);
  const [points, setPoints] = useState<Position[]>([]);

  useEffect(() => {
    let map: MapLibreMap | null = null;
    let cancelled = false;
    void (async () => {
      const [maplibre, register] = await Promise.all([loadMapLibre(), api.get<{ hazards: Hazard[] }>('/api/hazards?status=active&limit=10000')]);
      if (cancelled || !container.current) return;
      const box = bbox(register.hazards.map((h) => h.geometry));
      map = new maplibre.Map({
        container: container.current,
        style: {
          version: 8,
          sources: {
            register: { type: 'geojson', data: { type: 'FeatureCollection', features: register.hazards.map((h) => ({ type: 'Feature', geometry: h.geometry, properties: {} })) } },
            drawn: { type: 'geojson', data: { type: 'FeatureCollection', features: [] } },
          },
          layers: [
            { id: 'background', type: 'background', paint: { 'background-color': '#eef2ee' } },
            { id: 'register', type: 'line', source: 'register', paint: { 'line-color': '#6b7280', 'line-width': 1 } },
            { id: 'drawn-fill', type: 'fill', source: 'drawn', filter: ['==', ['geometry-type'], 'Polygon'], paint: { 'fill-color': '#c62828', 'fill-opacity': 0.3 } },
            { id: 'drawn-line', type: 'line', source: 'drawn', paint: { 'line-color': '#c62828', 'line-width': 2 } },
            { id: 'drawn-points', type: 'circle', source: 'drawn', filter: ['==', ['geometry-type'], 'Point'], paint: { 'circle-color': '#c62828', 'circle-radius': 5, 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 1 } },
          ],
        },
        bounds: box ?? undefined,
        center: [0, 20],
        zoom: 1,
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

  const hint = mode === 'polygon' ? t('report.drawHint', { count: points.length }) : mode === 'points' ? t('report.drawPointsHint', { count: points.length }) : t('report.drawPointHint');
  return (
    <div class="draw">
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
