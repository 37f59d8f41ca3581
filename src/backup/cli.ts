import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { Command, Option } from 'commander';
import { type StoreOptions, storeOptions } from '../cli/store.ts';
import { storeConfig } from '../config.ts';
import { UserError } from '../errors.ts';
import { Progress } from '../exchange/progress.ts';
import { openStore } from '../store/open.ts';
import { backupStore, type BackupResult, writeCounted } from './backup.ts';
import { backupFileName, finishBackup, type Manifest, partialPath, pruneBackups } from './files.ts';
import { restoreBackup } from './restore.ts';
import { backupFolderOption, backupKeepOption } from './schedule.ts';
import { MANIFEST_HEADER } from './routes.ts';

const progress = (label: string, total: number | null, unit: 'rows' | 'bytes') => new Progress(label, total, process.stderr, unit);

function describe(result: BackupResult): string {
  const rows = Object.values(result.manifest.counts).reduce((a, b) => a + b, 0);
  return `Backed up ${rows.toLocaleString('en')} rows of ${Object.keys(result.manifest.counts).length} tables (migration ${result.manifest.migrationLevel}) to ${result.path} (${(result.manifest.bytes / 1024 ** 2).toFixed(1)} MB, SHA-256 ${result.manifest.sha256.slice(0, 16)}…) in ${result.seconds.toFixed(1)} s\n`;
}

/** Asks the running server for its embedded store's snapshot and saves it as a backup. */
async function backupFromServer(server: string, token: string, folder: string): Promise<BackupResult> {
  const started = Date.now();
  const url = new URL('/api/admin/backup', server);
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  } catch (error) {
    throw new UserError(`Cannot reach the server at ${url.origin}: ${(error as Error).message}`, 'server_unreachable');
  }
  if (!response.ok || !response.body) {
    const text = await response.text();
    let message = text.slice(0, 300);
    try {
      message = (JSON.parse(text) as { error: { message: string } }).error.message;
    } catch {
      // not the API's JSON error: show the text
    }
    throw new UserError(`The server refused the backup (${response.status}): ${message}`, 'backup_refused');
  }
  const facts = JSON.parse(response.headers.get(MANIFEST_HEADER) ?? 'null') as Omit<Manifest, 'file' | 'bytes' | 'sha256' | 'format'> | null;
  if (!facts) throw new UserError(`The server at ${url.origin} sent no ${MANIFEST_HEADER} header: is it a Safeground server of this version?`, 'backup_refused');
  mkdirSync(resolve(folder), { recursive: true });
  const data = join(resolve(folder), backupFileName('pglite', new Date(facts.createdAt)));
  const partial = partialPath(data);
  try {
    const length = Number(response.headers.get('content-length')) || null;
    await writeCounted(Readable.fromWeb(response.body), partial, progress(`Backing up to ${data}`, length, 'bytes'));
    const manifest = await finishBackup(partial, data, facts);
    return { path: data, manifest, seconds: (Date.now() - started) / 1000 };
  } finally {
    rmSync(partial, { force: true });
  }
}

export function backupCommand(): Command {
  return storeOptions(new Command('backup'))
    .description('Back the store up while it is in use: pg_dump on PostgreSQL, a snapshot of the embedded store; a SHA-256 checksum and a manifest are written beside the file')
    .addOption(backupFolderOption())
    .option('--server <url>', 'embedded store held by a running server: ask that server for the snapshot (needs an administrator\'s API token)')
    .addOption(new Option('--token <token>', 'API token of an administrator, for --server').env('SAFEGROUND_TOKEN'))
    .addOption(backupKeepOption('then keep only the newest n backups in the folder'))
    .action(async (options: StoreOptions & { backupFolder: string; server?: string; token?: string; backupKeep?: number }) => {
      let result: BackupResult;
      if (options.server) {
        if (!options.token) throw new UserError('--server needs an administrator\'s API token: --token or $SAFEGROUND_TOKEN (safeground tokens create)', 'bad_config');
        result = await backupFromServer(options.server, options.token, options.backupFolder);
      } else {
        const config = storeConfig(options);
        if ('dataDir' in config && !existsSync(join(config.dataDir, 'pgdata'))) throw new UserError(`There is no Safeground store in ${resolve(config.dataDir)} to back up`, 'not_a_store');
        let db;
        try {
          // Not migrated or seeded: a backup reads the store as it is.
          db = await openStore(config, { exclusive: true });
        } catch (error) {
          if (error instanceof UserError && error.code === 'store_locked') {
            throw new UserError(`${error.message}: a running server holds the embedded store; back it up through that server with --server http://host:port and an administrator's API token (--token or $SAFEGROUND_TOKEN)`, 'store_locked');
          }
          throw error;
        }
        try {
          result = await backupStore(db, options.backupFolder, { ...('databaseUrl' in config ? { databaseUrl: config.databaseUrl } : {}), progress });
        } finally {
          await db.close();
        }
      }
      process.stdout.write(describe(result));
      if (options.backupKeep) for (const removed of pruneBackups(options.backupFolder, options.backupKeep)) process.stderr.write(`Removed old backup ${removed}\n`);
    });
}

export function restoreCommand(): Command {
  return storeOptions(new Command('restore'))
    .description('Restore a backup into a new store (an empty data folder or database), after checking its checksum and migrations')
    .argument('<file>', 'the backup file (.tar or .dump) with its .sha256 and .manifest.json beside it')
    .option('--clean', 'replace the store that is there (the embedded folder is kept aside; on PostgreSQL the backup\'s objects are dropped first)')
    .option('--yes', 'confirm --clean')
    .action(async (file: string, options: StoreOptions & { clean?: boolean; yes?: boolean }) => {
      if (options.clean && !options.yes) throw new UserError('--clean replaces the store that is there: add --yes to confirm', 'confirmation_needed');
      const result = await restoreBackup(resolve(file), storeConfig(options), { clean: options.clean === true, progress });
      const rows = Object.values(result.manifest.counts).reduce((a, b) => a + b, 0);
      process.stdout.write(`Restored ${rows.toLocaleString('en')} rows of ${Object.keys(result.manifest.counts).length} tables (migration ${result.manifest.migrationLevel}, backed up ${result.manifest.createdAt}) in ${result.seconds.toFixed(1)} s; counts match the manifest\n`);
      if (result.replaced) process.stdout.write(`The store that was there is kept in ${result.replaced}\n`);
    });
}
