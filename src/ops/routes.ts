import { z } from 'zod';
import { listRoute, oneRoute, type ReadArea } from '../http/readRoutes.ts';
import { Bbox, type Route } from '../http/route.ts';
import type { Queryable } from '../store/db.ts';
import { FIND_CATEGORIES } from '../catalogue/ordnance.ts';
import { ACTIVITY_KINDS, ACTIVITY_STATUSES } from '../land/rules.ts';
import './handlers.ts';
import { RISK_EDUCATION_METHODS } from './riskEducation.ts';
import { QA_OUTCOMES } from './rules.ts';
import * as store from './store.ts';

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

/** The reads of operational records: any holder of data.read, answered by a replica when there is one. */
export const OPERATIONS: ReadArea = { tag: 'operations', permission: 'data.read', readOnly: true };

/** The list query of a kind of operational record: area, dates, organisation and paging, then its own filters. */
type ListQuery<S extends z.ZodRawShape> = z.infer<z.ZodObject<typeof listQuery>> & z.infer<z.ZodObject<S>>;

/** GET a list of operational records: the common list query and the record's own filters; the organisation filter is the store's organisationId. */
function operationsList<S extends z.ZodRawShape>(path: string, summary: string, filters: S, list: (db: Queryable, filter: ListQuery<S> & { organisationId: string | undefined }) => Promise<unknown>): Route {
  // zod cannot spell the merged type of a generic shape; it is the two parts' types together.
  const query = z.strictObject({ ...listQuery, ...filters }) as z.ZodType<ListQuery<S>>;
  return listRoute(OPERATIONS, path, summary, query, (db, query) => list(db, { ...query, organisationId: query.organisation }));
}

/** Reads of finds, activities and their daily progress, risk education, QA visits and the ordnance catalogue. */
export const opsRoutes = [
  operationsList(
    '/api/finds',
    'Explosive ordnance finds, newest first, filtered by area, dates, organisation, activity, category or model',
    { activity: z.uuid().optional(), category: z.enum(FIND_CATEGORIES).optional(), ordnanceModel: z.uuid().optional() },
    (db, filter) => store.listFinds(db, { ...filter, activityId: filter.activity, ordnanceModelId: filter.ordnanceModel }),
  ),
  oneRoute(OPERATIONS, '/api/finds/{id}', 'One find', 'find', store.getFind),
  operationsList(
    '/api/activities',
    'Activities (survey, clearance, EOD, BAC, inspection) in reference order; a date range keeps those whose work overlaps it',
    { kind: z.enum(ACTIVITY_KINDS).optional(), status: z.enum(ACTIVITY_STATUSES).optional() },
    store.listActivities,
  ),
  oneRoute(OPERATIONS, '/api/activities/{id}', 'One activity with the hazards it works on', 'activity', store.getActivity),
  operationsList(
    '/api/progress-reports',
    'Daily progress of activities (area processed per day), newest first, filtered by area, dates, organisation or activity',
    { activity: z.uuid().optional() },
    (db, filter) => store.listProgressReports(db, { ...filter, activityId: filter.activity }),
  ),
  oneRoute(OPERATIONS, '/api/progress-reports/{id}', 'One day of progress of an activity', 'progress report', store.getProgressReport),
  operationsList(
    '/api/risk-education',
    'Explosive ordnance risk education sessions, newest first, with beneficiaries by sex and age group',
    { method: z.enum(RISK_EDUCATION_METHODS).optional() },
    store.listRiskEducation,
  ),
  oneRoute(OPERATIONS, '/api/risk-education/{id}', 'One risk education session', 'risk education session', store.getRiskEducation),
  operationsList(
    '/api/qa-visits',
    'Quality assurance visits with their non-conformities, newest first',
    { activity: z.uuid().optional(), outcome: z.enum(QA_OUTCOMES).optional() },
    (db, filter) => store.listQaVisits(db, { ...filter, activityId: filter.activity }),
  ),
  oneRoute(OPERATIONS, '/api/qa-visits/{id}', 'One quality assurance visit', 'QA visit', store.getQaVisit),
  listRoute(
    OPERATIONS,
    '/api/ordnance-models',
    'The ordnance catalogue in name order',
    z.strictObject({ ...paging, category: z.enum(FIND_CATEGORIES).optional(), q: z.string().max(100).optional() }),
    store.listOrdnanceModels,
  ),
  oneRoute(OPERATIONS, '/api/ordnance-models/{id}', 'One ordnance model', 'ordnance model', store.getOrdnanceModel),
];
