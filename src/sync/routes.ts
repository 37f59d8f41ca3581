/** The sync protocol's routes (docs/sync.md): the changes feed, report upload, conflicts. */
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { z } from 'zod';
import { route } from '../http/route.ts';
import { REPORT_ACTIONS } from '../reports/handlers.ts';
import * as workflow from '../reports/workflow.ts';
import { changesFeed } from './feed.ts';
import { receiveReports } from './receive.ts';
import { CONFLICT_SIDES } from '../reports/conflict.ts';
import { instanceId } from './store.ts';

export const NDJSON = 'application/x-ndjson';

const Id = z.object({ id: z.uuid() });

const IncomingReport = z.strictObject({
  id: z.uuid(),
  entityType: z.string().min(1).max(64),
  action: z.enum(REPORT_ACTIONS),
  entityId: z.uuid().nullable().optional(),
  baseVersion: z.number().int().min(1).nullable().optional(),
  payload: z.record(z.string(), z.unknown()),
  reason: z.string().max(2000).nullable().optional(),
  organisationId: z.uuid().nullable().optional(),
  acceptedWarnings: z.array(z.string().max(64)).max(20).optional(),
  author: z.string().min(1).max(200),
  createdAt: z.iso.datetime({ offset: true }),
  submittedAt: z.iso.datetime({ offset: true }),
});

export const syncRoutes = [
  route({
    method: 'GET',
    path: '/api/sync/changes',
    summary: 'Approved changes (versions of records) in commit order as NDJSON, from a cursor; resume from the cursor of the last complete line',
    tag: 'sync',
    permission: 'data.read',
    produces: NDJSON,
    query: z.strictObject({
      since: z.string().max(40).optional(),
      limit: z.coerce.number().int().min(1).max(1_000_000).default(100_000),
    }),
    async handler({ db, actor, query, reply }) {
      const lines = changesFeed(db, actor, query.since, query.limit);
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
];
