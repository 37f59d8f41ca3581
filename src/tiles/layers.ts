/**
 * The tile layers: which rows each draws, with which attributes. Attributes are ids, references,
 * codes and dates only: nothing personal (no victim, reporter or user details, no free text that
 * could hold them), because tiles are cached and some layers are public.
 */
import { BUFFER, EXTENT, tileWidth, WORLD_HALF } from './grid.ts';

export const TILE_LAYERS = ['hazards', 'release-products', 'finds', 'minefield-records', 'accidents'] as const;
export type TileLayerName = (typeof TILE_LAYERS)[number];

/** Keys of the `publish` setting: which layers the instance shows to the public. */
export type PublishKey = 'hazards' | 'releaseProducts';

/** Below this zoom finds are drawn as clusters, one per grid cell, with a `count`. */
export const CLUSTER_BELOW_ZOOM = 13;
/** Side of a cluster cell in tile units: 16 × 16 cells per tile. */
const CLUSTER_CELL = EXTENT / 16;

/** What one tile of a layer selects, as SQL over `search.box` (the tile's search box in EPSG:4326). */
export interface LayerQuery {
  /** The attribute columns, in order; the query also gives `geom` in EPSG:3857. */
  fields: readonly string[];
  sql: string;
  /** How far past the tile's edges, in tile units, data can still change the tile. */
  margin: number;
}

/** What a renderer needs of a layer: its name in the tile, and its query at a zoom. */
export interface RenderedLayer {
  name: string;
  query(z: number): LayerQuery;
}

/**
 * Layers served together in one tile, cached and invalidated as one: `name` is what the
 * tile_change log calls it, `extent` the SQL giving `e`, the box2d of all its data.
 */
export interface TileSource {
  name: string;
  layers: readonly RenderedLayer[];
  extent: string;
}

export interface TileLayer extends RenderedLayer {
  name: TileLayerName;
  title: string;
  description: string;
  /** The `publish` setting key that makes the layer public, or null for operational data only. */
  publishedAs: PublishKey | null;
  /** Every attribute a feature may carry, with its meaning (TileJSON's `fields`). */
  fields: Readonly<Record<string, string>>;
  minzoom: number;
  maxzoom: number;
  /** SQL giving `e`, the box2d of all the layer's data, for TileJSON's bounds. */
  extent: string;
  query(z: number): LayerQuery;
}

/** Features reach a tile from its buffer, and ST_AsMVTGeom keeps half a unit more. */
const MARGIN = BUFFER + 1;

/**
 * A tile's rows of one table: each whose geom meets the search box, in id order, with the
 * attributes `columns` names (SQL over the table as `t`), so the fields and the SELECT agree.
 */
function rowsInBox(table: string, columns: Readonly<Record<string, string>>): LayerQuery {
  return {
    fields: Object.keys(columns),
    sql: `SELECT ${Object.entries(columns)
      .map(([name, sql]) => `${sql} AS ${name}`)
      .join(', ')}, ST_Transform(t.geom, 3857) AS geom FROM ${table} t, search WHERE t.geom && search.box ORDER BY t.id`,
    margin: MARGIN,
  };
}

const hazards: TileLayer = {
  name: 'hazards',
  title: 'Hazardous areas',
  description: 'Suspected (SHA) and confirmed (CHA) hazardous areas, by status',
  publishedAs: 'hazards',
  fields: {
    id: 'Hazard id',
    reference: 'Hazard reference',
    kind: 'sha (suspected) or cha (confirmed)',
    status: 'active, suspended or released',
    release_date: 'Date the hazard was released (YYYY-MM-DD)',
  },
  minzoom: 0,
  maxzoom: 16,
  extent: 'SELECT ST_Extent(geom) AS e FROM hazard',
  query: () => rowsInBox('hazard', { id: 't.id::text', reference: 't.reference', kind: 't.kind', status: 't.status', release_date: 't.release_date::text' }),
};

const releaseProducts: TileLayer = {
  name: 'release-products',
  title: 'Released land',
  description: 'Land release products by method: cancelled (non-technical survey), reduced (technical survey), cleared',
  publishedAs: 'releaseProducts',
  fields: {
    id: 'Release product id',
    hazard_id: 'Hazard the land was released from',
    activity_id: 'Activity that released it',
    method: 'cancelled, reduced or cleared',
    technical_assets: 'Whether a reduction used technical assets',
    clearance_depth_cm: 'Depth cleared to, in centimetres',
    release_date: 'Date of release (YYYY-MM-DD)',
  },
  minzoom: 0,
  maxzoom: 16,
  extent: 'SELECT ST_Extent(geom) AS e FROM release_product',
  query: () =>
    rowsInBox('release_product', {
      id: 't.id::text',
      hazard_id: 't.hazard_id::text',
      activity_id: 't.activity_id::text',
      method: 't.method',
      technical_assets: 't.technical_assets',
      clearance_depth_cm: 't.clearance_depth_cm',
      release_date: 't.release_date::text',
    }),
};

/**
 * Cells are fixed to the world grid at each zoom, not to the tile, so a cluster near an edge is
 * the same cluster in both tiles; the search reaches one cell past the buffer so that every cell
 * whose cluster can fall inside the buffer is counted whole. Points go to EPSG:3857 by the
 * spherical Mercator formulas rather than ST_Transform: at national scale a low-zoom tile holds a
 * million finds, and the formulas are several times cheaper than a PROJ call per point.
 */
function findClusters(z: number): LayerQuery {
  const cell = (tileWidth(z) * CLUSTER_CELL) / EXTENT;
  const metresPerDegree = WORLD_HALF / 180;
  return {
    fields: ['count', 'quantity', 'category', 'first_found_on', 'last_found_on'],
    sql: `SELECT floor((mx + ${WORLD_HALF}) / ${cell}) AS cell_x, floor((${WORLD_HALF} - my) / ${cell}) AS cell_y,
            count(*)::int AS count, sum(quantity)::int AS quantity,
            CASE WHEN min(category) = max(category) THEN min(category) ELSE 'mixed' END AS category,
            min(found_on)::text AS first_found_on, max(found_on)::text AS last_found_on, ST_SetSRID(ST_MakePoint(avg(mx), avg(my)), 3857) AS geom
          FROM (SELECT f.quantity, f.category, f.found_on, ST_X(f.geom) * ${metresPerDegree} AS mx,
                  ln(tan(radians(90 + ST_Y(f.geom)) / 2)) * ${WORLD_HALF} / pi() AS my
                FROM find f, search WHERE f.geom && search.box) p
          GROUP BY cell_x, cell_y ORDER BY cell_y, cell_x`,
    margin: CLUSTER_CELL + MARGIN,
  };
}

const finds: TileLayer = {
  name: 'finds',
  title: 'Explosive ordnance finds',
  description: `Finds of explosive ordnance; below zoom ${CLUSTER_BELOW_ZOOM}, clusters of the finds in each cell with their count`,
  publishedAs: null,
  fields: {
    id: 'Find id (single finds)',
    category: 'ap_mine, at_mine, uxo, axo, submunition or ied (mixed for a cluster of several)',
    quantity: 'Items found (summed in a cluster)',
    found_on: 'Date found (YYYY-MM-DD, single finds)',
    count: 'Finds in the cluster (clusters)',
    first_found_on: 'Earliest date found in the cluster (clusters)',
    last_found_on: 'Latest date found in the cluster (clusters)',
  },
  minzoom: 0,
  maxzoom: 16,
  extent: 'SELECT ST_Extent(geom) AS e FROM find',
  query: (z) =>
    z < CLUSTER_BELOW_ZOOM
      ? findClusters(z)
      : rowsInBox('find', { id: 't.id::text', category: 't.category', quantity: 't.quantity', found_on: 't.found_on::text' }),
};

const minefieldRecords: TileLayer = {
  name: 'minefield-records',
  title: 'Minefield records',
  description: 'Reconstructed minefield records: perimeters and mine rows',
  publishedAs: null,
  fields: {
    id: 'Minefield record id',
    reference: 'Record reference',
    part: 'perimeter or rows',
    handover_batch: 'Handover batch',
    laying_date: 'Date the mines were laid (YYYY-MM-DD)',
    handover_date: 'Date the record was handed over (YYYY-MM-DD)',
    stated_mine_total: 'Mines the record states',
  },
  minzoom: 0,
  maxzoom: 16,
  extent: 'SELECT ST_Extent(ST_Collect(perimeter, row_lines)) AS e FROM minefield_record',
  query: () => {
    const columns = `r.id::text AS id, r.reference, r.handover_batch, r.laying_date::text AS laying_date, r.handover_date::text AS handover_date, r.stated_mine_total`;
    return {
      fields: ['id', 'reference', 'part', 'handover_batch', 'laying_date', 'handover_date', 'stated_mine_total'],
      sql: `SELECT * FROM (
              SELECT ${columns}, 'perimeter' AS part, ST_Transform(r.perimeter, 3857) AS geom FROM minefield_record r, search WHERE r.perimeter && search.box
              UNION ALL
              SELECT ${columns}, 'rows' AS part, ST_Transform(r.row_lines, 3857) AS geom FROM minefield_record r, search WHERE r.row_lines && search.box
            ) parts ORDER BY id, part`,
      margin: MARGIN,
    };
  },
};

const accidents: TileLayer = {
  name: 'accidents',
  title: 'Accidents',
  description: 'Explosive ordnance accidents, without any detail of the victims',
  publishedAs: null,
  fields: {
    id: 'Accident id',
    reference: 'Accident reference',
    occurred_on: 'Date of the accident (YYYY-MM-DD)',
    device_category: 'ap_mine, at_mine, uxo, axo, submunition, ied or unknown',
    demining_related: 'Whether it happened during demining',
  },
  minzoom: 0,
  maxzoom: 16,
  extent: 'SELECT ST_Extent(geom) AS e FROM accident',
  query: () =>
    rowsInBox('accident', { id: 't.id::text', reference: 't.reference', occurred_on: 't.occurred_on::text', device_category: 't.device_category', demining_related: 't.demining_related' }),
};

export const TILE_LAYER: Readonly<Record<TileLayerName, TileLayer>> = {
  hazards,
  'release-products': releaseProducts,
  finds,
  'minefield-records': minefieldRecords,
  accidents,
};
