import { safegroundVersion } from '../version.ts';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { portFrom, storeConfig } from '../config.ts';
import { UserError } from '../errors.ts';
import { buildServer, webDist } from '../http/server.ts';
import { landCommand } from '../land/cli.ts';
import { addCasualtyReportCommand } from '../statistics/cli.ts';
import { addTreatyReportCommand } from '../treaty/cli.ts';
import { addMdrReportCommand } from '../mdr/cli.ts';
import { addDonorReportCommand } from '../donors/cli.ts';
import { recordsCommand } from '../records/cli.ts';
import { layersCommand, prioritiesCommand } from '../priorities/cli.ts';
import { riskCommand } from '../risk/cli.ts';
import { addExportAccidentsCommand, addImportAccidentsCommand } from '../casualties/cli.ts';
import { countryCommand, exportCommand, importCommand } from '../exchange/cli.ts';
import { cliSocketPath, openStore, serveCliSocket, storeInfo } from '../store/open.ts';
import { auditCommand, ensureFirstAdministrator, tokensCommand, usersCommand } from '../access/cli.ts';
import { demoCommand, loadDemo } from '../demo/cli.ts';
import { basemapCommand } from '../tiles/basemap/cli.ts';
import { basemapPaths, closeBasemaps, openBasemaps, serveBasemaps } from '../tiles/basemap/served.ts';
import { gisRoleCommand, startGisSocket } from '../ogc/gis.ts';
import { backupCommand, restoreCommand } from '../backup/cli.ts';
import { backupScheduleOptions, scheduleBackups } from '../backup/schedule.ts';
import type { Db } from '../store/db.ts';
import type { PgliteDb } from '../store/pglite.ts';
import { cancelledAtTimeout, statementTimeoutMs } from '../store/postgres.ts';
import { ReadReplicas, replicaUrls } from '../store/replicas.ts';
import { inStore, prepareStore, storeCommand, type StoreOptions, storeOptions } from './store.ts';
import { parseBbox, parseInterval, parseServer, scheduleSync, syncCommand } from '../sync/cli.ts';

const output = { outputError: (message: string, write: (s: string) => void) => write(`safeground: ${message.trim().replace(/^error: /, '')} (see safeground --help)\n`) };

/** Commands added with addCommand do not inherit settings: every command exits through main. */
function inheritSettings(command: Command): void {
  command.exitOverride().configureOutput(output);
  for (const sub of command.commands) inheritSettings(sub);
}

/** An embedded store with no hazards and no demo yet: a first start on a laptop. */
async function isEmpty(db: Db): Promise<boolean> {
  const [row] = await db.query<{ empty: boolean }>("SELECT NOT EXISTS (SELECT 1 FROM hazard) AND NOT EXISTS (SELECT 1 FROM setting WHERE key = 'demo') AS empty");
  return row?.empty ?? false;
}

/** Says at once that the port is taken, before minutes of store preparation on a first start. */
function assertPortFree(port: number, host: string): Promise<void> {
  if (port === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new UserError(`Port ${port} is in use; choose another with --port or PORT`, 'port_in_use') : error),
    );
    probe.listen({ port, host }, () => probe.close(() => resolve()));
  });
}

function parsePositive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`want a positive number of seconds, got ${JSON.stringify(value)}`);
  return n;
}

function parsePort(value: string): number {
  try {
    return portFrom(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

export function program(): Command {
  const cli = new Command('safeground')
    .description('Open information management for humanitarian mine action')
    .version(safegroundVersion())
    .exitOverride()
    .configureOutput(output);

  backupScheduleOptions(storeOptions(cli.command('serve')))
    .description('Serve the API and web app (creates, migrates and seeds the store on first run)')
    .addOption(new Option('--port <port>', 'port to listen on').env('PORT').default(8080).argParser(parsePort))
    .addOption(new Option('--host <host>', 'address to listen on').env('HOST').default('127.0.0.1'))
    .option('--no-demo', 'do not load the small synthetic demo into an empty embedded store')
    .option('--basemap <file>', 'a PMTiles or MBTiles basemap to draw under the register (repeat for several, the first at the bottom; also $SAFEGROUND_BASEMAP)', (file: string, files: string[]) => [...files, file], [] as string[])
    .addOption(new Option('--pg-port <port>', 'embedded store only: also serve the gis views read-only over the PostgreSQL protocol on this port (docs/ogc-api.md)').argParser(parsePort))
    .addOption(new Option('--pg-host <host>', 'address of the PostgreSQL socket (no TLS: keep it local or on a trusted network)').default('127.0.0.1'))
    .addOption(new Option('--pg-unit-seconds <seconds>', 'longest a GIS client may hold the embedded store in one transaction').default(30).argParser(parsePositive))
    .addOption(new Option('--database-replica-urls <urls>', 'PostgreSQL streaming replicas of --database-url, comma-separated: they answer tiles, OGC API, lists and statistics (docs/scaling.md)').env('DATABASE_REPLICA_URLS'))
    .addOption(new Option('--sync-server <url>', 'a field instance: sync with this national server while serving (docs/sync.md)').env('SAFEGROUND_SYNC_SERVER').argParser(parseServer))
    .addOption(new Option('--sync-token <token>', 'the API token for --sync-server').env('SAFEGROUND_SYNC_TOKEN'))
    .addOption(new Option('--sync-every <interval>', 'how often to sync with --sync-server (30s, 5m, 1h)').default(300_000, '5m').argParser(parseInterval))
    .addOption(new Option('--sync-bbox <west,south,east,north>', 'pull only the changes of this area from --sync-server (and every change without a geometry)').env('SAFEGROUND_SYNC_BBOX').argParser(parseBbox))
    .action(async (options: StoreOptions & { port: number; host: string; demo: boolean; basemap: string[]; pgPort?: number; pgHost: string; pgUnitSeconds: number; databaseReplicaUrls?: string; backupEvery?: number; backupKeep?: number; backupFolder: string; syncServer?: string; syncToken?: string; syncEvery: number; syncBbox?: [number, number, number, number] }) => {
      const config = storeConfig(options);
      const replicaList = replicaUrls(options.databaseReplicaUrls, 'databaseUrl' in config ? 'postgres' : 'pglite');
      if (options.pgPort !== undefined && 'databaseUrl' in config) {
        throw new UserError('--pg-port serves the embedded store; on PostgreSQL, GIS users connect to PostgreSQL itself with a role from `safeground gis-role create`', 'bad_config');
      }
      if (options.syncServer && !options.syncToken) throw new UserError('--sync-server needs --sync-token (or SAFEGROUND_SYNC_TOKEN)', 'bad_config');
      await assertPortFree(options.port, options.host);
      if (options.pgPort !== undefined) await assertPortFree(options.pgPort, options.pgHost);
      const basemaps = await openBasemaps(basemapPaths(options.basemap));
      const db = await openStore(config, { exclusive: true });
      let replicas: ReadReplicas | null = null;
      const closeDb = async () => {
        await replicas?.close();
        await db.close();
        await closeBasemaps(basemaps);
      };
      try {
        await prepareStore(db);
        if (options.demo && db.backend === 'pglite' && (await isEmpty(db))) await loadDemo(db, 'small');
        const firstPassword = await ensureFirstAdministrator(db);
        if (firstPassword) process.stdout.write(`First administrator: admin, one-time password ${firstPassword} (shown once; change it at first sign-in)\n`);
        if (!existsSync(webDist)) process.stderr.write('The web app is not built (npm run build:web); serving the API only\n');
        // Opened after the migrations: no replica answers before it has replayed them.
        if (replicaList.length > 0) replicas = await ReadReplicas.open(db, replicaList, { log: (line) => process.stderr.write(`${line}\n`) });
        const app = await buildServer({ db, ...(replicas ? { replicas } : {}), logger: true });
        serveBasemaps(app, basemaps);
        try {
          await app.listen({ port: options.port, host: options.host });
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new UserError(`Port ${options.port} is in use; choose another with --port or PORT`, 'port_in_use');
          throw error;
        }
        const info = await storeInfo(db);
        const address = app.server.address();
        const port = typeof address === 'object' && address ? address.port : options.port;
        process.stdout.write(`Safeground is serving at http://${options.host === '0.0.0.0' ? 'localhost' : options.host}:${port}/ (${info.backend}, PostgreSQL ${info.postgresVersion}, PostGIS ${info.postgisVersion})\n`);
        if (replicas) process.stdout.write(`Tiles, OGC API, lists and statistics are read from ${replicas.status().map((r) => `${r.replica} (${r.state}: ${r.why})`).join(', ')}\n`);
        const socket = options.pgPort === undefined ? null : await startGisSocket(db as PgliteDb, { port: options.pgPort, host: options.pgHost, dataDir: 'dataDir' in config ? config.dataDir : '', unitSeconds: options.pgUnitSeconds });
        if (socket) process.stdout.write(`The gis views are readable over PostgreSQL at ${options.pgHost}:${socket.port} (user: your username, password: an API token with data.read)\n`);
        const cliSocket = 'dataDir' in config ? await serveCliSocket(db as PgliteDb, config.dataDir).catch((error: unknown) => {
          process.stderr.write(`Other safeground commands cannot reach the store while this server runs: its socket ${cliSocketPath(config.dataDir)} failed (${(error as Error).message})\n`);
          return null;
        }) : null;
        const backups = options.backupEvery === undefined
          ? null
          : scheduleBackups(db, { every: options.backupEvery, keep: options.backupKeep ?? 7, folder: options.backupFolder, ...('databaseUrl' in config ? { databaseUrl: config.databaseUrl } : {}) }, (line) => process.stderr.write(`${line}\n`));
        if (backups) process.stdout.write(`Backing the store up every ${options.backupEvery} s into ${options.backupFolder}, keeping ${options.backupKeep ?? 7}\n`);
        const stopSync = options.syncServer
          ? scheduleSync(db, { server: options.syncServer, token: options.syncToken!, everyMs: options.syncEvery, ...(options.syncBbox ? { bbox: options.syncBbox } : {}) }, (line) => process.stdout.write(`${line}\n`))
          : null;
        const stop = async () => {
          await backups?.stop();
          await stopSync?.();
          await socket?.close();
          await cliSocket?.close();
          await app.close();
          await closeDb();
          process.exit(0);
        };
        process.once('SIGINT', () => void stop());
        process.once('SIGTERM', () => void stop());
      } catch (error) {
        await closeDb();
        throw error;
      }
    });

  storeCommand(cli, 'migrate', 'Apply the database migrations not yet applied')
    .action(inStore(async (db) => {
      const info = await storeInfo(db);
      process.stdout.write(`Schema is up to date (${info.backend}, PostGIS ${info.postgisVersion})\n`);
    }));

  cli.addCommand(demoCommand());
  cli.addCommand(usersCommand());
  cli.addCommand(tokensCommand());
  cli.addCommand(auditCommand());
  cli.addCommand(addDonorReportCommand(addMdrReportCommand(addTreatyReportCommand(addCasualtyReportCommand(landCommand())))));
  cli.addCommand(recordsCommand());
  cli.addCommand(addImportAccidentsCommand(importCommand()));
  cli.addCommand(addExportAccidentsCommand(exportCommand()));
  cli.addCommand(countryCommand());
  cli.addCommand(layersCommand());
  cli.addCommand(prioritiesCommand());
  cli.addCommand(riskCommand());
  cli.addCommand(basemapCommand());
  cli.addCommand(gisRoleCommand());
  cli.addCommand(backupCommand());
  cli.addCommand(restoreCommand());
  cli.addCommand(syncCommand());
  inheritSettings(cli);
  return cli;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? 0 : 2;
    }
    if (error instanceof UserError) {
      process.stderr.write(`safeground: ${error.message}\n`);
      return 1;
    }
    if (cancelledAtTimeout(error)) {
      process.stderr.write(
        `safeground: a database statement ran longer than the statement timeout of ${statementTimeoutMs()} ms and was cancelled, and the work of its transaction with it; set SAFEGROUND_DB_STATEMENT_TIMEOUT_MS higher (0: no limit) and run the command again\n`,
      );
      return 1;
    }
    process.stderr.write(`safeground: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
}
