-- Reports workflow and land release.

-- Undoing an approval is a report of its own, approved at once, pointing at the report it undoes.
ALTER TABLE report ADD COLUMN undoes_report_id uuid REFERENCES report (id);
-- Geometry warnings (likely duplicate, vertices far apart, ...) that the reporter confirmed as
-- intended, by code; any other warning refuses the report.
ALTER TABLE report ADD COLUMN accepted_warnings text[] NOT NULL DEFAULT '{}';
CREATE INDEX report_organisation_idx ON report (organisation_id, state);
