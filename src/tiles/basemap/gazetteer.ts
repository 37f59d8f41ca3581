/**
 * The background drawn with no basemap file at all, from what the store holds: country outlines
 * (Natural Earth, seeded at the first start), the gazetteer's administrative areas and its
 * settlements, as one vector tile source of three layers. Labels carry every language's name
 * (`name:hy`, `name:ru`, ...), the name the `display_language` setting prefers (`name`) and every
 * name with its language and kind (`names`), so the map labels a place in the interface language
 * and falls back without preferring any party's name of its own accord.
 */
import type { Db } from '../../store/db.ts';
import { tileCache } from '../cache.ts';
import type { LayerQuery, RenderedLayer, TileSource } from '../layers.ts';
import { BUFFER, EXTENT, tileWidth } from '../grid.ts';
import type { BasemapArchive } from './archive.ts';

/** The interface languages: each gets a `name:xx` attribute. */
export const LABEL_LANGUAGES = ['en', 'az', 'hy', 'ru', 'uk', 'es'] as const;

/** The gazetteer's tiles are made up to this zoom; clients draw them larger past it. */
export const GAZETTEER_MAXZOOM = 14;

/** Zooms from which each kind of label is in the tiles (the style shows them from the same zooms). */
export const LABEL_MINZOOM = { country: 0, region: 5, district: 7, settlement: 9 } as const;

const MARGIN = BUFFER + 1;

/**
 * Vertices closer than about half a tile unit apart are merged before tiling (Douglas-Peucker in
 * degrees): a country outline at zoom 3 then costs hundreds of points, not tens of thousands.
 */
function tolerance(z: number): number {
  return (tileWidth(z) / EXTENT / 2) * (180 / 20037508.342789244);
}

/**
 * The best name in each language, then the display name: the `display_language` setting's name
 * when there is one, official before other kinds, former names last (they are history, not the
 * name to show). `names` keeps all of them, each with its language and kind.
 */
function nameColumns(placeColumn: 'admin_area_id' | 'settlement_id', idExpression: string): { select: string; fields: string[] } {
  const rank = "CASE pn.kind WHEN 'official' THEN 0 WHEN 'conventional' THEN 1 WHEN 'local' THEN 2 WHEN 'alternative' THEN 3 WHEN 'exonym' THEN 4 WHEN 'transliteration' THEN 5 ELSE 6 END";
  const byLanguage = LABEL_LANGUAGES.map(
    (lang) => `(array_agg(pn.name ORDER BY ${rank}, pn.name) FILTER (WHERE pn.language = '${lang}' AND pn.kind <> 'former'))[1] AS "name:${lang}"`,
  );
  const select = `(SELECT
      (array_agg(pn.name ORDER BY pn.kind = 'former', (pn.language = (SELECT s.value #>> '{}' FROM setting s WHERE s.key = 'display_language')) DESC NULLS LAST, ${rank}, pn.language, pn.name))[1] AS name,
      ${byLanguage.join(',\n      ')},
      string_agg(pn.name || ' (' || pn.language || ', ' || pn.kind || ')', '; ' ORDER BY pn.language, ${rank}, pn.name) AS names
    FROM place_name pn WHERE pn.${placeColumn} = ${idExpression})`;
  return { select, fields: ['name', ...LABEL_LANGUAGES.map((l) => `name:${l}`), 'names'] };
}

const countries: RenderedLayer = {
  name: 'countries',
  query: (z): LayerQuery => ({
    fields: ['id', 'code'],
    sql: `SELECT a.id::text AS id, a.code, ST_Transform(ST_Simplify(a.geom, ${tolerance(z)}, true), 3857) AS geom
          FROM admin_area a, search WHERE a.level = 0 AND a.geom && search.box ORDER BY a.id`,
    margin: MARGIN,
  }),
};

const adminAreas: RenderedLayer = {
  name: 'admin_areas',
  query: (z): LayerQuery => ({
    fields: ['id', 'level', 'code'],
    sql: `SELECT a.id::text AS id, a.level, a.code, ST_Transform(ST_Simplify(a.geom, ${tolerance(z)}, true), 3857) AS geom
          FROM admin_area a, search
          WHERE a.level BETWEEN 1 AND ${z >= LABEL_MINZOOM.district ? 5 : z >= LABEL_MINZOOM.region - 1 ? 1 : 0} AND a.geom && search.box ORDER BY a.id`,
    margin: MARGIN,
  }),
};

/**
 * Label points: an area's on its largest part (so a country's label is on its mainland), a
 * settlement's where it is. Levels appear zoom by zoom, as the style shows them.
 */
const places: RenderedLayer = {
  name: 'places',
  query: (z): LayerQuery => {
    const area = nameColumns('admin_area_id', 'p.id');
    const settlement = nameColumns('settlement_id', 'p.id');
    const maxLevel = z >= LABEL_MINZOOM.district ? 5 : z >= LABEL_MINZOOM.region ? 1 : 0;
    const areaFields = ['id', 'kind', 'level', 'population', ...area.fields];
    const areas = `SELECT p.id::text AS id, CASE WHEN p.level = 0 THEN 'country' ELSE 'admin_area' END AS kind, p.level, NULL::int AS population, n.*, p.geom
      FROM (SELECT a.id, a.level, ST_Transform(ST_PointOnSurface((SELECT d.geom FROM ST_Dump(a.geom) d ORDER BY ST_Area(d.geom) DESC LIMIT 1)), 3857) AS geom
            FROM admin_area a, search WHERE a.level <= ${maxLevel} AND a.geom && search.box) p,
        LATERAL ${area.select} n`;
    const settlements = `SELECT p.id::text AS id, 'settlement' AS kind, NULL::smallint AS level, p.population, n.*, ST_Transform(p.geom, 3857) AS geom
      FROM settlement p, search, LATERAL ${settlement.select} n
      WHERE p.geom && search.box`;
    return {
      fields: areaFields,
      sql: z >= LABEL_MINZOOM.settlement ? `SELECT * FROM (${areas} UNION ALL ${settlements}) labels ORDER BY kind, id` : `SELECT * FROM (${areas}) labels ORDER BY kind, id`,
      margin: MARGIN,
    };
  },
};

/** The background source: land and borders under administrative lines under labels. */
export const GAZETTEER_SOURCE: TileSource = {
  name: 'gazetteer',
  layers: [countries, adminAreas, places],
  extent: 'SELECT ST_Extent(geom) AS e FROM admin_area',
};

/** What each layer's features carry (TileJSON's vector_layers). */
export const GAZETTEER_FIELDS: Record<string, Record<string, string>> = {
  countries: { id: 'Admin area id', code: 'Country code (ISO 3166-1 numeric, as Natural Earth gives it)' },
  admin_areas: { id: 'Admin area id', level: 'Level in the hierarchy (1 region, 2 district, ...)', code: 'Code' },
  places: {
    id: 'Admin area or settlement id',
    kind: 'country, admin_area or settlement',
    level: 'Admin level (areas)',
    population: 'Population (settlements)',
    name: 'Display name: in the display_language setting where the place has one',
    ...Object.fromEntries(LABEL_LANGUAGES.map((l) => [`name:${l}`, `Name in ${l}`])),
    names: 'Every name of the place with its language and kind',
  },
};

export const GAZETTEER_ABOUT = {
  name: 'Gazetteer',
  description: 'Country outlines (Natural Earth), administrative areas and settlements of the gazetteer, with every name of each place',
  attribution: 'Natural Earth; gazetteer of this instance',
};

const WORLD: [number, number, number, number] = [-180, -85.0511287798066, 180, 85.0511287798066];

/**
 * The deepest zoom of the gazetteer in an extract: deeper tiles hold the same settlements and
 * outlines, more finely (a unit of a zoom 12 tile is about 2.4 m at the equator, finer than the
 * outlines' own accuracy), and a map draws zoom 12 larger where it needs to. Each zoom deeper
 * would cost four times the tiles, each rendered from the store.
 */
const EXTRACT_MAXZOOM = 12;

/**
 * The gazetteer's background as a basemap archive, tile by tile from the store's tile cache, so
 * that an area of it is extracted like an area of a basemap file: an area package then carries the
 * background the map draws with no basemap file at all.
 */
export function gazetteerArchive(db: Db): BasemapArchive {
  const vectorLayers = Object.entries(GAZETTEER_FIELDS).map(([id, fields]) => ({ id, fields, minzoom: 0, maxzoom: EXTRACT_MAXZOOM }));
  return {
    path: 'gazetteer',
    kind: 'store',
    format: 'mvt',
    schema: 'other',
    minzoom: 0,
    maxzoom: EXTRACT_MAXZOOM,
    bounds: WORLD,
    ...GAZETTEER_ABOUT,
    vectorLayers,
    identity: 'gazetteer',
    metadata: { ...GAZETTEER_ABOUT, vector_layers: vectorLayers },
    async tile(z, x, y) {
      const { mvt } = await tileCache(db).tile(GAZETTEER_SOURCE, { z, x, y });
      return mvt.byteLength > 0 ? { data: mvt, encoding: null } : null;
    },
    async close() {},
  };
}
