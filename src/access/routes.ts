import { z } from 'zod';
import { UserError } from '../errors.ts';
import { route } from '../http/route.ts';
import { SESSION_COOKIE } from './authenticate.ts';
import { LoginLimiter } from './limiter.ts';
import { hashPassword, passwordProblem, verifyPassword } from './passwords.ts';
import { type Actor, isNational, mayActFor, NATIONAL_ROLES, PERMISSIONS, ROLES, type Role } from './permissions.ts';
import * as store from './store.ts';

const Id = z.object({ id: z.uuid() });

function actorSummary(actor: Actor) {
  return { userId: actor.userId, username: actor.username, organisationId: actor.organisationId, roles: actor.roles, permissions: [...actor.permissions].sort() };
}

const limiter = new LoginLimiter();

/** Roles an actor may hand out: national roles only by an administrator. */
function assertMayGrant(actor: Actor, roles: readonly Role[]) {
  const national = roles.filter((role) => NATIONAL_ROLES.has(role));
  if (national.length > 0 && !actor.roles.includes('administrator')) {
    throw new UserError(`Only an administrator may grant ${national.join(', ')}`, 'forbidden');
  }
}

const NewUser = z.strictObject({
  username: z.string().regex(/^[A-Za-z0-9._-]{3,64}$/, 'use 3-64 letters, digits, dots, dashes or underscores'),
  displayName: z.string().min(1).max(200),
  organisationId: z.uuid().nullable(),
  roles: z.array(z.enum(ROLES)).min(1),
  password: z.string().max(200),
});

export const accessRoutes = [
  route({
    method: 'POST',
    path: '/api/session',
    summary: 'Sign in with a username and password; sets an HttpOnly session cookie and returns the CSRF token for writes',
    tag: 'access',
    permission: 'public.read',
    body: z.strictObject({ username: z.string().min(1).max(64), password: z.string().min(1).max(200) }),
    ownTransactions: true,
    async handler({ db, actor, body, request, reply }) {
      limiter.check(request.ip);
      const user = await store.findUser(db, body.username);
      const refuse = () => new UserError('Unknown username or wrong password', 'unauthorised');
      if (!user || !user.active || !user.password_hash) {
        limiter.fail(request.ip);
        throw refuse();
      }
      if (user.locked_until && user.locked_until > new Date()) {
        throw new UserError(`This account is locked after ${store.MAX_FAILED_LOGINS} failed sign-ins until ${user.locked_until.toISOString()}`, 'unauthorised');
      }
      if (!(await verifyPassword(body.password, user.password_hash))) {
        limiter.fail(request.ip);
        await store.recordLogin(db, user.id, false);
        await store.writeAudit(db, null, 'login_failed', { type: 'app_user', id: user.id }, { ip: request.ip });
        throw refuse();
      }
      const session = await db.transaction(async (tx) => {
        await store.recordLogin(tx, user.id, true);
        const created = await store.createSession(tx, user.id, { userAgent: request.headers['user-agent'], ip: request.ip });
        await store.writeAudit(tx, actor, 'POST /api/session', { id: null }, { status: 200 });
        return created;
      });
      reply.setCookie(SESSION_COOKIE, session.token, {
        httpOnly: true,
        sameSite: 'strict',
        secure: request.protocol === 'https',
        path: '/',
        expires: session.expiresAt,
      });
      const signedIn = await store.actorForSession(db, session.token);
      if (!signedIn || 'lockedUntil' in signedIn) throw new Error('A session just made is not valid');
      return { csrfToken: session.csrfToken, expiresAt: session.expiresAt, mustChangePassword: user.must_change_password, actor: actorSummary(signedIn.actor) };
    },
  }),
  route({
    method: 'GET',
    path: '/api/session',
    summary: 'Who is asking: the signed-in user, their roles and permissions (the public when not signed in)',
    tag: 'access',
    permission: 'public.read',
    async handler({ actor }) {
      return actorSummary(actor);
    },
  }),
  route({
    method: 'DELETE',
    path: '/api/session',
    summary: 'Sign out: ends the browser session, and clears the session cookie whether or not it is still valid',
    tag: 'access',
    permission: 'public.read',
    async handler({ db, request, reply }) {
      if (request.sessionId) await store.revokeSession(db, request.sessionId);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return { signedOut: true };
    },
  }),
  route({
    method: 'POST',
    path: '/api/session/password',
    summary: 'Change one’s own password',
    tag: 'access',
    permission: 'account.self',
    body: z.strictObject({ currentPassword: z.string().max(200), newPassword: z.string().max(200) }),
    async handler({ db, actor, body }) {
      const user = await store.findUser(db, actor.username);
      if (!user?.password_hash || !(await verifyPassword(body.currentPassword, user.password_hash))) {
        throw new UserError('The current password is wrong', 'forbidden');
      }
      const problem = passwordProblem(body.newPassword);
      if (problem) throw new UserError(`body.newPassword: ${problem}`, 'bad_input');
      await store.setPassword(db, user.id, await hashPassword(body.newPassword));
      return { changed: true };
    },
  }),
  route({
    method: 'GET',
    path: '/api/tokens',
    summary: 'One’s own API tokens (never the tokens themselves)',
    tag: 'access',
    permission: 'account.self',
    async handler({ db, actor }) {
      return { tokens: await store.listApiTokens(db, actor.userId!) };
    },
  }),
  route({
    method: 'POST',
    path: '/api/tokens',
    summary: 'Make an API token for the CLI or a GIS client; the token is shown once',
    tag: 'access',
    permission: 'account.self',
    body: z.strictObject({
      name: z.string().min(1).max(100),
      scopes: z.array(z.enum(PERMISSIONS)).min(1),
      expiresInDays: z.number().int().min(1).max(3650).optional(),
    }),
    async handler({ db, actor, body, reply }) {
      const beyond = body.scopes.filter((scope) => !actor.permissions.has(scope));
      if (beyond.length > 0) throw new UserError(`A token cannot have scopes its user lacks: ${beyond.join(', ')}`, 'forbidden');
      const expiresAt = body.expiresInDays ? new Date(Date.now() + body.expiresInDays * 86_400_000) : null;
      const token = await store.createApiToken(db, actor.userId!, { name: body.name, scopes: body.scopes, expiresAt });
      reply.status(201);
      return { ...token, expiresAt };
    },
  }),
  route({
    method: 'DELETE',
    path: '/api/tokens/{id}',
    summary: 'Revoke an API token; it stops working at once',
    tag: 'access',
    permission: 'account.self',
    params: Id,
    async handler({ db, actor, params }) {
      const owner = actor.roles.includes('administrator') ? null : actor.userId;
      if (!(await store.revokeApiToken(db, params.id, owner))) throw new UserError('No such token, or it is not yours', 'not_found');
      return { revoked: true };
    },
  }),
  route({
    method: 'GET',
    path: '/api/users',
    summary: 'Users (an organisation manager sees their own organisation)',
    tag: 'access',
    permission: 'users.manage',
    async handler({ db, actor }) {
      const scope = isNational(actor) ? null : actor.organisationId;
      return { users: await store.listUsers(db, scope) };
    },
  }),
  route({
    method: 'POST',
    path: '/api/users',
    summary: 'Create a user',
    tag: 'access',
    permission: 'users.manage',
    body: NewUser,
    async handler({ db, actor, body, reply }) {
      if (!mayActFor(actor, 'users.manage', body.organisationId)) throw new UserError('You may create users only in your own organisation', 'forbidden');
      assertMayGrant(actor, body.roles);
      const problem = passwordProblem(body.password);
      if (problem) throw new UserError(`body.password: ${problem}`, 'bad_input');
      const user = await db.transaction(async (tx) => {
        const created = await store.createUser(tx, { ...body, passwordHash: await hashPassword(body.password), createdBy: actor.userId });
        await store.writeAudit(tx, actor, 'permission_change', { type: 'app_user', id: created.id }, { roles: { before: [], after: body.roles } });
        return created;
      });
      reply.status(201);
      return user;
    },
  }),
  route({
    method: 'PATCH',
    path: '/api/users/{id}',
    summary: 'Change a user’s roles, organisation, name or whether they may sign in',
    tag: 'access',
    permission: 'users.manage',
    params: Id,
    body: z.strictObject({
      displayName: z.string().min(1).max(200).optional(),
      roles: z.array(z.enum(ROLES)).min(1).optional(),
      organisationId: z.uuid().nullable().optional(),
      active: z.boolean().optional(),
      unlock: z.boolean().optional(),
    }),
    async handler({ db, actor, params, body }) {
      return db.transaction(async (tx) => {
        const user = await store.lockUser(tx, params.id);
        if (!user || !mayActFor(actor, 'users.manage', user.organisation_id)) throw new UserError('No such user, or not yours to manage', 'not_found');
        if (body.organisationId !== undefined && !mayActFor(actor, 'users.manage', body.organisationId)) throw new UserError('You may move users only within your own organisation', 'forbidden');
        if (body.roles) assertMayGrant(actor, [...body.roles, ...user.roles.filter((r) => !body.roles!.includes(r))]);
        await store.updateUser(tx, params.id, body, actor.userId);
        if (body.active === false) await store.revokeSessionsOf(tx, params.id);
        if (body.roles || body.active !== undefined || body.organisationId !== undefined) {
          await store.writeAudit(tx, actor, 'permission_change', { type: 'app_user', id: params.id }, {
            roles: { before: user.roles, after: body.roles ?? user.roles },
            active: { before: user.active, after: body.active ?? user.active },
            organisationId: { before: user.organisation_id, after: body.organisationId === undefined ? user.organisation_id : body.organisationId },
          });
        }
        return { updated: true };
      });
    },
  }),
  route({
    method: 'GET',
    path: '/api/organisations',
    summary: 'Organisations',
    tag: 'access',
    permission: 'data.read',
    async handler({ db }) {
      return { organisations: await store.listOrganisations(db) };
    },
  }),
  route({
    method: 'POST',
    path: '/api/organisations',
    summary: 'Register an organisation (national roles)',
    tag: 'access',
    permission: 'users.manage',
    body: z.strictObject({
      name: z.string().min(1).max(200),
      acronym: z.string().max(20).optional(),
      kind: z.enum(['authority', 'ngo', 'commercial', 'military', 'un_agency', 'other']),
      countryCode: z.string().max(3).optional(),
    }),
    async handler({ db, actor, body, reply }) {
      if (!isNational(actor)) throw new UserError('Only national roles register organisations', 'forbidden');
      if (await store.organisationNamed(db, body.name)) throw new UserError(`An organisation named ${JSON.stringify(body.name)} exists`, 'conflict');
      const row = await store.createOrganisation(db, body, actor.userId);
      reply.status(201);
      return row;
    },
  }),
  route({
    method: 'GET',
    path: '/api/audit',
    summary: 'The audit log: every write and permission change, newest first',
    tag: 'access',
    permission: 'audit.read',
    query: z.strictObject({
      since: z.iso.datetime({ offset: true }).optional(),
      until: z.iso.datetime({ offset: true }).optional(),
      actor: z.string().max(64).optional(),
      entityType: z.string().max(64).optional(),
      limit: z.coerce.number().int().min(1).max(1000).default(100),
      before: z.coerce.number().int().optional(),
    }),
    async handler({ db, query }) {
      const entries = await store.auditEntries(db, query);
      const last = entries.at(-1);
      return { entries, next: entries.length === query.limit && last ? { before: last.id } : null };
    },
  }),
];
