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
    /** Where the WAL was after the user's last write (pg_lsn text), for read-your-writes on replicas (src/store/replicas.ts). */
    lastWriteLsn: string | null;
  }
}

function lockedError(until: Date): UserError {
  return new UserError(
    `The account is locked after too many failed sign-ins until ${until.toISOString()}; its sessions and API tokens work again then, or when an administrator unlocks it`,
    'unauthorised',
  );
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The API token of an Authorization header: `Bearer <token>`, or HTTP Basic with the token as the
 * password, which is all QGIS's and GDAL's authentication settings can send. Basic names a user,
 * who must own the token, so a token saved under the wrong name in a GIS connection is refused
 * rather than used as someone else.
 */
function tokenOf(authorization: string): { token: string; username: string | null } {
  const bearer = /^Bearer\s+(\S+)$/i.exec(authorization);
  if (bearer) return { token: bearer[1]!, username: null };
  const basic = /^Basic\s+([A-Za-z0-9+/]+=*)$/i.exec(authorization);
  const decoded = basic ? Buffer.from(basic[1]!, 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  if (colon < 0) throw new UserError('The Authorization header must be "Bearer <token>", or Basic with a username and an API token as the password', 'unauthorised');
  return { token: decoded.slice(colon + 1), username: decoded.slice(0, colon) };
}

/**
 * A browser that has been given Basic credentials sends them by itself, also with requests
 * another site makes it send; such requests carry Sec-Fetch-Site or Origin, a GIS client's never.
 */
function crossSite(request: FastifyRequest): boolean {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined) return site !== 'same-origin' && site !== 'none';
  const origin = request.headers.origin;
  return origin !== undefined && origin !== `${request.protocol}://${request.host}`;
}

/**
 * Machines send `Authorization: Bearer <token>` (or Basic, see tokenOf); browsers carry a session
 * cookie (HttpOnly, SameSite=Strict) and must echo the session's CSRF token in a header on every
 * write, which a page of another site cannot read. A credential that is sent but not valid is refused rather
 * than quietly treated as anonymous, so a revoked token stops working visibly; an invalid session
 * cookie is cleared as it is refused, and never stands in the way of signing in or out.
 */
export async function authenticate(db: Db, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  request.actor = ANONYMOUS;
  request.sessionId = null;
  request.lastWriteLsn = null;
  const authorization = request.headers.authorization;
  if (authorization !== undefined) {
    const { token, username } = tokenOf(authorization);
    const found = await actorForToken(db, token);
    if (found && 'lockedUntil' in found) throw lockedError(found.lockedUntil);
    if (!found) throw new UserError(`The API token${username === null ? '' : ' given as the password'} is not valid (unknown, expired or revoked)`, 'unauthorised');
    const { actor } = found;
    if (username !== null && username !== actor.username) throw new UserError(`The API token given as the password is not one of ${JSON.stringify(username)}'s; use its owner's username`, 'unauthorised');
    if (username !== null && UNSAFE.has(request.method) && crossSite(request)) throw new UserError('A write with Basic credentials from another site is refused', 'forbidden');
    request.actor = actor;
    request.lastWriteLsn = found.lastWriteLsn;
    return;
  }
  const cookie = request.cookies?.[SESSION_COOKIE];
  const sessionPath = request.url.split('?')[0]!.replace(/\/$/, '') === '/api/session';
  // Signing in proves who one is by password; whatever session cookie came along is replaced.
  if (cookie && !(sessionPath && request.method === 'POST')) {
    const session = await actorForSession(db, cookie);
    if (!session) {
      // The cookie is HttpOnly, so only the server can clear it; else the browser sends it until it expires.
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      if (sessionPath && request.method === 'DELETE') return;
      throw new UserError('The session has expired or is not valid; sign in again', 'unauthorised');
    }
    if ('lockedUntil' in session) {
      if (sessionPath && request.method === 'DELETE') {
        reply.clearCookie(SESSION_COOKIE, { path: '/' });
        return;
      }
      throw lockedError(session.lockedUntil);
    }
    if (UNSAFE.has(request.method) && request.headers[CSRF_HEADER] !== session.csrfToken) {
      throw new UserError(`A write from a browser session needs the ${CSRF_HEADER} header of the session`, 'forbidden');
    }
    request.actor = session.actor;
    request.sessionId = session.sessionId;
    request.lastWriteLsn = session.lastWriteLsn;
  }
}
