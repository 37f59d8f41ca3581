import { z } from 'zod';
import { FilterDate, route } from '../http/route.ts';
import { MDR_FORMATS, MDR_KINDS, MDR_MEDIA_TYPES, mdrStream } from './mdr.ts';

/** The GICHD minimum data requirements exports, for signed-in users who may read the register. */
export const mdrRoutes = [
  route({
    method: 'GET',
    path: '/api/mdr/{kind}',
    summary:
      'GICHD minimum data requirements export, streamed: land-release (one row per release product: method, areas, hazard, activity, organisation, benchmark and perimeter) ' +
      'or explosive-ordnance (one row per find: category, model, quantity, condition, depth, disposal, position, activity, hazard), as CSV or XLSX',
    tag: 'reports',
    permission: 'data.read',
    longRunning: true,
    params: z.strictObject({ kind: z.enum(MDR_KINDS) }),
    query: z.strictObject({ format: z.enum(MDR_FORMATS).default('csv'), from: FilterDate.optional(), to: FilterDate.optional() }),
    handler({ db, params, query, reply }) {
      reply.type(MDR_MEDIA_TYPES[query.format]);
      reply.header('content-disposition', `attachment; filename="mdr-${params.kind}.${query.format}"`);
      return Promise.resolve(mdrStream(db, params.kind, query.format, { from: query.from ?? null, to: query.to ?? null }));
    },
  }),
];
