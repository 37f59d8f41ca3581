import { z } from 'zod';
import type { Actor, Permission } from '../access/permissions.ts';
import { type Route, route } from '../http/route.ts';
import type { Db } from '../store/db.ts';
import { REPORT_ACTIONS } from './handlers.ts';
import { REPORT_STATES, type ReportRow } from './store.ts';
import * as workflow from './workflow.ts';

const Id = z.object({ id: z.uuid() });
const Note = z.strictObject({ note: z.string().max(2000).optional() });

/** What a report says, as written here (POST /api/reports) or sent by another instance (the sync upload). */
export const ReportBody = z.strictObject({
  entityType: z.string().min(1).max(64),
  action: z.enum(REPORT_ACTIONS),
  entityId: z.uuid().nullable().optional(),
  baseVersion: z.number().int().min(1).nullable().optional(),
  payload: z.record(z.string(), z.unknown()),
  reason: z.string().max(2000).nullable().optional(),
  organisationId: z.uuid().nullable().optional(),
  acceptedWarnings: z.array(z.string().max(64)).max(20).optional(),
});

/**
 * A route on one report, `/api/reports/{id}...`, that answers with the report as it then is (as
 * its reader may see it): the steps of the workflow and the read of one report.
 */
function onReport<B>(r: {
  method: 'GET' | 'PUT' | 'POST';
  path: string;
  summary: string;
  permission: Permission;
  longRunning?: true;
  body?: z.ZodType<B>;
  act: (db: Db, actor: Actor, id: string, body: B) => Promise<ReportRow>;
}): Route {
  const { act, ...declared } = r;
  return route({
    ...declared,
    tag: 'reports',
    params: Id,
    async handler({ db, actor, params, body }) {
      return workflow.reportJson(await act(db, actor, params.id, body), actor);
    },
  });
}

export const reportRoutes = [
  route({
    method: 'POST',
    path: '/api/reports',
    summary: 'Write a report (a draft) creating, changing or deleting one record; it changes nothing until approved',
    tag: 'reports',
    permission: 'report.write',
    body: ReportBody.extend({ submit: z.boolean().optional() }),
    async handler({ db, actor, body, reply }) {
      const { submit, ...input } = body;
      const report = await workflow.createReport(db, actor, input, { submit: Boolean(submit) });
      reply.status(201);
      return workflow.reportJson(report, actor);
    },
  }),
  route({
    method: 'GET',
    path: '/api/reports',
    summary: 'Reports, newest first; operators see their own organisation’s',
    tag: 'reports',
    permission: 'data.read',
    query: z.strictObject({
      state: z.enum(REPORT_STATES).optional(),
      entityType: z.string().max(64).optional(),
      entityId: z.uuid().optional(),
      limit: z.coerce.number().int().min(1).max(1000).default(100),
      offset: z.coerce.number().int().min(0).default(0),
    }),
    async handler({ db, actor, query }) {
      return { reports: (await workflow.listReports(db, actor, query)).map((report) => workflow.reportJson(report, actor)) };
    },
  }),
  onReport({ method: 'GET', path: '/api/reports/{id}', summary: 'One report', permission: 'data.read', act: (db, actor, id) => workflow.getReport(db, actor, id) }),
  onReport({
    method: 'PUT',
    path: '/api/reports/{id}',
    summary: 'Rewrite a draft report',
    permission: 'report.write',
    body: ReportBody.pick({ payload: true, baseVersion: true, reason: true, acceptedWarnings: true }),
    act: (db, actor, id, body) => workflow.updateReport(db, actor, id, body),
  }),
  onReport({
    method: 'POST',
    path: '/api/reports/{id}/submit',
    summary: 'Submit a draft for verification',
    permission: 'report.write',
    act: (db, actor, id) => workflow.submitReport(db, actor, id),
  }),
  onReport({
    method: 'POST',
    path: '/api/reports/{id}/verify',
    summary: 'Verify a submitted report (an organisation manager for their own organisation, or national)',
    permission: 'report.verify',
    body: Note,
    act: (db, actor, id, body) => workflow.verifyReport(db, actor, id, body.note ?? null),
  }),
  onReport({
    method: 'POST',
    path: '/api/reports/{id}/approve',
    longRunning: true,
    summary: 'Approve a verified report: the one step that changes the record, as a new version',
    permission: 'report.approve',
    body: Note,
    act: (db, actor, id, body) => workflow.approveReport(db, actor, id, body.note ?? null),
  }),
  onReport({
    method: 'POST',
    path: '/api/reports/{id}/reject',
    summary: 'Reject a submitted or verified report, saying why',
    permission: 'report.approve',
    body: z.strictObject({ note: z.string().min(1).max(2000) }),
    act: (db, actor, id, body) => workflow.rejectReport(db, actor, id, body.note),
  }),
  route({
    method: 'POST',
    path: '/api/reports/{id}/undo',
    longRunning: true,
    summary: 'Undo an approval: a new approved report restoring the version before it, with a reason',
    tag: 'reports',
    permission: 'report.approve',
    params: Id,
    body: z.strictObject({ reason: z.string().min(1).max(2000) }),
    async handler({ db, actor, params, body, reply }) {
      reply.status(201);
      return workflow.reportJson(await workflow.undoApproval(db, actor, params.id, body.reason), actor);
    },
  }),
];
