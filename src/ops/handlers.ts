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
import * as store from './store.ts';
import { checkCategory, count, PastDate, PastDateAsKnown, PointGeometry, QA_OUTCOMES, Text } from './rules.ts';
import { RISK_EDUCATION_METHODS, sessionProblems } from './riskEducation.ts';
import { readDateAsKnown } from './datePrecision.ts';

// Lookups the handlers of field records share ----------------------------------------------------------

/** Refuses an id with no row behind it, naming the field. */
export async function requireRow(tx: Queryable, field: string, table: store.Table, id: string | null | undefined): Promise<void> {
  if (id && !(await store.exists(tx, table, id))) throw new UserError(`payload.${field}: no ${table.replace('_', ' ')} ${id}`, `bad_input`, { field, value: id });
}

export async function activityOrganisation(tx: Queryable, activityId: string | null | undefined): Promise<string | null> {
  return activityId ? store.activityOrganisation(tx, activityId) : null;
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
  if (options.lock) await store.lockRow(tx, table, id);
}

/** A handler's read: the row locked first when the workflow asks (it writes the row after), then the record as a payload. */
export function lockedRead(table: string, readPayload: (tx: Queryable, id: string) => Promise<EntityState | null>): EntityHandler['read'] {
  return async (tx, id, options) => {
    await lock(tx, table, id, options);
    return readPayload(tx, id);
  };
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
    foundOn: PastDateAsKnown,
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
  read: lockedRead('find', store.readFindPayload),
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
      const taken = await store.findWithExternalId(tx, find.externalId, change.entityId);
      if (taken) throw new UserError(`payload.externalId: find ${taken} already has the external id ${find.externalId}`, 'conflict', { field: 'externalId' });
    }
  },
  async apply(tx, change) {
    if (change.action === 'delete') {
      await store.deleteRecord(tx, 'find', change.entityId);
      return;
    }
    const find = change.payload!;
    const model = await ordnanceModel(tx, 'ordnanceModel', find.ordnanceModel);
    const foundOn = readDateAsKnown(find.foundOn)!;
    // As imports store it: the find's own organisation only where its activity does not already say it.
    const organisationId = find.organisationId && find.organisationId !== (await activityOrganisation(tx, find.activityId)) ? find.organisationId : null;
    await store.writeFind(tx, [
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
      foundOn.date,
      foundOn.precision,
      JSON.stringify(find.geometry),
      find.source,
      change.version,
      change.actor.userId,
    ]);
  },
};

// Risk education ------------------------------------------------------------------------------------

export const RiskEducationPayload = z.strictObject({
  heldOn: PastDate,
  geometry: PointGeometry.nullable().optional(),
  settlementId: z.uuid().nullable().optional(),
  organisationId: z.uuid(),
  method: z.enum(RISK_EDUCATION_METHODS),
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
  read: lockedRead('risk_education_session', store.readRiskEducationPayload),
  async organisationOf(_tx, session) {
    return session.organisationId;
  },
  async validate(tx, change) {
    if (change.action === 'delete') return;
    const session = change.payload!;
    // The schema has checked each field; what is left of the shared rules is the place.
    const problems = sessionProblems({ ...session, beneficiaries: session, position: !!session.geometry, settlementId: session.settlementId ?? null });
    if (problems.place) throw new UserError('payload.geometry: a risk education session needs a place: a position (geometry) or a settlement (settlementId)', 'bad_input', { field: 'geometry' });
    await requireRow(tx, 'organisationId', 'organisation', session.organisationId);
    await requireRow(tx, 'settlementId', 'settlement', session.settlementId);
  },
  async apply(tx, change) {
    if (change.action === 'delete') {
      await store.deleteRecord(tx, 'risk_education_session', change.entityId);
      return;
    }
    const s = change.payload!;
    await store.writeRiskEducationSession(tx, [
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
    ]);
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
    outcome: z.enum(QA_OUTCOMES).nullable().optional(),
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
  read: lockedRead('qa_visit', store.readQaVisitPayload),
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
      await store.deleteRecord(tx, 'qa_visit', change.entityId); // non-conformities go with it (ON DELETE CASCADE)
      return;
    }
    const visit = change.payload!;
    await store.writeQaVisit(tx, change.entityId, [change.entityId, visit.activityId, visit.visitedOn, visit.inspector, visit.organisationId ?? null, visit.outcome ?? null, visit.notes ?? null, visit.source, change.version, change.actor.userId], visit.nonconformities);
  },
};

registerEntityHandler(findHandler);
registerEntityHandler(riskEducationHandler);
registerEntityHandler(qaVisitHandler);
