-- The history's geometries are searched by place only for hazards (the risk map's distance to the
-- nearest hazard as it stood on a date). An index over every entity's history made each imported
-- find pay a second GiST insert for its version row, about a fifth of the time of writing a
-- million finds, for searches nobody runs; the partial index serves the hazard searches alone.
DROP INDEX record_version_geom_idx;
CREATE INDEX record_version_hazard_geom_idx ON record_version USING gist (geom) WHERE entity_type = 'hazard';
