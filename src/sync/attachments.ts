/**
 * Attachments (photos, scans) travel in chunks, each a `PUT` with its Content-Range, and are
 * named by the SHA-256 of their content: a broken upload resumes from what arrived (asked with
 * `HEAD`), a chunk sent twice is harmless, and the content is checked when its last byte is in.
 */
import type { Actor } from '../access/permissions.ts';
import { UserError } from '../errors.ts';
import { getReport, visible } from '../reports/workflow.ts';
import type { Queryable } from '../store/db.ts';
import { type ContentRange, mediaTypeOf } from './rules.ts';
import * as store from './store.ts';

export interface AttachmentStatus {
  sha256: string;
  size: number;
  received: number;
  complete: boolean;
  /** The SHA-256 of content that arrived whole but was not the one named: it was discarded. */
  mismatch?: string;
}

function status(row: store.AttachmentState): AttachmentStatus {
  return { sha256: row.sha256, size: row.size_bytes, received: row.received_bytes, complete: row.complete };
}

export async function attachmentStatus(tx: Queryable, sha256: string): Promise<AttachmentStatus> {
  const row = await store.attachmentState(tx, sha256);
  if (!row) throw new UserError(`Attachment ${sha256} not found: nothing of it has arrived`, 'not_found');
  return status(row);
}

export async function receiveChunk(tx: Queryable, sha256: string, range: ContentRange, bytes: Uint8Array, by: string | null): Promise<AttachmentStatus> {
  if (bytes.length !== range.end - range.start + 1) {
    throw new UserError(`Content-Range says ${range.end - range.start + 1} bytes, the body has ${bytes.length}`, 'bad_input', { field: 'Content-Range' });
  }
  await store.startAttachment(tx, sha256, range.total, by);
  const row = (await store.attachmentState(tx, sha256, { lock: true }))!;
  if (row.size_bytes !== range.total) throw new UserError(`Attachment ${sha256} is ${row.size_bytes} bytes, not ${range.total}`, 'bad_input', { field: 'Content-Range' });
  if (row.complete || range.end < row.received_bytes) return status(row);
  if (range.start > row.received_bytes) {
    throw new UserError(`Attachment ${sha256}: ${row.received_bytes} bytes have arrived; send from byte ${row.received_bytes}, not ${range.start}`, 'conflict', { received: row.received_bytes });
  }
  const { received, digest } = await store.appendAttachment(tx, sha256, bytes.subarray(row.received_bytes - range.start));
  if (digest !== null) {
    if (digest !== sha256) {
      // Answered, not thrown: the discard must commit, so the next upload starts again from byte 0.
      await store.discardAttachment(tx, sha256);
      return { sha256, size: row.size_bytes, received: 0, complete: false, mismatch: digest };
    }
    await store.completeAttachment(tx, sha256);
  }
  return { sha256, size: row.size_bytes, received, complete: digest !== null };
}

/** The attachments of a report its reader may see (an approver looks at a report's photos). */
export async function reportAttachments(tx: Queryable, actor: Actor, reportId: string): Promise<{ sha256: string; size: number }[]> {
  await getReport(tx, actor, reportId);
  return store.attachmentsOfReport(tx, reportId);
}

/**
 * An attachment's content for a reader who may see a report it belongs to. One that belongs to
 * no such report, or has not arrived whole, is "not found", as a report out of reach is.
 */
export async function attachmentForReader(tx: Queryable, actor: Actor, sha256: string): Promise<{ bytes: Uint8Array; mediaType: string }> {
  const organisations = await store.organisationsOfAttachment(tx, sha256);
  const bytes = organisations.some((report) => visible(actor, report)) ? await store.completeContent(tx, sha256) : undefined;
  if (!bytes) throw new UserError(`Attachment ${sha256} not found or no access`, 'not_found');
  return { bytes, mediaType: mediaTypeOf(bytes) };
}
