/**
 * Loads MapLibre on demand (it is most of the app's weight, and only map pages need it), and
 * points it at its worker as bundled here: MapLibre looks for the worker beside its own module
 * under its original name, which a bundle renames.
 */
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?worker&url';

let loading: Promise<typeof import('maplibre-gl')> | null = null;

export function loadMapLibre(): Promise<typeof import('maplibre-gl')> {
  loading ??= import('maplibre-gl').then((maplibre) => {
    maplibre.setWorkerUrl(workerUrl);
    return maplibre;
  });
  return loading;
}
