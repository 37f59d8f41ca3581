/**
 * All SQL of the OGC API: the collections as views over the domain tables, their features in any
 * offered CRS, and CQL2 filters compiled to parameterised conditions on whitelisted columns.
 * Geometries are stored as WGS84 longitude/latitude (SRID 4326); every other CRS is a transform
 * in PostGIS on the way out (and on the way in for bbox, filter literals and written features).
 */
import type { Geometry, Polygon } from 'geojson';
import type { Permission } from '../access/permissions.ts';
import { UserError } from '../errors.ts';
import { ACTIVITY_KINDS, ACTIVITY_STATUSES, BLOCKAGES, CONTAMINATION, EVIDENCE, HAZARD_KINDS, HAZARD_STATUSES, RELEASE_METHODS } from '../land/rules.ts';
import { DEVICE_CATEGORIES } from '../casualties/accident.ts';
import { FIND_CATEGORIES } from '../catalogue/ordnance.ts';
import { DISPOSAL_METHODS, FIND_CONDITIONS } from '../ops/find.ts';
import { DATE_PRECISIONS } from '../ops/datePrecision.ts';
import type { Queryable } from '../store/db.ts';
import type { Crs } from './crs.ts';
import { type At, filterError, type Filter, type GeometryOperand, isCalendarDate, isTimestamp, type Scalar, type SpatialFunction, type TextFunction } from './cql2.ts';

export type PropertyType = 'string' | 'uuid' | 'integer' | 'number' | 'boolean' | 'date' | 'date-time' | 'array' | 'names';

export interface Property {
  name: string;
  /** The SQL expression, over the collection's FROM clause. */
  sql: string;
  type: PropertyType;
  description: string;
  /** Shown only to callers holding data.read, in a collection the public may read. */
  internal?: boolean;
  /** The values a text property (or the items of a list) can take: QGIS offers them in its filter builder. */
  enum?: readonly string[];
}

/** Scalar properties can be filtered on; lists and name sets are shown but not queryable. */
export function isQueryable(property: Property): boolean {
  return property.type !== 'array' && property.type !== 'names';
}

export interface Collection {
  id: string;
  title: string;
  description: string;
  permission: Permission;
  /** FROM clause; the main table's alias is `t`. */
  from: string;
  table: string;
  geometryColumn: string;
  geometryType: 'MultiPolygon' | 'Polygon' | 'Point';
  /**
   * When a feature is valid in time, as timestamptz SQL: a date counts as its whole day (UTC), a
   * missing end means the feature still is (a hazard not yet released, an ongoing activity).
   * Null when the collection has no time, and then a datetime filter matches nothing.
   */
  temporal: { start: string; end: string } | null;
  properties: Property[];
  /**
   * The whole collection as one file (an `enclosure` link): a full copy through pages costs GDAL
   * a JSON parse of every feature, which a GeoPackage streamed by the export does not.
   */
  enclosure?: { path: string; type: string; title: string };
}

const dayStart = (column: string) => `(${column}::timestamp AT TIME ZONE 'UTC')`;
const dayEnd = (column: string) => `((${column} + 1)::timestamp AT TIME ZONE 'UTC' - interval '1 microsecond')`;

const DISPLAY_LANGUAGE = "(SELECT s.value #>> '{}' FROM setting s WHERE s.key = 'display_language')";

/**
 * Every name of a place, and the one to display: in the display_language setting when there is
 * one, official names before others, then alphabetical. The software takes no side; the setting does.
 */
function placeNames(column: 'admin_area_id' | 'settlement_id'): Property[] {
  return [
    {
      name: 'name',
      sql: `(SELECT pn.name FROM place_name pn WHERE pn.${column} = t.id
             ORDER BY (pn.language = ${DISPLAY_LANGUAGE}) DESC NULLS LAST, pn.kind = 'official' DESC, pn.name LIMIT 1)`,
      type: 'string',
      description: 'Display name: in the display_language setting when the place has a name in it',
    },
    {
      name: 'names',
      sql: `(SELECT COALESCE(json_agg(json_build_object('name', pn.name, 'language', pn.language, 'kind', pn.kind) ORDER BY pn.language, pn.kind, pn.name), '[]'::json)
             FROM place_name pn WHERE pn.${column} = t.id)`,
      type: 'names',
      description: 'Every name of the place, with its language and kind (official, local, former, ...)',
    },
  ];
}

const common = (table: string): Property[] => [
  { name: 'source', sql: 't.source', type: 'string', description: 'Where the record came from' },
  { name: 'version', sql: 't.version', type: 'integer', description: 'Version of the record; each approved change adds one' },
  { name: 'updatedAt', sql: 't.updated_at', type: 'date-time', description: `When the ${table} last changed` },
];

export const COLLECTIONS: readonly Collection[] = [
  {
    id: 'hazards',
    title: 'Hazardous areas',
    description: 'Suspected (SHA) and confirmed (CHA) hazardous areas. Valid in time from when the hazard was recorded until its release date.',
    permission: 'data.read',
    from: 'hazard t',
    table: 'hazard',
    geometryColumn: 'geom',
    geometryType: 'MultiPolygon',
    temporal: { start: 't.created_at', end: dayEnd('t.release_date') },
    properties: [
      { name: 'reference', sql: 't.reference', type: 'string', description: 'National reference of the hazard' },
      { name: 'kind', sql: 't.kind', type: 'string', description: 'sha (suspected) or cha (confirmed)', enum: HAZARD_KINDS },
      { name: 'status', sql: 't.status', type: 'string', description: 'active, suspended or released', enum: HAZARD_STATUSES },
      { name: 'estimatedAreaM2', sql: 't.estimated_area_m2', type: 'number', description: 'Estimated area as stated, m²' },
      { name: 'positionOnly', sql: 't.position_only', type: 'boolean', description: 'Drawn from a reported position and the estimated area, not surveyed: the outline is no boundary' },
      { name: 'evidence', sql: 'to_jsonb(t.evidence)', type: 'array', description: 'Evidence of explosive ordnance', enum: EVIDENCE },
      { name: 'contamination', sql: 'to_jsonb(t.contamination)', type: 'array', description: 'Contamination types', enum: CONTAMINATION },
      { name: 'blockages', sql: 'to_jsonb(t.blockages)', type: 'array', description: 'Land uses the hazard blocks', enum: BLOCKAGES },
      { name: 'adminAreaId', sql: 't.admin_area_id', type: 'uuid', description: 'Administrative area' },
      { name: 'organisationId', sql: 't.organisation_id', type: 'uuid', description: 'Organisation responsible' },
      { name: 'description', sql: 't.description', type: 'string', description: 'Description' },
      { name: 'releaseDate', sql: 't.release_date', type: 'date', description: 'Date of the last release product, once released' },
      {
        name: 'minefieldRecordIds',
        sql: "COALESCE((SELECT jsonb_agg(m.record_id ORDER BY m.record_id) FROM minefield_record_hazard m WHERE m.hazard_id = t.id), '[]'::jsonb)",
        type: 'array',
        description: 'Minefield records that back the hazard',
      },
      { name: 'createdAt', sql: 't.created_at', type: 'date-time', description: 'When the hazard was recorded' },
      ...common('hazard'),
    ],
  },
  {
    id: 'release-products',
    title: 'Land release products',
    description: 'The outcome polygons of activities: land cancelled, reduced or cleared. Valid in time on their release date.',
    permission: 'data.read',
    from: 'release_product t',
    table: 'release_product',
    geometryColumn: 'geom',
    geometryType: 'MultiPolygon',
    temporal: { start: dayStart('t.release_date'), end: dayEnd('t.release_date') },
    properties: [
      { name: 'method', sql: 't.method', type: 'string', description: 'cancelled, reduced or cleared', enum: RELEASE_METHODS },
      { name: 'technicalAssets', sql: 't.technical_assets', type: 'boolean', description: 'Whether technical assets were used (reduced land)' },
      { name: 'clearanceDepthCm', sql: 't.clearance_depth_cm', type: 'integer', description: 'Depth of clearance, cm (cleared land)' },
      { name: 'releaseDate', sql: 't.release_date', type: 'date', description: 'Date of release' },
      { name: 'activityId', sql: 't.activity_id', type: 'uuid', description: 'Activity that released the land' },
      { name: 'hazardId', sql: 't.hazard_id', type: 'uuid', description: 'Hazard the land belonged to' },
      ...common('release product'),
    ],
  },
  {
    id: 'finds',
    title: 'Explosive ordnance finds',
    description: 'Items of explosive ordnance found, one point per item or per quantity of one model. Valid in time on the day found, or over the month or year when only that is known.',
    permission: 'data.read',
    from: 'find t LEFT JOIN ordnance_model m ON m.id = t.ordnance_model_id LEFT JOIN activity a ON a.id = t.activity_id',
    table: 'find',
    geometryColumn: 'geom',
    geometryType: 'Point',
    temporal: { start: dayStart('t.found_on'), end: dayEnd('date_period_end(t.found_on, t.found_on_precision)') },
    enclosure: { path: '/api/exports/finds?format=gpkg', type: 'application/geopackage+sqlite3', title: 'Every find as one GeoPackage (the finds export)' },
    properties: [
      { name: 'externalId', sql: 't.external_id', type: 'string', description: 'Identifier in the reporting system' },
      { name: 'category', sql: 't.category', type: 'string', description: 'ap_mine, at_mine, uxo, axo, submunition or ied', enum: FIND_CATEGORIES },
      { name: 'ordnanceModel', sql: 'm.name', type: 'string', description: 'Model (PMN-2, TM-62M, ...)' },
      { name: 'ordnanceModelId', sql: 't.ordnance_model_id', type: 'uuid', description: 'Model in the ordnance catalogue' },
      { name: 'quantity', sql: 't.quantity', type: 'integer', description: 'Number of items' },
      { name: 'depthCm', sql: 't.depth_cm', type: 'integer', description: 'Depth, cm' },
      { name: 'condition', sql: 't.condition', type: 'string', description: 'armed, unarmed, damaged, deteriorated or unknown', enum: FIND_CONDITIONS },
      { name: 'disposalMethod', sql: 't.disposal_method', type: 'string', description: 'How the item was disposed of', enum: DISPOSAL_METHODS },
      { name: 'foundOn', sql: 't.found_on', type: 'date', description: 'Date found: the first day of the period foundOnPrecision says is known' },
      { name: 'foundOnPrecision', sql: 't.found_on_precision', type: 'string', description: 'year, month or day: how precisely the date is known', enum: DATE_PRECISIONS },
      { name: 'activityId', sql: 't.activity_id', type: 'uuid', description: 'Activity that found it' },
      { name: 'activity', sql: 'a.reference', type: 'string', description: 'Reference of that activity' },
      { name: 'organisationId', sql: 'COALESCE(t.organisation_id, a.organisation_id)', type: 'uuid', description: 'Organisation that reported it' },
      ...common('find'),
    ],
  },
  {
    id: 'activities',
    title: 'Activities',
    description: 'Survey, clearance and EOD work on land. Valid in time from start to end date (open while ongoing).',
    permission: 'data.read',
    from: 'activity t',
    table: 'activity',
    geometryColumn: 'geom',
    geometryType: 'MultiPolygon',
    temporal: { start: dayStart('COALESCE(t.start_date, t.end_date)'), end: dayEnd('t.end_date') },
    properties: [
      { name: 'reference', sql: 't.reference', type: 'string', description: 'Reference of the activity' },
      { name: 'kind', sql: 't.kind', type: 'string', description: 'nts, ts, clearance, eod_spot_task, bac or post_clearance_inspection', enum: ACTIVITY_KINDS },
      { name: 'status', sql: 't.status', type: 'string', description: 'planned, ongoing, suspended, completed or cancelled', enum: ACTIVITY_STATUSES },
      { name: 'organisationId', sql: 't.organisation_id', type: 'uuid', description: 'Operator' },
      { name: 'team', sql: 't.team', type: 'string', description: 'Team' },
      { name: 'startDate', sql: 't.start_date', type: 'date', description: 'Start date' },
      { name: 'endDate', sql: 't.end_date', type: 'date', description: 'End date' },
      {
        name: 'hazardIds',
        sql: "COALESCE((SELECT jsonb_agg(ah.hazard_id ORDER BY ah.hazard_id) FROM activity_hazard ah WHERE ah.activity_id = t.id), '[]'::jsonb)",
        type: 'array',
        description: 'Hazards the activity works on',
      },
      ...common('activity'),
    ],
  },
  {
    id: 'minefield-records',
    title: 'Minefield records',
    description: 'Military minefield records, as the perimeter reconstructed from their legs. Valid in time from the laying date.',
    permission: 'data.read',
    from: 'minefield_record t',
    table: 'minefield_record',
    geometryColumn: 'perimeter',
    geometryType: 'Polygon',
    temporal: { start: dayStart('t.laying_date'), end: 'NULL::timestamptz' },
    properties: [
      { name: 'reference', sql: 't.reference', type: 'string', description: 'Reference of the record' },
      { name: 'handoverBatch', sql: 't.handover_batch', type: 'string', description: 'Batch in which the record was handed over' },
      { name: 'handoverDate', sql: 't.handover_date', type: 'date', description: 'Date handed over' },
      { name: 'layingDate', sql: 't.laying_date', type: 'date', description: 'Date the mines were laid' },
      { name: 'laidBy', sql: 't.laid_by', type: 'string', description: 'Unit that laid the mines' },
      { name: 'statedMineTotal', sql: 't.stated_mine_total', type: 'integer', description: 'Mines the record states' },
      { name: 'angleUnit', sql: 't.angle_unit', type: 'string', description: 'degrees or mils', enum: ['degrees', 'mils'] },
      { name: 'northReference', sql: 't.north_reference', type: 'string', description: 'true, grid or magnetic', enum: ['true', 'grid', 'magnetic'] },
      ...common('minefield record'),
    ],
  },
  {
    id: 'accidents',
    title: 'Accidents',
    description:
      'Explosive ordnance accidents: place, date, device. No victim details here: casualties and their identities are in the restricted API only. Valid in time on the day of the accident, or over the month or year when only that is known.',
    permission: 'data.read',
    from: 'accident t LEFT JOIN ordnance_model m ON m.id = t.ordnance_model_id',
    table: 'accident',
    geometryColumn: 'geom',
    geometryType: 'Point',
    temporal: { start: dayStart('t.occurred_on'), end: dayEnd('date_period_end(t.occurred_on, t.occurred_on_precision)') },
    properties: [
      { name: 'reference', sql: 't.reference', type: 'string', description: 'Reference of the accident' },
      { name: 'occurredOn', sql: 't.occurred_on', type: 'date', description: 'Date of the accident: the first day of the period occurredOnPrecision says is known' },
      { name: 'occurredOnPrecision', sql: 't.occurred_on_precision', type: 'string', description: 'year, month or day: how precisely the date is known', enum: DATE_PRECISIONS },
      { name: 'locationPrecisionM', sql: 't.location_precision_m', type: 'number', description: 'Precision of the location, m' },
      { name: 'adminAreaId', sql: 't.admin_area_id', type: 'uuid', description: 'Administrative area' },
      { name: 'deviceCategory', sql: 't.device_category', type: 'string', description: 'Category of the device', enum: DEVICE_CATEGORIES },
      { name: 'ordnanceModel', sql: 'm.name', type: 'string', description: 'Model of the device' },
      { name: 'deminingRelated', sql: 't.demining_related', type: 'boolean', description: 'Whether it happened during demining' },
      { name: 'activityId', sql: 't.activity_id', type: 'uuid', description: 'Demining activity, when related' },
      ...common('accident'),
    ],
  },
  {
    id: 'settlements',
    title: 'Settlements',
    description: 'Gazetteer: settlements with all their names. Population figures are public; displacement and return plans need data.read.',
    permission: 'public.read',
    from: 'settlement t',
    table: 'settlement',
    geometryColumn: 'geom',
    geometryType: 'Point',
    temporal: null,
    properties: [
      ...placeNames('settlement_id'),
      { name: 'adminAreaId', sql: 't.admin_area_id', type: 'uuid', description: 'Administrative area' },
      { name: 'population', sql: 't.population', type: 'integer', description: 'Population' },
      { name: 'displacedPopulation', sql: 't.displaced_population', type: 'integer', description: 'Displaced population', internal: true },
      { name: 'returnPlanned', sql: 't.return_planned', type: 'boolean', description: 'Whether a return is planned', internal: true },
      { name: 'returnPlannedOn', sql: 't.return_planned_on', type: 'date', description: 'Planned date of return', internal: true },
      ...common('settlement'),
    ],
  },
  {
    id: 'administrative-areas',
    title: 'Administrative areas',
    description: 'Gazetteer: administrative areas (level 0 a country, 1 the first level, ...) with all their names.',
    permission: 'public.read',
    from: 'admin_area t',
    table: 'admin_area',
    geometryColumn: 'geom',
    geometryType: 'MultiPolygon',
    temporal: null,
    properties: [
      ...placeNames('admin_area_id'),
      { name: 'level', sql: 't.level', type: 'integer', description: '0 a country, 1 the first administrative level, ...' },
      { name: 'code', sql: 't.code', type: 'string', description: 'Code of the area' },
      { name: 'parentId', sql: 't.parent_id', type: 'uuid', description: 'The area this one lies in' },
      ...common('administrative area'),
    ],
  },
];

/** The properties a caller sees: internal ones only with data.read. */
export function visibleProperties(collection: Collection, dataRead: boolean): Property[] {
  return collection.properties.filter((p) => dataRead || !p.internal);
}

/** Parameters numbered as they are added. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** A geometry given in a request (bbox, filter literal, written feature) as stored: WGS84 longitude/latitude. */
function geometryIn(params: Params, geometry: Geometry, crs: Crs, densify: number | null): string {
  const given = `ST_SetSRID(ST_GeomFromGeoJSON(${params.add(JSON.stringify(geometry))}::text), ${crs.srid})`;
  if (crs.srid === 4326) return crs.latitudeFirst ? `ST_FlipCoordinates(${given})` : given;
  return `ST_Transform(${densify ? `ST_Segmentize(${given}, ${params.add(densify)}::float8)` : given}, 4326)`;
}

function geometryOut(geometry: string, crs: Crs): string {
  if (crs.srid === 4326) return crs.latitudeFirst ? `ST_FlipCoordinates(${geometry})` : geometry;
  return `ST_Transform(${geometry}, ${crs.srid})`;
}

// CQL2 -----------------------------------------------------------------------------------------

/** The name of the geometry in filters, as the queryables list it. */
export const GEOMETRY_PROPERTY = 'geometry';

const SPATIAL_SQL: Record<SpatialFunction, string> = {
  S_INTERSECTS: 'ST_Intersects',
  S_EQUALS: 'ST_Equals',
  S_DISJOINT: 'ST_Disjoint',
  S_TOUCHES: 'ST_Touches',
  S_WITHIN: 'ST_Within',
  S_OVERLAPS: 'ST_Overlaps',
  S_CROSSES: 'ST_Crosses',
  S_CONTAINS: 'ST_Contains',
};

/**
 * CASEI folds case with PostgreSQL's lower() (Unicode-aware in a UTF-8 database); ACCENTI drops
 * the combining marks of the canonical decomposition (é to e, й to и). Letters that do not
 * decompose (ø, ł, ß) stay as they are.
 */
const TEXT_FUNCTION_SQL: Record<TextFunction, (sql: string) => string> = {
  CASEI: (sql) => `lower(${sql})`,
  ACCENTI: (sql) => `regexp_replace(normalize(${sql}, NFD), '[\u0300-\u036f]', '', 'g')`,
};

export type ValueClass = 'text' | 'uuid' | 'numeric' | 'boolean' | 'date' | 'timestamp';

const CLASS_OF: Record<Exclude<PropertyType, 'array' | 'names'>, ValueClass> = {
  string: 'text',
  uuid: 'uuid',
  integer: 'numeric',
  number: 'numeric',
  boolean: 'boolean',
  date: 'date',
  'date-time': 'timestamp',
};

export function classOf(property: Property): ValueClass {
  return CLASS_OF[property.type as keyof typeof CLASS_OF];
}

const CAST: Record<ValueClass, string> = { text: 'text', uuid: 'uuid', numeric: 'float8', boolean: 'boolean', date: 'date', timestamp: 'timestamptz' };

/**
 * A decimal number that PostgreSQL's float8 reads: beyond about 1.8e308 it overflows and under
 * about 1e-308 it underflows, both errors rather than Infinity or 0, so they are refused here.
 */
export function isFloat8Text(text: string): boolean {
  if (!/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(text)) return false;
  const n = Number(text);
  return Number.isFinite(n) && (n !== 0 || !/[1-9]/.test(text.split(/[eE]/)[0]!)) && (n === 0 || Math.abs(n) >= 2.2250738585072014e-308);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface Compiled {
  sql: string;
  valueClass: ValueClass;
}

class FilterCompiler {
  constructor(
    private readonly properties: readonly Property[],
    private readonly collection: Collection,
    private readonly params: Params,
    private readonly filterCrs: Crs,
  ) {}

  private property(name: string, at: At): Compiled {
    const property = this.properties.find((p) => p.name === name && isQueryable(p));
    if (!property) {
      const names = this.properties.filter(isQueryable).map((p) => p.name);
      throw filterError(`${JSON.stringify(name)} is not a queryable of ${this.collection.id}; use ${[...names, GEOMETRY_PROPERTY].join(', ')}`, at);
    }
    return { sql: property.sql, valueClass: classOf(property) };
  }

  /** A literal as a parameter of the class it is compared with; a date text is read as a date where a date is expected (GDAL sends dates as text). */
  private literal(scalar: Exclude<Scalar, { kind: 'property' | 'function' }>, expected: ValueClass | null): Compiled {
    const natural: ValueClass = { string: 'text', number: 'numeric', boolean: 'boolean', date: 'date', timestamp: 'timestamp' }[scalar.kind] as ValueClass;
    let value: unknown = scalar.value;
    let valueClass = natural;
    if (expected && expected !== natural) {
      const text = scalar.kind === 'string' ? scalar.value : null;
      const dateText = text?.replace(/T(00:00(:00(\.0+)?)?Z?)?$/, '');
      if (expected === 'uuid' && text !== null && UUID.test(text)) valueClass = 'uuid';
      else if (expected === 'date' && dateText !== undefined && isCalendarDate(dateText)) [valueClass, value] = ['date', dateText];
      else if (expected === 'timestamp' && scalar.kind === 'date') [valueClass, value] = ['timestamp', `${scalar.value}T00:00:00Z`];
      else if (expected === 'timestamp' && text !== null && isTimestamp(text)) valueClass = 'timestamp';
      else throw filterError(`${JSON.stringify(scalar.value)} cannot be compared with a ${expected} value`, scalar.at);
    }
    return { sql: `${this.params.add(value)}::${CAST[valueClass]}`, valueClass };
  }

  private scalar(scalar: Scalar, expected: ValueClass | null): Compiled {
    if (scalar.kind === 'function') {
      const argument = this.scalar(scalar.argument, 'text');
      if (expected && expected !== 'text') throw filterError(`${scalar.name}(...) is text, compared with a ${expected} value`, scalar.at);
      return { sql: TEXT_FUNCTION_SQL[scalar.name](argument.sql), valueClass: 'text' };
    }
    if (scalar.kind !== 'property') return this.literal(scalar, expected);
    const property = this.property(scalar.name, scalar.at);
    if (expected && property.valueClass !== expected) throw filterError(`${scalar.name} is a ${property.valueClass} property, compared with a ${expected} value`, scalar.at);
    return property;
  }

  /** The class of a predicate: that of its property when it has one, so literals follow it. */
  private pair(left: Scalar, right: Scalar): [Compiled, Compiled] {
    if (left.kind !== 'property' && right.kind === 'property') {
      const r = this.scalar(right, null);
      return [this.scalar(left, r.valueClass), r];
    }
    const l = this.scalar(left, null);
    return [l, this.scalar(right, l.valueClass)];
  }

  private geometry(operand: GeometryOperand): string {
    if (operand.kind === 'geometry') return geometryIn(this.params, operand.geometry, this.filterCrs, null);
    if (operand.name !== GEOMETRY_PROPERTY) throw filterError(`${JSON.stringify(operand.name)} is not a geometry; the geometry is called ${GEOMETRY_PROPERTY}`, operand.at);
    return `t.${this.collection.geometryColumn}`;
  }

  compile(filter: Filter): string {
    switch (filter.kind) {
      case 'and':
      case 'or':
        return `(${filter.operands.map((f) => this.compile(f)).join(filter.kind === 'and' ? ' AND ' : ' OR ')})`;
      case 'not':
        return `(NOT ${this.compile(filter.operand)})`;
      case 'literal':
        return filter.value ? 'true' : 'false';
      case 'comparison': {
        const [left, right] = this.pair(filter.left, filter.right);
        return `(${left.sql} ${filter.op} ${right.sql})`;
      }
      case 'like': {
        const value = this.scalar(filter.value, 'text');
        const pattern = this.scalar(filter.pattern, 'text');
        return `(${value.sql} ${filter.negated ? 'NOT LIKE' : 'LIKE'} ${pattern.sql})`;
      }
      case 'between': {
        const value = this.scalar(filter.value, null);
        if (value.valueClass !== 'numeric' && value.valueClass !== 'date' && value.valueClass !== 'timestamp') {
          throw filterError(`BETWEEN needs a number, date or timestamp, not a ${value.valueClass}`, filter.value.at);
        }
        const low = this.scalar(filter.low, value.valueClass);
        const high = this.scalar(filter.high, value.valueClass);
        return `(${value.sql} ${filter.negated ? 'NOT BETWEEN' : 'BETWEEN'} ${low.sql} AND ${high.sql})`;
      }
      case 'in': {
        const value = this.scalar(filter.value, null);
        const list = filter.list.map((item) => this.scalar(item, value.valueClass).sql);
        return `(${value.sql} ${filter.negated ? 'NOT IN' : 'IN'} (${list.join(', ')}))`;
      }
      case 'isNull':
        return `(${this.scalar(filter.value, null).sql} ${filter.negated ? 'IS NOT NULL' : 'IS NULL'})`;
      case 'spatial':
        return `${SPATIAL_SQL[filter.op]}(${this.geometry(filter.left)}, ${this.geometry(filter.right)})`;
    }
  }

  /**
   * `?name=value` filters of Part 1: equality on a queryable, the text read as the property's
   * type. Names reach here only from the query schema, which lists the queryables alone.
   */
  equals(name: string, text: string): string {
    const property = this.property(name, 1);
    const valid: Record<ValueClass, (t: string) => boolean> = {
      text: () => true,
      uuid: (t) => UUID.test(t),
      numeric: isFloat8Text,
      boolean: (t) => t === 'true' || t === 'false',
      date: isCalendarDate,
      timestamp: isTimestamp,
    };
    if (!valid[property.valueClass](text)) throw new UserError(`query.${name}: ${JSON.stringify(text)} is not a ${property.valueClass} value`, 'invalid_request');
    return `(${property.sql} = ${this.params.add(text)}::${CAST[property.valueClass]})`;
  }
}

// Features -------------------------------------------------------------------------------------

export interface FeatureRow {
  id: string;
  version: number;
  properties: Record<string, unknown>;
  geometry: Geometry | null;
}

/** A sort key of sortby: a queryable property, ascending unless descending. */
export interface SortKey {
  property: Property;
  descending: boolean;
}

/**
 * Where a page starts: just after (or, for `before`, just before) the feature with these sort
 * values and this id. Sorting always ends with the id, so every feature has one place.
 */
export interface Cursor {
  values: unknown[];
  id: string;
}

export interface ItemQuery {
  collection: Collection;
  dataRead: boolean;
  crs: Crs;
  /** Polygons in the bbox CRS (two when a geographic box crosses the antimeridian). */
  bbox?: { polygons: Polygon[]; crs: Crs; densify: number | null };
  /** Inclusive instants (ISO 8601); null is an open end. */
  datetime?: { start: string | null; end: string | null };
  filter?: { tree: Filter; crs: Crs };
  equals: Record<string, string>;
  sortby: SortKey[];
  /** The properties to return; all that the caller may see when absent. */
  properties?: string[];
  limit: number;
  after?: Cursor;
  before?: Cursor;
}

/** One feature as GeoJSON text built by the database, with where it sits in the order. */
export interface FeatureText {
  json: string;
  cursor: Cursor;
}

function selectFeature(collection: Collection, properties: readonly Property[], crs: Crs): string {
  const json = properties.map((p) => `'${p.name}', ${p.sql}`).join(', ');
  return `SELECT t.id::text AS id, t.version, json_build_object(${json}) AS properties,
    ST_AsGeoJSON(${geometryOut(`t.${collection.geometryColumn}`, crs)}, 15, 0)::json AS geometry`;
}

/** The properties a query returns: those it names (each one the caller may see), or all the caller may see. */
function returnedProperties(query: ItemQuery): Property[] {
  const visible = visibleProperties(query.collection, query.dataRead);
  if (!query.properties) return visible;
  return query.properties.map((name) => {
    const property = visible.find((p) => p.name === name);
    if (!property) throw new UserError(`query.properties: ${JSON.stringify(name)} is not a property of ${query.collection.id}; use ${visible.map((p) => p.name).join(', ')}`, 'invalid_request');
    return property;
  });
}

/**
 * A property's value as JSON text. A whole number of a `number` property keeps a decimal point
 * (12000.0): QGIS 3.22 and GDAL without a schema take a field's type from the first features,
 * and would make an area field whole numbers if those happened to be round.
 */
function jsonValue(property: Property): string {
  const json = `COALESCE(to_json(${property.sql})::text, 'null')`;
  if (property.type !== 'number') return json;
  return `CASE WHEN ${property.sql} = trunc(${property.sql}) AND abs(${property.sql}) < 1e15 THEN ${json} || '.0' ELSE ${json} END`;
}

/**
 * The feature as GeoJSON text, put together in SQL: the geometry text of ST_AsGeoJSON goes in as
 * it is, so neither the database nor Node parses and prints it again. No links per feature: a
 * feature's own URL is its collection's items URL and its id, and at 10,000 features a page they
 * would be a third of the bytes.
 */
function featureText(collection: Collection, properties: readonly Property[], crs: Crs): string {
  const members = properties.map((p, i) => `'${i === 0 ? '' : ','}"${p.name}":' || ${jsonValue(p)}`);
  return `'{"type":"Feature","id":"' || t.id::text || '","geometry":' || COALESCE(ST_AsGeoJSON(${geometryOut(`t.${collection.geometryColumn}`, crs)}, 15, 0), 'null')
    || ',"properties":{' ${members.map((m) => `|| ${m}`).join(' ')} || '}}'`;
}

function conditions(query: ItemQuery, params: Params): string[] {
  const { collection } = query;
  const properties = visibleProperties(collection, query.dataRead);
  const where: string[] = [];
  const column = `t.${collection.geometryColumn}`;
  if (query.bbox) {
    const { polygons, crs, densify } = query.bbox;
    where.push(`(${polygons.map((polygon) => `ST_Intersects(${column}, ${geometryIn(params, polygon, crs, densify)})`).join(' OR ')})`);
  }
  if (query.datetime) {
    const { start, end } = query.datetime;
    if (!collection.temporal) where.push('false');
    else {
      if (end !== null) where.push(`${collection.temporal.start} <= ${params.add(end)}::timestamptz`);
      if (start !== null) where.push(`(${collection.temporal.end} IS NULL OR ${collection.temporal.end} >= ${params.add(start)}::timestamptz)`);
    }
  }
  const compiler = new FilterCompiler(properties, collection, params, query.filter?.crs ?? query.crs);
  if (query.filter) where.push(compiler.compile(query.filter.tree));
  for (const [name, value] of Object.entries(query.equals)) where.push(compiler.equals(name, value));
  return where;
}

interface OrderKey {
  sql: string;
  cast: string;
  descending: boolean;
  nullable: boolean;
}

function orderKeys(sortby: readonly SortKey[]): OrderKey[] {
  return [
    ...sortby.map(({ property, descending }) => ({ sql: property.sql, cast: CAST[classOf(property)], descending, nullable: true })),
    { sql: 't.id', cast: 'uuid', descending: false, nullable: false },
  ];
}

/**
 * ORDER BY the keys, nulls taken as larger than any value (PostgreSQL's own default, NULLS LAST
 * ascending and FIRST descending); `backwards` reverses every key, for the page before a cursor.
 */
function orderBy(keys: readonly OrderKey[], backwards: boolean): string {
  return keys.map((k) => (k.descending !== backwards ? `${k.sql} DESC NULLS FIRST` : `${k.sql} ASC NULLS LAST`)).join(', ');
}

/**
 * The rows after the cursor in that order (keyset paging): the first key beyond the cursor's
 * value, or equal to it and the second beyond, and so on down to the id, with nulls as the
 * largest values. Only the id when the order is the default, which its primary key index serves.
 */
function keyset(keys: readonly OrderKey[], cursor: Cursor, backwards: boolean, params: Params): string {
  const values = [...cursor.values, cursor.id];
  const alternatives: string[] = [];
  const equal: string[] = [];
  keys.forEach((key, i) => {
    const value = values[i] ?? null;
    const param = value === null ? null : `${params.add(value)}::${key.cast}`;
    const descending = key.descending !== backwards;
    let beyond: string;
    if (param === null) beyond = descending ? `${key.sql} IS NOT NULL` : 'false';
    else if (descending) beyond = `${key.sql} < ${param}`;
    else beyond = key.nullable ? `(${key.sql} > ${param} OR ${key.sql} IS NULL)` : `${key.sql} > ${param}`;
    alternatives.push([...equal, beyond].join(' AND '));
    equal.push(param === null ? `${key.sql} IS NULL` : `${key.sql} = ${param}`);
  });
  return alternatives.length === 1 ? alternatives[0]! : `(${alternatives.map((a) => `(${a})`).join(' OR ')})`;
}

function cursorOf(row: { id: string; sort: unknown[] | null }): Cursor {
  return { values: row.sort ?? [], id: row.id };
}

async function featureChunk(db: Queryable, query: ItemQuery, cursor: Cursor | undefined, backwards: boolean, limit: number): Promise<FeatureText[]> {
  const params = new Params();
  const keys = orderKeys(query.sortby);
  const where = conditions(query, params);
  if (cursor) where.push(keyset(keys, cursor, backwards, params));
  const sort = query.sortby.length > 0 ? `json_build_array(${query.sortby.map((k) => k.property.sql).join(', ')})` : 'NULL::json';
  const rows = await db.query<{ id: string; sort: unknown[] | null; json: string }>(
    `SELECT t.id::text AS id, ${sort} AS sort, ${featureText(query.collection, returnedProperties(query), query.crs)} AS json
     FROM ${query.collection.from}${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''}
     ORDER BY ${orderBy(keys, backwards)} LIMIT ${params.add(limit)}`,
    params.values,
  );
  return rows.map((row) => ({ json: row.json, cursor: cursorOf(row) }));
}

/** Features are read this many at a time, so a page of 10,000 never sits in memory whole. */
const CHUNK = 1000;

/**
 * One page of features in the query's order (sortby, then id), as GeoJSON text in chunks of at
 * most CHUNK features, each chunk read by keyset from where the last ended; returns whether pages
 * follow and precede it. A page deep into ten million finds costs what the first does. The page
 * before a cursor is read backwards in one query and turned round.
 */
export async function* featureTexts(db: Queryable, query: ItemQuery): AsyncGenerator<FeatureText[], { next: boolean; prev: boolean }> {
  if (query.before) {
    const rows = await featureChunk(db, query, query.before, true, query.limit + 1);
    const page = rows.slice(0, query.limit).reverse();
    if (page.length > 0) yield page;
    return { next: true, prev: rows.length > query.limit };
  }
  let cursor = query.after;
  let sent = 0;
  for (;;) {
    const wanted = Math.min(CHUNK, query.limit - sent);
    const rows = await featureChunk(db, query, cursor, false, wanted + 1);
    const chunk = rows.slice(0, wanted);
    if (chunk.length > 0) yield chunk;
    sent += chunk.length;
    if (rows.length <= wanted || sent >= query.limit) return { next: rows.length > wanted, prev: query.after !== undefined };
    cursor = chunk.at(-1)!.cursor;
  }
}

/** Compiles the query without running it, so that a bad filter or property is refused before an answer starts. */
export function checkQuery(query: ItemQuery): void {
  conditions(query, new Params());
  returnedProperties(query);
}

/** How many features the query selects, for numberMatched. */
export async function countFeatures(db: Queryable, query: ItemQuery): Promise<number> {
  const params = new Params();
  const where = conditions(query, params);
  const [row] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${query.collection.from}${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''}`, params.values);
  return row!.n;
}

export async function getFeature(db: Queryable, collection: Collection, id: string, options: { dataRead: boolean; crs: Crs; properties?: string[] }): Promise<FeatureRow | null> {
  if (!UUID.test(id)) return null;
  const properties = returnedProperties({ collection, dataRead: options.dataRead, crs: options.crs, equals: {}, sortby: [], limit: 1, ...(options.properties ? { properties: options.properties } : {}) });
  const [row] = await db.query<FeatureRow>(`${selectFeature(collection, properties, options.crs)} FROM ${collection.from} WHERE t.id = $1::uuid`, [id]);
  return row ?? null;
}

export interface Extent {
  bbox: [number, number, number, number] | null;
  interval: [string | null, string | null] | null;
}

/**
 * Spatial and temporal extent of every collection, in one round trip. Exact (ST_Extent scans the
 * table): GIS clients zoom to it, and an estimate from planner statistics leaves outliers out.
 */
export async function extents(db: Queryable): Promise<Map<string, Extent>> {
  const parts = COLLECTIONS.map((c, i) => {
    const start = c.temporal ? `min(${c.temporal.start})` : 'NULL::timestamptz';
    const end = c.temporal ? `CASE WHEN bool_or(${c.temporal.end} IS NULL) THEN NULL ELSE max(${c.temporal.end}) END` : 'NULL::timestamptz';
    return `SELECT ${i} AS i, ST_Extent(t.${c.geometryColumn}) AS box, ${start} AS start, ${end} AS "end", count(*) > 0 AS has_rows FROM ${c.table} t`;
  });
  const rows = await db.query<{ i: number; w: number | null; s: number | null; e: number | null; n: number | null; start: Date | null; end: Date | null; has_rows: boolean }>(
    `SELECT i, ST_XMin(box) AS w, ST_YMin(box) AS s, ST_XMax(box) AS e, ST_YMax(box) AS n, start, "end", has_rows FROM (${parts.join(' UNION ALL ')}) x`,
  );
  const result = new Map<string, Extent>();
  for (const row of rows) {
    const c = COLLECTIONS[row.i]!;
    result.set(c.id, {
      bbox: row.w === null ? null : [row.w, row.s!, row.e!, row.n!],
      interval: c.temporal && row.has_rows && row.start ? [row.start.toISOString(), row.end ? row.end.toISOString() : null] : null,
    });
  }
  return result;
}

/** A geometry written in another CRS, as stored (GeoJSON in WGS84 longitude/latitude). */
export async function toStorage(db: Queryable, geometry: Geometry, crs: Crs): Promise<Geometry> {
  const params = new Params();
  const [row] = await db.query<{ geometry: Geometry }>(`SELECT ST_AsGeoJSON(${geometryIn(params, geometry, crs, null)}, 15, 0)::json AS geometry`, params.values);
  return row!.geometry;
}
