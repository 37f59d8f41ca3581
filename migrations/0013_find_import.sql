-- A file of finds sent in by an organisation, imported when a national officer approves its
-- report: one record per file, so the finds it brought (their history rows name the report) and
-- what it did are traceable to it. The rows themselves travel in the report's payload.
CREATE TABLE find_import (
  id uuid PRIMARY KEY,
  file text NOT NULL,
  organisation_id uuid REFERENCES organisation (id),
  row_count integer NOT NULL,
  created integer NOT NULL,
  updated integer NOT NULL,
  unchanged integer NOT NULL,
  -- The extent of the finds it brought, to show where a file reported from.
  geom geometry(Geometry, 4326),
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid REFERENCES app_user (id),
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by uuid REFERENCES app_user (id)
);
CREATE INDEX find_import_geom_idx ON find_import USING gist (geom);
CREATE INDEX find_import_organisation_idx ON find_import (organisation_id);
