/** The sync protocol's routes (docs/sync.md): the changes feed, report upload, conflicts. */
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { z } from 'zod';
import { UserError } from '../errors.ts';
import { Bbox, route } from '../http/route.ts';
import { ReportBody } from '../reports/routes.ts';
import * as workflow from '../reports/workflow.ts';
import { changesFeed } from './feed.ts';
import { receiveReports } from './receive.ts';
import { CONFLICT_SIDES } from '../reports/conflict.ts';
import { instanceId, linkAttachments, missingAttachments } from './store.ts';
import { mayActFor } from '../access/permissions.ts';
import { attachmentForReader, attachmentStatus, receiveChunk, reportAttachments } from './attachments.ts';
import { apiError } from '../http/errors.ts';
import { parseContentRange, SHA256 } from './rules.ts';

export const NDJSON = 'application/x-ndjson';

const Id = z.object({ id: z.uuid() });
const Sha = z.object({ sha256: z.string().regex(SHA256, 'want the SHA-256 of the content, 64 lower-case hex digits') });

async function readAll(body: unknown): Promise<Buffer> {
  if (!(body instanceof Readable)) throw new UserError('Send the chunk as application/octet-stream', 'unsupported_media_type');
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const IncomingReport = ReportBody.extend({
  id: z.uuid(),
  author: z.string().min(1).max(200),
  /** SHA-256 of each attachment, uploaded before the report (PUT /api/sync/attachments/{sha256}). */
  attachments: z.array(z.string().regex(SHA256)).max(100).optional(),
  createdAt: z.iso.datetime({ offset: true }),
  submittedAt: z.iso.datetime({ offset: true }),
});

export const syncRoutes = [
  route({
    method: 'GET',
    path: '/api/sync/changes',
    summary: 'Approved changes (versions of records) in commit order as NDJSON, from a cursor, optionally of an area (bbox: those whose geometry meets it, and all without one) and of some record types (types=hazard,activity); resume from the cursor of the last complete line',
    tag: 'sync',
    permission: 'data.read',
    longRunning: true,
    produces: NDJSON,
    query: z.strictObject({
      since: z.string().max(40).optional(),
      limit: z.coerce.number().int().min(1).max(1_000_000).default(100_000),
      bbox: Bbox.optional(),
      /** An area package keeps the register, not the finds: a region's finds are most of its feed. */
      types: z
        .string()
        .regex(/^[a-z_]+(,[a-z_]+)*$/, 'a comma-separated list of record types, e.g. hazard,activity')
        .transform((text) => text.split(','))
        .optional(),
    }),
    async handler({ db, actor, query, reply }) {
      const lines = changesFeed(db, actor, query.since, query.limit, { bbox: query.bbox, types: query.types });
      // The first line is read before answering, so a bad cursor is a 400 rather than a broken stream.
      const first = await lines.next();
      const body = Readable.from((async function* () {
        if (!first.done) yield first.value;
        yield* lines;
      })());
      reply.type(NDJSON);
      reply.send(body);
      // The handler lasts as long as the stream reads the store, so the server's close waits for it.
      await finished(body).catch(() => {});
      return undefined;
    },
  }),
  route({
    method: 'POST',
    path: '/api/sync/reports',
    summary: 'Upload reports made on another instance; idempotent by report id; a report on an older version than the record’s is kept as a conflict',
    tag: 'sync',
    permission: 'report.write',
    longRunning: true,
    body: z.strictObject({
      origin: z.uuid(),
      reports: z.array(IncomingReport).max(500),
    }),
    async handler({ db, actor, body }) {
      return { instance: await instanceId(db), results: await receiveReports(db, actor, body.origin, body.reports) };
    },
  }),
  route({
    method: 'GET',
    path: '/api/sync/conflicts/{id}',
    summary: 'A report in conflict: base, theirs and current side by side, and the fields that need a choice',
    tag: 'sync',
    permission: 'report.approve',
    params: Id,
    async handler({ db, actor, params }) {
      const { report, currentVersion, sides, fields } = await workflow.conflictOf(db, actor, params.id);
      return { report: workflow.reportJson(report, actor), baseVersion: report.base_version, currentVersion, fields, ...sides };
    },
  }),
  route({
    method: 'POST',
    path: '/api/sync/conflicts/{id}/resolve',
    summary: 'Resolve a conflict with a choice per field (base, theirs or current); the result is approved as a new version',
    tag: 'sync',
    permission: 'report.approve',
    params: Id,
    body: z.strictObject({
      currentVersion: z.number().int().min(1),
      choices: z.record(z.string(), z.enum(CONFLICT_SIDES)),
      note: z.string().max(2000).optional(),
    }),
    async handler({ db, actor, params, body }) {
      return workflow.reportJson(await workflow.resolveConflict(db, actor, params.id, { currentVersion: body.currentVersion, choices: body.choices, note: body.note ?? null }), actor);
    },
  }),
  route({
    method: 'GET',
    path: '/api/sync/attachments/{sha256}',
    summary: 'How much of an attachment has arrived (also HEAD: the Upload-Offset header), to resume its upload',
    tag: 'sync',
    permission: 'report.write',
    params: Sha,
    async handler({ db, params, reply }) {
      const status = await attachmentStatus(db, params.sha256);
      reply.header('upload-offset', String(status.received));
      return status;
    },
  }),
  route({
    method: 'PUT',
    path: '/api/sync/attachments/{sha256}',
    summary: 'One chunk of an attachment (application/octet-stream, with Content-Range: bytes START-END/TOTAL); checked by SHA-256 when complete',
    tag: 'sync',
    permission: 'report.write',
    longRunning: true,
    params: Sha,
    async handler({ db, actor, params, body, request, reply }) {
      const range = parseContentRange(request.headers['content-range']);
      // The body is the request's stream, spooled to disk by the server before the transaction.
      const status = await receiveChunk(db, params.sha256, range, await readAll(body), actor.userId);
      reply.header('upload-offset', String(status.received));
      if (status.mismatch) {
        reply.status(400);
        return apiError('hash_mismatch', `Attachment ${params.sha256}: the content that arrived has SHA-256 ${status.mismatch}; it was discarded, send it again from byte 0`, status);
      }
      return status;
    },
  }),
  route({
    method: 'GET',
    path: '/api/sync/attachments/{sha256}/content',
    summary: 'The content of a complete attachment (its media type read from its first bytes: image/jpeg, image/png, image/webp, application/pdf), for a reader who may see a report it belongs to',
    tag: 'sync',
    permission: 'data.read',
    params: Sha,
    async handler({ db, actor, params, reply }) {
      const { bytes, mediaType } = await attachmentForReader(db, actor, params.sha256);
      // Named by its content, it never changes; private, because who may read it depends on the reader.
      reply.header('cache-control', 'private, max-age=31536000, immutable');
      reply.type(mediaType);
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    },
  }),
  route({
    method: 'GET',
    path: '/api/sync/reports/{id}/attachments',
    summary: 'The attachments of a report (SHA-256 and size of each), for a reader who may see the report',
    tag: 'sync',
    permission: 'data.read',
    params: Id,
    async handler({ db, actor, params }) {
      return { id: params.id, attachments: await reportAttachments(db, actor, params.id) };
    },
  }),
  route({
    method: 'POST',
    path: '/api/sync/reports/{id}/attachments',
    summary: 'Attach uploaded attachments to a report written here, before it is pushed',
    tag: 'sync',
    permission: 'report.write',
    params: Id,
    body: z.strictObject({ attachments: z.array(z.string().regex(SHA256)).min(1).max(100) }),
    async handler({ db, actor, params, body }) {
      const report = await workflow.getReport(db, actor, params.id);
      if (!mayActFor(actor, 'report.write', report.organisation_id)) throw new UserError('Reports can be written only for one’s own organisation', 'forbidden');
      if (report.pushed_at) throw new UserError(`Report ${params.id} was pushed already; its attachments travelled with it`, 'conflict');
      const missing = await missingAttachments(db, body.attachments);
      if (missing.length > 0) throw new UserError(`attachments: ${missing.join(', ')} not complete here; upload them first`, 'bad_input');
      await linkAttachments(db, params.id, body.attachments);
      return { id: params.id, attachments: body.attachments };
    },
  }),
];
