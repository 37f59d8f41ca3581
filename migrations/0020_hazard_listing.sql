-- What the hazard register's list reads on every page, kept with the row instead of recomputed
-- per request: the geodesic area (AREA in src/land/store.ts, densified to DENSIFY_DEG = 0.0001°;
-- a test checks the two agree) cost about 90 µs of server time per hazard listed, most of a page.
ALTER TABLE hazard ADD COLUMN area_m2 double precision
  GENERATED ALWAYS AS (ST_Area(ST_Segmentize(ST_CollectionExtract(geom, 3), 0.0001)::geography)) STORED;

-- A hazard's minefield records were found by reading every record link for each hazard listed.
CREATE INDEX minefield_record_hazard_hazard_idx ON minefield_record_hazard (hazard_id);
