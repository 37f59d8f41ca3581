import { z } from 'zod';
import { UserError } from '../errors.ts';
import { Bbox, type Route, route } from '../http/route.ts';
import type { Queryable } from '../store/db.ts';
import { FIND_CATEGORIES } from '../catalogue/ordnance.ts';
import { ACTIVITY_KINDS, ACTIVITY_STATUSES } from '../land/rules.ts';
import './handlers.ts';
import { RISK_EDUCATION_METHODS } from './riskEducation.ts';
import { QA_OUTCOMES } from './rules.ts';
import * as store from './store.ts';

export const Id = z.object({ id: z.uuid() });

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
    readOnly: true,
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

/** GET a list, one page of it: `query` is the list's own parameters, paging among them. */
function listRoute<Q>(path: string, summary: string, query: z.ZodType<Q>, list: (db: Queryable, query: Q) => Promise<unknown>): Route {
  return route({
    method: 'GET',
    readOnly: true,
    path,
    summary,
    tag: 'operations',
    permission: 'data.read',
    query,
    async handler({ db, query }) {
      return list(db, query);
    },
  });
}

/** Reads of finds, activities and their daily progress, risk education, QA visits and the ordnance catalogue. */
export const opsRoutes = [
  listRoute(
    '/api/finds',
    'Explosive ordnance finds, newest first, filtered by area, dates, organisation, activity, category or model',
    z.strictObject({
      ...listQuery,
      activity: z.uuid().optional(),
      category: z.enum(FIND_CATEGORIES).optional(),
      ordnanceModel: z.uuid().optional(),
    }),
    (db, query) => store.listFinds(db, { ...query, organisationId: query.organisation, activityId: query.activity, ordnanceModelId: query.ordnanceModel }),
  ),
  oneRoute('/api/finds/{id}', 'One find', 'find', store.getFind),
  listRoute(
    '/api/activities',
    'Activities (survey, clearance, EOD, BAC, inspection) in reference order; a date range keeps those whose work overlaps it',
    z.strictObject({
      ...listQuery,
      kind: z.enum(ACTIVITY_KINDS).optional(),
      status: z.enum(ACTIVITY_STATUSES).optional(),
    }),
    (db, query) => store.listActivities(db, { ...query, organisationId: query.organisation }),
  ),
  oneRoute('/api/activities/{id}', 'One activity with the hazards it works on', 'activity', store.getActivity),
  listRoute(
    '/api/progress-reports',
    'Daily progress of activities (area processed per day), newest first, filtered by area, dates, organisation or activity',
    z.strictObject({ ...listQuery, activity: z.uuid().optional() }),
    (db, query) => store.listProgressReports(db, { ...query, organisationId: query.organisation, activityId: query.activity }),
  ),
  oneRoute('/api/progress-reports/{id}', 'One day of progress of an activity', 'progress report', store.getProgressReport),
  listRoute(
    '/api/risk-education',
    'Explosive ordnance risk education sessions, newest first, with beneficiaries by sex and age group',
    z.strictObject({
      ...listQuery,
      method: z.enum(RISK_EDUCATION_METHODS).optional(),
    }),
    (db, query) => store.listRiskEducation(db, { ...query, organisationId: query.organisation }),
  ),
  oneRoute('/api/risk-education/{id}', 'One risk education session', 'risk education session', store.getRiskEducation),
  listRoute(
    '/api/qa-visits',
    'Quality assurance visits with their non-conformities, newest first',
    z.strictObject({
      ...listQuery,
      activity: z.uuid().optional(),
      outcome: z.enum(QA_OUTCOMES).optional(),
    }),
    (db, query) => store.listQaVisits(db, { ...query, organisationId: query.organisation, activityId: query.activity }),
  ),
  oneRoute('/api/qa-visits/{id}', 'One quality assurance visit', 'QA visit', store.getQaVisit),
  listRoute(
    '/api/ordnance-models',
    'The ordnance catalogue in name order',
    z.strictObject({ ...paging, category: z.enum(FIND_CATEGORIES).optional(), q: z.string().max(100).optional() }),
    (db, query) => store.listOrdnanceModels(db, query),
  ),
  oneRoute('/api/ordnance-models/{id}', 'One ordnance model', 'ordnance model', store.getOrdnanceModel),
];

