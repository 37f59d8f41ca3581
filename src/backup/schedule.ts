/**
 * Scheduled backups, run by `serve`, which holds the store: every `backup.every` a backup into
 * `backup.folder`, keeping the newest `backup.keep`. Set as serve's options or their environment
 * variables (SAFEGROUND_BACKUP_EVERY, SAFEGROUND_BACKUP_KEEP, SAFEGROUND_BACKUP_FOLDER), like the
 * rest of the server's configuration.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { Db } from '../store/db.ts';
import { backupStore } from './backup.ts';
import { pruneBackups } from './files.ts';

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** @example parseEvery('6h') // 21600 (seconds) */
export function parseEvery(value: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([smhd])$/.exec(value.trim());
  const seconds = match ? Number(match[1]) * UNIT_SECONDS[match[2]!]! : NaN;
  if (!(seconds >= 60)) throw new InvalidArgumentError(`want a period of at least a minute such as 30m, 6h or 1d, got ${JSON.stringify(value)}`);
  return seconds;
}

export function parseKeep(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`want a whole number of backups to keep, 1 or more, got ${JSON.stringify(value)}`);
  return n;
}

export function backupFolderOption(): Option {
  return new Option('--backup-folder <folder>', 'folder of backups').env('SAFEGROUND_BACKUP_FOLDER').default('./safeground-backups');
}

export function backupKeepOption(description: string): Option {
  return new Option('--backup-keep <n>', description).env('SAFEGROUND_BACKUP_KEEP').argParser(parseKeep);
}

/** serve's settings of scheduled backups. */
export function backupScheduleOptions(command: Command): Command {
  return command
    .addOption(new Option('--backup-every <period>', 'back the store up on this period (30m, 6h, 1d); off when not given').env('SAFEGROUND_BACKUP_EVERY').argParser(parseEvery))
    .addOption(backupKeepOption('scheduled backups to keep (default 7)'))
    .addOption(backupFolderOption());
}

export interface BackupSchedule {
  every: number;
  keep: number;
  folder: string;
  databaseUrl?: string;
}

/**
 * Starts the schedule; a backup that fails is reported and the next one tried on time. A
 * backup still running when the next is due is not doubled. `stop` waits for a running one.
 */
export function scheduleBackups(db: Db, schedule: BackupSchedule, log: (line: string) => void): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  const run = () => {
    if (running) return;
    running = (async () => {
      try {
        const result = await backupStore(db, schedule.folder, schedule.databaseUrl ? { databaseUrl: schedule.databaseUrl } : {});
        log(`Scheduled backup ${result.path} (${(result.manifest.bytes / 1024 ** 2).toFixed(1)} MB, ${result.seconds.toFixed(1)} s)`);
        for (const removed of pruneBackups(schedule.folder, schedule.keep)) log(`Removed old backup ${removed}`);
      } catch (error) {
        log(`Scheduled backup failed: ${(error as Error).message}`);
      } finally {
        running = null;
      }
    })();
  };
  const timer = setInterval(run, schedule.every * 1000);
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
