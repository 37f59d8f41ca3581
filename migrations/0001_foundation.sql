-- Safeground schema for the whole domain (see ../shared/design/domain.md).
-- Conventions: stable UUID ids; geometries in EPSG:4326 with a GiST index; every record carries
-- who made it and when, its source, and a version number for optimistic locking. Code values are
-- lower-case words from the domain primer, the same in SQL, TypeScript, the API and the UI.

CREATE TABLE organisation (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL UNIQUE,
  acronym text,
  kind text NOT NULL CHECK (kind IN ('authority', 'ngo', 'commercial', 'military', 'un_agency', 'other')),
  country_code text,
  active boolean NOT NULL DEFAULT true,
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by uuid
);

CREATE TABLE app_user (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  username text NOT NULL UNIQUE,
  display_name text NOT NULL,
  organisation_id uuid REFERENCES organisation (id),
  roles text[] NOT NULL DEFAULT '{}',
  password_hash text,
  active boolean NOT NULL DEFAULT true,
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by uuid
);

-- Contacts of users and reporters are restricted personal data, kept apart from app_user.
CREATE TABLE app_user_contact (
  user_id uuid PRIMARY KEY REFERENCES app_user (id) ON DELETE CASCADE,
  email text,
  phone text
);

ALTER TABLE organisation ADD FOREIGN KEY (created_by) REFERENCES app_user (id);
ALTER TABLE organisation ADD FOREIGN KEY (updated_by) REFERENCES app_user (id);

-- Gazetteer ---------------------------------------------------------------------------------

-- Level 0 is a country, 1 the first administrative level, and so on.
CREATE TABLE admin_area (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  parent_id uuid REFERENCES admin_area (id),
  level smallint NOT NULL CHECK (level BETWEEN 0 AND 5),
  code text,
  geom geometry(MultiPolygon, 4326) NOT NULL,
  source text NOT NULL,
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid REFERENCES app_user (id),
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by uuid REFERENCES app_user (id)
);
CREATE INDEX admin_area_geom_idx ON admin_area USING gist (geom);
CREATE INDEX admin_area_parent_idx ON admin_area (parent_id);
CREATE INDEX admin_area_code_idx ON admin_area (level, code);

CREATE TABLE settlement (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  admin_area_id uuid REFERENCES admin_area (id),
  geom geometry(Point, 4326) NOT NULL,
  population integer CHECK (population >= 0),
  displaced_population integer CHECK (displaced_population >= 0),
  return_planned boolean NOT NULL DEFAULT false,
  return_planned_on date,
  source text NOT NULL,
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid REFERENCES app_user (id),
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by uuid REFERENCES app_user (id)
);
CREATE INDEX settlement_geom_idx ON settlement USING gist (geom);

-- Every name of a place, with its language and kind; none is privileged in the data. Which one
-- is displayed is a setting (display_language), so the software takes no side.
CREATE TABLE place_name (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  admin_area_id uuid REFERENCES admin_area (id) ON DELETE CASCADE,
  settlement_id uuid REFERENCES settlement (id) ON DELETE CASCADE,
  name text NOT NULL CHECK (length(trim(name)) > 0),
  language text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('official', 'conventional', 'local', 'former', 'alternative', 'exonym', 'transliteration')),
  source text NOT NULL,
  CHECK ((admin_area_id IS NULL) <> (settlement_id IS NULL))
);
CREATE INDEX place_name_admin_area_idx ON place_name (admin_area_id);
CREATE INDEX place_name_settlement_idx ON place_name (settlement_id);
CREATE INDEX place_name_lower_idx ON place_name (lower(name));

-- Ordnance catalogue --------------------------------------------------------------------------

CREATE TABLE ordnance_model (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL UNIQUE,
  category text NOT NULL CHECK (category IN ('ap_mine', 'at_mine', 'uxo', 'axo', 'submunition', 'ied')),
  subcategory text,
  explosive_mass_g numeric CHECK (explosive_mass_g >= 0),
  metal_content text CHECK (metal_content IN ('minimum', 'low', 'high')),
  fuze text,
  notes text,
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid REFERENCES app_user (id),
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by uuid REFERENCES app_user (id)
);

-- Hazardous areas, activities, land release -------------------------------------------------

CREATE TABLE hazard (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  reference text NOT NULL UNIQUE,
  kind text NOT NULL CHECK (kind IN ('sha', 'cha')),
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'released')),
  geom geometry(MultiPolygon, 4326) NOT NULL,
  estimated_area_m2 double precision CHECK (estimated_area_m2 >= 0),
  evidence text[] NOT NULL DEFAULT '{}',
  contamination text[] NOT NULL DEFAULT '{}',
  blockages text[] NOT NULL DEFAULT '{}',
  admin_area_id uuid REFERENCES admin_area (id),
  organisation_id uuid REFERENCES organisation (id),
  description text,
  release_date date,
  source text NOT NULL,
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid REFERENCES app_user (id),
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by uuid REFERENCES app_user (id),
  CHECK (evidence <@ ARRAY['old_survey', 'former_front_line', 'low_reliability_record', 'accident_unknown_location',
    'unused_productive_land', 'detonation', 'accident_known_location', 'high_reliability_record', 'signs_or_fences',
    'ordnance_seen', 'local_report']::text[]),
  CHECK (contamination <@ ARRAY['ap_mine', 'at_mine', 'erw_uxo', 'cluster_munition', 'ied']::text[]),
  CHECK (blockages <@ ARRAY['cropland', 'pasture', 'water', 'housing', 'road', 'infrastructure', 'forest']::text[])
);
CREATE INDEX hazard_geom_idx ON hazard USING gist (geom);
CREATE INDEX hazard_admin_area_idx ON hazard (admin_area_id);

CREATE TABLE activity (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  reference text NOT NULL UNIQUE,
  kind text NOT NULL CHECK (kind IN ('nts', 'ts', 'clearance', 'eod_spot_task', 'bac', 'post_clearance_inspection')),
  organisation_id uuid NOT NULL REFERENCES organisation (id),
  team text,
  start_date date,
  end_date date CHECK (end_date IS NULL OR start_date IS NULL OR end_date >= start_date),
  status text NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'ongoing', 'suspended', 'completed', 'cancelled')),
  geom geometry(MultiPolygon, 4326),
  source text NOT NULL,
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid REFERENCES app_user (id),
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by uuid REFERENCES app_user (id)
);
CREATE INDEX activity_geom_idx ON activity USING gist (geom);
CREATE INDEX activity_organisation_idx ON activity (organisation_id);

CREATE TABLE activity_hazard (
  activity_id uuid NOT NULL REFERENCES activity (id) ON DELETE CASCADE,
  hazard_id uuid NOT NULL REFERENCES hazard (id) ON DELETE CASCADE,
  PRIMARY KEY (activity_id, hazard_id)
);
CREATE INDEX activity_hazard_hazard_idx ON activity_hazard (hazard_id);

CREATE TABLE progress_report (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  activity_id uuid NOT NULL REFERENCES activity (id) ON DELETE CASCADE,
  report_date date NOT NULL,
  area_processed_m2 double precision CHECK (area_processed_m2 >= 0),
  notes text,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid REFERENCES app_user (id)
);
CREATE INDEX progress_report_activity_idx ON progress_report (activity_id);

-- The outcome polygon of an activity for one hazard, released by exactly one method.
CREATE TABLE release_product (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  activity_id uuid NOT NULL REFERENCES activity (id),
  hazard_id uuid NOT NULL REFERENCES hazard (id),
  method text NOT NULL CHECK (method IN ('cancelled', 'reduced', 'cleared')),
  technical_assets boolean,
  clearance_depth_cm integer CHECK (clearance_depth_cm > 0),
  geom geometry(MultiPolygon, 4326) NOT NULL,
  release_date date NOT NULL,
  source text NOT NULL,
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid REFERENCES app_user (id),
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by uuid REFERENCES app_user (id),
  CHECK (method <> 'reduced' OR technical_assets IS NOT NULL),
  CHECK (method <> 'cleared' OR clearance_depth_cm IS NOT NULL)
);
CREATE INDEX release_product_geom_idx ON release_product USING gist (geom);
CREATE INDEX release_product_hazard_idx ON release_product (hazard_id);
CREATE INDEX release_product_activity_idx ON release_product (activity_id);

-- Explosive ordnance finds ("find": one item, or a quantity of the same model at one point).
CREATE TABLE find (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  external_id text UNIQUE,
  activity_id uuid REFERENCES activity (id),
  category text NOT NULL CHECK (category IN ('ap_mine', 'at_mine', 'uxo', 'axo', 'submunition', 'ied')),
  ordnance_model_id uuid REFERENCES ordnance_model (id),
  quantity integer NOT NULL DEFAULT 1 CHECK (quantity > 0),
  geom geometry(Point, 4326) NOT NULL,
  depth_cm integer CHECK (depth_cm >= 0),
  condition text CHECK (condition IN ('armed', 'unarmed', 'damaged', 'deteriorated', 'unknown')),
  disposal_method text CHECK (disposal_method IN ('destroyed_in_situ', 'removed_and_destroyed', 'rendered_safe', 'removed_for_storage')),
  found_on date NOT NULL,
  source text NOT NULL,
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid REFERENCES app_user (id),
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by uuid REFERENCES app_user (id)
);
CREATE INDEX find_geom_idx ON find USING gist (geom);
CREATE INDEX find_activity_idx ON find (activity_id);
CREATE INDEX find_found_on_idx ON find (found_on);

-- Minefield records ----------------------------------------------------------------------------

-- `definition` is the record as digitised (docs/minefield-record-format.md); the point, leg, row
-- and mine tables below hold the same record in queryable form, and `perimeter`, `row_lines`
-- hold its latest reconstruction.
CREATE TABLE minefield_record (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  reference text NOT NULL UNIQUE,
  handover_batch text,
  handover_date date,
  laying_date date,
  laid_by text,
  stated_mine_total integer CHECK (stated_mine_total >= 0),
  angle_unit text NOT NULL DEFAULT 'degrees' CHECK (angle_unit IN ('degrees', 'mils')),
  north_reference text NOT NULL DEFAULT 'true' CHECK (north_reference IN ('true', 'grid', 'magnetic')),
  declination_deg double precision,
  definition jsonb NOT NULL,
  perimeter geometry(Polygon, 4326),
  row_lines geometry(MultiLineString, 4326),
  notes text,
  source text NOT NULL,
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid REFERENCES app_user (id),
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by uuid REFERENCES app_user (id)
);
CREATE INDEX minefield_record_perimeter_idx ON minefield_record USING gist (perimeter);
CREATE INDEX minefield_record_batch_idx ON minefield_record (handover_batch);

CREATE TABLE minefield_record_point (
  record_id uuid NOT NULL REFERENCES minefield_record (id) ON DELETE CASCADE,
  name text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('reference_point', 'landmark', 'intermediate', 'turning_point', 'row_end', 'mine')),
  surveyed boolean NOT NULL DEFAULT false,
  geom geometry(Point, 4326),
  PRIMARY KEY (record_id, name)
);

CREATE TABLE minefield_record_leg (
  record_id uuid NOT NULL REFERENCES minefield_record (id) ON DELETE CASCADE,
  seq integer NOT NULL,
  from_point text NOT NULL,
  to_point text NOT NULL,
  azimuth double precision NOT NULL,
  angle_unit text NOT NULL CHECK (angle_unit IN ('degrees', 'mils')),
  north_reference text NOT NULL CHECK (north_reference IN ('true', 'grid', 'magnetic')),
  distance_m double precision NOT NULL CHECK (distance_m > 0),
  PRIMARY KEY (record_id, seq)
);

CREATE TABLE minefield_record_row (
  record_id uuid NOT NULL REFERENCES minefield_record (id) ON DELETE CASCADE,
  name text NOT NULL,
  start_point text NOT NULL,
  end_point text NOT NULL,
  mine_count integer CHECK (mine_count >= 0),
  mine_model text,
  spacing_m double precision CHECK (spacing_m > 0),
  pattern text,
  geom geometry(LineString, 4326),
  PRIMARY KEY (record_id, name)
);
CREATE INDEX minefield_record_row_geom_idx ON minefield_record_row USING gist (geom);

-- Mine positions, either listed on the record or predicted from a row's count and spacing.
CREATE TABLE minefield_record_mine (
  record_id uuid NOT NULL REFERENCES minefield_record (id) ON DELETE CASCADE,
  seq integer NOT NULL,
  row_name text,
  mine_model text,
  predicted boolean NOT NULL,
  geom geometry(Point, 4326) NOT NULL,
  PRIMARY KEY (record_id, seq)
);
CREATE INDEX minefield_record_mine_geom_idx ON minefield_record_mine USING gist (geom);

CREATE TABLE minefield_record_hazard (
  record_id uuid NOT NULL REFERENCES minefield_record (id) ON DELETE CASCADE,
  hazard_id uuid NOT NULL REFERENCES hazard (id) ON DELETE CASCADE,
  PRIMARY KEY (record_id, hazard_id)
);

-- Accidents and victims --------------------------------------------------------------------------

CREATE TABLE accident (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  reference text NOT NULL UNIQUE,
  occurred_on date NOT NULL,
  geom geometry(Point, 4326),
  location_precision_m double precision CHECK (location_precision_m >= 0),
  admin_area_id uuid REFERENCES admin_area (id),
  device_category text CHECK (device_category IN ('ap_mine', 'at_mine', 'uxo', 'axo', 'submunition', 'ied', 'unknown')),
  ordnance_model_id uuid REFERENCES ordnance_model (id),
  demining_related boolean NOT NULL DEFAULT false,
  activity_id uuid REFERENCES activity (id),
  description text,
  source text NOT NULL,
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid REFERENCES app_user (id),
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by uuid REFERENCES app_user (id)
);
CREATE INDEX accident_geom_idx ON accident USING gist (geom);
CREATE INDEX accident_occurred_on_idx ON accident (occurred_on);

CREATE TABLE victim (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  accident_id uuid NOT NULL REFERENCES accident (id) ON DELETE CASCADE,
  outcome text NOT NULL CHECK (outcome IN ('killed', 'injured')),
  sex text CHECK (sex IN ('female', 'male', 'unknown')),
  age integer CHECK (age BETWEEN 0 AND 120),
  victim_group text NOT NULL CHECK (victim_group IN ('civilian', 'military', 'deminer', 'unknown')),
  activity_at_time text,
  injuries text[] NOT NULL DEFAULT '{}',
  displacement_status text CHECK (displacement_status IN ('resident', 'idp', 'returnee', 'refugee', 'unknown')),
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid REFERENCES app_user (id),
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by uuid REFERENCES app_user (id)
);
CREATE INDEX victim_accident_idx ON victim (accident_id);

-- Restricted personal data: only named roles read this table, and every read is logged in
-- restricted_access_log. No view or query for public or internal use joins it.
CREATE TABLE victim_identity (
  victim_id uuid PRIMARY KEY REFERENCES victim (id) ON DELETE CASCADE,
  full_name text,
  date_of_birth date,
  address text,
  contact text
);

-- Risk education, QA ---------------------------------------------------------------------------

CREATE TABLE risk_education_session (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  held_on date NOT NULL,
  geom geometry(Point, 4326),
  settlement_id uuid REFERENCES settlement (id),
  organisation_id uuid NOT NULL REFERENCES organisation (id),
  method text NOT NULL CHECK (method IN ('presentation', 'interpersonal', 'mass_media', 'digital', 'training_of_trainers', 'other')),
  girls integer NOT NULL DEFAULT 0 CHECK (girls >= 0),
  boys integer NOT NULL DEFAULT 0 CHECK (boys >= 0),
  women integer NOT NULL DEFAULT 0 CHECK (women >= 0),
  men integer NOT NULL DEFAULT 0 CHECK (men >= 0),
  source text NOT NULL,
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid REFERENCES app_user (id),
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by uuid REFERENCES app_user (id)
);
CREATE INDEX risk_education_session_geom_idx ON risk_education_session USING gist (geom);

CREATE TABLE qa_visit (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  activity_id uuid NOT NULL REFERENCES activity (id),
  visited_on date NOT NULL,
  inspector text NOT NULL,
  organisation_id uuid REFERENCES organisation (id),
  outcome text CHECK (outcome IN ('satisfactory', 'corrective_action_required', 'suspended')),
  notes text,
  source text NOT NULL,
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid REFERENCES app_user (id),
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by uuid REFERENCES app_user (id)
);
CREATE INDEX qa_visit_activity_idx ON qa_visit (activity_id);

CREATE TABLE qa_nonconformity (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  qa_visit_id uuid NOT NULL REFERENCES qa_visit (id) ON DELETE CASCADE,
  description text NOT NULL,
  severity text NOT NULL CHECK (severity IN ('minor', 'major', 'critical')),
  corrective_action text,
  closed_on date
);

-- Documents (scans of records, certificates) -------------------------------------------------------

CREATE TABLE document (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  title text NOT NULL,
  media_type text NOT NULL,
  size_bytes bigint NOT NULL CHECK (size_bytes >= 0),
  sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  storage_key text NOT NULL,
  source text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid REFERENCES app_user (id)
);

CREATE TABLE document_link (
  document_id uuid NOT NULL REFERENCES document (id) ON DELETE CASCADE,
  entity_type text NOT NULL,
  entity_id uuid NOT NULL,
  PRIMARY KEY (document_id, entity_type, entity_id)
);
CREATE INDEX document_link_entity_idx ON document_link (entity_type, entity_id);

-- Reports (submissions), history, audit --------------------------------------------------------

-- Field data arrives as reports. Only approval changes the current state of a record; the
-- approved report stays as history. base_version is the record's version the report was written
-- against, so an approval on a changed record is refused rather than silently overwriting it.
CREATE TABLE report (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  entity_type text NOT NULL,
  entity_id uuid,
  action text NOT NULL CHECK (action IN ('create', 'update', 'delete')),
  state text NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'submitted', 'verified', 'approved', 'rejected')),
  payload jsonb NOT NULL,
  base_version integer,
  organisation_id uuid REFERENCES organisation (id),
  reason text,
  submitted_by uuid REFERENCES app_user (id),
  submitted_at timestamptz,
  verified_by uuid REFERENCES app_user (id),
  verified_at timestamptz,
  decided_by uuid REFERENCES app_user (id),
  decided_at timestamptz,
  decision_note text,
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid REFERENCES app_user (id),
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by uuid REFERENCES app_user (id)
);
CREATE INDEX report_state_idx ON report (state);
CREATE INDEX report_entity_idx ON report (entity_type, entity_id);

-- Reporters' contacts are restricted personal data.
CREATE TABLE report_contact (
  report_id uuid PRIMARY KEY REFERENCES report (id) ON DELETE CASCADE,
  reporter_name text,
  reporter_contact text
);

-- Every state a record has had: one row per version, valid from one change to the next, so
-- "what did we know on 1 March?" is a range query. Undoing an approval is a new version too.
CREATE TABLE record_version (
  entity_type text NOT NULL,
  entity_id uuid NOT NULL,
  version integer NOT NULL,
  valid_from timestamptz NOT NULL,
  valid_to timestamptz,
  deleted boolean NOT NULL DEFAULT false,
  data jsonb NOT NULL,
  geom geometry(Geometry, 4326),
  changed_by uuid REFERENCES app_user (id),
  change_reason text,
  report_id uuid REFERENCES report (id),
  PRIMARY KEY (entity_type, entity_id, version),
  CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
CREATE INDEX record_version_period_idx ON record_version (entity_type, valid_from, valid_to);
CREATE INDEX record_version_geom_idx ON record_version USING gist (geom);

CREATE TABLE audit_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  actor_id uuid REFERENCES app_user (id),
  action text NOT NULL,
  entity_type text,
  entity_id uuid,
  details jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at_idx ON audit_log (at);
CREATE INDEX audit_log_entity_idx ON audit_log (entity_type, entity_id);

CREATE TABLE restricted_access_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  actor_id uuid REFERENCES app_user (id),
  entity_type text NOT NULL,
  entity_id uuid NOT NULL,
  purpose text
);

-- Instance settings (display language of place names, country, weights, ...), with history in
-- record_version like any other record.
CREATE TABLE setting (
  key text PRIMARY KEY,
  value jsonb NOT NULL,
  version integer NOT NULL DEFAULT 1,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by uuid REFERENCES app_user (id)
);
