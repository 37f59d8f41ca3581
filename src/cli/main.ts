import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { portFrom, storeConfig } from '../config.ts';
import { UserError } from '../errors.ts';
import { buildServer, webDist } from '../http/server.ts';
import { landCommand } from '../land/cli.ts';
import { recordsCommand } from '../records/cli.ts';
import { layersCommand, prioritiesCommand } from '../priorities/cli.ts';
import { riskCommand } from '../risk/cli.ts';
import { addExportAccidentsCommand, addImportAccidentsCommand } from '../casualties/cli.ts';
import { exportCommand, importCommand } from '../exchange/cli.ts';
import { openStore, storeInfo } from '../store/open.ts';
import { auditCommand, ensureFirstAdministrator, tokensCommand, usersCommand } from '../access/cli.ts';
import { demoCommand, loadDemo } from '../demo/cli.ts';
import type { Db } from '../store/db.ts';
import { prepareStore, type StoreOptions, storeOptions, withStore } from './store.ts';

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
    .version('0.1.0')
    .exitOverride()
    .configureOutput(output);

  storeOptions(cli.command('serve'))
    .description('Serve the API and web app (creates, migrates and seeds the store on first run)')
    .addOption(new Option('--port <port>', 'port to listen on').env('PORT').default(8080).argParser(parsePort))
    .addOption(new Option('--host <host>', 'address to listen on').env('HOST').default('127.0.0.1'))
    .option('--no-demo', 'do not load the small synthetic demo into an empty embedded store')
    .action(async (options: StoreOptions & { port: number; host: string; demo: boolean }) => {
      await assertPortFree(options.port, options.host);
      const db = await openStore(storeConfig(options));
      const closeDb = async () => db.close();
      try {
        await prepareStore(db);
        if (options.demo && db.backend === 'pglite' && (await isEmpty(db))) await loadDemo(db, 'small');
        const firstPassword = await ensureFirstAdministrator(db);
        if (firstPassword) process.stdout.write(`First administrator: admin, one-time password ${firstPassword} (shown once; change it at first sign-in)\n`);
        if (!existsSync(webDist)) process.stderr.write('The web app is not built (npm run build:web); serving the API only\n');
        const app = await buildServer({ db, logger: true });
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
        const stop = async () => {
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

  storeOptions(cli.command('migrate'))
    .description('Apply the database migrations not yet applied')
    .action(async (options: StoreOptions) => {
      await withStore(options, async (db) => {
        const info = await storeInfo(db);
        process.stdout.write(`Schema is up to date (${info.backend}, PostGIS ${info.postgisVersion})\n`);
      });
    });

  cli.addCommand(demoCommand());
  cli.addCommand(usersCommand());
  cli.addCommand(tokensCommand());
  cli.addCommand(auditCommand());
  cli.addCommand(landCommand());
  cli.addCommand(recordsCommand());
  cli.addCommand(addImportAccidentsCommand(importCommand()));
  cli.addCommand(addExportAccidentsCommand(exportCommand()));
  cli.addCommand(layersCommand());
  cli.addCommand(prioritiesCommand());
  cli.addCommand(riskCommand());
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
    process.stderr.write(`safeground: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
}
