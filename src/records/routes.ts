/**
 * The minefield records API. Handlers are thin: validation at the edge, the domain core
 * (reconstruct, auditRecord, renderAuditReport) and the store do the work.
 *
 * Permissions: reading needs `data.read` (records are operational data). Writing needs
 * `report.write` for now; record changes are to go through the reports workflow (draft,
 * submitted, approved) once it can carry minefield records, and these routes will then submit
 * reports instead of saving directly. The draft and legs-CSV routes store nothing but take
 * `data.read`, so that only signed-in users spend the server's time on them. The pooled batch
 * figures are public-worthy (no personal data, and exactly the figures public claims about record
 * accuracy rest on), but the batch route also lists each record's figures and shift, and computes
 * them on every request: it stays `data.read` until the figures are published as a stored statistic.
 */
import { z } from 'zod';
import type { FeatureCollection } from 'geojson';
import { UserError } from '../errors.ts';
import { type Route, route } from '../http/route.ts';
import { auditBlockers } from './audit.ts';
import { parseLegsCsv } from './format.ts';
import { reconstruct, toGeoJSON, type Reconstruction } from './reconstruct.ts';
import { renderAuditReport } from './report.ts';
import { safegroundVersion } from '../version.ts';
import * as records from './store.ts';

const Id = z.object({ id: z.uuid() });
const RecordBody = z.record(z.string(), z.unknown()).describe('a minefield record in the safeground/minefield-record@1 format (docs/minefield-record-format.md)');
const Tolerance = z.coerce.number().positive().max(100).default(5).describe('τ in metres');
const KeepWithErrors = z.boolean().optional().describe('store the record even though its reconstruction has errors (it is flagged and left out of audits); without it such a record is refused with 400 reconstruction_errors');
const MaxShift = z.coerce.number().positive().max(1000).default(records.DEFAULT_MAX_SHIFT_M).describe('largest systematic shift searched for, metres');

/**
 * The reconstruction as one GeoJSON FeatureCollection (`properties.kind`: perimeter, row,
 * predicted_mine, point) with what is not a feature as foreign members: problems, closing errors,
 * the magnetic correction and the counts.
 */
export function reconstructionJson(r: Reconstruction): FeatureCollection & Record<string, unknown> {
  return {
    ...toGeoJSON(r),
    reference: r.reference,
    problems: r.problems,
    closures: r.closures,
    magnetic: r.magnetic,
    perimeterAreaM2: r.perimeterAreaM2,
    recordedMineCount: r.recordedMineCount,
    predictedMineCount: r.predictedMines.length,
    statedMineTotal: r.statedMineTotal ?? null,
  };
}

function notFound(id: string): UserError {
  return new UserError(`minefield record ${id} not found`, 'not_found');
}

export const recordRoutes: readonly Route[] = [
  route({
    method: 'POST',
    path: '/api/minefield-records/draft',
    summary: 'Reconstruct a draft record as it is typed: GeoJSON with its problems; nothing is stored',
    tag: 'minefield records',
    permission: 'data.read',
    body: z.strictObject({ record: RecordBody }),
    async handler({ body }) {
      return reconstructionJson(reconstruct(records.recordFromInput(body.record)));
    },
  }),
  route({
    method: 'POST',
    path: '/api/minefield-records/legs',
    summary: 'Turn legs typed into a spreadsheet (CSV: from,to,azimuth,distance[,unit,north,check]) into the legs of a record',
    tag: 'minefield records',
    permission: 'data.read',
    body: z.strictObject({ csv: z.string().max(5_000_000), reference: z.string().default('(draft)') }),
    async handler({ body }) {
      try {
        return { legs: parseLegsCsv(body.csv, body.reference) };
      } catch (error) {
        const [head, ...lines] = (error as Error).message.split('\n').map((l) => l.trim());
        throw new UserError(`${head}: ${lines.join('; ')}`, 'invalid_legs', { reference: body.reference, problems: lines });
      }
    },
  }),
  route({
    method: 'POST',
    path: '/api/minefield-records',
    summary: 'Store a new minefield record with its reconstruction',
    tag: 'minefield records',
    permission: 'report.write',
    body: z.strictObject({ record: RecordBody, hazards: z.array(z.uuid()).optional(), reason: z.string().max(2000).optional(), keepWithErrors: KeepWithErrors }),
    async handler({ db, actor, body, reply }) {
      const saved = await records.createRecord(db, records.recordFromInput(body.record), actor, { hazardIds: body.hazards, reason: body.reason, keepWithErrors: body.keepWithErrors });
      reply.status(201);
      return { id: saved.id, version: saved.version, reconstruction: reconstructionJson(saved.reconstruction) };
    },
  }),
  route({
    method: 'PUT',
    path: '/api/minefield-records/{id}',
    summary: 'Replace a record; `version` is the one you read (a stale one is refused with 409)',
    tag: 'minefield records',
    permission: 'report.write',
    params: Id,
    body: z.strictObject({ record: RecordBody, version: z.number().int().min(1), hazards: z.array(z.uuid()).optional(), reason: z.string().max(2000).optional(), keepWithErrors: KeepWithErrors }),
    async handler({ db, actor, params, body }) {
      const saved = await records.replaceRecord(db, params.id, body.version, records.recordFromInput(body.record), actor, { hazardIds: body.hazards, reason: body.reason, keepWithErrors: body.keepWithErrors });
      return { id: saved.id, version: saved.version, reconstruction: reconstructionJson(saved.reconstruction) };
    },
  }),
  route({
    method: 'GET',
    readOnly: true,
    path: '/api/minefield-records',
    summary: 'Minefield records, paged, optionally of one handover batch',
    tag: 'minefield records',
    permission: 'data.read',
    query: z.strictObject({
      batch: z.string().min(1).optional(),
      limit: z.coerce.number().int().min(1).max(1000).default(100),
      offset: z.coerce.number().int().min(0).default(0),
    }),
    async handler({ db, query }) {
      return records.listRecords(db, query);
    },
  }),
  route({
    method: 'GET',
    path: '/api/minefield-records/audit',
    summary: 'Accuracy audit of every record of a handover batch (or of all): per-record figures, the records left out for reconstruction errors with why, and pooled batch figures saying what they cover, with the method',
    tag: 'minefield records',
    permission: 'data.read',
    query: z.strictObject({ batch: z.string().min(1).optional(), tolerance: Tolerance, maxShift: MaxShift }),
    async handler({ db, query }) {
      const result = await records.auditBatch(db, { batch: query.batch, tolerance: query.tolerance, maxShift: query.maxShift });
      return { batch: query.batch ?? null, ...result, records: result.records.map((r) => ({ id: r.id, ...r.audit })) };
    },
  }),
  route({
    method: 'GET',
    readOnly: true,
    path: '/api/minefield-records/{id}',
    summary: 'One record: its definition, hazards and reconstruction (GeoJSON with problems)',
    tag: 'minefield records',
    permission: 'data.read',
    params: Id,
    async handler({ db, params }) {
      const stored = await records.getRecord(db, params.id);
      if (!stored) throw notFound(params.id);
      const reconstruction = reconstruct(stored.record);
      return {
        id: stored.id,
        version: stored.version,
        hazards: stored.hazardIds,
        createdAt: stored.createdAt,
        updatedAt: stored.updatedAt,
        record: stored.record,
        reconstructionErrors: auditBlockers(reconstruction).length,
        reconstruction: reconstructionJson(reconstruction),
      };
    },
  }),
  route({
    method: 'GET',
    path: '/api/minefield-records/{id}/audit',
    summary: 'Accuracy audit of one record against the finds and accidents in the land it covers',
    tag: 'minefield records',
    permission: 'data.read',
    params: Id,
    query: z.strictObject({ tolerance: Tolerance, maxShift: MaxShift }),
    async handler({ db, params, query }) {
      const result = await records.auditStoredRecord(db, params.id, query);
      if (!result) throw notFound(params.id);
      return { id: params.id, method: records.AUDIT_METHOD, reconstructionErrors: result.errors, ...result.audit };
    },
  }),
  route({
    method: 'GET',
    path: '/api/minefield-records/{id}/report',
    summary: 'Printable, self-contained HTML report of a record\'s accuracy audit',
    tag: 'minefield records',
    permission: 'data.read',
    params: Id,
    query: z.strictObject({ tolerance: Tolerance, maxShift: MaxShift }),
    produces: 'text/html; charset=utf-8',
    async handler({ db, params, query }) {
      const result = await records.auditStoredRecord(db, params.id, query);
      if (!result) throw notFound(params.id);
      return renderAuditReport({ ...result, record: result.stored.record }, { auditedAt: new Date(), version: safegroundVersion() });
    },
  }),
];
