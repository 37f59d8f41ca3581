/**
 * An area package on a map, drawn from the device alone: the package's map (its extracts of the
 * server's basemaps and gazetteer), the area's box, and its hazardous areas as the national map
 * draws them. Settlements of the package are found by name and shown.
 */
import type { GeoJSONSource, Map as MapLibreMap } from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import { useEffect, useRef, useState } from 'preact/hooks';
import { messageOf } from '../data.ts';
import { t } from '../i18n/index.ts';
import { hazardLayers, type MapFilters } from '../map/layers.ts';
import { ErrorMessage } from '../ui.tsx';
import { loadMapLibreForPackages, packageBackground, packageHazards } from './packageMap.ts';
import { SettlementFinder } from './SettlementFinder.tsx';
import type { AreaPackage, PackageSettlement } from './store.ts';

const ALL: MapFilters = { organisationId: '', from: '', to: '', kind: '', status: '', asOf: null };
const AREA_COLOUR = '#1d4ed8';
const PLACE_COLOUR = '#111827';

function areaOutline([w, s, e, n]: AreaPackage['bbox']) {
  return { type: 'Feature' as const, properties: {}, geometry: { type: 'Polygon' as const, coordinates: [[[w, s], [e, s], [e, n], [w, n], [w, s]]] } };
}

export function PackageMap({ pkg }: { pkg: AreaPackage }) {
  const container = useRef<HTMLDivElement>(null);
  const mapRef = useRef<MapLibreMap | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let map: MapLibreMap | null = null;
    let cancelled = false;
    setError(null);
    void (async () => {
      const [maplibre, background] = await Promise.all([loadMapLibreForPackages(), packageBackground(pkg)]);
      if (cancelled || !container.current) return;
      map = new maplibre.Map({
        container: container.current,
        style: {
          version: 8,
          ...(background?.glyphs ? { glyphs: background.glyphs } : {}),
          sources: {
            ...background?.sources,
            'package-area': { type: 'geojson', data: areaOutline(pkg.bbox) },
            'package-hazards': { type: 'geojson', data: packageHazards(pkg) },
            'package-place': { type: 'geojson', data: { type: 'FeatureCollection', features: [] } },
          },
          layers: [
            ...(background ? background.layers : [{ id: 'background', type: 'background' as const, paint: { 'background-color': '#eef2ee' } }]),
            { id: 'package-area', type: 'line', source: 'package-area', paint: { 'line-color': AREA_COLOUR, 'line-width': 2, 'line-dasharray': [4, 2] } },
            ...hazardLayers('package-hazards', 'package-hazards', undefined, ALL),
            { id: 'package-place', type: 'circle', source: 'package-place', paint: { 'circle-radius': 8, 'circle-color': 'rgba(0,0,0,0)', 'circle-stroke-color': PLACE_COLOUR, 'circle-stroke-width': 3 } },
          ],
        },
        bounds: pkg.bbox,
        fitBoundsOptions: { padding: 20 },
        minZoom: background?.minzoom ?? 0,
        attributionControl: { compact: true },
      });
      map.addControl(new maplibre.NavigationControl({ showCompass: false }), 'top-right');
      map.addControl(new maplibre.ScaleControl({ unit: 'metric' }), 'bottom-left');
      map.on('error', (event) => setError(event.error.message));
      mapRef.current = map;
      window.safegroundMap = map;
    })().catch((caught: unknown) => setError(messageOf(caught)));
    return () => {
      cancelled = true;
      map?.remove();
      mapRef.current = null;
      if (window.safegroundMap === map) delete window.safegroundMap;
    };
  }, [pkg.id, pkg.updatedAt]);

  function show(settlement: PackageSettlement) {
    const map = mapRef.current;
    if (!map) return;
    const at: [number, number] = [settlement.longitude, settlement.latitude];
    void map.getSource<GeoJSONSource>('package-place')?.setData({ type: 'Feature', properties: { id: settlement.id }, geometry: { type: 'Point', coordinates: at } });
    map.jumpTo({ center: at, zoom: Math.max(map.getZoom(), 13) });
  }

  return (
    <div class="package-map">
      <div ref={container} class="map small" role="region" aria-label={t('fieldApp.mapOf', { name: pkg.name })} />
      {error ? <ErrorMessage message={error} /> : null}
      {!pkg.basemap ? <p class="hint">{t('fieldApp.noBasemap')}</p> : null}
      <SettlementFinder settlements={pkg.settlements ?? []} onChoose={show} />
    </div>
  );
}
