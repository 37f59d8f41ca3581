import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { isNational } from '../access/permissions.ts';
import { UserError } from '../errors.ts';
import { route } from '../http/route.ts';
import { FIND_CATEGORIES } from '../ops/find.ts';
import { findExportStream, geoPackageExportStream } from './exportFinds.ts';
import { EXPORT_FORMATS, FILE_EXTENSIONS, formatOfMediaType, IMPORT_FORMATS, MEDIA_TYPES } from './formats.ts';
import { importFinds } from './importFinds.ts';
import { DEFAULT_MAPPING, parseMapping } from './mapping.ts';

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
      'A dry run lists every problem and what would change; only national roles commit directly, all or nothing',
    tag: 'exchange',
    permission: 'report.write',
    query: z.strictObject({
      dryRun: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
      format: z.enum(IMPORT_FORMATS).optional(),
      name: z.string().max(200).optional(),
      organisation: z.string().max(200).optional(),
      activity: z.string().max(200).optional(),
      /** The mapping file's JSON. */
      mapping: z.string().max(100_000).optional(),
    }),
    async handler({ db, actor, query, body, request }) {
      const format = query.format ?? formatOfMediaType(request.headers['content-type'] ?? '');
      if (!format) throw new UserError(`Cannot tell the format from Content-Type ${JSON.stringify(request.headers['content-type'] ?? '')}; give format=${IMPORT_FORMATS.join('|')}`, 'bad_input');
      if (!query.dryRun && !isNational(actor)) throw new UserError('Only national roles commit imports directly; send dryRun=true to check a file', 'forbidden');
      let mapping = DEFAULT_MAPPING;
      if (query.mapping) {
        let value: unknown;
        try {
          value = JSON.parse(query.mapping);
        } catch (error) {
          throw new UserError(`query.mapping is not JSON: ${(error as Error).message}`, 'bad_input');
        }
        mapping = parseMapping(value, 'query.mapping');
      }
      const dir = mkdtempSync(join(tmpdir(), 'safeground-upload-'));
      try {
        const path = join(dir, `upload.${format === 'shapefile' ? 'zip' : format}`);
        await saveBody(body, path);
        const report = await importFinds(db, {
          path,
          file: query.name ?? `upload.${format === 'shapefile' ? 'zip' : format}`,
          format,
          mapping,
          dryRun: query.dryRun,
          actor,
          ...(query.organisation ? { organisation: query.organisation } : {}),
          ...(query.activity ? { activity: query.activity } : {}),
        });
        if (report.problemCount > 0 && !query.dryRun) throw new UserError(`${report.problemCount} problem(s) in ${report.file}; nothing was imported`, 'bad_input', report);
        return report;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
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
];
