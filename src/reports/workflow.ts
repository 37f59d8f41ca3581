import { type Actor, isNational, mayActFor } from '../access/permissions.ts';
import { writeAudit } from '../access/store.ts';
import { UserError } from '../errors.ts';
import { describeZodError } from '../http/errors.ts';
import type { Db, Queryable } from '../store/db.ts';
import { type ConflictSide, type ConflictSides, conflictingFields, mergeConflict } from './conflict.ts';
import { type Change, type EntityHandler, entityHandler, entityTypes, type ReportAction } from './handlers.ts';
import * as store from './store.ts';
import type { ReportRow, ReportState } from './store.ts';

export type { ReportConflict } from './store.ts';

export type ReportStep = 'submit' | 'verify' | 'approve' | 'reject';

const STEP_FROM: Record<ReportStep, readonly ReportState[]> = {
  submit: ['draft'],
  verify: ['submitted'],
  approve: ['verified'],
  reject: ['submitted', 'verified'],
};
const STEP_TO: Record<ReportStep, ReportState> = { submit: 'submitted', verify: 'verified', approve: 'approved', reject: 'rejected' };
const STEP_DONE: Record<ReportStep, string> = { submit: 'submitted', verify: 'verified', approve: 'approved', reject: 'rejected' };

/** draft → submitted → verified → approved | rejected; a submitted report may also be rejected before verification. */
export function nextState(state: ReportState, step: ReportStep): ReportState {
  if (!STEP_FROM[step].includes(state)) {
    throw new UserError(`A ${state} report cannot be ${STEP_DONE[step]}; only a ${STEP_FROM[step].join(' or ')} one can`, 'conflict', { state });
  }
  return STEP_TO[step];
}

export interface ReportInput {
  entityType: string;
  action: ReportAction;
  entityId?: string | null;
  baseVersion?: number | null;
  payload: Record<string, unknown>;
  reason?: string | null;
  /** Defaults to the actor's; only national users report for another organisation. */
  organisationId?: string | null;
  acceptedWarnings?: string[];
}

function requireHandler(entityType: string): EntityHandler {
  const handler = entityHandler(entityType);
  if (!handler) throw new UserError(`Unknown entity type ${JSON.stringify(entityType)}; reports can be written for ${entityTypes().join(', ')}`, 'bad_input');
  return handler;
}

/**
 * Operators see their own organisation's reports only; others are "not found", revealing nothing.
 * Also who may see what belongs to a report (its attachments).
 */
export function visible(actor: Actor, report: Pick<ReportRow, 'organisation_id'>): boolean {
  return isNational(actor) || (actor.organisationId !== null && report.organisation_id === actor.organisationId);
}

async function requireReport(tx: Queryable, actor: Actor, id: string, lock: boolean): Promise<ReportRow> {
  const report = await store.findReport(tx, id, { lock });
  if (!report || !visible(actor, report)) throw new UserError(`Report ${id} not found or no access`, 'not_found');
  return report;
}

function assertMayWrite(actor: Actor, organisationId: string | null): void {
  if (!mayActFor(actor, 'report.write', organisationId)) throw new UserError('Reports can be written only for one’s own organisation', 'forbidden');
}

function checkShape(input: { action: ReportAction; entityId: string | null; baseVersion: number | null; reason: string | null }): void {
  if (input.action === 'create' && input.entityId) throw new UserError('A create report names no entityId; the record gets its id on approval', 'bad_input');
  if (input.action !== 'create') {
    if (!input.entityId) throw new UserError(`An ${input.action} report needs the entityId of the record it changes`, 'bad_input');
    if (input.baseVersion == null) throw new UserError(`An ${input.action} report needs the baseVersion of the record it was written against`, 'bad_input');
    if (!input.reason?.trim()) throw new UserError(`An ${input.action} report needs a reason: every change to a record says why`, 'bad_input');
  }
}

/**
 * Everything a report must satisfy before it is stored, submitted or approved: the record exists
 * at the version the report was written against, the merged payload is well formed, the writer
 * acts for the record's organisation, and the entity's own rules hold.
 */
async function prepare(
  tx: Queryable,
  handler: EntityHandler,
  report: ReportRow,
  actor: Actor,
  options: { lock: boolean; writer: Actor | null; restoring?: boolean },
): Promise<Change<Record<string, unknown>>> {
  const current = report.entity_id ? await handler.read(tx, report.entity_id, { lock: options.lock }) : null;
  if (report.action !== 'create') {
    if (!current) throw new UserError(`${handler.entityType} ${report.entity_id} does not exist`, 'not_found');
    if (report.base_version !== current.version) {
      throw new UserError(
        `${handler.entityType} ${report.entity_id} is at version ${current.version}, but the report was written against version ${report.base_version}; write it again against the current record`,
        'version_conflict',
        { baseVersion: report.base_version, currentVersion: current.version },
      );
    }
  }
  let payload: Record<string, unknown> | null = null;
  if (report.action !== 'delete') {
    const merged = report.action === 'update' ? { ...current!.payload, ...report.payload } : report.payload;
    const parsed = handler.schema.safeParse(merged);
    if (!parsed.success) throw new UserError(describeZodError('payload', parsed.error), 'invalid_request', parsed.error.issues);
    payload = parsed.data;
  }
  if (options.writer && !isNational(options.writer)) {
    for (const state of [payload, current?.payload ?? null]) {
      if (!state) continue;
      const owner = await handler.organisationOf(tx, state);
      if (owner !== null && owner !== report.organisation_id) {
        throw new UserError(`This ${handler.entityType} belongs to organisation ${owner}; only that organisation or a national officer reports on it`, 'forbidden');
      }
    }
  }
  const entityId = report.entity_id ?? (await store.newId(tx));
  const version = Math.max(current?.version ?? 0, report.entity_id ? await store.lastRecordedVersion(tx, handler.entityType, report.entity_id) : 0) + 1;
  const change: Change<Record<string, unknown>> = {
    action: report.action,
    entityId,
    payload,
    current,
    version,
    reportId: report.id,
    actor,
    acceptedWarnings: report.accepted_warnings,
    restoring: options.restoring ?? false,
  };
  await handler.validate(tx, change);
  return change;
}

/**
 * The checks a report made on another instance must pass before it is stored as submitted here
 * (the same as for a report written here); throws the UserError that names the problem.
 */
export async function checkReport(tx: Queryable, report: ReportRow, actor: Actor): Promise<void> {
  await prepare(tx, handler(report), report, actor, { lock: false, writer: actor });
}

/**
 * A report in conflict, its sides now: base and theirs as kept, current as the record is now (it
 * may have moved again since the report arrived), and the fields that need a person's choice.
 */
export async function conflictOf(db: Queryable, actor: Actor, id: string) {
  const report = await requireReport(db, actor, id, false);
  const conflict = report.conflict;
  if (!conflict) throw new UserError(`Report ${id} is not in conflict`, 'not_found');
  const current = await handler(report).read(db, report.entity_id!, { lock: false });
  const sides: ConflictSides = { base: conflict.base, theirs: conflict.theirs, current: current?.payload ?? {} };
  return { report, currentVersion: current?.version ?? null, sides, fields: conflictingFields(sides) };
}

/**
 * A person settles a conflict field by field: the report's payload becomes the record they
 * chose, written against the current version, and is approved in the same transaction, so the
 * history shows the edit made here first and then the field's edit as resolved. `currentVersion`
 * is the version the person saw; if the record moved again since, nothing is written (409).
 */
export async function resolveConflict(
  db: Db,
  actor: Actor,
  id: string,
  resolution: { currentVersion: number; choices: Readonly<Record<string, ConflictSide>>; note: string | null },
): Promise<ReportRow> {
  return db.transaction(async (tx) => {
    const report = await requireReport(tx, actor, id, true);
    if (!report.conflict) throw new UserError(`Report ${id} is not in conflict`, 'conflict');
    if (report.state !== 'submitted' && report.state !== 'verified') throw new UserError(`Report ${id} is ${report.state}; its conflict was settled already`, 'conflict');
    if (report.action === 'delete') throw new UserError(`Report ${id} deletes a record changed since: reject it, or write a new delete report against the current version`, 'conflict');
    const entity = handler(report);
    const current = await entity.read(tx, report.entity_id!, { lock: true });
    if (!current) throw new UserError(`${entity.entityType} ${report.entity_id} no longer exists; reject the report`, 'conflict');
    if (current.version !== resolution.currentVersion) {
      throw new UserError(`${entity.entityType} ${report.entity_id} is now at version ${current.version}, not ${resolution.currentVersion}; look at the conflict again`, 'version_conflict', {
        currentVersion: current.version,
      });
    }
    const conflict = report.conflict;
    const payload = mergeConflict({ base: conflict.base, theirs: conflict.theirs, current: current.payload }, resolution.choices);
    const [resolved] = await tx.query<ReportRow>(
      `UPDATE report SET payload = $2::text::jsonb, base_version = $3, conflict_resolved_by = $4, conflict_resolved_at = now(), state = 'verified',
         verified_by = COALESCE(verified_by, $4), verified_at = COALESCE(verified_at, now()), updated_by = $4, updated_at = now(), version = version + 1
       WHERE id = $1 RETURNING *`,
      [id, JSON.stringify(payload), current.version, actor.userId],
    );
    const change = await prepare(tx, entity, resolved!, actor, { lock: true, writer: null });
    await applyChange(tx, entity, change, report.reason ?? 'conflict resolved');
    const approved = await store.setReportState(tx, id, { state: 'approved', by: actor.userId, entityId: change.entityId, note: resolution.note });
    await writeAudit(tx, actor, 'report.resolve_conflict', { type: entity.entityType, id: change.entityId }, { reportId: id, choices: resolution.choices, version: change.version });
    return approved;
  });
}

function withoutGeometry(payload: Record<string, unknown>): Record<string, unknown> {
  const { geometry: _geometry, ...data } = payload;
  return data;
}

/**
 * Applies a prepared change and records its version as stored (with what the store derived,
 * such as a hazard's administrative area); the caller's transaction makes it all or nothing.
 */
async function applyChange(tx: Queryable, handler: EntityHandler, change: Change<Record<string, unknown>>, reason: string | null): Promise<void> {
  await handler.apply(tx, change);
  const stored = change.action === 'delete' ? change.current! : (await handler.read(tx, change.entityId, { lock: false }))!;
  await store.recordVersion(tx, {
    entityType: handler.entityType,
    table: handler.table,
    entityId: change.entityId,
    version: change.version,
    data: withoutGeometry(stored.payload),
    deleted: change.action === 'delete',
    changedBy: change.actor.userId,
    reason,
    reportId: change.reportId,
  });
  await handler.afterApply?.(tx, change);
}

/** Stores a draft, or with `submit` a submitted report: checked once, in one transaction. */
export async function createReport(db: Db, actor: Actor, input: ReportInput, options: { submit?: boolean } = {}): Promise<ReportRow> {
  const handler = requireHandler(input.entityType);
  const organisationId = input.organisationId ?? actor.organisationId;
  assertMayWrite(actor, organisationId);
  const shape = { action: input.action, entityId: input.entityId ?? null, baseVersion: input.baseVersion ?? null, reason: input.reason ?? null };
  checkShape(shape);
  return db.transaction(async (tx) => {
    const report = await store.insertReport(tx, {
      entityType: input.entityType,
      ...shape,
      payload: input.payload,
      organisationId,
      acceptedWarnings: input.acceptedWarnings ?? [],
      createdBy: actor.userId,
    });
    await prepare(tx, handler, report, actor, { lock: false, writer: actor });
    return options.submit ? store.setReportState(tx, report.id, { state: nextState(report.state, 'submit'), by: actor.userId }) : report;
  });
}

/** A draft can be rewritten until it is submitted. */
export async function updateReport(
  db: Db,
  actor: Actor,
  id: string,
  input: { payload: Record<string, unknown>; baseVersion?: number | null; reason?: string | null; acceptedWarnings?: string[] },
): Promise<ReportRow> {
  return db.transaction(async (tx) => {
    const report = await requireReport(tx, actor, id, true);
    assertMayWrite(actor, report.organisation_id);
    if (report.state !== 'draft') throw new UserError(`Report ${id} is ${report.state}; only a draft can be changed`, 'conflict');
    const baseVersion = input.baseVersion === undefined ? report.base_version : input.baseVersion;
    const reason = input.reason === undefined ? report.reason : input.reason;
    checkShape({ action: report.action, entityId: report.entity_id, baseVersion, reason });
    const updated = await store.updateDraft(tx, id, {
      payload: input.payload,
      baseVersion,
      reason,
      acceptedWarnings: input.acceptedWarnings ?? report.accepted_warnings,
      updatedBy: actor.userId,
    });
    await prepare(tx, handler(updated), updated, actor, { lock: false, writer: actor });
    return updated;
  });
}

function handler(report: ReportRow): EntityHandler {
  return requireHandler(report.entity_type);
}

export async function submitReport(db: Db, actor: Actor, id: string): Promise<ReportRow> {
  return db.transaction(async (tx) => {
    const report = await requireReport(tx, actor, id, true);
    assertMayWrite(actor, report.organisation_id);
    const state = nextState(report.state, 'submit');
    await prepare(tx, handler(report), report, actor, { lock: false, writer: actor });
    return store.setReportState(tx, id, { state, by: actor.userId });
  });
}

export async function verifyReport(db: Db, actor: Actor, id: string, note: string | null): Promise<ReportRow> {
  return db.transaction(async (tx) => {
    const report = await requireReport(tx, actor, id, true);
    if (!mayActFor(actor, 'report.verify', report.organisation_id)) throw new UserError(`Report ${id} not found or no access`, 'not_found');
    const state = nextState(report.state, 'verify');
    return store.setReportState(tx, id, { state, by: actor.userId, note });
  });
}

export async function rejectReport(db: Db, actor: Actor, id: string, note: string): Promise<ReportRow> {
  return db.transaction(async (tx) => {
    const report = await requireReport(tx, actor, id, true);
    const state = nextState(report.state, 'reject');
    const rejected = await store.setReportState(tx, id, { state, by: actor.userId, note });
    await writeAudit(tx, actor, 'report.reject', { type: 'report', id }, { note });
    return rejected;
  });
}

/**
 * The only way a record changes: in one transaction, validate again, apply, bump the version,
 * close the previous history row and open the new one, and audit. A record that moved on since
 * the report's base version refuses the approval (409) and nothing is written.
 */
export async function approveReport(db: Db, actor: Actor, id: string, note: string | null): Promise<ReportRow> {
  return db.transaction(async (tx) => {
    const report = await requireReport(tx, actor, id, true);
    const state = nextState(report.state, 'approve');
    const entity = handler(report);
    const change = await prepare(tx, entity, report, actor, { lock: true, writer: null });
    await applyChange(tx, entity, change, report.reason ?? (report.action === 'create' ? 'new record' : null));
    const approved = await store.setReportState(tx, id, { state, by: actor.userId, entityId: change.entityId, note });
    await writeAudit(tx, actor, 'report.approve', { type: entity.entityType, id: change.entityId }, { reportId: id, action: report.action, version: change.version });
    return approved;
  });
}

/**
 * Undoing an approval is itself a recorded change: a new report, approved at once, that restores
 * the version before the one the approval produced. Only the latest change of a record can be
 * undone; later ones are undone first.
 */
export async function undoApproval(db: Db, actor: Actor, id: string, reason: string): Promise<ReportRow> {
  return db.transaction(async (tx) => {
    const report = await requireReport(tx, actor, id, true);
    if (report.state !== 'approved' || !report.entity_id) throw new UserError(`Report ${id} is ${report.state}; only an approved report can be undone`, 'conflict');
    const entity = handler(report);
    const produced = await store.versionOfReport(tx, entity.entityType, report.entity_id, id);
    const open = await store.openVersion(tx, entity.entityType, report.entity_id);
    if (produced === undefined || !open || open.version !== produced) {
      throw new UserError(
        `${entity.entityType} ${report.entity_id} has changed since report ${id} was approved (now version ${open?.version ?? '?'}); undo the later changes first`,
        'version_conflict',
        { producedVersion: produced ?? null, currentVersion: open?.version ?? null },
      );
    }
    const previous = produced > 1 ? await store.findVersion(tx, entity.entityType, report.entity_id, produced - 1) : undefined;
    const action: ReportAction = !previous || previous.deleted ? 'delete' : open.deleted ? 'create' : 'update';
    const undo = await store.insertReport(tx, {
      entityType: entity.entityType,
      entityId: report.entity_id,
      action,
      payload: action === 'delete' ? {} : previous!.payload,
      baseVersion: open.deleted ? null : open.version,
      organisationId: report.organisation_id,
      reason,
      acceptedWarnings: [],
      createdBy: actor.userId,
      undoesReportId: id,
    });
    const change = await prepare(tx, entity, undo, actor, { lock: true, writer: null, restoring: true });
    await applyChange(tx, entity, change, reason);
    const approved = await store.setReportState(tx, undo.id, { state: 'approved', by: actor.userId, entityId: change.entityId, note: reason });
    await writeAudit(tx, actor, 'report.undo', { type: entity.entityType, id: change.entityId }, { reportId: undo.id, undoes: id, version: change.version });
    return approved;
  });
}

export async function getReport(db: Queryable, actor: Actor, id: string): Promise<ReportRow> {
  return requireReport(db, actor, id, false);
}

export async function listReports(
  db: Queryable,
  actor: Actor,
  filter: { state?: ReportState; entityType?: string; entityId?: string; limit: number; offset: number },
): Promise<ReportRow[]> {
  if (isNational(actor)) return store.listReports(db, { ...filter, organisationId: null });
  if (!actor.organisationId) return [];
  return store.listReports(db, { ...filter, organisationId: actor.organisationId });
}

/** A report as `reader` may see it: the entity's handler withholds what the reader may not read. */
export function reportJson(row: ReportRow, reader: Actor) {
  const handler = entityHandler(row.entity_type);
  return {
    id: row.id,
    entityType: row.entity_type,
    entityId: row.entity_id,
    action: row.action,
    state: row.state,
    payload: handler?.payloadForReader ? handler.payloadForReader(row.payload, reader) : row.payload,
    baseVersion: row.base_version,
    organisationId: row.organisation_id,
    reason: row.reason,
    acceptedWarnings: row.accepted_warnings,
    undoesReportId: row.undoes_report_id,
    createdBy: row.created_by,
    createdAt: row.created_at,
    submittedBy: row.submitted_by,
    submittedAt: row.submitted_at,
    verifiedBy: row.verified_by,
    verifiedAt: row.verified_at,
    decidedBy: row.decided_by,
    decidedAt: row.decided_at,
    decisionNote: row.decision_note,
    origin: row.origin,
    author: row.author,
    conflict: row.conflict ? { baseVersion: row.base_version, currentVersion: row.conflict.currentVersion, resolvedAt: row.conflict_resolved_at } : null,
    version: row.version,
  };
}
