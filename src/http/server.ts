import { createReadStream, createWriteStream, existsSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { authenticate } from '../access/authenticate.ts';
import { writeAudit } from '../access/store.ts';
import { UserError } from '../errors.ts';
import { type Db, type Queryable, unboundedStatements } from '../store/db.ts';
import { JsonText } from '../store/json.ts';
import type { ReadReplicas } from '../store/replicas.ts';
import { currentDeadlineMs, deadlineExceeded, pastDeadline, remainingMs, requestDeadlineMs, withDeadline } from '../deadline.ts';
import { apiError, describeZodError, errorHandler } from './errors.ts';
import { SECURITY_HEADERS } from './headers.ts';
import { checkVertexLimits, refuseNul } from './limits.ts';
import { openApiDocument } from './openapi.ts';
import type { Route } from './route.ts';
import { allRoutes } from './routes.ts';
import { scheduleTileChangePruning } from '../tiles/cache.ts';

export interface ServerOptions {
  db: Db;
  /** Streaming replicas of a PostgreSQL store, which answer the routes marked `readOnly`. */
  replicas?: ReadReplicas;
  /** Request logs as JSON lines on stdout; off in tests. */
  logger?: boolean;
  routes?: readonly Route[];
  /** The request deadline; SAFEGROUND_REQUEST_DEADLINE_MS, else DEFAULT_REQUEST_DEADLINE_MS. */
  deadlineMs?: number;
}

/** The built web app (`npm start` and `npm test` build it; `npm run build:web` by hand). */
export const webDist = fileURLToPath(new URL('../../web/dist/', import.meta.url));

function isStream(body: unknown): boolean {
  return typeof body === 'object' && body !== null && typeof (body as { pipe?: unknown }).pipe === 'function';
}

/** Validates path, query and body together, so one answer lists every problem of a request. */
function validate(r: Route, request: { params: unknown; query: unknown; body: unknown }): { params: unknown; query: unknown; body: unknown } {
  const valid: Record<string, unknown> = {};
  const messages: string[] = [];
  const issues: unknown[] = [];
  for (const [where, key] of [['path', 'params'], ['query', 'query'], ['body', 'body']] as const) {
    const schema = r[key];
    if (!schema) {
      valid[key] = request[key];
      continue;
    }
    const result = schema.safeParse(request[key]);
    if (result.success) valid[key] = result.data;
    else {
      messages.push(describeZodError(where, result.error));
      issues.push(...result.error.issues.map((issue) => ({ in: where, ...issue })));
    }
  }
  if (messages.length > 0) throw new UserError(messages.join('; '), 'invalid_request', issues);
  return valid as { params: unknown; query: unknown; body: unknown };
}

/** Checks permission and input, runs the handler, and audits every write in the write's own transaction. */
async function answer(db: Db, replicas: ReadReplicas | undefined, r: Route, request: FastifyRequest, reply: FastifyReply, deadlineMs: number, track: (work: Promise<unknown>) => void): Promise<unknown> {
  const { actor } = request;
  if (!actor.permissions.has(r.permission)) {
    throw actor.userId
      ? new UserError(`You need the ${r.permission} permission for ${r.method} ${r.path}`, 'forbidden')
      : new UserError(`Sign in to use ${r.method} ${r.path}`, 'unauthorised');
  }
  if (r.body && isStream(request.body)) {
    throw new UserError(`${r.method} ${r.path} takes application/json, not ${request.headers['content-type'] ?? 'a body without a content type'}`, 'unsupported_media_type');
  }
  if (!isStream(request.body)) checkVertexLimits(request.body);
  const input = validate(r, request);
  if (r.longRunning) return respond(db, replicas, r, input, request, reply);
  return withDeadline(deadlineMs, () => respond(db, replicas, r, input, request, reply), track);
}

async function respond(db: Db, replicas: ReadReplicas | undefined, r: Route, input: ReturnType<typeof validate>, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const { actor } = request;
  if (r.method === 'GET' || r.ownTransactions) {
    const store = r.readOnly && replicas ? await replicas.forRead(request.lastWriteLsn) : db;
    const result = await r.handler({ db: store, actor, ...input, request, reply });
    if (r.produces) reply.type(r.produces);
    return sendable(result, reply);
  }
  // An uploaded file is on disk before the transaction begins, so a slow client holds no transaction open.
  const spooled = isStream(input.body) ? await spool(input.body as Readable) : null;
  try {
    const result = await db.transaction(async (tx) => {
      // On PostgreSQL the request's statements stop at its deadline too (PGlite cannot interrupt
      // one); those of work without a deadline (longRunning) are not cut by the store's timeout.
      const left = remainingMs();
      if (left === null) await unboundedStatements(tx, db.backend);
      else if (db.backend === 'postgres') await tx.exec(`SET LOCAL statement_timeout = ${Math.max(1, left)}`);
      const written = await r.handler({ db: inTransaction(db, tx), actor, ...input, body: spooled?.body ?? input.body, request, reply });
      await writeAudit(tx, actor, `${r.method} ${r.path}`, { id: (input.params as { id?: string } | undefined)?.id ?? null }, { status: reply.statusCode });
      // The client has been told the request failed: its writes must not stand.
      if (pastDeadline()) throw deadlineExceeded(currentDeadlineMs()!);
      return written;
    });
    if (r.produces) reply.type(r.produces);
    return sendable(result, reply);
  } finally {
    spooled?.remove();
  }
}

/** A handler's answer as Fastify sends it: JSON text built by the store goes out as it is, with the JSON content type. */
function sendable(result: unknown, reply: FastifyReply): unknown {
  if (!(result instanceof JsonText)) return result;
  reply.type('application/json; charset=utf-8');
  return result.text;
}

/**
 * The request's transaction as a Db for its handler: statements run in it, and a transaction the
 * handler opens is a savepoint of it (rolled back alone when its function throws).
 */
function inTransaction(db: Db, tx: Queryable): Db {
  let savepoints = 0;
  return {
    backend: db.backend,
    query: (sql, params) => tx.query(sql, params),
    exec: (sql) => tx.exec(sql),
    bulkLoad: (table, columns, rows) => tx.bulkLoad(table, columns, rows),
    async transaction(fn) {
      const name = `handler_${++savepoints}`;
      await tx.exec(`SAVEPOINT ${name}`);
      try {
        const result = await fn(tx);
        await tx.exec(`RELEASE SAVEPOINT ${name}`);
        return result;
      } catch (error) {
        await tx.exec(`ROLLBACK TO SAVEPOINT ${name}`);
        throw error;
      }
    },
    close: () => Promise.reject(new Error('A handler does not close the store')),
  };
}

/** The methods of writes: what the writer reads next waits for on the replicas. */
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Uploads larger than this are refused while they are written to disk. */
export const MAX_UPLOAD_BYTES = 2 * 1024 ** 3;

/** Writes a streamed request body to a temporary file, refusing more than MAX_UPLOAD_BYTES. */
async function spool(body: Readable): Promise<{ body: Readable; remove(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'safeground-request-'));
  const path = join(dir, 'body');
  let bytes = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      if (bytes > MAX_UPLOAD_BYTES) callback(new UserError(`The upload is larger than ${MAX_UPLOAD_BYTES / 1024 ** 3} GB`, 'too_large'));
      else callback(null, chunk);
    },
  });
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    await pipeline(body, limit, createWriteStream(path));
  } catch (error) {
    remove();
    throw error;
  }
  // Opened now, so the stream stays readable however late the handler reads it, and is closed with the request.
  const stream = createReadStream(path, { fd: openSync(path, 'r') });
  return {
    body: stream,
    remove: () => {
      stream.destroy();
      remove();
    },
  };
}

/** The methods with a route at this path (GET brings HEAD), for the Allow header of a 405. */
function allowedMethods(routes: readonly Route[], path: string): string[] {
  const methods = routes
    .filter((r) => new RegExp(`^${r.path.replace(/\./g, '\\.').replace(/\{\w+\}/g, '[^/]+')}/?$`).test(path))
    .map((r) => r.method);
  return [...new Set(methods.flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m])))];
}

export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const { db, replicas } = options;
  const routes = options.routes ?? allRoutes;
  const deadlineMs = options.deadlineMs ?? requestDeadlineMs();
  const app = Fastify({
    logger: options.logger ? { level: 'info' } : false,
    bodyLimit: 20 * 1024 * 1024,
    // OWSLib, QGIS and people add a trailing slash to /ogc/ and /ogc/collections/.
    routerOptions: { ignoreTrailingSlash: true },
  });
  app.setErrorHandler(errorHandler);
  // OGC API clients send features as application/geo+json and partial updates as JSON merge patches.
  app.addContentTypeParser(['application/geo+json', 'application/merge-patch+json'], { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));
  /**
   * Bodies of other media types reach handlers as streams, so an uploaded file is written to disk
   * as it arrives instead of being held in memory; routes that take JSON refuse them (415).
   */
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
  await app.register(fastifyCookie);
  app.decorateRequest('actor', null as never);
  app.decorateRequest('sessionId', null);
  app.decorateRequest('lastWriteLsn', null);

  /**
   * Store work of requests still being answered. A client that hangs up does not stop its
   * handler, but the HTTP server forgets the request with its connection, so `close()` would
   * return while handlers still query the store, and the caller would close the store under them
   * (postgres.js even reconnects for the queries left in its queue, after its pool has ended).
   */
  const running = new Set<Promise<unknown>>();
  function track<T>(work: Promise<T>): Promise<T> {
    running.add(work);
    const done = () => running.delete(work);
    work.then(done, done);
    return work;
  }
  app.addHook('onClose', async () => {
    // A request between its authentication and its handler has no work tracked for a moment; a
    // turn of the event loop lets it reach the handler before the set is found empty.
    do {
      await Promise.allSettled(running);
      await new Promise((resolve) => setImmediate(resolve));
    } while (running.size > 0);
  });

  const pruning = scheduleTileChangePruning(db, (error) => app.log.error(error));
  app.addHook('onClose', () => pruning.stop());

  // A route may have set a stricter policy of its own (the public page and the treaty reports allow no script at all).
  app.addHook('onSend', async (_request, reply) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) if (!reply.hasHeader(name)) reply.header(name, value);
  });
  app.addHook('onRequest', (request, reply) => track(authenticate(db, request, reply)));
  // Before the answer leaves, so the writer's next read already waits for its write on the replicas.
  // A failure to note it must not turn a committed write into an error: at worst a read comes early.
  if (replicas) {
    app.addHook('onSend', async (request) => {
      if (WRITES.has(request.method) && request.actor.userId) await replicas.noteWrite(request.actor.userId).catch(() => {});
    });
  }
  app.addHook('preValidation', async (request) => refuseNul(request, !isStream(request.body)));
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!;
    const allowed = allowedMethods(routes, path);
    // QGIS asks OPTIONS of a collection's items to learn whether it may write there.
    if (allowed.length > 0 && request.method === 'OPTIONS') {
      reply.status(204).header('Allow', [...allowed, 'OPTIONS'].join(', ')).send();
      return;
    }
    if (allowed.length > 0) {
      reply.status(405).header('Allow', allowed.join(', ')).send(apiError('method_not_allowed', `${request.method} ${path} is not allowed; use ${allowed.join(', ')}`));
      return;
    }
    reply.status(404).send(apiError('not_found', `No route ${request.method} ${path}`));
  });

  const document = openApiDocument(routes);
  app.get('/api/openapi.json', async () => document);

  for (const r of routes) {
    app.route({
      method: r.method,
      url: r.path.replace(/\{(\w+)\}/g, ':$1'),
      handler: (request, reply) => track(answer(db, replicas, r, request, reply, deadlineMs, (work) => void track(work))),
    });
  }

  if (existsSync(webDist)) await app.register(fastifyStatic, { root: webDist, prefix: '/', wildcard: false });
  return app;
}
