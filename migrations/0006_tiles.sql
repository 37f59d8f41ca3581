-- Vector tiles (docs/tiles.md): where the data of each tile layer changed, so that a cached tile
-- is rendered again exactly when a change reaches its box, whoever wrote the change (approvals,
-- imports, bulk loads, the CLI) and whichever API process serves the tile.

-- One row per changed area of one statement: the bounding box of the changed rows' geometry,
-- before and after the change, and the transaction that made it. A tile rendered under a snapshot
-- is stale exactly when a change its snapshot could not see meets the tile's box.
CREATE TABLE tile_change (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  layer text NOT NULL,
  xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
  at timestamptz NOT NULL DEFAULT now(),
  bbox geometry(Geometry, 4326) NOT NULL
);
CREATE INDEX tile_change_layer_xid_idx ON tile_change (layer, xid);

-- Statement-level, so a bulk load of a million finds writes a few hundred rows, not a million:
-- changed rows are grouped by 0.05° cells of their lower-left corner, one box per cell, which
-- keeps each box tight around the rows it stands for. Arguments: the tile layer, and the
-- geometry expression over the table's columns.
CREATE FUNCTION log_tile_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  changed text;
BEGIN
  changed := CASE TG_OP
    WHEN 'INSERT' THEN format('SELECT %s AS g FROM new_rows', TG_ARGV[1])
    WHEN 'DELETE' THEN format('SELECT %s AS g FROM old_rows', TG_ARGV[1])
    ELSE format('SELECT %1$s AS g FROM old_rows UNION ALL SELECT %1$s AS g FROM new_rows', TG_ARGV[1])
  END;
  EXECUTE format(
    'INSERT INTO tile_change (layer, bbox)
     SELECT %L, ST_SetSRID(ST_Extent(g)::geometry, 4326) FROM (%s) c WHERE g IS NOT NULL
     GROUP BY floor(ST_XMin(g) / 0.05), floor(ST_YMin(g) / 0.05)',
    TG_ARGV[0], changed);
  RETURN NULL;
END
$$;

CREATE TRIGGER hazard_tile_insert AFTER INSERT ON hazard REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION log_tile_change('hazards', 'geom');
CREATE TRIGGER hazard_tile_update AFTER UPDATE ON hazard REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION log_tile_change('hazards', 'geom');
CREATE TRIGGER hazard_tile_delete AFTER DELETE ON hazard REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION log_tile_change('hazards', 'geom');

CREATE TRIGGER release_product_tile_insert AFTER INSERT ON release_product REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION log_tile_change('release-products', 'geom');
CREATE TRIGGER release_product_tile_update AFTER UPDATE ON release_product REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION log_tile_change('release-products', 'geom');
CREATE TRIGGER release_product_tile_delete AFTER DELETE ON release_product REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION log_tile_change('release-products', 'geom');

CREATE TRIGGER find_tile_insert AFTER INSERT ON find REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION log_tile_change('finds', 'geom');
CREATE TRIGGER find_tile_update AFTER UPDATE ON find REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION log_tile_change('finds', 'geom');
CREATE TRIGGER find_tile_delete AFTER DELETE ON find REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION log_tile_change('finds', 'geom');

CREATE TRIGGER minefield_record_tile_insert AFTER INSERT ON minefield_record REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION log_tile_change('minefield-records', 'ST_Collect(perimeter, row_lines)');
CREATE TRIGGER minefield_record_tile_update AFTER UPDATE ON minefield_record REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION log_tile_change('minefield-records', 'ST_Collect(perimeter, row_lines)');
CREATE TRIGGER minefield_record_tile_delete AFTER DELETE ON minefield_record REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION log_tile_change('minefield-records', 'ST_Collect(perimeter, row_lines)');

CREATE TRIGGER accident_tile_insert AFTER INSERT ON accident REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION log_tile_change('accidents', 'geom');
CREATE TRIGGER accident_tile_update AFTER UPDATE ON accident REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION log_tile_change('accidents', 'geom');
CREATE TRIGGER accident_tile_delete AFTER DELETE ON accident REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION log_tile_change('accidents', 'geom');

-- The minefield-records layer draws row lines as well as perimeters; rows can reach past the
-- perimeter, so they need an index of their own.
CREATE INDEX minefield_record_row_lines_idx ON minefield_record USING gist (row_lines);
