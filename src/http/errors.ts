import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { UserError } from '../errors.ts';
import { isDatabaseUnavailable } from '../store/db.ts';

/** What a 503 asks a client to wait before trying again. */
export const RETRY_AFTER_S = 5;

/** The one error shape of the API. */
export interface ApiError {
  error: { code: string; message: string; details?: unknown };
}

const statusOf: Record<string, number> = {
  bad_input: 400,
  invalid_request: 400,
  unauthorised: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  version_conflict: 409,
  too_large: 413,
  unsupported_media_type: 415,
  too_many_requests: 429,
  deadline_exceeded: 503,
};

export function apiError(code: string, message: string, details?: unknown): ApiError {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

/** A readable one-line account of what is wrong with a request: where, and the value sent. */
export function describeZodError(where: string, error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = [where, ...issue.path.map(String)].join('.');
      return `${path}: ${issue.message}`;
    })
    .join('; ');
}

/**
 * What a 401 asks for (RFC 9110): GIS clients on the OGC API may answer a Basic challenge with a
 * username and an API token; elsewhere only Bearer, so that no browser pops up a password dialog
 * over the web app.
 */
function challenge(url: string): string {
  return url === '/ogc' || url.startsWith('/ogc/') || url.startsWith('/ogc?') ? 'Basic realm="Safeground", Bearer' : 'Bearer';
}

export function errorHandler(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): void {
  if (error instanceof UserError) {
    if (error.code === 'unauthorised') reply.header('WWW-Authenticate', challenge(request.url));
    if (error.code === 'deadline_exceeded') reply.header('Retry-After', String(RETRY_AFTER_S));
    reply.status(statusOf[error.code] ?? 400).send(apiError(error.code, error.message, error.details));
    return;
  }
  if (isDatabaseUnavailable(error)) {
    request.log.warn({ err: error }, 'database unavailable');
    reply
      .status(503)
      .header('Retry-After', String(RETRY_AFTER_S))
      .send(apiError('database_unavailable', `The database cannot be reached just now, so the request was not done. Try again in ${RETRY_AFTER_S} s`));
    return;
  }
  const missing = missingReference(error);
  if (missing) {
    reply.status(400).send(apiError('invalid_request', `No such record: ${missing}`));
    return;
  }
  const outOfRange = valueOutOfRange(error);
  if (outOfRange) {
    reply.status(400).send(apiError('invalid_request', `A value the database cannot hold: ${outOfRange}`));
    return;
  }
  const status = (error as FastifyError).statusCode;
  if (status && status >= 400 && status < 500) {
    const code = (error as FastifyError).code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'too_large' : 'invalid_request';
    reply.status(status).send(apiError(code, error.message));
    return;
  }
  request.log.error({ err: error }, 'unhandled error');
  reply.status(500).send(apiError('internal', 'Internal error; the server log has the details', { requestId: request.id }));
}

/**
 * A foreign key the database refused (SQLSTATE 23503: a request named an organisation, activity or
 * model that does not exist). Handlers check the common cases themselves; this answers the rest
 * with the key and value PostgreSQL names, rather than a 500.
 */
function missingReference(error: Error): string | null {
  const { code, detail } = error as { code?: unknown; detail?: unknown };
  if (code !== '23503') return null;
  return typeof detail === 'string' ? detail.replace(/^Key /, '') : 'a record it names does not exist';
}

/**
 * A value given in a request that the database refused as out of its range (SQLSTATE 22008, a
 * date of year 0 or past 294276; 22003, a number too large): the request's fault, with
 * PostgreSQL's words, which name the value.
 */
function valueOutOfRange(error: Error): string | null {
  const { code } = error as { code?: unknown };
  return code === '22008' || code === '22003' ? error.message : null;
}
