-- A hazard imported as a point or line with an estimated area has no surveyed outline: its
-- polygon is a circle (or a band) of that area around the position given. The flag says so, so
-- that maps, statistics and survey planning never take the shape for a surveyed one.
ALTER TABLE hazard ADD COLUMN position_only boolean NOT NULL DEFAULT false;
