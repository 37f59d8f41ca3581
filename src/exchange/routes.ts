import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import type { FastifyRequest } from 'fastify';
import { type Actor, isNational } from '../access/permissions.ts';
import { UserError } from '../errors.ts';
import { route } from '../http/route.ts';
import { FIND_CATEGORIES } from '../ops/find.ts';
import type { ReportRow } from '../reports/store.ts';
import { reportJson } from '../reports/workflow.ts';
import { findExportStream, geoPackageExportStream } from './exportFinds.ts';
import { EXPORT_FORMATS, FILE_EXTENSIONS, formatOfMediaType, IMPORT_FORMATS, type ImportFormat, MEDIA_TYPES } from './formats.ts';
import { reportFindImport } from './findImport.ts';
import { importFinds, type ImportReport } from './importFinds.ts';
import { AccidentMapping, DEFAULT_ACCIDENT_MAPPING, DEFAULT_MAPPING, Mapping, parseMappingWith } from './mapping.ts';
import { accidentExportStream, accidentGeoPackageStream } from './exportAccidents.ts';
import { importAccidents } from './importAccidents.ts';
import type { IdentityReader } from './accidentStore.ts';
import { DEVICE_CATEGORIES } from '../ops/accident.ts';

/** Uploads larger than this are refused while streaming to disk. */
export const MAX_UPLOAD_BYTES = 2 * 1024 ** 3;

function limited(max: number): Transform {
  let bytes = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      if (bytes > max) callback(new UserError(`The upload is larger than ${max / 1024 ** 3} GB`, 'too_large'));
      else callback(null, chunk);
    },
  });
}

/** Writes the request body (a stream, or what a built-in parser made of JSON or text) to a file. */
async function saveBody(body: unknown, path: string): Promise<void> {
  if (body instanceof Readable) await pipeline(body, limited(MAX_UPLOAD_BYTES), createWriteStream(path));
  else if (typeof body === 'string' || Buffer.isBuffer(body)) writeFileSync(path, body);
  else if (typeof body === 'object' && body !== null) writeFileSync(path, JSON.stringify(body));
  else throw new UserError('Send the file as the request body, with its media type as Content-Type', 'bad_input');
}

/** The mapping file's JSON given in the `mapping` query parameter. */
function mappingOfQuery<S extends z.ZodType>(schema: S, text: string): z.infer<S> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UserError(`query.mapping is not JSON: ${(error as Error).message}`, 'bad_input');
  }
  return parseMappingWith(schema, value, 'query.mapping');
}

/**
 * What the import routes share: the format from `format` or the Content-Type, the rule that only
 * national roles commit directly, the body saved to a temporary file for the import, and a
 * refused commit answered 400 with the report in error.details.
 */
async function withUpload<R extends ImportReport>(
  request: FastifyRequest,
  body: unknown,
  query: { dryRun: boolean; format?: ImportFormat | undefined; name?: string | undefined },
  actor: Actor,
  run: (path: string, file: string, format: ImportFormat) => Promise<R>,
): Promise<R> {
  const format = query.format ?? formatOfMediaType(request.headers['content-type'] ?? '');
  if (!format) throw new UserError(`Cannot tell the format from Content-Type ${JSON.stringify(request.headers['content-type'] ?? '')}; give format=${IMPORT_FORMATS.join('|')}`, 'bad_input');
  if (!query.dryRun && !isNational(actor)) throw new UserError('Only national roles commit imports directly; send dryRun=true to check a file', 'forbidden');
  const dir = mkdtempSync(join(tmpdir(), 'safeground-upload-'));
  try {
    const name = `upload.${format === 'shapefile' ? 'zip' : format}`;
    const path = join(dir, name);
    await saveBody(body, path);
    const report = await run(path, query.name ?? name, format);
    if (report.problemCount > 0 && !query.dryRun) throw new UserError(`${report.problemCount} problem(s) in ${report.file}; nothing was imported`, 'bad_input', report);
    return report;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const importQuery = {
  dryRun: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  format: z.enum(IMPORT_FORMATS).optional(),
  name: z.string().max(200).optional(),
  activity: z.string().max(200).optional(),
  /** The mapping file's JSON. */
  mapping: z.string().max(100_000).optional(),
};

const Bbox = z
  .string()
  .regex(/^-?[\d.]+,-?[\d.]+,-?[\d.]+,-?[\d.]+$/, 'expected minLon,minLat,maxLon,maxLat')
  .transform((text) => text.split(',').map(Number) as [number, number, number, number]);

export const exchangeRoutes = [
  route({
    method: 'POST',
    path: '/api/imports/finds',
    summary:
      'Import finds from the request body (CSV, GeoJSON, GeoPackage, zipped shapefile, KML or XLSX, told by Content-Type or `format`). ' +
      'A dry run lists every problem and what would change. National roles commit directly, all or nothing; from other roles a file ' +
      'without problems is sent as a submitted report (202, `report`), imported when a national officer approves it',
    tag: 'exchange',
    permission: 'report.write',
    query: z.strictObject({ ...importQuery, organisation: z.string().max(200).optional() }),
    async handler({ db, actor, query, body, request, reply }) {
      const mapping = query.mapping ? mappingOfQuery(Mapping, query.mapping) : DEFAULT_MAPPING;
      const options = (path: string, file: string, format: ImportFormat) => ({
        path,
        file,
        format,
        mapping,
        ...(query.organisation ? { organisation: query.organisation } : {}),
        ...(query.activity ? { activity: query.activity } : {}),
      });
      if (query.dryRun || isNational(actor)) return withUpload(request, body, query, actor, async (...file) => importFinds(db, { ...options(...file), dryRun: query.dryRun, actor }));
      let sent: ReportRow | null = null;
      const checked = await withUpload(request, body, { ...query, dryRun: true }, actor, async (...file) => {
        const result = await reportFindImport(db, actor, options(...file));
        sent = result.report;
        return result.import;
      });
      if (!sent) throw new UserError(`${checked.problemCount} problem(s) in ${checked.file}; nothing was sent`, 'bad_input', checked);
      reply.code(202);
      return { ...checked, report: reportJson(sent, actor) };
    },
  }),
  route({
    method: 'GET',
    path: '/api/exports/finds',
    summary: 'Export finds as GeoJSON, CSV, GeoPackage, KML or XLSX, streamed; the same filters as the finds list',
    tag: 'exchange',
    permission: 'data.read',
    query: z.strictObject({
      format: z.enum(EXPORT_FORMATS),
      bbox: Bbox.optional(),
      from: z.iso.date().optional(),
      to: z.iso.date().optional(),
      organisation: z.uuid().optional(),
      activity: z.uuid().optional(),
      category: z.enum(FIND_CATEGORIES).optional(),
    }),
    async handler({ db, query, reply }) {
      const filter = { bbox: query.bbox, from: query.from, to: query.to, organisationId: query.organisation, activityId: query.activity, category: query.category };
      const format = query.format;
      reply.type(MEDIA_TYPES[format][0]!);
      reply.header('content-disposition', `attachment; filename="finds.${FILE_EXTENSIONS[format]}"`);
      return format === 'gpkg' ? geoPackageExportStream(db, filter) : findExportStream(db, format, filter);
    },
  }),
  route({
    method: 'POST',
    path: '/api/imports/accidents',
    summary:
      'Import accidents with their victims (one row per victim, grouped by the accident reference) from the request body, in the formats finds are imported from. ' +
      'A dry run lists every problem and what would change; only national roles commit directly, all or nothing; victims’ identifying details need restricted.read',
    tag: 'exchange',
    permission: 'report.write',
    query: z.strictObject(importQuery),
    async handler({ db, actor, query, body, request }) {
      const mapping = query.mapping ? mappingOfQuery(AccidentMapping, query.mapping) : DEFAULT_ACCIDENT_MAPPING;
      return withUpload(request, body, query, actor, async (path, file, format) =>
        importAccidents(db, { path, file, format, mapping, dryRun: query.dryRun, actor, ...(query.activity ? { activity: query.activity } : {}) }),
      );
    },
  }),
  route({
    method: 'GET',
    path: '/api/exports/accidents',
    summary:
      'Export accidents, one row per victim, as GeoJSON, CSV, GeoPackage, KML or XLSX, streamed; the filters of the accidents list. ' +
      'Victims’ identifying details only with include=identity and restricted.read, and each read is logged',
    tag: 'exchange',
    permission: 'data.read',
    query: z.strictObject({
      format: z.enum(EXPORT_FORMATS),
      bbox: Bbox.optional(),
      from: z.iso.date().optional(),
      to: z.iso.date().optional(),
      organisation: z.uuid().optional(),
      deviceCategory: z.enum(DEVICE_CATEGORIES).optional(),
      deminingRelated: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
      include: z.enum(['identity']).optional(),
    }),
    async handler({ db, actor, query, reply }) {
      const filter = { bbox: query.bbox, from: query.from, to: query.to, organisationId: query.organisation, deviceCategory: query.deviceCategory, deminingRelated: query.deminingRelated };
      let identityReader: IdentityReader | null = null;
      if (query.include === 'identity') {
        if (!actor.permissions.has('restricted.read')) throw new UserError('Victims’ identifying details need the restricted.read permission', 'forbidden');
        identityReader = { actor, purpose: 'GET /api/exports/accidents?include=identity' };
      }
      const format = query.format;
      reply.type(MEDIA_TYPES[format][0]!);
      reply.header('content-disposition', `attachment; filename="accidents.${FILE_EXTENSIONS[format]}"`);
      return format === 'gpkg' ? accidentGeoPackageStream(db, filter, identityReader) : accidentExportStream(db, format, filter, identityReader);
    },
  }),
];
