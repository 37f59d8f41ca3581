import { z } from 'zod';
import { route } from '../http/route.ts';
import { REPORT_ACTIONS } from './handlers.ts';
import { REPORT_STATES } from './store.ts';
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
  route({
    method: 'GET',
    path: '/api/reports/{id}',
    summary: 'One report',
    tag: 'reports',
    permission: 'data.read',
    params: Id,
    async handler({ db, actor, params }) {
      return workflow.reportJson(await workflow.getReport(db, actor, params.id), actor);
    },
  }),
  route({
    method: 'PUT',
    path: '/api/reports/{id}',
    summary: 'Rewrite a draft report',
    tag: 'reports',
    permission: 'report.write',
    params: Id,
    body: ReportBody.pick({ payload: true, baseVersion: true, reason: true, acceptedWarnings: true }),
    async handler({ db, actor, params, body }) {
      return workflow.reportJson(await workflow.updateReport(db, actor, params.id, body), actor);
    },
  }),
  route({
    method: 'POST',
    path: '/api/reports/{id}/submit',
    summary: 'Submit a draft for verification',
    tag: 'reports',
    permission: 'report.write',
    params: Id,
    async handler({ db, actor, params }) {
      return workflow.reportJson(await workflow.submitReport(db, actor, params.id), actor);
    },
  }),
  route({
    method: 'POST',
    path: '/api/reports/{id}/verify',
    summary: 'Verify a submitted report (an organisation manager for their own organisation, or national)',
    tag: 'reports',
    permission: 'report.verify',
    params: Id,
    body: Note,
    async handler({ db, actor, params, body }) {
      return workflow.reportJson(await workflow.verifyReport(db, actor, params.id, body.note ?? null), actor);
    },
  }),
  route({
    method: 'POST',
    path: '/api/reports/{id}/approve',
    longRunning: true,
    summary: 'Approve a verified report: the one step that changes the record, as a new version',
    tag: 'reports',
    permission: 'report.approve',
    params: Id,
    body: Note,
    async handler({ db, actor, params, body }) {
      return workflow.reportJson(await workflow.approveReport(db, actor, params.id, body.note ?? null), actor);
    },
  }),
  route({
    method: 'POST',
    path: '/api/reports/{id}/reject',
    summary: 'Reject a submitted or verified report, saying why',
    tag: 'reports',
    permission: 'report.approve',
    params: Id,
    body: z.strictObject({ note: z.string().min(1).max(2000) }),
    async handler({ db, actor, params, body }) {
      return workflow.reportJson(await workflow.rejectReport(db, actor, params.id, body.note), actor);
    },
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
