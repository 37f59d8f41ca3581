-- Risk map (issue 23): events with a type from a code list and the period they may have happened
-- in (a year-only date is 1 January to 31 December); reference features with the day from which
-- they existed, so that a layer cannot leak into features dated before it; rivers and settlements
-- as reference layers; rasters (elevation, land cover) kept as the GeoTIFF files they came in.
ALTER TABLE risk_event RENAME COLUMN kind TO event_type;
ALTER TABLE risk_event DROP CONSTRAINT risk_event_kind_check;
ALTER TABLE risk_event ADD CONSTRAINT risk_event_event_type_check
  CHECK (event_type IN ('accident', 'incident', 'find', 'demining', 'seizure', 'suspected', 'other'));
ALTER TABLE risk_event ADD COLUMN occurred_to date;
UPDATE risk_event SET occurred_to = occurred_on;
ALTER TABLE risk_event ALTER COLUMN occurred_to SET NOT NULL;
ALTER TABLE risk_event ADD CONSTRAINT risk_event_period_check CHECK (occurred_to >= occurred_on);

ALTER TABLE reference_feature ADD COLUMN valid_from date;
ALTER TABLE reference_feature DROP CONSTRAINT reference_feature_layer_check;
ALTER TABLE reference_feature ADD CONSTRAINT reference_feature_layer_check
  CHECK (layer IN ('roads', 'corridors', 'utilities', 'reconstruction', 'farmland', 'water', 'rivers', 'settlements'));

CREATE TABLE risk_raster (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('elevation', 'land_cover')),
  -- The day the raster describes the ground from; NULL for elevation, taken as unchanging.
  valid_from date,
  file text NOT NULL,
  width integer NOT NULL,
  height integer NOT NULL,
  west float8 NOT NULL,
  south float8 NOT NULL,
  east float8 NOT NULL,
  north float8 NOT NULL,
  content bytea NOT NULL,
  imported_at timestamptz NOT NULL DEFAULT now(),
  CHECK (kind = 'elevation' OR valid_from IS NOT NULL)
);
CREATE UNIQUE INDEX risk_raster_kind_day_idx ON risk_raster (kind, COALESCE(valid_from, '-infinity'::date));
