/**
 * A backup on disk is three files side by side: the data (`.tar.gz` for the embedded store, `.dump`
 * for PostgreSQL), `<data>.sha256` in sha256sum's format (so `sha256sum -c` checks it by hand
 * too) and `<data>.manifest.json`. The data is written under a temporary name, flushed to disk,
 * and renamed only after the checksum and manifest are in place, so a backup killed half-way
 * leaves a `.partial` file that nothing takes for a backup, and a data file never exists
 * without its checksum.
 */
import { createHash } from 'node:crypto';
import { createReadStream, closeSync, existsSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UserError } from '../errors.ts';
import type { Backend } from '../store/db.ts';

export const MANIFEST_FORMAT = 1;

/** What a backup holds, written beside it and checked before a restore touches anything. */
export interface Manifest {
  format: number;
  safegroundVersion: string;
  backend: Backend;
  /** The data file's name (beside the manifest). */
  file: string;
  bytes: number;
  sha256: string;
  createdAt: string;
  postgresVersion: string;
  postgisVersion: string;
  /** The highest migration applied, and every applied one with its checksum. */
  migrationLevel: number;
  migrations: { version: number; checksum: string }[];
  /** Rows per table of the public schema at the snapshot. */
  counts: Record<string, number>;
}

export const checksumPath = (data: string): string => `${data}.sha256`;
export const manifestPath = (data: string): string => `${data}.manifest.json`;

/** A name that sorts by time: safeground-pglite-20261204T231500Z.tar.gz */
export function backupFileName(backend: Backend, at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `safeground-${backend}-${stamp}.${backend === 'pglite' ? 'tar.gz' : 'dump'}`;
}

const BACKUP_NAME = /^safeground-(pglite|postgres)-\d{8}T\d{6}Z\.(tar\.gz|dump)$/;

/** The temporary name a backup is written under until it is complete. */
export function partialPath(data: string): string {
  return join(dirname(data), `.${basename(data)}.partial-${process.pid}`);
}

export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export function fsyncFile(path: string): void {
  const fd = openSync(path, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** A directory's fsync makes its renames durable (Linux); other systems refuse and need none. */
function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Windows cannot open a directory for fsync.
  }
}

function writeDurably(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  fsyncFile(tmp);
  renameSync(tmp, path);
}

/**
 * Completes a backup whose data is in `partial`: flushed, checksummed, its manifest and checksum
 * written, and renamed to `data` last.
 */
export async function finishBackup(partial: string, data: string, manifest: Omit<Manifest, 'file' | 'bytes' | 'sha256' | 'format'>): Promise<Manifest> {
  fsyncFile(partial);
  const sha256 = await sha256OfFile(partial);
  const complete: Manifest = { format: MANIFEST_FORMAT, ...manifest, file: basename(data), bytes: statSync(partial).size, sha256 };
  writeDurably(manifestPath(data), JSON.stringify(complete, null, 2) + '\n');
  writeDurably(checksumPath(data), `${sha256}  ${basename(data)}\n`);
  renameSync(partial, data);
  fsyncDir(dirname(data));
  return complete;
}

/**
 * Reads a backup's manifest and checks the data file against its checksum, reading the whole
 * file, before anything is restored. Every refusal names the file and what is wrong.
 */
export async function verifyBackup(data: string): Promise<Manifest> {
  if (!existsSync(data)) throw new UserError(`No backup file ${data}`, 'backup_missing');
  if (!existsSync(checksumPath(data))) {
    throw new UserError(`${data} has no checksum file ${basename(checksumPath(data))} beside it: it is not a complete Safeground backup`, 'backup_unverified');
  }
  const line = readFileSync(checksumPath(data), 'utf8').trim();
  const match = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
  if (!match) throw new UserError(`${checksumPath(data)}: expected "<sha256>  <file name>", got ${JSON.stringify(line.slice(0, 100))}`, 'backup_unverified');
  if (match[2] !== basename(data)) throw new UserError(`${checksumPath(data)} is the checksum of ${match[2]}, not of ${basename(data)}`, 'backup_unverified');
  const actual = await sha256OfFile(data);
  if (actual !== match[1]) {
    throw new UserError(`${data} does not match its checksum (SHA-256 ${actual}, expected ${match[1]}): the file is damaged or incomplete; nothing was restored`, 'backup_damaged');
  }
  if (!existsSync(manifestPath(data))) throw new UserError(`${data} has no manifest ${basename(manifestPath(data))} beside it`, 'backup_unverified');
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath(data), 'utf8')) as Manifest;
  } catch (error) {
    throw new UserError(`${manifestPath(data)} is not JSON: ${(error as Error).message}`, 'backup_unverified');
  }
  if (manifest.format !== MANIFEST_FORMAT) throw new UserError(`${manifestPath(data)}: manifest format ${manifest.format}; this version reads format ${MANIFEST_FORMAT}`, 'backup_unverified');
  if (manifest.sha256 !== actual) throw new UserError(`${manifestPath(data)} names SHA-256 ${manifest.sha256}, but the file's is ${actual}`, 'backup_unverified');
  return manifest;
}

/**
 * Whether this Safeground can restore a backup of these migrations: each must be one it knows,
 * with the same checksum. A backup of fewer migrations is restored and then migrated forward; one
 * with a migration this version lacks is from a newer Safeground and is refused.
 */
export function migrationProblem(backup: Manifest['migrations'], known: readonly { version: number; name: string; checksum: string }[]): string | null {
  const byVersion = new Map(known.map((m) => [m.version, m]));
  for (const m of backup) {
    const mine = byVersion.get(m.version);
    if (!mine) return `the backup has migration ${m.version}, which this Safeground (migrations up to ${Math.max(0, ...known.map((k) => k.version))}) does not know: restore it with the Safeground that made it, or a newer one`;
    if (mine.checksum !== m.checksum) return `the backup's migration ${mine.name} differs from this Safeground's (checksum ${m.checksum.slice(0, 12)}…, here ${mine.checksum.slice(0, 12)}…)`;
  }
  return null;
}

/** Complete backups in a folder, newest first (names sort by time). */
export function listBackups(folder: string): string[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((name) => BACKUP_NAME.test(name) && existsSync(join(folder, checksumPath(name))))
    .sort()
    .reverse()
    .map((name) => join(folder, name));
}

/**
 * Keeps the newest `keep` complete backups of a folder and removes older ones with their
 * checksum and manifest, and partial files that no running process is writing.
 */
export function pruneBackups(folder: string, keep: number): string[] {
  const removed: string[] = [];
  for (const data of listBackups(folder).slice(keep)) {
    for (const path of [data, checksumPath(data), manifestPath(data)]) rmSync(path, { force: true });
    removed.push(data);
  }
  for (const name of existsSync(folder) ? readdirSync(folder) : []) {
    const partial = /^\..+\.partial-(\d+)$/.exec(name);
    if (partial && !isAlive(Number(partial[1]))) {
      rmSync(join(folder, name), { force: true });
      removed.push(join(folder, name));
    }
  }
  return removed;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
