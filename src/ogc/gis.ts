/**
 * The database road for GIS staff: the `gis` views (migrations/0022_gis_views.sql) read with a
 * read-only role, on PostgreSQL through a login role (`safeground gis-role create`), on the
 * embedded store through its PostgreSQL wire socket (`safeground serve --pg-port`), where GIS
 * users sign in with their username and an API token, as on the OGC API.
 */
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { actorForToken } from '../access/store.ts';
import { inStore, storeCommand, type StoreOptions } from '../cli/store.ts';
import { UserError } from '../errors.ts';
import type { Queryable } from '../store/db.ts';
import type { PgliteDb } from '../store/pglite.ts';
import type { GisSocket } from '../store/socket.ts';

const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * A login role that may read the gis views and nothing else, on PostgreSQL. Roles belong to the
 * whole cluster, so a migration cannot make one; this does it, or gives an existing one a new
 * password and its grants again. Every transaction of the role is read-only, and a statement or
 * an idle transaction cannot hold the database for long.
 */
export async function createGisRole(db: Queryable, name: string, password: string): Promise<void> {
  if (!ROLE_NAME.test(name)) throw new UserError(`--name: ${JSON.stringify(name)} is not a role name (lower-case letters, digits and _, not starting with a digit)`);
  if (password.length < 12) throw new UserError('--password: use at least 12 characters; this role reads the whole register');
  const [{ exists, database } = { exists: false, database: '' }] = await db.query<{ exists: boolean; database: string }>(
    'SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = $1) AS exists, current_database() AS database',
    [name],
  );
  const [{ sql } = { sql: '' }] = await db.query<{ sql: string }>(
    `SELECT format('%s ROLE %I LOGIN PASSWORD %L', $3::text, $1::text, $2::text) || ';' ||
       format('ALTER ROLE %I IN DATABASE %I SET default_transaction_read_only = on;', $1, $4::text) ||
       format('ALTER ROLE %I IN DATABASE %I SET statement_timeout = %L;', $1, $4::text, '5min') ||
       format('ALTER ROLE %I IN DATABASE %I SET idle_in_transaction_session_timeout = %L;', $1, $4::text, '10min') ||
       format('GRANT CONNECT ON DATABASE %I TO %I;', $4::text, $1) ||
       format('GRANT USAGE ON SCHEMA gis TO %I;', $1) ||
       format('GRANT SELECT ON ALL TABLES IN SCHEMA gis TO %I;', $1) ||
       format('ALTER DEFAULT PRIVILEGES IN SCHEMA gis GRANT SELECT ON TABLES TO %I;', $1) AS sql`,
    [name, password, exists ? 'ALTER' : 'CREATE', database],
  );
  try {
    await db.exec(sql);
  } catch (error) {
    const message = (error as Error).message;
    if (/permission denied|must have CREATEROLE/i.test(message)) {
      throw new UserError(`Making a role needs a database user with CREATEROLE (or a superuser); run this with --database-url of such a user (${message})`, 'permission_denied');
    }
    throw error;
  }
}

export function gisRoleCommand(): Command {
  const command = new Command('gis-role').description('A read-only PostgreSQL role for GIS staff: the gis views, nothing else');
  storeCommand(command, 'create', 'Create (or update) a login role that reads the gis views (PostgreSQL only)')
    .requiredOption('--name <role>', 'role name, e.g. gis_reader')
    .addOption(new Option('--password <password>', 'its password (at least 12 characters); from the environment it stays out of the process list').env('SAFEGROUND_GIS_PASSWORD').makeOptionMandatory())
    .action(inStore(async (db, options: StoreOptions & { name: string; password: string }) => {
      if (db.backend === 'pglite') {
        throw new UserError('The embedded store has no database logins: serve its GIS socket with `safeground serve --pg-port 5440` and sign in with your username and an API token', 'bad_config');
      }
      await db.transaction((tx) => createGisRole(tx, options.name, options.password));
      process.stdout.write(`Role ${options.name} may read the gis views of this database (read-only). In QGIS: a PostGIS connection with this user; with GDAL: ogrinfo "PG:host=... dbname=... user=${options.name}" gis.hazards\n`);
    }));
  return command;
}

/**
 * Signing in to the GIS socket: the username of an API token's owner and the token as the
 * password, with data.read, as for HTTP Basic on the OGC API.
 */
async function tokenSignIn(db: Queryable, user: string, password: string): Promise<string | null> {
  const found = await actorForToken(db, password);
  if (!found) return 'Safeground GIS socket: the password must be an API token (unknown, expired or revoked); make one with safeground tokens create';
  if ('lockedUntil' in found) return `Safeground GIS socket: the token's account is locked after failed sign-ins until ${found.lockedUntil.toISOString()}`;
  const { actor } = found;
  if (actor.username !== user) return `Safeground GIS socket: the API token is not one of ${JSON.stringify(user)}'s; use its owner's username`;
  if (!actor.permissions.has('data.read')) return 'Safeground GIS socket: the token lacks data.read';
  return null;
}

export interface GisSocketSettings {
  port: number;
  host: string;
  /** The embedded store's folder, where the unix socket goes too. */
  dataDir: string;
  unitSeconds: number;
}

/** The embedded store's GIS socket, on TCP and on `<data folder>/.s.PGSQL.<port>`. */
export async function startGisSocket(db: PgliteDb, settings: GisSocketSettings): Promise<GisSocket> {
  return db.serveSocket(
    {
      policy: 'gis',
      host: settings.host,
      port: settings.port,
      ...(settings.port > 0 ? { path: join(settings.dataDir, `.s.PGSQL.${settings.port}`) } : {}),
      unitSeconds: settings.unitSeconds,
    },
    (user, password) => tokenSignIn(db, user, password),
  );
}
