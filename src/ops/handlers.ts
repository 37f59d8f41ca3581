/**
 * Field records as entity types of the reports workflow: explosive ordnance finds, risk
 * education sessions and QA visits (accidents and victims: src/casualties/handlers.ts). As for
 * hazards, a report carries the whole record (an update only the fields it changes), the workflow
 * checks it on every write and again on approval, and approval writes the row, a record_version
 * and the audit log.
 */
import { z } from 'zod';
import { isNational } from '../access/permissions.ts';
import { Catalogue, type CatalogueEntry } from '../catalogue/match.ts';
import { FIND_CATEGORIES } from '../catalogue/ordnance.ts';
import { loadCatalogue } from '../catalogue/store.ts';
import { UserError } from '../errors.ts';
import { type EntityHandler, type EntityState, registerEntityHandler } from '../reports/handlers.ts';
import type { Queryable } from '../store/db.ts';
import { DISPOSAL_METHODS, FIND_CONDITIONS } from './find.ts';
import { GEOM } from './store.ts';
import { checkCategory, count, PastDate, PointGeometry, Text } from './rules.ts';

// Lookups the handlers of field records share ----------------------------------------------------------

type Table = 'activity' | 'organisation' | 'admin_area' | 'settlement';

async function exists(tx: Queryable, table: Table, id: string): Promise<boolean> {
  const rows = await tx.query(`SELECT 1 FROM ${table} WHERE id = $1`, [id]);
  return rows.length > 0;
}

/** Refuses an id with no row behind it, naming the field. */
export async function requireRow(tx: Queryable, field: string, table: Table, id: string | null | undefined): Promise<void> {
  if (id && !(await exists(tx, table, id))) throw new UserError(`payload.${field}: no ${table.replace('_', ' ')} ${id}`, `bad_input`, { field, value: id });
}

export async function activityOrganisation(tx: Queryable, activityId: string | null | undefined): Promise<string | null> {
  if (!activityId) return null;
  const [row] = await tx.query<{ organisation_id: string }>('SELECT organisation_id FROM activity WHERE id = $1', [activityId]);
  return row?.organisation_id ?? null;
}

/**
 * The catalogue model a report names, matched as imports match it (ignoring case, spaces and
 * punctuation); an unknown name is refused with the nearest names of the catalogue.
 */
export async function ordnanceModel(tx: Queryable, field: string, name: string | null | undefined): Promise<CatalogueEntry | null> {
  if (!name) return null;
  const catalogue = new Catalogue(await loadCatalogue(tx));
  const entry = catalogue.find(name);
  if (entry) return entry;
  const near = catalogue.nearest(name);
  throw new UserError(
    `payload.${field}: ${JSON.stringify(name)} is not in the ordnance catalogue${near.length > 0 ? `; did you mean ${near.join(', ')}?` : ' (GET /api/ordnance-models lists it)'}`,
    'bad_input',
    { field, value: name, suggestions: near },
  );
}

export async function lock(tx: Queryable, table: string, id: string, options: { lock: boolean }): Promise<void> {
  if (options.lock) await tx.query(`SELECT 1 FROM ${table} WHERE id = $1 FOR UPDATE`, [id]);
}

export async function readPayload(tx: Queryable, sql: string, id: string): Promise<EntityState | null> {
  const [row] = await tx.query<EntityState>(sql, [id]);
  return row ?? null;
}

// Finds -----------------------------------------------------------------------------------------

export const FindPayload = z
  .strictObject({
    externalId: z.string().trim().min(1).max(200).nullable().optional(),
    /** The activity (clearance task) the find belongs to; an EOD spot report may have none. */
    activityId: z.uuid().nullable().optional(),
    /** The reporting organisation when it is not the activity's operator (stored only then, as imports do); needed when there is no activity. */
    organisationId: z.uuid().nullable().optional(),
    /** May be left out when the model is given: it is then the model's. */
    category: z.enum(FIND_CATEGORIES).nullable().optional(),
    /** A name of the ordnance catalogue. */
    ordnanceModel: z.string().trim().min(1).max(200).nullable().optional(),
    quantity: count(1).default(1),
    depthCm: count(0).nullable().optional(),
    condition: z.enum(FIND_CONDITIONS).nullable().optional(),
    disposalMethod: z.enum(DISPOSAL_METHODS).nullable().optional(),
    foundOn: PastDate,
    source: Text(500),
    geometry: PointGeometry,
  })
  .refine((f) => f.category || f.ordnanceModel, { error: 'give the category or the ordnance model', path: ['category'] })
  .refine((f) => f.activityId || f.organisationId, { error: 'a find belongs to an activity or names the reporting organisation', path: ['organisationId'] });
export type FindPayload = z.infer<typeof FindPayload>;

export const findHandler: EntityHandler<FindPayload> = {
  entityType: 'find',
  table: 'find',
  schema: FindPayload,
  async read(tx, id, options) {
    await lock(tx, 'find', id, options);
    return readPayload(
      tx,
      `SELECT f.version, jsonb_build_object(
         'externalId', f.external_id, 'activityId', f.activity_id, 'organisationId', f.organisation_id, 'category', f.category,
         'ordnanceModel', m.name, 'quantity', f.quantity, 'depthCm', f.depth_cm, 'condition', f.condition, 'disposalMethod', f.disposal_method,
         'foundOn', to_char(f.found_on, 'YYYY-MM-DD'), 'source', f.source, 'geometry', ST_AsGeoJSON(f.geom, 15)::jsonb) AS payload
       FROM find f LEFT JOIN ordnance_model m ON m.id = f.ordnance_model_id WHERE f.id = $1`,
      id,
    );
  },
  async organisationOf(tx, find) {
    return find.organisationId ?? (await activityOrganisation(tx, find.activityId));
  },
  async validate(tx, change) {
    if (change.action === 'delete') return;
    const find = change.payload!;
    await requireRow(tx, 'activityId', 'activity', find.activityId);
    await requireRow(tx, 'organisationId', 'organisation', find.organisationId);
    checkCategory('category', find.category, await ordnanceModel(tx, 'ordnanceModel', find.ordnanceModel));
    if (find.externalId) {
      const [taken] = await tx.query<{ id: string }>('SELECT id FROM find WHERE external_id = $1 AND id <> $2', [find.externalId, change.entityId]);
      if (taken) throw new UserError(`payload.externalId: find ${taken.id} already has the external id ${find.externalId}`, 'conflict', { field: 'externalId' });
    }
  },
  async apply(tx, change) {
    if (change.action === 'delete') {
      await tx.query('DELETE FROM find WHERE id = $1', [change.entityId]);
      return;
    }
    const find = change.payload!;
    const model = await ordnanceModel(tx, 'ordnanceModel', find.ordnanceModel);
    // As imports store it: the find's own organisation only where its activity does not already say it.
    const organisationId = find.organisationId && find.organisationId !== (await activityOrganisation(tx, find.activityId)) ? find.organisationId : null;
    await tx.query(
      `INSERT INTO find (id, external_id, activity_id, organisation_id, category, ordnance_model_id, quantity, depth_cm, condition, disposal_method,
         found_on, geom, source, version, created_by, updated_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, ${GEOM(12)}, $13, $14, $15, $15)
       ON CONFLICT (id) DO UPDATE SET external_id = EXCLUDED.external_id, activity_id = EXCLUDED.activity_id, organisation_id = EXCLUDED.organisation_id,
         category = EXCLUDED.category, ordnance_model_id = EXCLUDED.ordnance_model_id, quantity = EXCLUDED.quantity, depth_cm = EXCLUDED.depth_cm,
         condition = EXCLUDED.condition, disposal_method = EXCLUDED.disposal_method, found_on = EXCLUDED.found_on, geom = EXCLUDED.geom,
         source = EXCLUDED.source, version = EXCLUDED.version, updated_at = now(), updated_by = EXCLUDED.updated_by`,
      [
        change.entityId,
        find.externalId ?? null,
        find.activityId ?? null,
        organisationId,
        find.category ?? model!.category,
        model?.id ?? null,
        find.quantity,
        find.depthCm ?? null,
        find.condition ?? null,
        find.disposalMethod ?? null,
        find.foundOn,
        JSON.stringify(find.geometry),
        find.source,
        change.version,
        change.actor.userId,
      ],
    );
  },
};

// Risk education ------------------------------------------------------------------------------------

export const RiskEducationPayload = z.strictObject({
  heldOn: PastDate,
  geometry: PointGeometry.nullable().optional(),
  settlementId: z.uuid().nullable().optional(),
  organisationId: z.uuid(),
  method: z.enum(['presentation', 'interpersonal', 'mass_media', 'digital', 'training_of_trainers', 'other']),
  /** Beneficiaries by sex and age group (children under 18, adults). */
  girls: count(0).default(0),
  boys: count(0).default(0),
  women: count(0).default(0),
  men: count(0).default(0),
  source: Text(500),
});
export type RiskEducationPayload = z.infer<typeof RiskEducationPayload>;

export const riskEducationHandler: EntityHandler<RiskEducationPayload> = {
  entityType: 'risk_education_session',
  table: 'risk_education_session',
  schema: RiskEducationPayload,
  async read(tx, id, options) {
    await lock(tx, 'risk_education_session', id, options);
    return readPayload(
      tx,
      `SELECT s.version, jsonb_build_object(
         'heldOn', to_char(s.held_on, 'YYYY-MM-DD'), 'geometry', ST_AsGeoJSON(s.geom, 15)::jsonb, 'settlementId', s.settlement_id,
         'organisationId', s.organisation_id, 'method', s.method, 'girls', s.girls, 'boys', s.boys, 'women', s.women, 'men', s.men,
         'source', s.source) AS payload
       FROM risk_education_session s WHERE s.id = $1`,
      id,
    );
  },
  async organisationOf(_tx, session) {
    return session.organisationId;
  },
  async validate(tx, change) {
    if (change.action === 'delete') return;
    const session = change.payload!;
    await requireRow(tx, 'organisationId', 'organisation', session.organisationId);
    await requireRow(tx, 'settlementId', 'settlement', session.settlementId);
  },
  async apply(tx, change) {
    if (change.action === 'delete') {
      await tx.query('DELETE FROM risk_education_session WHERE id = $1', [change.entityId]);
      return;
    }
    const s = change.payload!;
    await tx.query(
      `INSERT INTO risk_education_session (id, held_on, geom, settlement_id, organisation_id, method, girls, boys, women, men, source, version, created_by, updated_by)
       VALUES ($1, $2, ${GEOM(3)}, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)
       ON CONFLICT (id) DO UPDATE SET held_on = EXCLUDED.held_on, geom = EXCLUDED.geom, settlement_id = EXCLUDED.settlement_id,
         organisation_id = EXCLUDED.organisation_id, method = EXCLUDED.method, girls = EXCLUDED.girls, boys = EXCLUDED.boys, women = EXCLUDED.women,
         men = EXCLUDED.men, source = EXCLUDED.source, version = EXCLUDED.version, updated_at = now(), updated_by = EXCLUDED.updated_by`,
      [
        change.entityId,
        s.heldOn,
        s.geometry ? JSON.stringify(s.geometry) : null,
        s.settlementId ?? null,
        s.organisationId,
        s.method,
        s.girls,
        s.boys,
        s.women,
        s.men,
        s.source,
        change.version,
        change.actor.userId,
      ],
    );
  },
};

// QA visits -------------------------------------------------------------------------------------------

export const NonconformityPayload = z.strictObject({
  description: Text(5000),
  severity: z.enum(['minor', 'major', 'critical']),
  correctiveAction: z.string().trim().max(5000).nullable().optional(),
  closedOn: PastDate.nullable().optional(),
});

export const QaVisitPayload = z
  .strictObject({
    activityId: z.uuid(),
    visitedOn: PastDate,
    inspector: Text(200),
    /** The inspecting organisation; null for the national authority's own inspectors. */
    organisationId: z.uuid().nullable().optional(),
    outcome: z.enum(['satisfactory', 'corrective_action_required', 'suspended']).nullable().optional(),
    notes: z.string().max(10_000).nullable().optional(),
    source: Text(500),
    nonconformities: z.array(NonconformityPayload).max(500).default([]),
  })
  .superRefine((visit, context) => {
    visit.nonconformities.forEach((n, i) => {
      if (n.closedOn && n.closedOn < visit.visitedOn) {
        context.addIssue({ code: 'custom', path: ['nonconformities', i, 'closedOn'], message: `${n.closedOn} is before the visit (${visit.visitedOn})` });
      }
    });
  });
export type QaVisitPayload = z.infer<typeof QaVisitPayload>;

export const qaVisitHandler: EntityHandler<QaVisitPayload> = {
  entityType: 'qa_visit',
  /**
   * qa_visit has no geom column, and the workflow copies the history's geometry from `table` by
   * the record's id. No activity has a visit's id, so this reads no row and a visit's versions
   * keep no geometry, which is right; a geom column on qa_visit (or a workflow that allows a
   * table without one) would let this name qa_visit.
   */
  table: 'activity',
  schema: QaVisitPayload,
  /** Non-conformities in the order they were reported: their rows are only ever inserted, so ctid keeps that order. */
  async read(tx, id, options) {
    await lock(tx, 'qa_visit', id, options);
    return readPayload(
      tx,
      `SELECT q.version, jsonb_build_object(
         'activityId', q.activity_id, 'visitedOn', to_char(q.visited_on, 'YYYY-MM-DD'), 'inspector', q.inspector, 'organisationId', q.organisation_id,
         'outcome', q.outcome, 'notes', q.notes, 'source', q.source,
         'nonconformities', COALESCE((SELECT jsonb_agg(jsonb_build_object('description', n.description, 'severity', n.severity,
             'correctiveAction', n.corrective_action, 'closedOn', to_char(n.closed_on, 'YYYY-MM-DD')) ORDER BY n.ctid)
           FROM qa_nonconformity n WHERE n.qa_visit_id = q.id), '[]'::jsonb)) AS payload
       FROM qa_visit q WHERE q.id = $1`,
      id,
    );
  },
  /** The inspecting organisation; a national inspection belongs to no organisation. */
  async organisationOf(_tx, visit) {
    return visit.organisationId ?? null;
  },
  async validate(tx, change) {
    const states = [change.payload, change.current?.payload as QaVisitPayload | undefined].filter((s): s is QaVisitPayload => !!s);
    if (!isNational(change.actor)) {
      for (const visit of states) {
        if (!visit.organisationId) throw new UserError('A QA visit by the national authority is reported by national officers only', 'forbidden');
        if (visit.organisationId !== change.actor.organisationId && (await activityOrganisation(tx, visit.activityId)) === change.actor.organisationId) {
          throw new UserError('An operator does not report another organisation’s QA visit of its own work', 'forbidden');
        }
      }
    }
    if (change.action === 'delete') return;
    const visit = change.payload!;
    await requireRow(tx, 'activityId', 'activity', visit.activityId);
    await requireRow(tx, 'organisationId', 'organisation', visit.organisationId);
  },
  async apply(tx, change) {
    if (change.action === 'delete') {
      await tx.query('DELETE FROM qa_visit WHERE id = $1', [change.entityId]); // non-conformities go with it (ON DELETE CASCADE)
      return;
    }
    const visit = change.payload!;
    await tx.query(
      `INSERT INTO qa_visit (id, activity_id, visited_on, inspector, organisation_id, outcome, notes, source, version, created_by, updated_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
       ON CONFLICT (id) DO UPDATE SET activity_id = EXCLUDED.activity_id, visited_on = EXCLUDED.visited_on, inspector = EXCLUDED.inspector,
         organisation_id = EXCLUDED.organisation_id, outcome = EXCLUDED.outcome, notes = EXCLUDED.notes, source = EXCLUDED.source,
         version = EXCLUDED.version, updated_at = now(), updated_by = EXCLUDED.updated_by`,
      [change.entityId, visit.activityId, visit.visitedOn, visit.inspector, visit.organisationId ?? null, visit.outcome ?? null, visit.notes ?? null, visit.source, change.version, change.actor.userId],
    );
    await tx.query('DELETE FROM qa_nonconformity WHERE qa_visit_id = $1', [change.entityId]);
    for (const n of visit.nonconformities) {
      await tx.query('INSERT INTO qa_nonconformity (qa_visit_id, description, severity, corrective_action, closed_on) VALUES ($1, $2, $3, $4, $5)', [
        change.entityId,
        n.description,
        n.severity,
        n.correctiveAction ?? null,
        n.closedOn ?? null,
      ]);
    }
  },
};

registerEntityHandler(findHandler);
registerEntityHandler(riskEducationHandler);
registerEntityHandler(qaVisitHandler);
