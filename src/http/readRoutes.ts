/**
 * The skeletons of the GET routes that only read: what the reads of one area share (tag,
 * permission, whether a replica may answer) said once, one record by id, one page of a list, and
 * a record's history of versions.
 */
import { z } from 'zod';
import type { Permission } from '../access/permissions.ts';
import { UserError } from '../errors.ts';
import { history } from '../reports/history.ts';
import type { Queryable } from '../store/db.ts';
import { type Route, route } from './route.ts';

export const Id = z.object({ id: z.uuid() });

/** What the GET routes of one area share; `readOnly` when a replica may answer every one of them. */
export interface ReadArea {
  tag: string;
  permission: Permission;
  readOnly?: true;
}

/** A GET route's own parts; it may ask for another permission than its area's. */
type ReadParts<P, Q> = Omit<Route<P, Q>, 'method' | 'tag' | 'permission' | 'body'> & { permission?: Permission };

/** A GET route of an area: the area's tag, permission and replica reads, then the route's own parts. */
export function readRoute<P = unknown, Q = unknown>(area: ReadArea, parts: ReadParts<P, Q>): Route {
  return route<P, Q>({ method: 'GET', ...area, ...parts });
}

export function found<T>(row: T | undefined, what: string): T {
  if (!row) throw new UserError(`No such ${what}`, 'not_found');
  return row;
}

/** GET …/{id}: one record, or 404 naming what was asked for. */
export function oneRoute(area: ReadArea, path: string, summary: string, what: string, get: (db: Queryable, id: string) => Promise<unknown>): Route {
  return readRoute(area, {
    path,
    summary,
    params: Id,
    async handler({ db, params }) {
      return found(await get(db, params.id), what);
    },
  });
}

/** GET a list, one page of it: `query` is the list's own parameters, paging among them. */
export function listRoute<Q>(area: ReadArea, path: string, summary: string, query: z.ZodType<Q>, list: (db: Queryable, query: Q) => Promise<unknown>): Route {
  return readRoute(area, {
    path,
    summary,
    query,
    async handler({ db, query }) {
      return list(db, query);
    },
  });
}

/** A kind of record whose versions are kept (record_version), as its history route names it. */
export interface Versioned {
  entityType: 'find' | 'hazard';
  /** The record's name at the start of a sentence: `Find … has no history`. */
  noun: string;
  /** The key of the record's id in the answer. */
  idKey: string;
}

/** GET …/{id}/history: every version of a record with who changed it and why; 404 when it has none. */
export function historyRoute(area: ReadArea, path: string, summary: string, record: Versioned): Route {
  return readRoute(area, {
    path,
    summary,
    params: Id,
    async handler({ db, params }) {
      const versions = await history(db, record.entityType, params.id);
      if (versions.length === 0) throw new UserError(`${record.noun} ${params.id} has no history`, 'not_found');
      return { [record.idKey]: params.id, versions };
    },
  });
}
