/**
 * One vector tile of one layer, from one SQL query of the layer's features, on either backend:
 * PostgreSQL encodes it with PostGIS's ST_AsMVT; PGlite, whose PostGIS is built without
 * protobuf, clips and scales the same features to tile units in SQL and encodes them here.
 */
import type { Geometry } from 'geojson';
import type { Db } from '../store/db.ts';
import { assertTile, BUFFER, EXTENT, searchBox, tileEnvelope, type TileId } from './grid.ts';
import { TILE_LAYER, type LayerQuery, type RenderedLayer, type TileLayerName, type TileSource } from './layers.ts';
import { encodeTile, type AttributeValue } from './mvt.ts';

export interface RenderedTile {
  mvt: Uint8Array;
  /**
   * The database snapshot the tile was read under (pg_snapshot text): the changes it could not
   * see are the ones that can make it stale.
   */
  snapshot: string;
}

function featuresCte(query: LayerQuery, boxParam: number): string {
  return `WITH search AS (SELECT ST_MakeEnvelope($${boxParam}, $${boxParam + 1}, $${boxParam + 2}, $${boxParam + 3}, 4326) AS box),
    features AS (${query.sql})`;
}

/** Attribute names as SQL identifiers: some carry a colon (`name:hy`). */
function columns(query: LayerQuery): string {
  return query.fields.map((field) => `"${field.replaceAll('"', '""')}"`).join(', ');
}

function layerOf(layer: TileLayerName | RenderedLayer): RenderedLayer {
  return typeof layer === 'string' ? TILE_LAYER[layer] : layer;
}

/**
 * The PostGIS query of a layer's tile at zoom z: parameters z, x, y and the search box (west,
 * south, east, north).
 */
function postgisTileSql(layerName: TileLayerName | RenderedLayer, z: number): string {
  const layer = layerOf(layerName);
  const query = layer.query(z);
  return `${featuresCte(query, 4)}
    SELECT ST_AsMVT(t, '${layer.name}', ${EXTENT}, 'geom') AS mvt
    FROM (SELECT ${columns(query)}, ST_AsMVTGeom(geom, ST_TileEnvelope($1, $2, $3), ${EXTENT}, ${BUFFER}, true) AS geom FROM features) t
    WHERE t.geom IS NOT NULL`;
}

function postgisTileParams(layerName: TileLayerName | RenderedLayer, tile: TileId): unknown[] {
  return [tile.z, tile.x, tile.y, ...searchBox(tile, layerOf(layerName).query(tile.z).margin)];
}

async function renderPostgis(db: Db, layer: RenderedLayer, tile: TileId): Promise<RenderedTile> {
  const [row] = await db.query<{ snapshot: string; mvt: Uint8Array | null }>(
    `SELECT pg_current_snapshot()::text AS snapshot, (${postgisTileSql(layer, tile.z)}) AS mvt`,
    postgisTileParams(layer, tile),
  );
  return { mvt: row!.mvt ?? new Uint8Array(0), snapshot: row!.snapshot };
}

/**
 * The tile grown by the buffer, in tile units, as box2d text. Points already snapped to whole
 * units on its edge belong inside, as with ST_AsMVTGeom, so theirs is grown by half a unit.
 */
function clipBox(extra: number): string {
  const low = -BUFFER - extra;
  const high = EXTENT + BUFFER + extra;
  return `BOX(${low} ${low},${high} ${high})`;
}

/**
 * What ST_AsMVTGeom does, in SQL every PostGIS has, in its order: move and scale to tile units
 * with y down, snap to whole units, clip to the tile grown by the buffer, snap the cut points,
 * drop repeated points. The snapshot is taken first, so a change the render might have missed
 * counts as unseen.
 */
async function renderPglite(db: Db, layer: RenderedLayer, tile: TileId): Promise<RenderedTile> {
  const query = layer.query(tile.z);
  const envelope = tileEnvelope(tile);
  const scale = EXTENT / (envelope.xmax - envelope.xmin);
  const [taken] = await db.query<{ snapshot: string }>('SELECT pg_current_snapshot()::text AS snapshot');
  const rows = await db.query<Record<string, AttributeValue> & { geometry: string }>(
    `${featuresCte(query, 1)}
     SELECT ${columns(query)}, ST_AsGeoJSON(g, 0) AS geometry FROM (
       SELECT *, ST_RemoveRepeatedPoints(ST_SnapToGrid(ST_ClipByBox2D(s, CASE WHEN ST_Dimension(s) = 0 THEN $10 ELSE $9 END::box2d), 1)) AS g
       FROM (SELECT *, ST_SnapToGrid(ST_TransScale(geom, $5, $6, $7, $8), 1) AS s FROM features) snapped) f
     WHERE NOT ST_IsEmpty(g)`,
    [...searchBox(tile, query.margin), -envelope.xmin, -envelope.ymax, scale, -scale, clipBox(0), clipBox(0.5)],
  );
  const features = rows.map((row) => ({
    properties: Object.fromEntries(query.fields.map((field) => [field, row[field] ?? null])),
    geometry: JSON.parse(row.geometry) as Geometry,
  }));
  return { mvt: encodeTile(layer.name, features, EXTENT), snapshot: taken!.snapshot };
}

function renderLayer(db: Db, layer: RenderedLayer, tile: TileId): Promise<RenderedTile> {
  return db.backend === 'postgres' ? renderPostgis(db, layer, tile) : renderPglite(db, layer, tile);
}

/**
 * One tile of a source: each of its layers rendered in turn, the tiles joined (a vector tile is a
 * sequence of layers, so the bytes of one-layer tiles concatenate into one). The snapshot is the
 * first layer's: a change committed between the layers' reads counts as unseen, which can only
 * render the tile again when it need not.
 */
export async function renderTile(db: Db, source: TileLayerName | TileSource, tile: TileId): Promise<RenderedTile> {
  assertTile(tile);
  const layers = typeof source === 'string' ? [TILE_LAYER[source]] : source.layers;
  const parts: RenderedTile[] = [];
  for (const layer of layers) parts.push(await renderLayer(db, layer, tile));
  if (parts.length === 1) return parts[0]!;
  return { mvt: Buffer.concat(parts.map((p) => p.mvt)), snapshot: parts[0]!.snapshot };
}

/** The Mapbox Vector Tile of one layer at z/x/y, the same features on either backend. */
export async function tile(db: Db, layerName: TileLayerName, z: number, x: number, y: number): Promise<Uint8Array> {
  return (await renderTile(db, layerName, { z, x, y })).mvt;
}
