import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { UserError } from '../errors.ts';
import type { Db } from '../store/db.ts';
import { apiError, describeZodError, errorHandler } from './errors.ts';
import { openApiDocument } from './openapi.ts';
import type { Route } from './route.ts';
import { allRoutes } from './routes.ts';

export interface ServerOptions {
  db: Db;
  /** Request logs as JSON lines on stdout; off in tests. */
  logger?: boolean;
  routes?: readonly Route[];
}

/** The built web app when there is one (npm run build:web), else the placeholder page. */
function webRoot(): string {
  const dist = fileURLToPath(new URL('../../web/dist/', import.meta.url));
  return existsSync(dist) ? dist : fileURLToPath(new URL('../../web/public/', import.meta.url));
}

/** Validates path, query and body together, so one answer lists every problem of a request. */
function validate(r: Route, request: { params: unknown; query: unknown; body: unknown }): { params: unknown; query: unknown; body: unknown } {
  const valid: Record<string, unknown> = {};
  const messages: string[] = [];
  const issues: unknown[] = [];
  for (const [where, key] of [['path', 'params'], ['query', 'query'], ['body', 'body']] as const) {
    const schema = r[key] as z.ZodType | undefined;
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

export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const { db } = options;
  const routes = options.routes ?? allRoutes;
  const app = Fastify({
    logger: options.logger ? { level: 'info' } : false,
    bodyLimit: 20 * 1024 * 1024,
  });
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send(apiError('not_found', `No route ${request.method} ${request.url.split('?')[0]}`));
  });

  const document = openApiDocument(routes);
  app.get('/api/openapi.json', async () => document);

  for (const r of routes) {
    app.route({
      method: r.method,
      url: r.path.replace(/\{(\w+)\}/g, ':$1'),
      handler: async (request, reply) => {
        const result = await r.handler({ db, ...validate(r, request), request, reply });
        if (r.produces) reply.type(r.produces);
        return result;
      },
    });
  }

  await app.register(fastifyStatic, { root: webRoot(), prefix: '/', wildcard: false });
  return app;
}
