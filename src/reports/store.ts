import { assertIdentifier, type Queryable } from '../store/db.ts';
import type { ConflictSides } from './conflict.ts';
import type { ReportAction } from './handlers.ts';

export const REPORT_STATES = ['draft', 'submitted', 'verified', 'approved', 'rejected'] as const;
export type ReportState = (typeof REPORT_STATES)[number];

/** What a report in conflict keeps: the three sides (sync/rules.ts) as they were when it arrived. */
export interface ReportConflict extends ConflictSides {
  /** The record's version when the report arrived, newer than the report's base version. */
  currentVersion: number;
}

export interface ReportRow {
  id: string;
  entity_type: string;
  entity_id: string | null;
  action: ReportAction;
  state: ReportState;
  payload: Record<string, unknown>;
  base_version: number | null;
  organisation_id: string | null;
  reason: string | null;
  submitted_by: string | null;
  submitted_at: Date | null;
  verified_by: string | null;
  verified_at: Date | null;
  decided_by: string | null;
  decided_at: Date | null;
  decision_note: string | null;
  undoes_report_id: string | null;
  accepted_warnings: string[];
  /** The instance the report was made on, and its author's name there (migration 0027). */
  origin: string;
  author: string | null;
  /** For a report written against an older version than the record's: the sides kept for a person. */
  conflict: ReportConflict | null;
  conflict_resolved_at: Date | null;
  /** On a field instance: when the report was answered by the server it was pushed to. */
  pushed_at: Date | null;
  version: number;
  created_at: Date;
  created_by: string | null;
  updated_at: Date;
}

/** What a report says, whether written here or received from another instance. */
export interface ReportContent {
  entityType: string;
  entityId: string | null;
  action: ReportAction;
  payload: Record<string, unknown>;
  baseVersion: number | null;
  organisationId: string | null;
  reason: string | null;
  acceptedWarnings: readonly string[];
}

/** The content as parameters for the columns entity_type, entity_id, action, payload, base_version, organisation_id, reason, accepted_warnings (payload as JSON text). */
export function contentParams(report: ReportContent): unknown[] {
  return [report.entityType, report.entityId, report.action, JSON.stringify(report.payload), report.baseVersion, report.organisationId, report.reason, report.acceptedWarnings];
}

export interface NewReport extends ReportContent {
  createdBy: string | null;
  undoesReportId?: string | null;
}

export async function insertReport(tx: Queryable, report: NewReport): Promise<ReportRow> {
  const [row] = await tx.query<ReportRow>(
    `INSERT INTO report (entity_type, entity_id, action, payload, base_version, organisation_id, reason, accepted_warnings, undoes_report_id, created_by, updated_by)
     VALUES ($1, $2, $3, $4::text::jsonb, $5, $6, $7, $8, $9, $10, $10) RETURNING *`,
    [...contentParams(report), report.undoesReportId ?? null, report.createdBy],
  );
  return row!;
}

export async function updateDraft(
  tx: Queryable,
  id: string,
  changes: { payload: Record<string, unknown>; baseVersion: number | null; reason: string | null; acceptedWarnings: readonly string[]; updatedBy: string | null },
): Promise<ReportRow> {
  const [row] = await tx.query<ReportRow>(
    `UPDATE report SET payload = $2::text::jsonb, base_version = $3, reason = $4, accepted_warnings = $5, updated_by = $6, updated_at = now(), version = version + 1
     WHERE id = $1 RETURNING *`,
    [id, JSON.stringify(changes.payload), changes.baseVersion, changes.reason, changes.acceptedWarnings, changes.updatedBy],
  );
  return row!;
}

export async function findReport(tx: Queryable, id: string, options: { lock: boolean } = { lock: false }): Promise<ReportRow | undefined> {
  const [row] = await tx.query<ReportRow>(`SELECT * FROM report WHERE id = $1${options.lock ? ' FOR UPDATE' : ''}`, [id]);
  return row;
}

export async function listReports(
  tx: Queryable,
  filter: { state?: ReportState; entityType?: string; entityId?: string; organisationId?: string | null; limit: number; offset: number },
): Promise<ReportRow[]> {
  return tx.query<ReportRow>(
    `SELECT * FROM report
     WHERE ($1::text IS NULL OR state = $1) AND ($2::text IS NULL OR entity_type = $2) AND ($3::uuid IS NULL OR entity_id = $3)
       AND ($4::uuid IS NULL OR organisation_id = $4)
     ORDER BY created_at DESC, id LIMIT $5 OFFSET $6`,
    [filter.state ?? null, filter.entityType ?? null, filter.entityId ?? null, filter.organisationId ?? null, filter.limit, filter.offset],
  );
}

/** Moves a report to its next state, stamping who did it and when in the columns of that step. */
export async function setReportState(
  tx: Queryable,
  id: string,
  step: { state: ReportState; by: string | null; entityId?: string | null; note?: string | null },
): Promise<ReportRow> {
  const stamp = { submitted: 'submitted', verified: 'verified', approved: 'decided', rejected: 'decided', draft: null }[step.state];
  const columns = stamp ? `, ${stamp}_by = $3, ${stamp}_at = now()` : '';
  const [row] = await tx.query<ReportRow>(
    `UPDATE report SET state = $2${columns}, entity_id = COALESCE($4, entity_id), decision_note = COALESCE($5, decision_note),
       updated_by = $3, updated_at = now(), version = version + 1
     WHERE id = $1 RETURNING *`,
    [id, step.state, step.by, step.entityId ?? null, step.note ?? null],
  );
  return row!;
}

/** The highest version the history holds for a record, or 0 when it has none. */
export async function lastRecordedVersion(tx: Queryable, entityType: string, entityId: string): Promise<number> {
  const [row] = await tx.query<{ version: number | null }>('SELECT max(version) AS version FROM record_version WHERE entity_type = $1 AND entity_id = $2', [entityType, entityId]);
  return row?.version ?? 0;
}

/**
 * Closes the record's open version and opens the new one, in the caller's transaction. The
 * geometry is copied from the table of current state (or, on delete, from the version before),
 * so the history holds exactly what was stored, without a trip through GeoJSON.
 */
export async function recordVersion(
  tx: Queryable,
  version: {
    entityType: string;
    table: string;
    entityId: string;
    version: number;
    data: Record<string, unknown>;
    deleted: boolean;
    changedBy: string | null;
    reason: string | null;
    reportId: string | null;
  },
): Promise<void> {
  const geom = version.deleted
    ? `(SELECT geom FROM record_version WHERE entity_type = $1 AND entity_id = $2 AND valid_to IS NULL)`
    : `(SELECT geom FROM ${assertIdentifier(version.table)} WHERE id = $2)`;
  await tx.query(
    `INSERT INTO record_version (entity_type, entity_id, version, valid_from, deleted, data, geom, changed_by, change_reason, report_id)
     VALUES ($1, $2, $3, now(), $4, $5::text::jsonb, ${geom}, $6, $7, $8)`,
    [version.entityType, version.entityId, version.version, version.deleted, JSON.stringify(version.data), version.changedBy, version.reason, version.reportId],
  );
  await tx.query('UPDATE record_version SET valid_to = now() WHERE entity_type = $1 AND entity_id = $2 AND valid_to IS NULL AND version <> $3', [
    version.entityType,
    version.entityId,
    version.version,
  ]);
}

export interface VersionRow {
  version: number;
  deleted: boolean;
  payload: Record<string, unknown>;
  report_id: string | null;
}

/** One version of a record as a report payload (geometry as GeoJSON), to restore it when an approval is undone. */
export async function findVersion(tx: Queryable, entityType: string, entityId: string, version: number): Promise<VersionRow | undefined> {
  const [row] = await tx.query<VersionRow>(
    `SELECT version, deleted, report_id,
       CASE WHEN geom IS NULL THEN data ELSE data || jsonb_build_object('geometry', ST_AsGeoJSON(geom, 15)::jsonb) END AS payload
     FROM record_version WHERE entity_type = $1 AND entity_id = $2 AND version = $3`,
    [entityType, entityId, version],
  );
  return row;
}

/** The version of a record that a report produced when it was approved. */
export async function versionOfReport(tx: Queryable, entityType: string, entityId: string, reportId: string): Promise<number | undefined> {
  const [row] = await tx.query<{ version: number }>(
    'SELECT version FROM record_version WHERE entity_type = $1 AND entity_id = $2 AND report_id = $3 ORDER BY version LIMIT 1',
    [entityType, entityId, reportId],
  );
  return row?.version;
}

/** The open (current) version of a record, deleted or not. */
export async function openVersion(tx: Queryable, entityType: string, entityId: string): Promise<{ version: number; deleted: boolean } | undefined> {
  const [row] = await tx.query<{ version: number; deleted: boolean }>(
    'SELECT version, deleted FROM record_version WHERE entity_type = $1 AND entity_id = $2 AND valid_to IS NULL',
    [entityType, entityId],
  );
  return row;
}

export async function newId(tx: Queryable): Promise<string> {
  const [row] = await tx.query<{ id: string }>('SELECT gen_random_uuid() AS id');
  return row!.id;
}
