import { z } from 'zod';
import { UserError } from '../errors.ts';
import { route } from '../http/route.ts';
import { FIND_CATEGORIES } from '../catalogue/ordnance.ts';
import './handlers.ts';
import * as store from './store.ts';

export const Id = z.object({ id: z.uuid() });

/** minLon,minLat,maxLon,maxLat in degrees (WGS84), as OGC API Features takes it. */
const Bbox = z
  .string()
  .transform((text, context) => {
    const values = text.split(',').map(Number);
    const [minLon, minLat, maxLon, maxLat] = values;
    if (values.length !== 4 || values.some((v) => !Number.isFinite(v)) || minLon! > maxLon! || minLat! > maxLat! || minLat! < -90 || maxLat! > 90 || minLon! < -180 || maxLon! > 180) {
      context.addIssue({ code: 'custom', message: `${JSON.stringify(text)} is not minLon,minLat,maxLon,maxLat in degrees` });
      return z.NEVER;
    }
    return [minLon, minLat, maxLon, maxLat] as unknown as store.Bbox;
  });

const paging = {
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(500).optional(),
};

export const listQuery = {
  ...paging,
  bbox: Bbox.optional(),
  from: z.iso.date().optional(),
  to: z.iso.date().optional(),
  organisation: z.uuid().optional(),
};

export function found<T>(row: T | undefined, what: string): T {
  if (!row) throw new UserError(`No such ${what}`, 'not_found');
  return row;
}

/** Reads of finds, activities, risk education, QA visits and the ordnance catalogue. */
export const opsRoutes = [
  route({
    method: 'GET',
    path: '/api/finds',
    summary: 'Explosive ordnance finds, newest first, filtered by area, dates, organisation, activity, category or model',
    tag: 'operations',
    permission: 'data.read',
    query: z.strictObject({
      ...listQuery,
      activity: z.uuid().optional(),
      category: z.enum(FIND_CATEGORIES).optional(),
      ordnanceModel: z.uuid().optional(),
    }),
    async handler({ db, query }) {
      return store.listFinds(db, { ...query, organisationId: query.organisation, activityId: query.activity, ordnanceModelId: query.ordnanceModel });
    },
  }),
  route({
    method: 'GET',
    path: '/api/finds/{id}',
    summary: 'One find',
    tag: 'operations',
    permission: 'data.read',
    params: Id,
    async handler({ db, params }) {
      return found(await store.getFind(db, params.id), 'find');
    },
  }),
  route({
    method: 'GET',
    path: '/api/activities',
    summary: 'Activities (survey, clearance, EOD, BAC, inspection) in reference order; a date range keeps those whose work overlaps it',
    tag: 'operations',
    permission: 'data.read',
    query: z.strictObject({
      ...listQuery,
      kind: z.enum(['nts', 'ts', 'clearance', 'eod_spot_task', 'bac', 'post_clearance_inspection']).optional(),
      status: z.enum(['planned', 'ongoing', 'suspended', 'completed', 'cancelled']).optional(),
    }),
    async handler({ db, query }) {
      return store.listActivities(db, { ...query, organisationId: query.organisation });
    },
  }),
  route({
    method: 'GET',
    path: '/api/activities/{id}',
    summary: 'One activity with the hazards it works on',
    tag: 'operations',
    permission: 'data.read',
    params: Id,
    async handler({ db, params }) {
      return found(await store.getActivity(db, params.id), 'activity');
    },
  }),
  route({
    method: 'GET',
    path: '/api/risk-education',
    summary: 'Explosive ordnance risk education sessions, newest first, with beneficiaries by sex and age group',
    tag: 'operations',
    permission: 'data.read',
    query: z.strictObject({
      ...listQuery,
      method: z.enum(['presentation', 'interpersonal', 'mass_media', 'digital', 'training_of_trainers', 'other']).optional(),
    }),
    async handler({ db, query }) {
      return store.listRiskEducation(db, { ...query, organisationId: query.organisation });
    },
  }),
  route({
    method: 'GET',
    path: '/api/risk-education/{id}',
    summary: 'One risk education session',
    tag: 'operations',
    permission: 'data.read',
    params: Id,
    async handler({ db, params }) {
      return found(await store.getRiskEducation(db, params.id), 'risk education session');
    },
  }),
  route({
    method: 'GET',
    path: '/api/qa-visits',
    summary: 'Quality assurance visits with their non-conformities, newest first',
    tag: 'operations',
    permission: 'data.read',
    query: z.strictObject({
      ...listQuery,
      activity: z.uuid().optional(),
      outcome: z.enum(['satisfactory', 'corrective_action_required', 'suspended']).optional(),
    }),
    async handler({ db, query }) {
      return store.listQaVisits(db, { ...query, organisationId: query.organisation, activityId: query.activity });
    },
  }),
  route({
    method: 'GET',
    path: '/api/qa-visits/{id}',
    summary: 'One quality assurance visit',
    tag: 'operations',
    permission: 'data.read',
    params: Id,
    async handler({ db, params }) {
      return found(await store.getQaVisit(db, params.id), 'QA visit');
    },
  }),
  route({
    method: 'GET',
    path: '/api/ordnance-models',
    summary: 'The ordnance catalogue in name order',
    tag: 'operations',
    permission: 'data.read',
    query: z.strictObject({ ...paging, category: z.enum(FIND_CATEGORIES).optional(), q: z.string().max(100).optional() }),
    async handler({ db, query }) {
      return store.listOrdnanceModels(db, query);
    },
  }),
  route({
    method: 'GET',
    path: '/api/ordnance-models/{id}',
    summary: 'One ordnance model',
    tag: 'operations',
    permission: 'data.read',
    params: Id,
    async handler({ db, params }) {
      return found(await store.getOrdnanceModel(db, params.id), 'ordnance model');
    },
  }),
];

