/**
 * Drawing a hazard's outline by clicking its corners on a map, with the current register for
 * context. The drawn shape goes into the GeoJSON text of the form, which stays the one source of
 * the geometry (keyboard users paste or upload it instead).
 */
import type { GeoJSONSource, Map as MapLibreMap } from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { bbox, type Position } from '../geojson.ts';
import { t } from '../i18n/index.ts';
import type { Hazard } from '../types.ts';
import { polygonFromPoints } from './geometryInput.ts';
import { loadMapLibre } from '../map/maplibre.ts';

export function DrawPolygon({ onDrawn }: { onDrawn(text: string): void }) {
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
            { id: 'drawn-points', type: 'circle', source: 'drawn', filter: ['==', ['geometry-type'], 'Point'], paint: { 'circle-color': '#c62828', 'circle-radius': 4 } },
          ],
        },
        bounds: box ?? undefined,
        center: [0, 20],
        zoom: 1,
        attributionControl: false,
      });
      map.addControl(new maplibre.NavigationControl({ showCompass: false }), 'top-right');
      map.getCanvas().style.cursor = 'crosshair';
      map.on('click', (event) => setPoints((p) => [...p, [Number(event.lngLat.lng.toFixed(7)), Number(event.lngLat.lat.toFixed(7))]]));
      mapRef.current = map;
    })();
    return () => {
      cancelled = true;
      map?.remove();
      mapRef.current = null;
    };
  }, []);

  useEffect(() => {
    const source = mapRef.current?.getSource('drawn') as GeoJSONSource | undefined;
    const polygon = polygonFromPoints(points);
    source?.setData({
      type: 'FeatureCollection',
      features: [
        ...points.map((p) => ({ type: 'Feature' as const, geometry: { type: 'Point' as const, coordinates: p }, properties: {} })),
        ...(polygon ? [{ type: 'Feature' as const, geometry: polygon, properties: {} }] : []),
      ],
    });
    if (polygon) onDrawn(JSON.stringify(polygon));
  }, [points]);

  return (
    <div class="draw">
      <div ref={container} class="map small" role="application" aria-label={t('report.drawMap')} />
      <p class="hint" role="status">
        {t('report.drawHint', { count: points.length })}
      </p>
      <div class="inline">
        <button type="button" disabled={points.length === 0} onClick={() => setPoints((p) => p.slice(0, -1))}>
          {t('report.undoPoint')}
        </button>
        <button type="button" disabled={points.length === 0} onClick={() => setPoints([])}>
          {t('report.clearDrawing')}
        </button>
      </div>
    </div>
  );
}
