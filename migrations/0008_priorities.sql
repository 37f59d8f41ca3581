-- Clearance priorities and the risk map (docs/priorities.md, docs/risk-map.md).

-- Reference layers that prioritisation measures hazards against: roads and corridors, utilities,
-- reconstruction projects, farmland, water points. Imported from files like any other data; a
-- layer is a fixed word (the criterion it feeds), `kind` is what the file calls the feature.
CREATE TABLE reference_feature (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  layer text NOT NULL CHECK (layer IN ('roads', 'corridors', 'utilities', 'reconstruction', 'farmland', 'water')),
  kind text NOT NULL,
  name text,
  geom geometry(Geometry, 4326) NOT NULL CHECK (ST_IsValid(geom)),
  properties jsonb NOT NULL DEFAULT '{}',
  source text NOT NULL,
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid REFERENCES app_user (id),
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by uuid REFERENCES app_user (id)
);
CREATE INDEX reference_feature_geom_idx ON reference_feature USING gist (geom);
CREATE INDEX reference_feature_layer_idx ON reference_feature (layer);

-- Events (finds, accidents) from a file of points with a type and a date, for evaluating the
-- risk map on data that is not (yet) in the register. `dataset` names the file they came from;
-- importing the same dataset again replaces its events.
CREATE TABLE risk_event (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  dataset text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('find', 'accident')),
  occurred_on date NOT NULL,
  geom geometry(Point, 4326) NOT NULL
);
CREATE INDEX risk_event_geom_idx ON risk_event USING gist (geom);
CREATE INDEX risk_event_dataset_idx ON risk_event (dataset, occurred_on);
