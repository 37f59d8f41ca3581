import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import type { Db } from '../store/db.ts';
import { buildServer } from '../http/server.ts';
import { closeTestServer, openTestStore } from '../../test/support/store.ts';
import { testBackends } from '../../test/support/backends.ts';
import type { Actors } from '../../test/support/actors.ts';
import { hashPassword } from './passwords.ts';
import { createUser, MAX_FAILED_LOGINS } from './store.ts';


for (const backend of testBackends()) {
  describe(`accounts and sessions on ${backend.name}`, () => {
    let db: Db;
    let app: FastifyInstance;
    let actors: Actors;
    const password = 'correct horse battery staple';
    before(async () => {
      ({ db, actors } = await openTestStore(backend));
      await createUser(db, { username: 'amina', displayName: 'Amina', organisationId: actors.organisationA, roles: ['field_user'], passwordHash: await hashPassword(password) });
      await createUser(db, { username: 'locked', displayName: 'Locked', organisationId: actors.organisationA, roles: ['analyst'], passwordHash: await hashPassword(password) });
      app = await buildServer({ db });
    });
    after(() => closeTestServer({ db, app }));

    const login = (username: string, pw: string, ip = '10.0.0.1') =>
      app.inject({ method: 'POST', url: '/api/session', payload: { username, password: pw }, remoteAddress: ip });

    test('sign-in sets an HttpOnly, SameSite=Strict session cookie; writes need the CSRF token', async () => {
      const response = await login('amina', password);
      assert.equal(response.statusCode, 200, response.body);
      const cookie = response.cookies.find((c) => c.name === 'sg_session');
      assert.ok(cookie);
      assert.equal(cookie.httpOnly, true);
      assert.equal(cookie.sameSite, 'Strict');
      const { csrfToken, actor } = response.json();
      assert.deepEqual(actor.roles, ['field_user']);
      const cookies = { sg_session: cookie.value };
      const me = await app.inject({ method: 'GET', url: '/api/session', cookies });
      assert.equal(me.json().username, 'amina');
      const withoutCsrf = await app.inject({ method: 'POST', url: '/api/tokens', cookies, payload: { name: 'x', scopes: ['data.read'] } });
      assert.equal(withoutCsrf.statusCode, 403);
      assert.match(withoutCsrf.json().error.message, /x-csrf-token/);
      const withCsrf = await app.inject({ method: 'POST', url: '/api/tokens', cookies, headers: { 'x-csrf-token': csrfToken }, payload: { name: 'x', scopes: ['data.read'] } });
      assert.equal(withCsrf.statusCode, 201, withCsrf.body);
      const out = await app.inject({ method: 'DELETE', url: '/api/session', cookies, headers: { 'x-csrf-token': csrfToken } });
      assert.equal(out.statusCode, 200);
      const afterOut = await app.inject({ method: 'GET', url: '/api/session', cookies });
      assert.equal(afterOut.statusCode, 401);
    });

    test('forged sessions and tokens are refused, not treated as anonymous', async () => {
      const forged = await app.inject({ method: 'GET', url: '/api/session', cookies: { sg_session: 'sgs_forged' } });
      assert.equal(forged.statusCode, 401);
      const token = await app.inject({ method: 'GET', url: '/api/session', headers: { authorization: 'Bearer sgt_forged' } });
      assert.equal(token.statusCode, 401);
      const malformed = await app.inject({ method: 'GET', url: '/api/session', headers: { authorization: 'Basic Zm9vOmJhcg==' } });
      assert.equal(malformed.statusCode, 401);
    });

    /** Whether a response expires the session cookie (Set-Cookie with a date in the past). */
    const clearsCookie = (response: { cookies: { name: string; value: string; expires?: Date }[] }) =>
      response.cookies.some((c) => c.name === 'sg_session' && c.value === '' && c.expires !== undefined && c.expires.getTime() < Date.now());

    test('with a stale session cookie, signing in and out still work, and the cookie is cleared', async () => {
      const stale = { sg_session: 'sgs_stale_or_forged' };
      const signIn = await app.inject({ method: 'POST', url: '/api/session', cookies: stale, payload: { username: 'amina', password }, remoteAddress: '10.0.0.21' });
      assert.equal(signIn.statusCode, 200, signIn.body);
      assert.ok(signIn.cookies.some((c) => c.name === 'sg_session' && c.value !== '' && c.value !== stale.sg_session), 'a new session cookie');
      const signOut = await app.inject({ method: 'DELETE', url: '/api/session', cookies: stale });
      assert.equal(signOut.statusCode, 200, signOut.body);
      assert.ok(clearsCookie(signOut), JSON.stringify(signOut.cookies));
      const elsewhere = await app.inject({ method: 'GET', url: '/api/hazards', cookies: stale });
      assert.equal(elsewhere.statusCode, 401);
      assert.match(elsewhere.json().error.message, /sign in again/);
      assert.ok(clearsCookie(elsewhere), 'an invalid cookie is cleared wherever it is refused');
      const anonymousSignOut = await app.inject({ method: 'DELETE', url: '/api/session' });
      assert.equal(anonymousSignOut.statusCode, 200);
    });

    test('a locked account’s API tokens and sessions are refused until it is unlocked, saying so', async () => {
      await createUser(db, { username: 'tokened', displayName: 'Tokened', organisationId: actors.organisationA, roles: ['analyst'], passwordHash: await hashPassword(password) });
      const signIn = await login('tokened', password, '10.0.3.1');
      const { csrfToken } = signIn.json();
      const cookies = { sg_session: signIn.cookies.find((c) => c.name === 'sg_session')!.value };
      const made = await app.inject({ method: 'POST', url: '/api/tokens', cookies, headers: { 'x-csrf-token': csrfToken }, payload: { name: 'qgis', scopes: ['data.read'] } });
      assert.equal(made.statusCode, 201, made.body);
      const bearer = { authorization: `Bearer ${made.json().token}` };
      assert.equal((await app.inject({ method: 'GET', url: '/api/session', headers: bearer })).statusCode, 200);
      for (let i = 0; i < MAX_FAILED_LOGINS; i++) await login('tokened', 'wrong password', `10.0.4.${i}`);
      for (const asked of [{ headers: bearer }, { cookies }]) {
        const refused = await app.inject({ method: 'GET', url: '/api/session', ...asked });
        assert.equal(refused.statusCode, 401, refused.body);
        assert.match(refused.json().error.message, /locked after too many failed sign-ins until \d{4}-/);
      }
      const [user] = await db.query<{ id: string }>("SELECT id FROM app_user WHERE username = 'tokened'");
      const unlocked = await app.inject({ method: 'PATCH', url: `/api/users/${user!.id}`, headers: actors.auth('administrator'), payload: { unlock: true } });
      assert.equal(unlocked.statusCode, 200, unlocked.body);
      assert.equal((await app.inject({ method: 'GET', url: '/api/session', headers: bearer })).statusCode, 200);
    });

    test('an expired session is refused', async () => {
      const response = await login('amina', password, '10.0.0.9');
      const cookie = response.cookies.find((c) => c.name === 'sg_session')!;
      await db.query("UPDATE user_session SET expires_at = now() - interval '1 minute' WHERE revoked_at IS NULL");
      const expired = await app.inject({ method: 'GET', url: '/api/session', cookies: { sg_session: cookie.value } });
      assert.equal(expired.statusCode, 401);
    });

    test('wrong passwords lock the account after a few tries, and each failure is audited', async () => {
      for (let i = 0; i < MAX_FAILED_LOGINS; i++) assert.equal((await login('locked', 'wrong password', `10.1.0.${i}`)).statusCode, 401);
      const right = await login('locked', password, '10.1.1.1');
      assert.equal(right.statusCode, 401);
      assert.match(right.json().error.message, /locked/);
      const [row] = await db.query<{ n: number }>("SELECT count(*) AS n FROM audit_log WHERE action = 'login_failed'");
      assert.ok(row!.n >= MAX_FAILED_LOGINS);
    });

    test('one address guessing many passwords is slowed down', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await login(`nobody${i}`, 'x', '10.2.0.1')).statusCode);
      assert.ok(statuses.includes(429), `statuses ${statuses.join(', ')}`);
    });

    test('SQL injection strings are data, not SQL', async () => {
      const before = await db.query('SELECT count(*) AS n FROM app_user');
      const response = await login("' OR 1=1; DROP TABLE app_user; --", "' OR '1'='1", '10.3.0.1');
      assert.equal(response.statusCode, 401);
      assert.deepEqual(await db.query('SELECT count(*) AS n FROM app_user'), before);
    });

    test('a revoked token stops working at once', async () => {
      const made = await app.inject({ method: 'POST', url: '/api/tokens', headers: actors.auth('analyst'), payload: { name: 'qgis', scopes: ['data.read'] } });
      assert.equal(made.statusCode, 201);
      const { id, token } = made.json();
      const headers = { authorization: `Bearer ${token}` };
      assert.equal((await app.inject({ method: 'GET', url: '/api/organisations', headers })).statusCode, 200);
      assert.equal((await app.inject({ method: 'DELETE', url: `/api/tokens/${id}`, headers: actors.auth('analyst') })).statusCode, 200);
      assert.equal((await app.inject({ method: 'GET', url: '/api/organisations', headers })).statusCode, 401);
    });

    test("a token's last use is recorded, at most once a minute", async () => {
      const made = await app.inject({ method: 'POST', url: '/api/tokens', headers: actors.auth('analyst'), payload: { name: 'poller', scopes: ['data.read'] } });
      const { id, token } = made.json();
      const headers = { authorization: `Bearer ${token}` };
      const lastUsed = async () => (await db.query<{ last_used_at: Date | null }>('SELECT last_used_at FROM api_token WHERE id = $1', [id]))[0]!.last_used_at;
      assert.equal(await lastUsed(), null);
      assert.equal((await app.inject({ method: 'GET', url: '/api/organisations', headers })).statusCode, 200);
      const first = await lastUsed();
      assert.ok(first);
      assert.equal((await app.inject({ method: 'GET', url: '/api/organisations', headers })).statusCode, 200);
      assert.deepEqual(await lastUsed(), first);
      await db.query("UPDATE api_token SET last_used_at = now() - interval '2 minutes' WHERE id = $1", [id]);
      assert.equal((await app.inject({ method: 'GET', url: '/api/organisations', headers })).statusCode, 200);
      assert.ok((await lastUsed())!.getTime() > Date.now() - 60_000);
    });

    test('a token carries only its scopes, and never more than its user has', async () => {
      const made = await app.inject({ method: 'POST', url: '/api/tokens', headers: actors.auth('national_information_officer'), payload: { name: 'read only', scopes: ['data.read'] } });
      const headers = { authorization: `Bearer ${made.json().token}` };
      const me = (await app.inject({ method: 'GET', url: '/api/session', headers })).json();
      assert.deepEqual(me.permissions, ['data.read', 'public.read']);
      const beyond = await app.inject({ method: 'POST', url: '/api/tokens', headers: actors.auth('analyst'), payload: { name: 'x', scopes: ['report.approve'] } });
      assert.equal(beyond.statusCode, 403);
    });

    test('an organisation manager manages users of their own organisation only, and cannot grant national roles', async () => {
      const body = { username: 'newcomer', displayName: 'New', organisationId: actors.organisationB, roles: ['field_user'], password: 'a long enough password 1' };
      assert.equal((await app.inject({ method: 'POST', url: '/api/users', headers: actors.auth('organisation_manager'), payload: body })).statusCode, 403);
      const national = { ...body, organisationId: actors.organisationA, roles: ['national_information_officer'] };
      assert.equal((await app.inject({ method: 'POST', url: '/api/users', headers: actors.auth('organisation_manager'), payload: national })).statusCode, 403);
      const ok = await app.inject({ method: 'POST', url: '/api/users', headers: actors.auth('organisation_manager'), payload: { ...body, organisationId: actors.organisationA } });
      assert.equal(ok.statusCode, 201, ok.body);
      const listed = (await app.inject({ method: 'GET', url: '/api/users', headers: actors.auth('organisation_manager_b') })).json();
      assert.ok(listed.users.every((u: { organisationId: string }) => u.organisationId === actors.organisationB));
    });

    test('a user in an organisation that does not exist is a 400 naming it, not a 500 (found by the fuzz test)', async () => {
      const unknown = '00000000-0000-4000-8000-000000000000';
      const body = { username: 'nowhere', displayName: 'Nowhere', organisationId: unknown, roles: ['field_user'], password: 'a long enough password 1' };
      const refused = await app.inject({ method: 'POST', url: '/api/users', headers: actors.auth('administrator'), payload: body });
      assert.equal(refused.statusCode, 400, refused.body);
      assert.match(refused.json().error.message, new RegExp(`^No such record: \\(organisation_id\\)=\\(${unknown}\\) is not present in table "organisation"`));
    });

    test('permission changes are in the audit log, which only administrators read', async () => {
      const change = await app.inject({ method: 'PATCH', url: `/api/users/${actors.userIds.analyst}`, headers: actors.auth('administrator'), payload: { roles: ['analyst', 'field_user'] } });
      assert.equal(change.statusCode, 200, change.body);
      assert.equal((await app.inject({ method: 'GET', url: '/api/audit', headers: actors.auth('national_information_officer') })).statusCode, 403);
      const audit = (await app.inject({ method: 'GET', url: '/api/audit?entityType=app_user', headers: actors.auth('administrator') })).json();
      const entry = audit.entries.find((e: { action: string; entityId: string }) => e.action === 'permission_change' && e.entityId === actors.userIds.analyst);
      assert.ok(entry);
      assert.deepEqual(entry.details.roles, { before: ['analyst'], after: ['analyst', 'field_user'] });
      assert.equal(entry.actor, 'test_administrator');
    });

    test('oversized bodies and wrong content types are refused', async () => {
      const big = await app.inject({ method: 'POST', url: '/api/session', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ username: 'x'.repeat(21 * 1024 * 1024), password: 'y' }) });
      assert.equal(big.statusCode, 413);
      assert.equal(big.json().error.code, 'too_large');
      const xml = await app.inject({ method: 'POST', url: '/api/session', headers: { 'content-type': 'application/xml' }, payload: '<login/>' });
      assert.equal(xml.statusCode, 415);
    });
  });
}
