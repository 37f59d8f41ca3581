-- Dates as precise as their source, and ages as reported (issue 18). National files date many
-- accidents and finds to a month or a year only: the date stored is the first day of that period
-- and its precision says how much of it is known, so that no year pretends to be a day (neither
-- 1 January nor 1 July). Victims' ages often come as a range ("menor de 18", "18-25"): age_min and
-- age_max bound it (an exact age is both), age_reported keeps the words of the source.
CREATE FUNCTION date_period_end(d date, date_precision text) RETURNS date
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE date_precision
    WHEN 'year' THEN (date_trunc('year', d::timestamp) + interval '1 year' - interval '1 day')::date
    WHEN 'month' THEN (date_trunc('month', d::timestamp) + interval '1 month' - interval '1 day')::date
    ELSE d END;

-- The date as written at its precision: 2019, 2019-03 or 2019-03-14.
CREATE FUNCTION date_as_known(d date, date_precision text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN to_char(d, CASE date_precision WHEN 'year' THEN 'YYYY' WHEN 'month' THEN 'YYYY-MM' ELSE 'YYYY-MM-DD' END);

ALTER TABLE accident ADD COLUMN occurred_on_precision text NOT NULL DEFAULT 'day'
  CHECK (occurred_on_precision IN ('year', 'month', 'day'));
ALTER TABLE accident ADD CONSTRAINT accident_occurred_on_period_start
  CHECK (occurred_on_precision = 'day' OR (extract(day FROM occurred_on) = 1 AND (occurred_on_precision = 'month' OR extract(month FROM occurred_on) = 1)));

ALTER TABLE find ADD COLUMN found_on_precision text NOT NULL DEFAULT 'day'
  CHECK (found_on_precision IN ('year', 'month', 'day'));
ALTER TABLE find ADD CONSTRAINT find_found_on_period_start
  CHECK (found_on_precision = 'day' OR (extract(day FROM found_on) = 1 AND (found_on_precision = 'month' OR extract(month FROM found_on) = 1)));

ALTER TABLE victim ADD COLUMN age_min integer CHECK (age_min BETWEEN 0 AND 120);
ALTER TABLE victim ADD COLUMN age_max integer CHECK (age_max BETWEEN 0 AND 120);
ALTER TABLE victim ADD COLUMN age_reported text CHECK (length(age_reported) <= 100);
UPDATE victim SET age_min = age, age_max = age WHERE age IS NOT NULL;
ALTER TABLE victim ADD CONSTRAINT victim_age_range CHECK (age_min <= age_max);
ALTER TABLE victim ADD CONSTRAINT victim_age_exact CHECK (age IS NULL OR (age_min IS NOT DISTINCT FROM age AND age_max IS NOT DISTINCT FROM age));
ALTER TABLE victim ADD CONSTRAINT victim_age_bounded CHECK (age_max IS NULL OR age_min IS NOT NULL);

-- Writers that know only an exact age (the demo data, older clients) need not repeat it as bounds.
CREATE FUNCTION victim_age_bounds() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.age IS NOT NULL THEN
    NEW.age_min := NEW.age;
    NEW.age_max := NEW.age;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER victim_age_bounds BEFORE INSERT OR UPDATE OF age ON victim FOR EACH ROW EXECUTE FUNCTION victim_age_bounds();

CREATE OR REPLACE VIEW gis.accidents AS
SELECT t.id, t.reference, t.occurred_on, t.location_precision_m, t.admin_area_id, t.device_category, m.name AS ordnance_model,
  t.demining_related, t.activity_id,
  (SELECT count(*) FROM victim v WHERE v.accident_id = t.id AND v.outcome = 'killed')::integer AS killed,
  (SELECT count(*) FROM victim v WHERE v.accident_id = t.id AND v.outcome = 'injured')::integer AS injured,
  t.source, t.version, t.updated_at, t.geom, t.occurred_on_precision
FROM accident t
LEFT JOIN ordnance_model m ON m.id = t.ordnance_model_id;

CREATE OR REPLACE VIEW gis.finds AS
SELECT t.id, t.external_id, t.category, m.name AS ordnance_model, t.ordnance_model_id, t.quantity, t.depth_cm, t.condition,
  t.disposal_method, t.found_on, t.activity_id, a.reference AS activity, COALESCE(t.organisation_id, a.organisation_id) AS organisation_id,
  t.source, t.version, t.updated_at, t.geom, t.found_on_precision
FROM find t
LEFT JOIN ordnance_model m ON m.id = t.ordnance_model_id
LEFT JOIN activity a ON a.id = t.activity_id;
