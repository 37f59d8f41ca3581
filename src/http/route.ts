import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Actor, Permission } from '../access/permissions.ts';
import type { Db } from '../store/db.ts';

/** What every handler gets: the store and the request, its inputs already validated. */
export interface Context<P, Q, B> {
  /**
   * The store. For a write (any method but GET) it is the request's one transaction, which also
   * holds the request's audit-log row: both commit when the handler returns, neither when it
   * throws. `db.transaction()` inside it is a savepoint.
   */
  db: Db;
  /** Who is asking; anonymous requests act as the public. */
  actor: Actor;
  params: P;
  query: Q;
  body: B;
  request: FastifyRequest;
  reply: FastifyReply;
}

/**
 * One API route. The same zod schemas validate the request at the edge and produce the OpenAPI
 * document, so the two cannot drift apart. `path` is written the OpenAPI way: /api/hazards/{id}.
 */
export interface Route<P = unknown, Q = unknown, B = unknown> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  summary: string;
  tag: string;
  /** The one permission a caller needs; checked before the handler runs. */
  permission: Permission;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  response?: z.ZodType;
  /** Content type of a non-JSON response (HTML reports, CSV, tiles). */
  produces?: string;
  /**
   * A write whose handler commits its own writes and audit rows, because some must stand when
   * the request fails (a failed sign-in is counted and logged): the server then opens no
   * transaction for it and writes no audit row of its own.
   */
  ownTransactions?: true;
  /**
   * A GET whose answer may come from a streaming replica (src/store/replicas.ts), a moment behind
   * the primary but never behind the caller's own writes: it writes nothing, except in a
   * `db.transaction()`, which runs on the primary (the stored land-release pieces it brings up to
   * date), or in a statement the replica refuses and the primary then runs (the log of reading
   * victims' identities). Without replicas it changes nothing.
   */
  readOnly?: true;
  /**
   * Work that may rightly take minutes (importing a file, approving an imported file's report, a
   * whole export, a backup, a sync's feed or upload): exempt from the request deadline
   * (src/deadline.ts). Such work streams or runs in batches, so
   * it does not hold the event loop.
   */
  longRunning?: true;
  handler(context: Context<P, Q, B>): Promise<unknown>;
}

/** Lets route arrays keep each route's own parameter types. */
export function route<P = unknown, Q = unknown, B = unknown>(r: Route<P, Q, B>): Route {
  return r;
}

/** The Content-Security-Policy of self-contained HTML pages (public page, printable reports): no script, nothing fetched. */
export const STATIC_PAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * A date filter of a streamed answer, checked at the edge: PostgreSQL has no year 0, and a stream
 * has sent its headers before the database could refuse the date.
 */
export const FilterDate = z.iso.date().refine((date) => date >= '0001-01-01', 'a date from the year 1 on');

/** A `bbox` query parameter: west, south, east, north in degrees of WGS84, checked at the edge. */
export const Bbox = z
  .string()
  .transform((text, context) => {
    const values = text.split(',').map(Number);
    const [minLon, minLat, maxLon, maxLat] = values;
    if (values.length !== 4 || values.some((v) => !Number.isFinite(v)) || minLon! > maxLon! || minLat! > maxLat! || minLat! < -90 || maxLat! > 90 || minLon! < -180 || maxLon! > 180) {
      context.addIssue({ code: 'custom', message: `${JSON.stringify(text)} is not minLon,minLat,maxLon,maxLat in degrees` });
      return z.NEVER;
    }
    return [minLon, minLat, maxLon, maxLat] as [number, number, number, number];
  });
