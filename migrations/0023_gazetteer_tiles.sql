-- The gazetteer's background tiles (docs/tiles.md, "Basemaps") are cached like the register's:
-- changes to admin areas, settlements and their names are logged in tile_change under the layer
-- 'gazetteer', with the box of the place whose outline, point or name changed.

CREATE TRIGGER admin_area_tile_insert AFTER INSERT ON admin_area REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION log_tile_change('gazetteer', 'geom');
CREATE TRIGGER admin_area_tile_update AFTER UPDATE ON admin_area REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION log_tile_change('gazetteer', 'geom');
CREATE TRIGGER admin_area_tile_delete AFTER DELETE ON admin_area REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION log_tile_change('gazetteer', 'geom');

CREATE TRIGGER settlement_tile_insert AFTER INSERT ON settlement REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION log_tile_change('gazetteer', 'geom');
CREATE TRIGGER settlement_tile_update AFTER UPDATE ON settlement REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION log_tile_change('gazetteer', 'geom');
CREATE TRIGGER settlement_tile_delete AFTER DELETE ON settlement REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION log_tile_change('gazetteer', 'geom');

-- A name has no geometry of its own: the box logged is its place's. A place deleted with its
-- names (ON DELETE CASCADE) is logged by its own table's trigger.
CREATE TRIGGER place_name_tile_insert AFTER INSERT ON place_name REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION log_tile_change('gazetteer',
    'coalesce((SELECT geom FROM admin_area WHERE id = admin_area_id), (SELECT geom FROM settlement WHERE id = settlement_id))');
CREATE TRIGGER place_name_tile_update AFTER UPDATE ON place_name REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION log_tile_change('gazetteer',
    'coalesce((SELECT geom FROM admin_area WHERE id = admin_area_id), (SELECT geom FROM settlement WHERE id = settlement_id))');
CREATE TRIGGER place_name_tile_delete AFTER DELETE ON place_name REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION log_tile_change('gazetteer',
    'coalesce((SELECT geom FROM admin_area WHERE id = admin_area_id), (SELECT geom FROM settlement WHERE id = settlement_id))');
