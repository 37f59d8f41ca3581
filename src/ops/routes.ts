import { z } from 'zod';
import { UserError } from '../errors.ts';
import { Bbox, type Route, route } from '../http/route.ts';
import type { Queryable } from '../store/db.ts';
import { FIND_CATEGORIES } from '../catalogue/ordnance.ts';
import './handlers.ts';
import * as store from './store.ts';

export const Id = z.object({ id: z.uuid() });

/** minLon,minLat,maxLon,maxLat in degrees (WGS84), as OGC API Features takes it. */

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

/** GET …/{id}: one record, or 404 naming what was asked for. */
function oneRoute(path: string, summary: string, what: string, get: (db: Queryable, id: string) => Promise<unknown>): Route {
  return route({
    method: 'GET',
    path,
    summary,
    tag: 'operations',
    permission: 'data.read',
    params: Id,
    async handler({ db, params }) {
      return found(await get(db, params.id), what);
    },
  });
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
  oneRoute('/api/finds/{id}', 'One find', 'find', store.getFind),
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
  oneRoute('/api/activities/{id}', 'One activity with the hazards it works on', 'activity', store.getActivity),
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
  oneRoute('/api/risk-education/{id}', 'One risk education session', 'risk education session', store.getRiskEducation),
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
  oneRoute('/api/qa-visits/{id}', 'One quality assurance visit', 'QA visit', store.getQaVisit),
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
  oneRoute('/api/ordnance-models/{id}', 'One ordnance model', 'ordnance model', store.getOrdnanceModel),
];

