import { z } from 'zod';
import { UserError } from '../errors.ts';
import { historyRoute, Id, type ReadArea, readRoute } from '../http/readRoutes.ts';
import { type Route, route } from '../http/route.ts';
import { reportRoutes } from '../reports/routes.ts';
import { hazardAccounting } from './accounting.ts';
import { PolygonGeometry } from './geometry.ts';
import { geometryProblems } from './handlers.ts';
import { HAZARD_KINDS, HAZARD_STATUSES } from './rules.ts';
import { landStatistics } from './statistics.ts';
import * as geometryStore from './geometryStore.ts';
import * as register from './registerStore.ts';
import * as statistics from './statisticsStore.ts';

/** The reads of the hazard register: operational data, for holders of data.read. */
const LAND: ReadArea = { tag: 'land', permission: 'data.read' };

/**
 * "As of 2024-03-01" means what was known at the end of that day (UTC); a full timestamp means
 * that instant.
 */
export function asOfInstant(value: string): Date {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const day = new Date(`${value}T00:00:00.000Z`);
    if (Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== value) throw new UserError(`query.asOf: ${value} is not a date`, 'invalid_request');
    return new Date(day.getTime() + 86_400_000 - 1);
  }
  const instant = new Date(value);
  if (Number.isNaN(instant.getTime())) throw new UserError(`query.asOf: ${value} is neither a date (YYYY-MM-DD) nor a timestamp`, 'invalid_request');
  return instant;
}

const By = z
  .string()
  .default('admin1')
  .transform((value, ctx) => {
    const parts = value === '' || value === 'none' ? [] : value.split(',');
    const unknown = parts.filter((p) => !(statistics.STATISTICS_DIMENSIONS as readonly string[]).includes(p));
    if (unknown.length > 0) ctx.addIssue({ code: 'custom', message: `unknown grouping ${unknown.join(', ')}; use ${statistics.STATISTICS_DIMENSIONS.join(', ')} or none` });
    return [...new Set(parts)] as statistics.StatisticsDimension[];
  });

function hazardJson(h: register.HazardListing) {
  const { geometry, ...properties } = h.payload;
  return { id: h.id, version: h.version, ...properties, areaM2: h.areaM2, geometry };
}

const hazardRoutes = [
  readRoute(LAND, {
    readOnly: true,
    path: '/api/hazards',
    summary: 'The hazard register, now or as of a date (from the history)',
    query: z.strictObject({
      asOf: z.string().max(40).optional(),
      status: z.enum(HAZARD_STATUSES).optional(),
      kind: z.enum(HAZARD_KINDS).optional(),
      limit: z.coerce.number().int().min(1).max(10_000).default(1000),
      offset: z.coerce.number().int().min(0).default(0),
    }),
    async handler({ db, query }) {
      const { asOf, ...filter } = query;
      if (!asOf) return register.listHazardsJson(db, filter);
      const hazards = await register.hazardsAsOf(db, asOfInstant(asOf), filter);
      return { asOf: asOfInstant(asOf), hazards: hazards.map(hazardJson) };
    },
  }),
  route({
    method: 'POST',
    path: '/api/hazards/check-geometry',
    summary: 'Check a polygon as a report would, and show a repaired shape when asked; stores nothing',
    tag: 'land',
    permission: 'report.write',
    body: z.strictObject({
      geometry: PolygonGeometry,
      /** The hazard being changed (not its own duplicate), or a release product's hazard. */
      hazardId: z.uuid().optional(),
      entityType: z.enum(['hazard', 'release_product']).default('hazard'),
      repair: z.boolean().default(false),
    }),
    async handler({ db, body }) {
      const isHazard = body.entityType === 'hazard';
      const problems = await geometryProblems(db, body.geometry, { entityId: isHazard ? (body.hazardId ?? null) : null, hazardId: body.hazardId ?? null, isHazard });
      const repairable = problems.some((p) => p.code === 'self_intersection' || p.code === 'invalid_polygon');
      return { problems, repaired: body.repair && repairable ? await geometryStore.repairGeometry(db, body.geometry) : null };
    },
  }),
  readRoute(LAND, {
    readOnly: true,
    path: '/api/hazards/{id}',
    summary: 'One hazard now, with its activities and release products',
    params: Id,
    async handler({ db, params }) {
      const hazard = await register.hazardListing(db, params.id);
      if (!hazard) throw new UserError(`Hazard ${params.id} not found`, 'not_found');
      return { ...hazardJson(hazard), ...(await register.hazardLinks(db, params.id)) };
    },
  }),
  historyRoute(
    LAND,
    '/api/hazards/{id}/history',
    'Every version of a hazard: who changed it, when, why, and through which report',
    { entityType: 'hazard', noun: 'Hazard', idKey: 'hazardId' },
  ),
  readRoute(LAND, {
    path: '/api/hazards/{id}/accounting',
    summary: 'Land-release accounting of a hazard: released area by method, remaining area and shape, reconciliation, flags',
    params: Id,
    async handler({ db, params }) {
      const accounting = await hazardAccounting(db, params.id);
      if (!accounting) throw new UserError(`Hazard ${params.id} not found`, 'not_found');
      return accounting;
    },
  }),
  readRoute(LAND, {
    readOnly: true,
    path: '/api/statistics/land',
    summary: 'Released area by method × administrative area × period × organisation, and remaining contamination by area, in m²',
    permission: 'public.read',
    query: z.strictObject({
      by: By,
      period: z.enum(statistics.PERIODS).default('year'),
      from: z.iso.date().optional(),
      to: z.iso.date().optional(),
    }),
    async handler({ db, query }) {
      return landStatistics(db, query);
    },
  }),
];

/** The routes of the reports workflow and of the hazard register and land release. */
export const landRoutes: readonly Route[] = [...reportRoutes, ...hazardRoutes];
