/**
 * The server's side of a push: reports made on another instance arrive in a batch, each under the
 * id its maker gave it. Sending one again changes nothing; one written against an older version
 * than the record's current one is kept as a conflict for a person, never applied over it.
 */
import { type Actor, mayActFor } from '../access/permissions.ts';
import { UserError } from '../errors.ts';
import { entityHandler } from '../reports/handlers.ts';
import { findReport, findVersion } from '../reports/store.ts';
import { checkReport, type ReportConflict } from '../reports/workflow.ts';
import type { Db, Queryable } from '../store/db.ts';
import { conflictingFields } from '../reports/conflict.ts';
import * as store from './store.ts';

export interface IncomingReport {
  id: string;
  entityType: string;
  action: 'create' | 'update' | 'delete';
  entityId?: string | null | undefined;
  baseVersion?: number | null | undefined;
  payload: Record<string, unknown>;
  reason?: string | null | undefined;
  organisationId?: string | null | undefined;
  acceptedWarnings?: string[] | undefined;
  author: string;
  attachments?: string[] | undefined;
  createdAt: string;
  submittedAt: string;
}

export type Outcome = 'accepted' | 'duplicate' | 'conflict' | 'refused';

export interface ReportResult {
  id: string;
  outcome: Outcome;
  /** The report's state here (duplicates included): submitted, verified, approved or rejected. */
  state?: string;
  message?: string;
  /** For a conflict: the fields on which the report and the current record disagree. */
  fields?: string[];
}

/** Each report in a savepoint of its own, so one refused report does not undo the others of the batch. */
export async function receiveReports(db: Db, actor: Actor, origin: string, reports: readonly IncomingReport[]): Promise<ReportResult[]> {
  const results: ReportResult[] = [];
  for (const report of reports) {
    try {
      results.push(await db.transaction((tx) => receiveOne(tx, actor, origin, report)));
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      results.push({ id: report.id, outcome: 'refused', message: error.message });
    }
  }
  return results;
}

async function receiveOne(tx: Queryable, actor: Actor, origin: string, input: IncomingReport): Promise<ReportResult> {
  const existing = await findReport(tx, input.id);
  if (existing) {
    if (existing.origin !== origin) throw new UserError(`Report id ${input.id} is taken by a report from another instance`, 'conflict');
    return { id: input.id, outcome: 'duplicate', state: existing.state };
  }
  const handler = entityHandler(input.entityType);
  if (!handler) throw new UserError(`Unknown entity type ${JSON.stringify(input.entityType)}`, 'bad_input');
  const organisationId = input.organisationId ?? actor.organisationId;
  if (!mayActFor(actor, 'report.write', organisationId)) throw new UserError('Reports can be written only for one’s own organisation', 'forbidden');
  const entityId = input.entityId ?? null;
  const baseVersion = input.baseVersion ?? null;
  let conflict: ReportConflict | null = null;
  if (input.action !== 'create') {
    if (!entityId || baseVersion === null) throw new UserError(`An ${input.action} report needs the entityId and baseVersion of the record it changes`, 'bad_input');
    const current = await handler.read(tx, entityId, { lock: true });
    if (!current) throw new UserError(`${input.entityType} ${entityId} does not exist`, 'not_found');
    if (baseVersion > current.version) throw new UserError(`${input.entityType} ${entityId} is at version ${current.version}; the report names version ${baseVersion}, which this server never had`, 'bad_input');
    if (baseVersion < current.version) {
      const base = await findVersion(tx, input.entityType, entityId, baseVersion);
      if (!base) throw new UserError(`${input.entityType} ${entityId} has no version ${baseVersion} here`, 'bad_input');
      const theirs = input.action === 'update' ? { ...base.payload, ...input.payload } : {};
      conflict = { currentVersion: current.version, base: base.payload, theirs, current: current.payload };
    }
  }
  const attachments = input.attachments ?? [];
  const missing = await store.missingAttachments(tx, attachments);
  if (missing.length > 0) throw new UserError(`Upload the report's attachments first (PUT /api/sync/attachments/{sha256}): ${missing.join(', ')} not complete here`, 'bad_input');
  const row = await store.insertReceivedReport(tx, {
    id: input.id,
    entityType: input.entityType,
    entityId,
    action: input.action,
    payload: input.payload,
    baseVersion,
    organisationId,
    reason: input.reason ?? null,
    acceptedWarnings: input.acceptedWarnings ?? [],
    origin,
    author: input.author,
    createdAt: input.createdAt,
    submittedAt: input.submittedAt,
    receivedBy: actor.userId,
    conflict,
  });
  await store.linkAttachments(tx, row.id, attachments);
  if (conflict) return { id: input.id, outcome: 'conflict', state: row.state, fields: conflictingFields(conflict) };
  await checkReport(tx, row, actor);
  return { id: input.id, outcome: 'accepted', state: row.state };
}
