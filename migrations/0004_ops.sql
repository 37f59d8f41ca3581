-- Field operations: who reported a find when it belongs to no activity (an EOD spot report, an
-- import from a survey form), and the lookups imports and lists make.

ALTER TABLE find ADD COLUMN organisation_id uuid REFERENCES organisation (id);
CREATE INDEX find_organisation_idx ON find (organisation_id);
CREATE INDEX find_ordnance_model_idx ON find (ordnance_model_id);
CREATE INDEX accident_ordnance_model_idx ON accident (ordnance_model_id);
CREATE INDEX risk_education_session_held_on_idx ON risk_education_session (held_on);
CREATE INDEX qa_visit_visited_on_idx ON qa_visit (visited_on);
CREATE INDEX ordnance_model_lower_name_idx ON ordnance_model (lower(name));
