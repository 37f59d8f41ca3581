-- The `gis` schema: what GIS staff read straight from the database (QGIS, ogr2ogr PG:), as views
-- over the register with the same properties as the OGC API collections (docs/ogc-api.md). No view
-- reads restricted personal data: victims' identifying details (victim_identity) and reporters'
-- and users' contacts (report_contact, app_user_contact) are in none, and accidents carry only
-- counts of casualties, not even their free-text description. A read-only role is given SELECT
-- on these views alone (`safeground gis-role create` on PostgreSQL; the embedded store's GIS
-- socket does it itself), so adding a column here is a decision about what GIS users may see.
CREATE SCHEMA gis;

CREATE VIEW gis.hazards AS
SELECT t.id, t.reference, t.kind, t.status, t.estimated_area_m2, t.area_m2, t.evidence, t.contamination, t.blockages,
  t.admin_area_id, t.organisation_id, t.description, t.release_date, t.source, t.version, t.created_at, t.updated_at, t.geom
FROM hazard t;

CREATE VIEW gis.release_products AS
SELECT t.id, t.method, t.technical_assets, t.clearance_depth_cm, t.release_date, t.activity_id, t.hazard_id, t.source,
  t.version, t.updated_at, t.geom
FROM release_product t;

CREATE VIEW gis.finds AS
SELECT t.id, t.external_id, t.category, m.name AS ordnance_model, t.ordnance_model_id, t.quantity, t.depth_cm, t.condition,
  t.disposal_method, t.found_on, t.activity_id, a.reference AS activity, COALESCE(t.organisation_id, a.organisation_id) AS organisation_id,
  t.source, t.version, t.updated_at, t.geom
FROM find t
LEFT JOIN ordnance_model m ON m.id = t.ordnance_model_id
LEFT JOIN activity a ON a.id = t.activity_id;

CREATE VIEW gis.activities AS
SELECT t.id, t.reference, t.kind, t.status, t.organisation_id, t.team, t.start_date, t.end_date, t.source, t.version,
  t.updated_at, t.geom
FROM activity t;

CREATE VIEW gis.minefield_records AS
SELECT t.id, t.reference, t.handover_batch, t.handover_date, t.laying_date, t.laid_by, t.stated_mine_total, t.angle_unit,
  t.north_reference, t.source, t.version, t.updated_at, t.perimeter AS geom
FROM minefield_record t;

CREATE VIEW gis.accidents AS
SELECT t.id, t.reference, t.occurred_on, t.location_precision_m, t.admin_area_id, t.device_category, m.name AS ordnance_model,
  t.demining_related, t.activity_id,
  (SELECT count(*) FROM victim v WHERE v.accident_id = t.id AND v.outcome = 'killed')::integer AS killed,
  (SELECT count(*) FROM victim v WHERE v.accident_id = t.id AND v.outcome = 'injured')::integer AS injured,
  t.source, t.version, t.updated_at, t.geom
FROM accident t
LEFT JOIN ordnance_model m ON m.id = t.ordnance_model_id;

-- The display name as the OGC API gives it: in the display_language setting when the place has a
-- name in it, official names first, then alphabetical; every name is in gis.place_names.
CREATE VIEW gis.settlements AS
SELECT t.id,
  (SELECT pn.name FROM place_name pn WHERE pn.settlement_id = t.id
   ORDER BY (pn.language = (SELECT s.value #>> '{}' FROM setting s WHERE s.key = 'display_language')) DESC NULLS LAST, pn.kind = 'official' DESC, pn.name LIMIT 1) AS name,
  t.admin_area_id, t.population, t.displaced_population, t.return_planned, t.return_planned_on, t.source, t.version, t.updated_at, t.geom
FROM settlement t;

CREATE VIEW gis.administrative_areas AS
SELECT t.id,
  (SELECT pn.name FROM place_name pn WHERE pn.admin_area_id = t.id
   ORDER BY (pn.language = (SELECT s.value #>> '{}' FROM setting s WHERE s.key = 'display_language')) DESC NULLS LAST, pn.kind = 'official' DESC, pn.name LIMIT 1) AS name,
  t.level, t.code, t.parent_id, t.source, t.version, t.updated_at, t.geom
FROM admin_area t;

CREATE VIEW gis.place_names AS
SELECT pn.admin_area_id, pn.settlement_id, pn.name, pn.language, pn.kind
FROM place_name pn;
