/**
 * Hazards and activities from files, as finds are imported: the same readers, mapping file and
 * skeleton (importer.ts), all or nothing. Each row becomes the payload a report would carry and
 * passes the same rules as a report (the land handlers' own validation: references, evidence,
 * geometry checks against the register), then is written with its history, in the import's
 * transaction, so that later rows are checked against earlier ones (a reference given twice, an
 * activity naming a hazard of the same import). A dry run rolls all of it back.
 *
 * A point or line with an estimated area makes a hazard flagged position-only: its polygon is the
 * estimated area drawn around the position (landStore.positionOnlyShape), not a surveyed outline.
 */
import { permissionsOf, type Actor } from '../access/permissions.ts';
import { UserError } from '../errors.ts';
import { activityHandler, hazardHandler } from '../land/handlers.ts';
import { refreshLandPieces } from '../land/piecesStore.ts';
import { ACTIVITY_KINDS, ACTIVITY_STATUSES, BLOCKAGES, CONTAMINATION, EVIDENCE, HAZARD_KINDS, HAZARD_STATUSES } from '../land/rules.ts';
import type { EntityHandler } from '../reports/handlers.ts';
import { newId, recordVersion } from '../reports/store.ts';
import type { Db, Queryable } from '../store/db.ts';
import { withComposedFields } from './compose.ts';
import { describeReport, type ImportReport } from './findImporter.ts';
import { checkedRows, type ImportRun, type RecordImport, runImport } from './importer.ts';
import { ACTIVITY_ALIASES, type ActivityField, type ActivityMapping, DEFAULT_ACTIVITY_MAPPING, DEFAULT_HAZARD_MAPPING, HAZARD_ALIASES, type HazardField, type HazardMapping } from './landMapping.ts';
import { hazardIdsByReference, organisationIdByName, positionOnlyShape } from './landStore.ts';
import { columnFieldsByName } from './mapping.ts';
import type { Problems } from './problems.ts';
import { type FieldMapping, RowFields } from './rowFields.ts';
import type { Source } from './source.ts';
import { codeOf, parseNumber, pastDate, pointOf, type ProblemSink, type SourceFeature } from './validate.ts';
import { singlePoint } from './wkb.ts';

export interface HazardImportReport extends ImportReport {
  /** Hazards made from a point or line and their estimated area: their polygons are not surveyed. */
  positionOnly: number;
}

/** The payload of one checked row, with what only the database can resolve left by name. */
interface LandRow {
  row: number;
  payload: Record<string, unknown>;
  organisation: string | null;
  /** A point or line to draw the estimated area around (a position-only hazard). */
  position: { geometry: unknown; areaM2: number } | null;
  hazards: string[];
}

/** The actor of a change from the command line, which holds the database itself. */
const COMMAND_LINE: Actor = { userId: null, username: 'command line', organisationId: null, roles: ['administrator'], permissions: permissionsOf(['administrator']), via: 'anonymous' };

const AREA_FACTORS = { m2: 1, ha: 10_000, km2: 1_000_000 } as const;

/** Values of a list field (`ap_mine; at_mine`), each through the value map, as codes; unknown ones are problems. */
function codes<F extends string>(fields: RowFields<F>, values: Map<F, unknown>, field: F, allowed: readonly string[], problem: ProblemSink, single: true): string | null;
function codes<F extends string>(fields: RowFields<F>, values: Map<F, unknown>, field: F, allowed: readonly string[], problem: ProblemSink, single: false): string[];
function codes<F extends string>(fields: RowFields<F>, values: Map<F, unknown>, field: F, allowed: readonly string[], problem: ProblemSink, single: boolean): string[] | string | null {
  const text = fields.text(values, field);
  const items = text === null ? [] : single ? [text] : text.split(/[;,|]/).map((item) => item.trim()).filter((item) => item !== '');
  const result: string[] = [];
  for (const item of items) {
    const code = codeOf(single ? item : fields.text(new Map([[field, item]]), field)!);
    if (allowed.includes(code)) result.push(code);
    else problem(field, item, `is not one of ${allowed.join(', ')}`);
  }
  return single ? (result[0] ?? null) : result;
}

/** The shape of a hazard row: a polygon as it is; a point or line with the estimated area, to draw. */
function hazardShape(feature: SourceFeature, values: ReadonlyMap<string, unknown>, areaM2: number | null, problem: ProblemSink): { geometry: unknown } | { position: unknown } | null {
  let geometry = feature.geometry ? singlePoint(feature.geometry) : null;
  if (!geometry && values.has('wkt') && !/^\s*(SRID=\d+\s*;\s*)?POINT/i.test(String(values.get('wkt')))) {
    problem('wkt', values.get('wkt'), 'is not a point: polygons are read from a layer (GeoJSON, GeoPackage, shapefile); a table gives a point with estimatedAreaM2');
    return null;
  }
  if (!geometry) {
    const point = pointOf(feature, values, problem, { noun: 'hazard', required: true });
    if (!point) return null;
    geometry = { type: 'Point', coordinates: point };
  }
  if (geometry.type === 'Polygon' || geometry.type === 'MultiPolygon') return { geometry };
  if (!['Point', 'LineString', 'MultiLineString'].includes(geometry.type)) {
    problem('geometry', geometry.type, 'is not a polygon, a point or a line');
    return null;
  }
  if (areaM2 === null) {
    // An area given but not a number is already a problem of its own.
    if (values.has('estimatedAreaM2')) return null;
    problem('estimatedAreaM2', undefined, `is missing: a ${geometry.type} makes a hazard only with its estimated area (drawn around it, flagged position-only)`);
    return null;
  }
  if (areaM2 <= 0) {
    problem('estimatedAreaM2', areaM2, `is not more than 0: a ${geometry.type} needs an area to draw around it`);
    return null;
  }
  return { position: geometry };
}

function checkHazardRow(fields: RowFields<HazardField>, mapping: HazardMapping, feature: SourceFeature, problems: Problems): LandRow | null {
  const values = fields.values(feature.properties);
  const before = problems.count;
  const problem: ProblemSink = (field, value, message) => problems.add({ row: feature.row, field, value, message });
  const reference = fields.text(values, 'reference');
  if (reference === null) problem('reference', undefined, 'is missing');
  else if (reference.length > 64) problem('reference', reference, 'is longer than 64 characters');
  let areaM2: number | null = null;
  if (values.has('estimatedAreaM2')) {
    const n = parseNumber(values.get('estimatedAreaM2'));
    if (n === null || Number.isNaN(n) || n < 0) problem('estimatedAreaM2', values.get('estimatedAreaM2'), `is not an area of 0 or more (${mapping.units.area})`);
    else areaM2 = n * AREA_FACTORS[mapping.units.area];
  }
  const shape = hazardShape(feature, values, areaM2, problem);
  const kind = codes(fields, values, 'kind', HAZARD_KINDS, problem, true);
  const status = codes(fields, values, 'status', HAZARD_STATUSES, problem, true);
  const payload = {
    reference,
    // A hazard known only by a position is suspected unless the file says it is confirmed.
    kind: kind ?? (shape && 'position' in shape ? 'sha' : null),
    status: status ?? 'active',
    estimatedAreaM2: areaM2,
    positionOnly: shape !== null && 'position' in shape,
    evidence: codes(fields, values, 'evidence', EVIDENCE, problem, false),
    contamination: codes(fields, values, 'contamination', CONTAMINATION, problem, false),
    blockages: codes(fields, values, 'blockages', BLOCKAGES, problem, false),
    description: fields.text(values, 'description'),
    ...(shape && 'geometry' in shape ? { geometry: shape.geometry } : {}),
  };
  // Without a shape it is not known whether the kind may default (a position-only hazard is suspected).
  if (payload.kind === null && shape) problem('kind', undefined, `is missing: ${HAZARD_KINDS.join(' or ')}`);
  if (problems.count > before || !shape) return null;
  return { row: feature.row, payload, organisation: fields.text(values, 'organisation'), position: 'position' in shape ? { geometry: shape.position, areaM2: areaM2! } : null, hazards: [] };
}

function checkActivityRow(fields: RowFields<ActivityField>, feature: SourceFeature, problems: Problems): LandRow | null {
  const values = fields.values(feature.properties);
  const before = problems.count;
  const problem: ProblemSink = (field, value, message) => problems.add({ row: feature.row, field, value, message });
  const reference = fields.text(values, 'reference');
  if (reference === null) problem('reference', undefined, 'is missing');
  const kind = codes(fields, values, 'kind', ACTIVITY_KINDS, problem, true);
  if (kind === null && !values.has('kind')) problem('kind', undefined, `is missing: ${ACTIVITY_KINDS.join(', ')}`);
  const organisation = fields.text(values, 'organisation');
  if (organisation === null) problem('organisation', undefined, 'is missing: the organisation doing the work');
  // Planned work may lie ahead; the land rules refuse future dates for work under way or done.
  const date = (field: 'startDate' | 'endDate') => (values.has(field) ? pastDate(field, values.get(field), 'YYYY-MM-DD', '9999-12-31', problem) : null);
  const geometry = feature.geometry ? singlePoint(feature.geometry) : null;
  if (geometry && geometry.type !== 'Polygon' && geometry.type !== 'MultiPolygon') problem('geometry', geometry.type, "is not a polygon: an activity's area is a polygon (or none)");
  const payload = {
    reference,
    kind,
    team: fields.text(values, 'team'),
    startDate: date('startDate'),
    endDate: date('endDate'),
    status: codes(fields, values, 'status', ACTIVITY_STATUSES, problem, true) ?? 'planned',
    geometry: geometry ?? null,
  };
  if (problems.count > before) return null;
  const hazards = (fields.text(values, 'hazards') ?? '').split(/[;,|]/).map((h) => h.trim()).filter((h) => h !== '');
  return { row: feature.row, payload, organisation, position: null, hazards };
}

/** A UserError of the land rules as a problem of the row: `payload.reference: ...` names the field. */
function ruleProblem(problems: Problems, row: number, error: UserError): void {
  const match = /^payload\.(\w+): (.*)$/s.exec(error.message);
  problems.add({ row, field: match ? match[1]! : error.code === 'invalid_geometry' ? 'geometry' : null, value: undefined, message: match ? match[2]! : error.message });
}

/** Checks a row's payload against the land rules as a report is checked, and writes it with its history. */
async function writeThroughRules(
  tx: Queryable,
  handler: EntityHandler,
  row: LandRow,
  payload: Record<string, unknown>,
  problems: Problems,
  change: { actor: Actor; reason: string },
): Promise<string | null> {
  const parsed = handler.schema.safeParse(payload);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.add({ row: row.row, field: issue.path.join('.') || null, value: undefined, message: issue.message });
    return null;
  }
  const entityId = await newId(tx);
  const state = { action: 'create' as const, entityId, payload: parsed.data, current: null, version: 1, reportId: '', actor: change.actor, acceptedWarnings: [], restoring: false };
  try {
    await handler.validate(tx, state);
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    ruleProblem(problems, row.row, error);
    return null;
  }
  await handler.apply(tx, state);
  const { geometry: _geometry, ...data } = (await handler.read(tx, entityId, { lock: false }))!.payload;
  await recordVersion(tx, { entityType: handler.entityType, table: handler.table, entityId, version: 1, data, deleted: false, changedBy: change.actor.userId, reason: change.reason, reportId: null });
  return entityId;
}

/** The rows of a file checked, then each written through the land rules in the import's transaction. */
function landImport<R extends ImportReport>(
  spec: Pick<RecordImport<R>, 'entityType' | 'mapping' | 'extra' | 'checkColumns'>,
  check: (feature: SourceFeature, problems: Problems) => LandRow | null,
  ignoredColumns: () => string[],
  write: (tx: Queryable, row: LandRow, problems: Problems) => Promise<boolean>,
  after: (tx: Queryable, report: R) => Promise<Partial<R>>,
): RecordImport<R> {
  return {
    ...spec,
    async stage(tx, source, problems, onRow) {
      const checked = checkedRows(source, problems, (feature) => check(feature, problems), onRow);
      let created = 0;
      for await (const row of checked.rows) if (await write(tx, row, problems)) created++;
      if (checked.failed()) return null;
      return { counts: { created, ...(await after(tx, { created } as R)) }, ignoredColumns: ignoredColumns() };
    },
    async commit() {
      return {};
    },
  };
}

function columnsCheck<F extends string>(mapping: HazardMapping | ActivityMapping, aliases: Readonly<Record<string, F>>, required: readonly F[], noun: string) {
  return (source: Source, file: string): { ignored: string[]; problem: string | null } => {
    if (!source.columns) return { ignored: [], problem: null };
    const { fields, ignored, clashes } = columnFieldsByName(source.columns, mapping as unknown as { fields: Record<string, F> }, aliases);
    if (clashes.length > 0) return { ignored, problem: `${file}: ${clashes.join('; ')}; map only one of them` };
    const present = new Set<string>([...fields.values(), ...Object.keys(mapping.defaults)]);
    const missing = required.filter((field) => !present.has(field));
    const hint = `; columns are ${source.columns.map((c) => JSON.stringify(c)).join(', ')}. Name them in a mapping file ("fields": {"column": "field"})`;
    return { ignored, problem: missing.length > 0 ? `${file}: no column gives ${missing.join(', ')} of the ${noun}${hint}` : null };
  };
}

export interface LandImportOptions<M> extends ImportRun {
  mapping?: M;
  /** Organisation (name or acronym) of rows that name none. */
  organisation?: string | undefined;
}

/** The mapping with `--organisation` as a default, the row reader, the actor of the changes and the file's name. */
function landSetup<F extends string, M extends HazardMapping | ActivityMapping>(options: LandImportOptions<M>, defaultMapping: M, aliases: Readonly<Record<string, F>>) {
  const base = withComposedFields(options.mapping ?? defaultMapping);
  const mapping: M = { ...base, defaults: { ...base.defaults, ...(options.organisation ? { organisation: options.organisation } : {}) } };
  return { mapping, fields: new RowFields<F>(mapping as unknown as FieldMapping<F>, aliases), actor: options.actor ?? COMMAND_LINE, file: options.file ?? options.path };
}

/**
 * Imports hazards: polygons as they are, points and lines with an estimated area as
 * position-only hazards. Every hazard is new: a reference already in the register is a problem
 * (a hazard is changed by a report, which keeps its history of survey and release).
 */
export async function importHazards(db: Db, options: LandImportOptions<HazardMapping>): Promise<HazardImportReport> {
  const { mapping, fields, actor, file } = landSetup(options, DEFAULT_HAZARD_MAPPING, HAZARD_ALIASES);
  const ids: string[] = [];
  let positionOnly = 0;
  return runImport(
    db,
    options,
    landImport<HazardImportReport>(
      { entityType: 'hazard', mapping, extra: { positionOnly: 0 }, checkColumns: columnsCheck(mapping, HAZARD_ALIASES, ['reference'], 'hazard') },
      (feature, problems) => checkHazardRow(fields, mapping, feature, problems),
      () => fields.ignoredColumns(),
      async (tx, row, problems) => {
        const organisationId = row.organisation === null ? null : await organisationIdByName(tx, row.organisation);
        if (row.organisation !== null && !organisationId) problems.add({ row: row.row, field: 'organisation', value: row.organisation, message: 'is not the name of any organisation' });
        const geometry = row.position ? await positionOnlyShape(tx, row.position.geometry, row.position.areaM2) : row.payload.geometry;
        const reason = row.position
          ? `import of ${file}; position only: the estimated area drawn around the ${(row.position.geometry as { type: string }).type.toLowerCase()} given, not surveyed`
          : `import of ${file}`;
        if (row.organisation !== null && !organisationId) return false;
        const id = await writeThroughRules(tx, hazardHandler, row, { ...row.payload, geometry, organisationId, source: `import: ${file}` }, problems, { actor, reason });
        if (!id) return false;
        ids.push(id);
        if (row.position) positionOnly++;
        return true;
      },
      async (tx) => {
        if (ids.length > 0) await refreshLandPieces(tx, ids);
        return { positionOnly };
      },
    ),
  );
}

/** Imports activities with the hazards they work on (by reference, in the register or earlier in the file). */
export async function importActivities(db: Db, options: LandImportOptions<ActivityMapping>): Promise<ImportReport> {
  const { mapping, fields, actor, file } = landSetup(options, DEFAULT_ACTIVITY_MAPPING, ACTIVITY_ALIASES);
  return runImport(
    db,
    options,
    landImport<ImportReport>(
      { entityType: 'activity', mapping, extra: {}, checkColumns: columnsCheck(mapping, ACTIVITY_ALIASES, ['reference', 'kind', 'organisation'], 'activity') },
      (feature, problems) => checkActivityRow(fields, feature, problems),
      () => fields.ignoredColumns(),
      async (tx, row, problems) => {
        const organisationId = await organisationIdByName(tx, row.organisation!);
        if (!organisationId) problems.add({ row: row.row, field: 'organisation', value: row.organisation, message: 'is not the name of any organisation' });
        const hazards = await hazardIdsByReference(tx, row.hazards);
        for (const reference of row.hazards.filter((h) => !hazards.has(h))) problems.add({ row: row.row, field: 'hazards', value: reference, message: 'is not the reference of any hazard' });
        if (!organisationId || hazards.size < new Set(row.hazards).size) return false;
        const payload = { ...row.payload, organisationId, hazardIds: [...new Set(hazards.values())], source: `import: ${file}` };
        return (await writeThroughRules(tx, activityHandler, row, payload, problems, { actor, reason: `import of ${file}` })) !== null;
      },
      async () => ({}),
    ),
  );
}

/** The report as lines for a terminal: the common summary, saying how many hazards are position-only. */
export function describeHazardReport(report: HazardImportReport): string[] {
  const [summary, ...rest] = describeReport(report);
  return [report.positionOnly > 0 ? `${summary}; ${report.positionOnly} position-only (drawn from a point or line and the estimated area, not surveyed)` : summary!, ...rest];
}
