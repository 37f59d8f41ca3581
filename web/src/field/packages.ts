/**
 * Area packages: the register of an area, built from the sync changes feed filtered by the
 * area's box on the device, so that downloading and refreshing are one mechanism (a refresh asks
 * the feed from the package's cursor). The server narrows the feed to the box (changes whose
 * geometry meets it, and all without one); the device then keeps what lies in the area. With it
 * go the lists the forms need, the area's settlements, and its map (./basemap.ts).
 */
import { api, errorOf, query } from '../api.ts';
import { t } from '../i18n/index.ts';
import { applyChange, type Bbox, type FeedLine, PACKAGE_TYPES, type PackageRecord, recordMap } from './area.ts';
import { basemapBytes, downloadBasemap } from './basemap.ts';
import { forgetPackage } from './packageMap.ts';
import { type AreaPackage, fieldStore, type PackageSettlement } from './store.ts';

/** Reads the feed from a cursor to its end, page by page, calling `apply` for each change. */
async function readFeed(since: string | null, bbox: Bbox, apply: (line: Extract<FeedLine, { type: 'change' }>) => void): Promise<string | null> {
  let cursor = since;
  for (;;) {
    // Only what a package keeps: a region's finds alone are most of its feed.
    const query = new URLSearchParams({ bbox: bbox.join(','), types: PACKAGE_TYPES.join(',') });
    if (cursor) query.set('since', cursor);
    const response = await fetch(`/api/sync/changes?${query.toString()}`, { credentials: 'same-origin' });
    if (!response.ok) throw await errorOf(response);
    const text = await response.text();
    let end: Extract<FeedLine, { type: 'end' }> | null = null;
    for (const raw of text.split('\n')) {
      if (!raw) continue;
      const line = JSON.parse(raw) as FeedLine;
      if (line.type === 'change') apply(line);
      else if (line.type === 'end') end = line;
    }
    // A stream without its end line was cut: nothing of this download or refresh is kept, and
    // the next try starts again from the package's stored cursor.
    if (!end) throw new Error(t('fieldApp.feedCut'));
    cursor = end.cursor;
    if (!end.more) return cursor;
  }
}

interface SettlementPage {
  features: { id: string; geometry: { coordinates: [number, number] }; properties: Pick<PackageSettlement, 'name' | 'names' | 'population'> }[];
  links: { rel: string; href: string }[];
}

/** The settlements of the area, every name of each, from the gazetteer's OGC API collection, page by page. */
async function settlementsIn(bbox: Bbox): Promise<PackageSettlement[]> {
  const settlements: PackageSettlement[] = [];
  let next: string | undefined = `/ogc/collections/settlements/items${query({ bbox: bbox.join(','), properties: 'name,names,population', f: 'json' })}`;
  while (next) {
    const page: SettlementPage = await api.get<SettlementPage>(next);
    for (const { id, geometry, properties } of page.features) {
      settlements.push({ id, ...properties, longitude: geometry.coordinates[0], latitude: geometry.coordinates[1] });
    }
    next = page.links.find((link) => link.rel === 'next')?.href;
  }
  return settlements;
}

/** The lists, the settlements and the map of the area; the map keeps the files of `held` the server says are unchanged. */
async function contents(bbox: Bbox, held?: AreaPackage['basemap']): Promise<Pick<AreaPackage, 'ordnanceModels' | 'organisations' | 'settlements' | 'basemap'>> {
  const [models, organisations, settlements, basemap] = await Promise.all([
    api.get<{ items: unknown[] }>('/api/ordnance-models?limit=1000'),
    api.get<{ organisations: unknown[] }>('/api/organisations'),
    settlementsIn(bbox),
    downloadBasemap(bbox, held),
  ]);
  return { ordnanceModels: models.items, organisations: organisations.organisations, settlements, basemap };
}

/** The package with the bytes it takes: its files, and its records and lists as the JSON they are near enough to. */
function sized(pkg: AreaPackage): AreaPackage {
  const { basemap, size: _size, ...rest } = pkg;
  const map = basemapBytes(basemap);
  const text = new Blob([JSON.stringify({ ...rest, style: basemap?.style })]).size;
  return { ...pkg, size: { total: text + map, map } };
}

export async function downloadPackage(name: string, bbox: Bbox): Promise<AreaPackage> {
  const records = new Map<string, PackageRecord>();
  const cursor = await readFeed(null, bbox, (change) => applyChange(records, change, bbox));
  const pkg = sized({ id: crypto.randomUUID(), name, bbox, updatedAt: new Date().toISOString(), cursor: cursor ?? '', records: [...records.values()], ...(await contents(bbox)) });
  await (await fieldStore()).put('packages', pkg);
  return pkg;
}

/**
 * Brings a package up to date through the feed from its cursor; the lists and settlements are
 * fetched anew, and the map's files only where the server's differ from those held.
 */
export async function refreshPackage(pkg: AreaPackage): Promise<AreaPackage> {
  const records = recordMap(pkg.records);
  const cursor = await readFeed(pkg.cursor || null, pkg.bbox, (change) => applyChange(records, change, pkg.bbox));
  const next = sized({ ...pkg, cursor: cursor ?? pkg.cursor, updatedAt: new Date().toISOString(), records: [...records.values()], ...(await contents(pkg.bbox, pkg.basemap)) });
  await (await fieldStore()).put('packages', next);
  return next;
}

export async function listPackages(): Promise<AreaPackage[]> {
  return (await fieldStore()).getAll('packages');
}

/** Deletes the package, its map's files with it (they are Blobs of its record). */
export async function deletePackage(id: string): Promise<void> {
  forgetPackage(id);
  await (await fieldStore()).delete('packages', id);
}

/** The package on the device that caught up with the server last, if any. */
export async function newestPackage(): Promise<AreaPackage | null> {
  return (await listPackages()).sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))[0] ?? null;
}

/**
 * A list the forms need (the catalogue, the organisations) from the server, else, with no link,
 * from the most recently updated package on the device.
 */
export async function orFromPackage<T>(load: () => Promise<T[]>, list: 'ordnanceModels' | 'organisations'): Promise<T[]> {
  try {
    return await load();
  } catch (caught) {
    if (!(caught instanceof TypeError)) throw caught;
    const newest = await newestPackage();
    if (!newest) throw caught;
    return newest[list] as T[];
  }
}
