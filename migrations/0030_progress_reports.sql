-- An activity's daily progress as a record of the reports workflow: a team reports, for a day,
-- the area it processed (worked: searched, cleared or surveyed) and, where it drew it, the ground
-- worked. The table of migration 0001 had no writer; it gains what every reported record has:
-- its source, a version, who changed it last, and the geometry its history keeps.
ALTER TABLE progress_report ADD COLUMN geom geometry(MultiPolygon, 4326);
ALTER TABLE progress_report ADD COLUMN source text NOT NULL DEFAULT 'before migration 0030';
ALTER TABLE progress_report ALTER COLUMN source DROP DEFAULT;
ALTER TABLE progress_report ADD COLUMN version integer NOT NULL DEFAULT 1;
ALTER TABLE progress_report ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE progress_report ADD COLUMN updated_by uuid REFERENCES app_user (id);
CREATE INDEX progress_report_geom_idx ON progress_report USING gist (geom);
CREATE INDEX progress_report_report_date_idx ON progress_report (report_date);
