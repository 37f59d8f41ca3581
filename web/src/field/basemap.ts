/**
 * The map of an area package: the server's background style, and for each of its sources (the
 * basemap files the server was started with, and the gazetteer's background) a PMTiles extract
 * of the area (GET /tiles/basemap/{name}/extract.pmtiles), and the glyph ranges of the labels.
 * The files are kept as Blobs in the package's IndexedDB record, so they go with it when it is
 * deleted. A refresh asks for each file with the ETag held, and the server answers 304 while the
 * area's extract is unchanged: nothing is downloaded again that did not change.
 */
import { GLYPH_RANGES } from '../../../src/tiles/basemap/glyphRanges.ts';
import { api, errorOf, query } from '../api.ts';
import { currentLanguage } from '../i18n/index.ts';
import type { Bbox } from './area.ts';
import type { BackgroundStyle, HeldFile, PackageBasemap } from './store.ts';

/** A source of the server's background style: /tiles/basemap/{name}.json. */
const SERVED_SOURCE = /\/tiles\/basemap\/([a-z0-9_-]+)\.json$/;

/** The server answers every font stack from one font: the name asked for does not matter. */
const FONT_STACK = 'Noto Sans Regular';

/** The file, or the one held when the server says it is unchanged (304); null when the server has none (204). */
async function download(url: string, held: HeldFile | undefined): Promise<HeldFile | null> {
  const response = await fetch(url, { credentials: 'same-origin', headers: held ? { 'if-none-match': held.etag } : {} });
  if (response.status === 304 && held) return held;
  if (response.status === 204) return null;
  if (!response.ok) throw await errorOf(response);
  return { etag: response.headers.get('etag') ?? '', bytes: await response.blob() };
}

/** Entries whose file the server has, as a record. */
async function files(wanted: [string | number, Promise<HeldFile | null>][]): Promise<Record<string, HeldFile>> {
  const answers = await Promise.all(wanted.map(async ([key, file]) => [String(key), await file] as const));
  return Object.fromEntries(answers.filter((entry): entry is readonly [string, HeldFile] => entry[1] !== null));
}

/** Downloads the map of the area, keeping whatever of `held` (the package's map so far) is unchanged. */
export async function downloadBasemap(bbox: Bbox, held?: PackageBasemap): Promise<PackageBasemap> {
  const { glyphs, sources, layers } = await api.get<BackgroundStyle>(`/tiles/basemap/style.json${query({ lang: currentLanguage() })}`);
  const served = Object.entries(sources).flatMap(([id, source]): [string, string][] => {
    const name = 'url' in source && source.url ? SERVED_SOURCE.exec(source.url)?.[1] : undefined;
    return name ? [[id, name]] : [];
  });
  const [extracts, glyphFiles] = await Promise.all([
    files(served.map(([id, name]) => [id, download(`/tiles/basemap/${name}/extract.pmtiles${query({ bbox: bbox.join(',') })}`, held?.extracts[id])])),
    files(GLYPH_RANGES.map((start) => [start, download(`/tiles/fonts/${encodeURIComponent(FONT_STACK)}/${start}-${start + 255}.pbf`, held?.glyphs[start])])),
  ]);
  return { style: { glyphs, sources, layers }, extracts, glyphs: glyphFiles };
}

/** Bytes of the map's files. */
export function basemapBytes(basemap: PackageBasemap | undefined): number {
  if (!basemap) return 0;
  return [...Object.values(basemap.extracts), ...Object.values(basemap.glyphs)].reduce((sum, file) => sum + file.bytes.size, 0);
}
