/**
 * The SQL of sync, for both ends: the server's changes feed and the reports it receives, and the
 * field instance's pending pushes, its cursor and the versions it pulls. See docs/sync.md.
 */
import type { Queryable } from '../store/db.ts';
import { contentParams, type ReportConflict, type ReportContent, type ReportRow } from '../reports/store.ts';

/** A box in WGS84: west, south, east, north. */
export type Bbox = readonly [number, number, number, number];

/** This instance's id, made when its store was first migrated (migration 0026). */
export async function instanceId(tx: Queryable): Promise<string> {
  const [row] = await tx.query<{ id: string }>('SELECT id FROM instance');
  return row!.id;
}

export interface ChangeRow {
  change_seq: string;
  entity_type: string;
  entity_id: string;
  /** The change line of the feed without its newline, made by the database (feed.ts ChangeLine). */
  line: string;
}

/**
 * Versions after a change sequence number, in commit order (see migration 0026), each already
 * written as its line of the feed: JSON made in the database costs the API neither a parse nor a
 * serialisation per row. `valid_from` keeps its microseconds (a JS Date would cut them).
 */
/** Which versions a reader asks for: of an area, of some record types. */
export interface FeedFilter {
  bbox?: Bbox | undefined;
  /** Entity types (hazard, activity, ...); all when absent. */
  types?: readonly string[] | undefined;
}

export async function changesAfter(tx: Queryable, seq: bigint, limit: number, filter: FeedFilter = {}): Promise<ChangeRow[]> {
  const params: unknown[] = [seq.toString(), limit];
  const where: string[] = [];
  // An area keeps the versions whose geometry meets its box, and every version without one (the
  // catalogue, organisations, settings): what a field office needs of the register, not less.
  if (filter.bbox) {
    params.push(...filter.bbox);
    where.push(`(v.geom IS NULL OR v.geom && ST_MakeEnvelope($${params.length - 3}, $${params.length - 2}, $${params.length - 1}, $${params.length}, 4326))`);
  }
  if (filter.types) {
    params.push(filter.types);
    where.push(`v.entity_type = ANY($${params.length}::text[])`);
  }
  return tx.query<ChangeRow>(
    `SELECT v.change_seq::text AS change_seq, v.entity_type, v.entity_id,
       json_build_object('type', 'change', 'cursor', 'c1.' || v.change_seq, 'entityType', v.entity_type, 'entityId', v.entity_id,
         'version', v.version, 'validFrom', v.valid_from, 'deleted', v.deleted, 'data', v.data,
         'geometry', ST_AsGeoJSON(v.geom, 15)::json, 'origin', v.origin, 'reportId', v.report_id, 'reason', v.change_reason)::text AS line
     FROM record_version v WHERE v.change_seq > $1 ${where.map((w) => `AND ${w}`).join(' ')} ORDER BY v.change_seq LIMIT $2`,
    params,
  );
}

export interface VictimIdentityRow {
  victim_id: string;
  full_name: string | null;
  date_of_birth: string | null;
  address: string | null;
  contact: string | null;
}

/** Victims' identifying details (restricted personal data): only for readers with restricted.read, and each read is logged. */
export async function victimIdentities(tx: Queryable, victimIds: readonly string[], reader: { userId: string | null }, accidentId: string): Promise<VictimIdentityRow[]> {
  if (victimIds.length === 0) return [];
  const rows = await tx.query<VictimIdentityRow>(
    `SELECT victim_id, full_name, to_char(date_of_birth, 'YYYY-MM-DD') AS date_of_birth, address, contact
     FROM victim_identity WHERE victim_id = ANY($1::uuid[]) ORDER BY victim_id`,
    [victimIds],
  );
  if (rows.length > 0) {
    await tx.query("INSERT INTO restricted_access_log (actor_id, entity_type, entity_id, purpose) VALUES ($1, 'accident', $2, 'sync changes feed')", [reader.userId, accidentId]);
  }
  return rows;
}

export interface ReceivedReport extends ReportContent {
  id: string;
  origin: string;
  author: string;
  createdAt: string;
  submittedAt: string;
  receivedBy: string | null;
  conflict: ReportConflict | null;
}

/** A report made on another instance, stored under the id its maker gave it, as submitted. */
export async function insertReceivedReport(tx: Queryable, report: ReceivedReport): Promise<ReportRow> {
  const [row] = await tx.query<ReportRow>(
    `INSERT INTO report (id, entity_type, entity_id, action, state, payload, base_version, organisation_id, reason, accepted_warnings,
       origin, author, created_at, submitted_at, created_by, submitted_by, updated_by, conflict)
     VALUES ($1, $2, $3, $4, 'submitted', $5::text::jsonb, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, $14, $15::text::jsonb) RETURNING *`,
    [
      report.id,
      ...contentParams(report),
      report.origin,
      report.author,
      report.createdAt,
      report.submittedAt,
      report.receivedBy,
      report.conflict === null ? null : JSON.stringify(report.conflict),
    ],
  );
  return row!;
}

// Field side ------------------------------------------------------------------------------------

export interface PendingReport {
  id: string;
  entity_type: string;
  entity_id: string | null;
  action: string;
  payload: Record<string, unknown>;
  base_version: number | null;
  organisation_id: string | null;
  reason: string | null;
  accepted_warnings: string[];
  origin: string;
  author: string;
  created_at: Date;
  submitted_at: Date;
}

/** Reports made here, submitted, and not yet answered by the server, oldest first. */
export async function unpushedReports(tx: Queryable, limit: number): Promise<PendingReport[]> {
  return tx.query<PendingReport>(
    `SELECT r.id, r.entity_type, r.entity_id, r.action, r.payload, r.base_version, r.organisation_id, r.reason, r.accepted_warnings, r.origin,
       COALESCE(r.author, u.display_name, u.username, 'unknown') AS author, r.created_at, COALESCE(r.submitted_at, r.created_at) AS submitted_at
     FROM report r LEFT JOIN app_user u ON u.id = r.created_by
     WHERE r.pushed_at IS NULL AND r.state IN ('submitted', 'verified') AND r.origin = (SELECT id FROM instance)
     ORDER BY r.created_at, r.id LIMIT $1`,
    [limit],
  );
}

export async function countUnpushed(tx: Queryable): Promise<number> {
  const [row] = await tx.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM report WHERE pushed_at IS NULL AND state IN ('submitted', 'verified') AND origin = (SELECT id FROM instance)",
  );
  return row!.n;
}

export async function markPushed(tx: Queryable, id: string, outcome: string, message: string | null): Promise<void> {
  await tx.query('UPDATE report SET pushed_at = now(), sync_outcome = $2, sync_message = $3 WHERE id = $1', [id, outcome, message]);
}

export interface Peer {
  cursor: string | null;
  remote_instance: string | null;
}

export async function peer(tx: Queryable, server: string): Promise<Peer | undefined> {
  const [row] = await tx.query<Peer>('SELECT cursor, remote_instance FROM sync_peer WHERE server = $1', [server]);
  return row;
}

export async function savePeer(tx: Queryable, server: string, changes: { cursor?: string; remoteInstance?: string; pushed?: boolean }): Promise<void> {
  await tx.query(
    `INSERT INTO sync_peer AS p (server, cursor, remote_instance, pulled_at, pushed_at)
     VALUES ($1, $2, $3, CASE WHEN $2::text IS NULL THEN NULL ELSE now() END, CASE WHEN $4 THEN now() END)
     ON CONFLICT (server) DO UPDATE SET cursor = COALESCE($2, p.cursor), remote_instance = COALESCE($3, p.remote_instance),
       pulled_at = CASE WHEN $2::text IS NULL THEN p.pulled_at ELSE now() END, pushed_at = CASE WHEN $4 THEN now() ELSE p.pushed_at END`,
    [server, changes.cursor ?? null, changes.remoteInstance ?? null, changes.pushed ?? false],
  );
}

/** Whether this instance already holds that version of the record. */
export async function hasVersion(tx: Queryable, entityType: string, entityId: string, version: number): Promise<boolean> {
  const rows = await tx.query('SELECT 1 FROM record_version WHERE entity_type = $1 AND entity_id = $2 AND version = $3', [entityType, entityId, version]);
  return rows.length > 0;
}

/**
 * A version pulled from the server, kept with its origin, time and reason. Users are not shared
 * between instances, so `changed_by` stays empty; the report is linked when it is known here
 * (one this instance pushed).
 */
export async function insertPulledVersion(
  tx: Queryable,
  v: { entityType: string; entityId: string; version: number; validFrom: string; deleted: boolean; data: Record<string, unknown>; geometry: unknown; origin: string; reportId: string | null; reason: string | null },
): Promise<void> {
  await tx.query(
    `INSERT INTO record_version (entity_type, entity_id, version, valid_from, deleted, data, geom, origin, report_id, change_reason)
     VALUES ($1, $2, $3, $4, $5, $6::text::jsonb, CASE WHEN $7::text IS NULL THEN NULL ELSE ST_SetSRID(ST_GeomFromGeoJSON($7::text), 4326) END, $8,
       (SELECT id FROM report WHERE id = $9::uuid), $10)`,
    [v.entityType, v.entityId, v.version, v.validFrom, v.deleted, JSON.stringify(v.data), v.geometry == null ? null : JSON.stringify(v.geometry), v.origin, v.reportId, v.reason],
  );
  await tx.query(
    `UPDATE record_version SET valid_to = GREATEST(valid_from, $4::timestamptz) WHERE entity_type = $1 AND entity_id = $2 AND valid_to IS NULL AND version < $3`,
    [v.entityType, v.entityId, v.version, v.validFrom],
  );
}

/** A report pushed from here and approved on the server: its change has arrived. */
export async function markReportApproved(tx: Queryable, reportId: string, entityId: string): Promise<void> {
  await tx.query("UPDATE report SET state = 'approved', entity_id = COALESCE(entity_id, $2), updated_at = now(), version = version + 1 WHERE id = $1 AND state <> 'approved'", [reportId, entityId]);
}

/**
 * Of the ids a pulled record refers to in tables the feed does not carry (yet), those this
 * instance has: administrative areas (each instance seeds its own gazetteer) and minefield
 * records (not yet written by the reports workflow).
 */
export async function existingIds(tx: Queryable, table: 'admin_area' | 'minefield_record', ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await tx.query<{ id: string }>(`SELECT id FROM ${table} WHERE id = ANY($1::uuid[])`, [ids]);
  return new Set(rows.map((r) => r.id));
}

/** An organisation as the server has it (organisations are not written by reports, so they have no entity handler). */
export async function writeOrganisation(tx: Queryable, id: string, version: number, data: Record<string, unknown>): Promise<void> {
  await tx.query(
    `INSERT INTO organisation AS o (id, name, acronym, kind, country_code, active, version) VALUES ($1, $2, $3, $4, $5, COALESCE($6, true), $7)
     ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, acronym = EXCLUDED.acronym, kind = EXCLUDED.kind, country_code = EXCLUDED.country_code,
       active = EXCLUDED.active, version = EXCLUDED.version, updated_at = now()`,
    [id, data.name, data.acronym ?? null, data.kind, data.countryCode ?? null, data.active ?? null, version],
  );
}

// Attachments --------------------------------------------------------------------------------------

export interface AttachmentState {
  sha256: string;
  size_bytes: number;
  received_bytes: number;
  complete: boolean;
}

const ATTACHMENT_STATE = 'sha256, size_bytes::float8 AS size_bytes, received_bytes::float8 AS received_bytes, complete';

export async function attachmentState(tx: Queryable, sha256: string, options: { lock: boolean } = { lock: false }): Promise<AttachmentState | undefined> {
  const [row] = await tx.query<AttachmentState>(`SELECT ${ATTACHMENT_STATE} FROM attachment WHERE sha256 = $1${options.lock ? ' FOR UPDATE' : ''}`, [sha256]);
  return row;
}

export async function startAttachment(tx: Queryable, sha256: string, size: number, by: string | null): Promise<void> {
  await tx.query('INSERT INTO attachment (sha256, size_bytes, created_by) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING', [sha256, size, by]);
}

/** Appends bytes; when the last one is in, answers the SHA-256 of the whole content. */
export async function appendAttachment(tx: Queryable, sha256: string, bytes: Uint8Array): Promise<{ received: number; digest: string | null }> {
  const [row] = await tx.query<{ received: number; digest: string | null }>(
    `UPDATE attachment SET content = content || $2, received_bytes = received_bytes + length($2)
     WHERE sha256 = $1
     RETURNING received_bytes::float8 AS received, CASE WHEN received_bytes = size_bytes THEN encode(sha256(content), 'hex') END AS digest`,
    [sha256, bytes],
  );
  return row!;
}

export async function completeAttachment(tx: Queryable, sha256: string): Promise<void> {
  await tx.query('UPDATE attachment SET complete = true WHERE sha256 = $1', [sha256]);
}

export async function discardAttachment(tx: Queryable, sha256: string): Promise<void> {
  await tx.query('DELETE FROM attachment WHERE sha256 = $1 AND NOT complete', [sha256]);
}

export async function attachmentContent(tx: Queryable, sha256: string, from: number, length: number): Promise<Uint8Array> {
  const [row] = await tx.query<{ bytes: Uint8Array }>('SELECT substring(content FROM $2::int + 1 FOR $3::int) AS bytes FROM attachment WHERE sha256 = $1', [sha256, from, length]);
  return row!.bytes;
}

/** Of these attachments, those not complete here. */
export async function missingAttachments(tx: Queryable, sha256s: readonly string[]): Promise<string[]> {
  if (sha256s.length === 0) return [];
  const rows = await tx.query<{ sha256: string }>('SELECT sha256 FROM attachment WHERE sha256 = ANY($1::text[]) AND complete', [sha256s]);
  const complete = new Set(rows.map((r) => r.sha256));
  return sha256s.filter((s) => !complete.has(s));
}

export async function linkAttachments(tx: Queryable, reportId: string, sha256s: readonly string[]): Promise<void> {
  if (sha256s.length === 0) return;
  await tx.query('INSERT INTO report_attachment (report_id, sha256) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING', [reportId, sha256s]);
}

export async function attachmentsOf(tx: Queryable, reportIds: readonly string[]): Promise<Map<string, string[]>> {
  const rows = await tx.query<{ report_id: string; sha256: string }>('SELECT report_id, sha256 FROM report_attachment WHERE report_id = ANY($1::uuid[]) ORDER BY sha256', [reportIds]);
  const map = new Map<string, string[]>();
  for (const r of rows) map.set(r.report_id, [...(map.get(r.report_id) ?? []), r.sha256]);
  return map;
}

/** The attachments of one report, with their sizes, in the order of their names. */
export async function attachmentsOfReport(tx: Queryable, reportId: string): Promise<{ sha256: string; size: number }[]> {
  return tx.query<{ sha256: string; size: number }>(
    'SELECT a.sha256, a.size_bytes::float8 AS size FROM report_attachment ra JOIN attachment a ON a.sha256 = ra.sha256 WHERE ra.report_id = $1 ORDER BY a.sha256',
    [reportId],
  );
}

/** The organisations of the reports an attachment belongs to: who may read it is who may read one of them. */
export async function organisationsOfAttachment(tx: Queryable, sha256: string): Promise<{ organisation_id: string | null }[]> {
  return tx.query<{ organisation_id: string | null }>(
    'SELECT DISTINCT r.organisation_id FROM report_attachment ra JOIN report r ON r.id = ra.report_id WHERE ra.sha256 = $1',
    [sha256],
  );
}

/** The whole content of a complete attachment. */
export async function completeContent(tx: Queryable, sha256: string): Promise<Uint8Array | undefined> {
  const [row] = await tx.query<{ content: Uint8Array }>('SELECT content FROM attachment WHERE sha256 = $1 AND complete', [sha256]);
  return row?.content;
}
