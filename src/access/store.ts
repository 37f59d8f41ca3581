import { createHash, randomBytes } from 'node:crypto';
import { UserError } from '../errors.ts';
import type { Queryable, Row } from '../store/db.ts';
import { type Actor, type Permission, type Role, PERMISSIONS, permissionsOf } from './permissions.ts';

/** Tokens and session ids are stored only as hashes: a copy of the database does not let anyone in. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

function secret(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

export interface UserRow {
  id: string;
  username: string;
  display_name: string;
  organisation_id: string | null;
  roles: Role[];
  password_hash: string | null;
  active: boolean;
  failed_logins: number;
  locked_until: Date | null;
  must_change_password: boolean;
}

export interface NewUser {
  username: string;
  displayName: string;
  organisationId: string | null;
  roles: Role[];
  passwordHash: string | null;
  mustChangePassword?: boolean;
  createdBy?: string | null;
}

export async function createUser(db: Queryable, user: NewUser): Promise<{ id: string }> {
  const [existing] = await db.query('SELECT 1 FROM app_user WHERE lower(username) = lower($1)', [user.username]);
  if (existing) throw new UserError(`A user named ${JSON.stringify(user.username)} already exists`, 'conflict');
  const [row] = await db.query<{ id: string }>(
    `INSERT INTO app_user (username, display_name, organisation_id, roles, password_hash, must_change_password, created_by, updated_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id`,
    [user.username, user.displayName, user.organisationId, user.roles, user.passwordHash, user.mustChangePassword ?? false, user.createdBy ?? null],
  );
  return row!;
}

export async function findUser(db: Queryable, username: string): Promise<UserRow | undefined> {
  const [row] = await db.query<UserRow>('SELECT * FROM app_user WHERE lower(username) = lower($1)', [username]);
  return row;
}

export async function countUsers(db: Queryable): Promise<number> {
  const [row] = await db.query<{ n: number }>('SELECT count(*) AS n FROM app_user');
  return row?.n ?? 0;
}

/** After this many failures in a row an account is locked for LOCK_MINUTES. */
export const MAX_FAILED_LOGINS = 5;
export const LOCK_MINUTES = 15;

export async function recordLogin(db: Queryable, userId: string, success: boolean): Promise<void> {
  if (success) {
    await db.query('UPDATE app_user SET failed_logins = 0, locked_until = NULL WHERE id = $1', [userId]);
    return;
  }
  await db.query(
    `UPDATE app_user SET failed_logins = failed_logins + 1,
       locked_until = CASE WHEN failed_logins + 1 >= $2 THEN now() + make_interval(mins => $3) ELSE locked_until END
     WHERE id = $1`,
    [userId, MAX_FAILED_LOGINS, LOCK_MINUTES],
  );
}

function actorOf(row: { user_id: string; username: string; organisation_id: string | null; roles: Role[] }, via: Actor['via'], scopes?: readonly string[]): Actor {
  const permissions = permissionsOf(row.roles);
  /** What anyone may do anonymously no token scope can take away. */
  if (scopes) for (const p of [...permissions]) if (p !== 'public.read' && !scopes.includes(p)) permissions.delete(p);
  return { userId: row.user_id, username: row.username, organisationId: row.organisation_id, roles: row.roles, permissions, via };
}

export async function createApiToken(
  db: Queryable,
  userId: string,
  options: { name: string; scopes: readonly Permission[]; expiresAt?: Date | null; createdBy?: string | null },
): Promise<{ id: string; token: string }> {
  const unknown = options.scopes.filter((s) => !PERMISSIONS.includes(s));
  if (unknown.length > 0) throw new UserError(`Unknown token scope(s): ${unknown.join(', ')}`, 'bad_input');
  const token = secret('sgt');
  const [row] = await db.query<{ id: string }>(
    'INSERT INTO api_token (user_id, name, token_hash, scopes, expires_at, created_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id',
    [userId, options.name, hashSecret(token), options.scopes, options.expiresAt ?? null, options.createdBy ?? userId],
  );
  return { id: row!.id, token };
}

/** How stale a token's last_used_at may get: it tells an administrator whether a token is still in use. */
const TOKEN_USE_RESOLUTION = '1 minute';

/**
 * A token works only while it, and its user, are neither revoked, expired nor deactivated; every
 * request reads that afresh, so a revocation takes effect at once. The read writes nothing:
 * writing last_used_at on every request queued all clients of a token on its row and on a WAL
 * flush each, so it is written at most once per TOKEN_USE_RESOLUTION, and a request that finds
 * another writing it does not wait.
 */
/**
 * The actor of an API token, or, when its account is locked after failed sign-ins, until when:
 * a lock stops the account's tokens and sessions too, since whoever guesses at the password may
 * be after what the account can do by any means.
 */
export async function actorForToken(db: Queryable, token: string): Promise<{ actor: Actor; lastWriteLsn: string | null } | { lockedUntil: Date } | null> {
  const [row] = await db.query<{ token_id: string; stale: boolean; locked_until: Date | null; user_id: string; username: string; organisation_id: string | null; roles: Role[]; scopes: string[]; last_write_lsn: string | null }>(
    `SELECT t.id AS token_id, t.last_used_at IS NULL OR t.last_used_at < now() - $2::interval AS stale,
       u.id AS user_id, u.username, u.organisation_id, u.roles, t.scopes, CASE WHEN u.locked_until > now() THEN u.locked_until END AS locked_until,
       u.last_write_lsn::text AS last_write_lsn
     FROM api_token t JOIN app_user u ON u.id = t.user_id
     WHERE t.token_hash = $1 AND u.active AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())`,
    [hashSecret(token), TOKEN_USE_RESOLUTION],
  );
  if (!row) return null;
  if (row.locked_until) return { lockedUntil: row.locked_until };
  if (row.stale) {
    await db.query(
      `UPDATE api_token SET last_used_at = now()
       WHERE id = (SELECT id FROM api_token WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - $2::interval) FOR UPDATE SKIP LOCKED)`,
      [row.token_id, TOKEN_USE_RESOLUTION],
    );
  }
  return { actor: actorOf(row, 'token', row.scopes), lastWriteLsn: row.last_write_lsn };
}

export async function revokeApiToken(db: Queryable, tokenId: string, userId: string | null): Promise<boolean> {
  const rows = await db.query(
    'UPDATE api_token SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL AND ($2::uuid IS NULL OR user_id = $2) RETURNING id',
    [tokenId, userId],
  );
  return rows.length > 0;
}

export async function listApiTokens(db: Queryable, userId: string) {
  return db.query<{ id: string; name: string; scopes: string[]; expires_at: Date | null; revoked_at: Date | null; last_used_at: Date | null; created_at: Date }>(
    'SELECT id, name, scopes, expires_at, revoked_at, last_used_at, created_at FROM api_token WHERE user_id = $1 ORDER BY created_at',
    [userId],
  );
}

export const SESSION_HOURS = 12;

export async function createSession(db: Queryable, userId: string, meta: { userAgent?: string; ip?: string }): Promise<{ token: string; csrfToken: string; expiresAt: Date }> {
  const token = secret('sgs');
  const csrfToken = randomBytes(24).toString('base64url');
  const [row] = await db.query<{ expires_at: Date }>(
    `INSERT INTO user_session (user_id, session_hash, csrf_token, expires_at, user_agent, ip)
     VALUES ($1, $2, $3, now() + make_interval(hours => $4), $5, $6) RETURNING expires_at`,
    [userId, hashSecret(token), csrfToken, SESSION_HOURS, meta.userAgent ?? null, meta.ip ?? null],
  );
  return { token, csrfToken, expiresAt: row!.expires_at };
}

export async function actorForSession(db: Queryable, token: string): Promise<{ actor: Actor; csrfToken: string; sessionId: string; lastWriteLsn: string | null } | { lockedUntil: Date } | null> {
  const [row] = await db.query<{ user_id: string; username: string; organisation_id: string | null; roles: Role[]; csrf_token: string; session_id: string; locked_until: Date | null; last_write_lsn: string | null }>(
    `SELECT u.id AS user_id, u.username, u.organisation_id, u.roles, s.csrf_token, s.id AS session_id,
       CASE WHEN u.locked_until > now() THEN u.locked_until END AS locked_until, u.last_write_lsn::text AS last_write_lsn
     FROM user_session s JOIN app_user u ON u.id = s.user_id
     WHERE s.session_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > now() AND u.active`,
    [hashSecret(token)],
  );
  if (row?.locked_until) return { lockedUntil: row.locked_until };
  return row ? { actor: actorOf(row, 'session'), csrfToken: row.csrf_token, sessionId: row.session_id, lastWriteLsn: row.last_write_lsn } : null;
}

export async function revokeSession(db: Queryable, sessionId: string): Promise<void> {
  await db.query('UPDATE user_session SET revoked_at = now() WHERE id = $1', [sessionId]);
}

/** One row per write and per permission change: who, when, what, on which record. */
export async function writeAudit(
  db: Queryable,
  actor: Actor | null,
  action: string,
  entity: { type?: string | null; id?: string | null } = {},
  details: Record<string, unknown> = {},
): Promise<void> {
  await db.query('INSERT INTO audit_log (actor_id, action, entity_type, entity_id, details) VALUES ($1, $2, $3, $4, $5::jsonb)', [
    actor?.userId ?? null,
    action,
    entity.type ?? null,
    entity.id ?? null,
    JSON.stringify({ ...details, via: actor?.via ?? 'system' }),
  ]);
}

/** Every read of restricted personal data leaves a row: who, when, which record. */
export async function logRestrictedAccess(db: Queryable, actor: Actor, entityType: string, entityIds: readonly string[], purpose: string): Promise<void> {
  if (entityIds.length === 0) return;
  await db.query(
    'INSERT INTO restricted_access_log (actor_id, entity_type, entity_id, purpose) SELECT $1, $2, unnest($3::uuid[]), $4',
    [actor.userId, entityType, entityIds, purpose],
  );
}

// Accounts and organisations as the API manages them (src/access/routes.ts) ---------------------

export async function setPassword(db: Queryable, userId: string, passwordHash: string): Promise<void> {
  await db.query('UPDATE app_user SET password_hash = $2, must_change_password = false, version = version + 1, updated_at = now(), updated_by = $1 WHERE id = $1', [userId, passwordHash]);
}

/** Every user, or those of one organisation. */
export async function listUsers(db: Queryable, organisationId: string | null): Promise<Row[]> {
  return db.query(
    `SELECT id, username, display_name AS "displayName", organisation_id AS "organisationId", roles, active, locked_until AS "lockedUntil", created_at AS "createdAt"
     FROM app_user WHERE $1::uuid IS NULL OR organisation_id = $1 ORDER BY username`,
    [organisationId],
  );
}

/** A user's grants, locked until the transaction ends so that a change and its audit row agree. */
export async function lockUser(tx: Queryable, id: string): Promise<{ roles: Role[]; organisation_id: string | null; active: boolean } | undefined> {
  const [user] = await tx.query<{ roles: Role[]; organisation_id: string | null; active: boolean }>('SELECT roles, organisation_id, active FROM app_user WHERE id = $1 FOR UPDATE', [id]);
  return user;
}

export interface UserChange {
  displayName?: string | undefined;
  roles?: Role[] | undefined;
  /** Undefined: unchanged; null: no organisation. */
  organisationId?: string | null | undefined;
  active?: boolean | undefined;
  unlock?: boolean | undefined;
}

export async function updateUser(tx: Queryable, id: string, change: UserChange, by: string | null): Promise<void> {
  await tx.query(
    `UPDATE app_user SET display_name = coalesce($2, display_name), roles = coalesce($3, roles),
       organisation_id = CASE WHEN $4 THEN $5::uuid ELSE organisation_id END, active = coalesce($6, active),
       failed_logins = CASE WHEN $7 THEN 0 ELSE failed_logins END, locked_until = CASE WHEN $7 THEN NULL ELSE locked_until END,
       version = version + 1, updated_at = now(), updated_by = $8
     WHERE id = $1`,
    [id, change.displayName ?? null, change.roles ?? null, change.organisationId !== undefined, change.organisationId ?? null, change.active ?? null, change.unlock ?? false, by],
  );
}

export async function revokeSessionsOf(tx: Queryable, userId: string): Promise<void> {
  await tx.query('UPDATE user_session SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL', [userId]);
}

export async function listOrganisations(db: Queryable): Promise<Row[]> {
  return db.query('SELECT id, name, acronym, kind, country_code AS "countryCode", active FROM organisation ORDER BY name');
}

/** Whether an organisation has this name, ignoring case. */
export async function organisationNamed(db: Queryable, name: string): Promise<boolean> {
  return (await db.query('SELECT 1 FROM organisation WHERE lower(name) = lower($1)', [name])).length > 0;
}

export async function createOrganisation(db: Queryable, organisation: { name: string; acronym?: string | undefined; kind: string; countryCode?: string | undefined }, by: string | null): Promise<{ id: string }> {
  const [row] = await db.query<{ id: string }>('INSERT INTO organisation (name, acronym, kind, country_code, created_by, updated_by) VALUES ($1, $2, $3, $4, $5, $5) RETURNING id', [
    organisation.name,
    organisation.acronym ?? null,
    organisation.kind,
    organisation.countryCode ?? null,
    by,
  ]);
  // Its first version, so the organisation travels in the sync changes feed like any record.
  await db.query(
    `INSERT INTO record_version (entity_type, entity_id, version, valid_from, data, changed_by, change_reason)
     SELECT 'organisation', id, version, created_at, jsonb_build_object('name', name, 'acronym', acronym, 'kind', kind, 'countryCode', country_code, 'active', active), $2, 'new organisation'
     FROM organisation WHERE id = $1`,
    [row!.id, by],
  );
  return row!;
}

export interface AuditQuery {
  since?: string | undefined;
  until?: string | undefined;
  actor?: string | undefined;
  entityType?: string | undefined;
  /** Entries with an id below this (the next page). */
  before?: number | undefined;
  limit: number;
}

/** The audit log, newest first. */
export async function auditEntries(db: Queryable, query: AuditQuery): Promise<({ id: number } & Row)[]> {
  return db.query<{ id: number } & Row>(
    `SELECT a.id, a.at, a.action, a.entity_type AS "entityType", a.entity_id AS "entityId", u.username AS actor, a.details
     FROM audit_log a LEFT JOIN app_user u ON u.id = a.actor_id
     WHERE ($1::timestamptz IS NULL OR a.at >= $1) AND ($2::timestamptz IS NULL OR a.at < $2)
       AND ($3::text IS NULL OR u.username = $3) AND ($4::text IS NULL OR a.entity_type = $4) AND ($5::bigint IS NULL OR a.id < $5)
     ORDER BY a.id DESC LIMIT $6`,
    [query.since ?? null, query.until ?? null, query.actor ?? null, query.entityType ?? null, query.before ?? null, query.limit],
  );
}
