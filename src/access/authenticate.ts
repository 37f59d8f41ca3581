import type { FastifyReply, FastifyRequest } from 'fastify';
import { UserError } from '../errors.ts';
import type { Db } from '../store/db.ts';
import { ANONYMOUS, type Actor } from './permissions.ts';
import { actorForSession, actorForToken } from './store.ts';

export const SESSION_COOKIE = 'sg_session';
export const CSRF_HEADER = 'x-csrf-token';

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor;
    sessionId: string | null;
  }
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Machines send `Authorization: Bearer <token>`; browsers carry a session cookie (HttpOnly,
 * SameSite=Strict) and must echo the session's CSRF token in a header on every write, which a
 * page of another site cannot read. A credential that is sent but not valid is refused rather
 * than quietly treated as anonymous, so a revoked token stops working visibly.
 */
export async function authenticate(db: Db, request: FastifyRequest, _reply: FastifyReply): Promise<void> {
  request.actor = ANONYMOUS;
  request.sessionId = null;
  const authorization = request.headers.authorization;
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (!match) throw new UserError('The Authorization header must be "Bearer <token>"', 'unauthorised');
    const actor = await actorForToken(db, match[1]!);
    if (!actor) throw new UserError('The API token is not valid (unknown, expired or revoked)', 'unauthorised');
    request.actor = actor;
    return;
  }
  const cookie = request.cookies?.[SESSION_COOKIE];
  if (cookie) {
    const session = await actorForSession(db, cookie);
    if (!session) throw new UserError('The session has expired or is not valid; sign in again', 'unauthorised');
    if (UNSAFE.has(request.method) && request.headers[CSRF_HEADER] !== session.csrfToken) {
      throw new UserError(`A write from a browser session needs the ${CSRF_HEADER} header of the session`, 'forbidden');
    }
    request.actor = session.actor;
    request.sessionId = session.sessionId;
  }
}
