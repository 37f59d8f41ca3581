/**
 * What the import and export routes of finds and accidents share: the upload saved to a file and
 * checked, the mapping given in the query, the common query parameters, and the download headers.
 */
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Actor, isNational } from '../access/permissions.ts';
import { UserError } from '../errors.ts';
import { Bbox, FilterDate } from '../http/route.ts';
import { EXPORT_FORMATS, type ExportFormat, FILE_EXTENSIONS, formatOfMediaType, IMPORT_FORMATS, type ImportFormat, MEDIA_TYPES } from './formats.ts';
import type { ImportReport } from './findImporter.ts';
import { parseMappingWith } from './mapping.ts';

/** Writes the request body (a stream the server has already limited, or what a built-in parser made of JSON or text) to a file. */
async function saveBody(body: unknown, path: string): Promise<void> {
  if (body instanceof Readable) await pipeline(body, createWriteStream(path));
  else if (typeof body === 'string' || Buffer.isBuffer(body)) writeFileSync(path, body);
  else if (typeof body === 'object' && body !== null) writeFileSync(path, JSON.stringify(body));
  else throw new UserError('Send the file as the request body, with its media type as Content-Type', 'bad_input');
}

/** The mapping file's JSON given in the `mapping` query parameter. */
export function mappingOfQuery<S extends z.ZodType>(schema: S, text: string): z.infer<S> {
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
export async function withUpload<R extends ImportReport>(
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

export const importQuery = {
  dryRun: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  format: z.enum(IMPORT_FORMATS).optional(),
  name: z.string().max(200).optional(),
  activity: z.string().max(200).optional(),
  /** The mapping file's JSON. */
  mapping: z.string().max(100_000).optional(),
};

/** The query of every export: the format, then the filters its records' list shares (area, dates, organisation). */
export const exportQuery = {
  format: z.enum(EXPORT_FORMATS),
  bbox: Bbox.optional(),
  from: FilterDate.optional(),
  to: FilterDate.optional(),
  organisation: z.uuid().optional(),
};

/** Names the streamed export as a download of the format's media type and extension. */
export function attachment(reply: FastifyReply, format: ExportFormat, name: string): void {
  reply.type(MEDIA_TYPES[format][0]!);
  reply.header('content-disposition', `attachment; filename="${name}.${FILE_EXTENSIONS[format]}"`);
}
