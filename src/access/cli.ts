import { Command, Option } from 'commander';
import { UserError } from '../errors.ts';
import { inStore, storeCommand, type StoreOptions, storeOptions, withStore } from '../cli/store.ts';
import type { Queryable } from '../store/db.ts';
import { generatePassword, hashPassword } from './passwords.ts';
import { PERMISSIONS, type Permission, ROLE_PERMISSIONS, type Role } from './permissions.ts';
import { countUsers, createApiToken, createUser, findUser, revokeApiToken, writeAudit } from './store.ts';

/**
 * Makes an administrator with a one-time password, printed once and never stored in clear; it
 * must be changed at first sign-in.
 */
export async function createAdministrator(db: Queryable, username: string): Promise<{ id: string; password: string }> {
  const password = generatePassword();
  const user = await createUser(db, { username, displayName: 'Administrator', organisationId: null, roles: ['administrator'], passwordHash: await hashPassword(password), mustChangePassword: true });
  await writeAudit(db, null, 'permission_change', { type: 'app_user', id: user.id }, { roles: { before: [], after: ['administrator'] }, by: 'cli' });
  return { id: user.id, password };
}

/** On the first start of an empty store there is no one to sign in: make the first administrator. */
export async function ensureFirstAdministrator(db: Queryable): Promise<string | null> {
  if ((await countUsers(db)) > 0) return null;
  const { password } = await createAdministrator(db, 'admin');
  return password;
}

export function usersCommand(): Command {
  const users = new Command('users').description('User accounts');
  storeCommand(users, 'create-admin', 'Create an administrator with a one-time password (printed once)')
    .requiredOption('--username <name>', 'the new administrator’s username')
    .action(inStore(async (db, options: StoreOptions & { username: string }) => {
      const { password } = await db.transaction((tx) => createAdministrator(tx, options.username));
      process.stdout.write(`Created administrator ${options.username}. One-time password (shown once; change it at first sign-in): ${password}\n`);
    }));
  storeCommand(users, 'list', 'List users and their roles')
    .action(inStore(async (db) => {
      const rows = await db.query<{ username: string; roles: string[]; organisation: string | null; active: boolean }>(
        'SELECT u.username, u.roles, o.name AS organisation, u.active FROM app_user u LEFT JOIN organisation o ON o.id = u.organisation_id ORDER BY u.username',
      );
      for (const row of rows) process.stdout.write(`${row.username}\t${row.roles.join(',')}\t${row.organisation ?? '-'}\t${row.active ? 'active' : 'inactive'}\n`);
    }));
  return users;
}

export function tokensCommand(): Command {
  const tokens = new Command('tokens').description('API tokens for the CLI and GIS clients');
  storeCommand(tokens, 'create', 'Make an API token for a user (printed once)')
    .requiredOption('--username <name>', 'whose token')
    .requiredOption('--name <name>', 'what the token is for, e.g. "QGIS at the field office"')
    .addOption(new Option('--scope <permission...>', 'permissions the token carries (default: all of the user’s)').choices(PERMISSIONS))
    .option('--days <n>', 'expires after this many days', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new UserError(`--days must be a whole number of days (got ${JSON.stringify(v)})`);
      return n;
    })
    .action(inStore(async (db, options: StoreOptions & { username: string; name: string; scope?: Permission[]; days?: number }) => {
      const user = await findUser(db, options.username);
      if (!user) throw new UserError(`No user named ${JSON.stringify(options.username)}`, 'not_found');
      const own = new Set(user.roles.flatMap((role: Role) => ROLE_PERMISSIONS[role]));
      const scopes = options.scope ?? [...own];
      const beyond = scopes.filter((s) => !own.has(s));
      if (beyond.length > 0) throw new UserError(`${options.username} lacks ${beyond.join(', ')}; a token cannot carry more than its user`);
      const expiresAt = options.days ? new Date(Date.now() + options.days * 86_400_000) : null;
      const token = await createApiToken(db, user.id, { name: options.name, scopes, expiresAt });
      process.stdout.write(`${token.token}\n`);
      process.stderr.write(`Token ${token.id} for ${options.username} (${scopes.join(', ')}); shown once.\n`);
    }));
  storeCommand(tokens, 'revoke', 'Revoke an API token by its id; it stops working at once')
    .argument('<id>', 'token id')
    .action(inStore(async (db, id: string) => {
      if (!/^[0-9a-f-]{36}$/i.test(id) || !(await revokeApiToken(db, id, null))) throw new UserError(`No active token with id ${id}`, 'not_found');
      process.stdout.write(`Revoked ${id}\n`);
    }));
  return tokens;
}

export function auditCommand(): Command {
  return storeOptions(new Command('audit'))
    .description('Show the audit log, newest first')
    .option('--since <date>', 'from this date or time (ISO 8601)')
    .option('--limit <n>', 'at most this many entries', '50')
    .action(async (options: StoreOptions & { since?: string; limit: string }) => {
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new UserError(`--limit must be a positive whole number (got ${JSON.stringify(options.limit)})`);
      if (options.since && Number.isNaN(Date.parse(options.since))) throw new UserError(`--since is not a date: ${JSON.stringify(options.since)}`);
      await withStore(options, async (db) => {
        const rows = await db.query<{ at: Date; actor: string | null; action: string; entity_type: string | null; entity_id: string | null; details: unknown }>(
          `SELECT a.at, u.username AS actor, a.action, a.entity_type, a.entity_id, a.details FROM audit_log a LEFT JOIN app_user u ON u.id = a.actor_id
           WHERE $1::timestamptz IS NULL OR a.at >= $1 ORDER BY a.id DESC LIMIT $2`,
          [options.since ?? null, limit],
        );
        for (const r of rows) {
          process.stdout.write(`${r.at.toISOString()}\t${r.actor ?? '-'}\t${r.action}\t${r.entity_type ?? ''}${r.entity_id ? `/${r.entity_id}` : ''}\t${JSON.stringify(r.details)}\n`);
        }
      });
    });
}
