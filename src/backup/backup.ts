/**
 * Backups of either store, as a consistent snapshot taken while the store is in use:
 * pg_dump's custom format from an exported repeatable-read snapshot on PostgreSQL, the data
 * directory's tarball taken inside a PGlite transaction on the embedded store.
 */
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import type { Progress } from '../exchange/progress.ts';
import type { Db } from '../store/db.ts';
import type { PgliteDb } from '../store/pglite.ts';
import { safegroundVersion } from '../version.ts';
import { backupFileName, finishBackup, type Manifest, partialPath } from './files.ts';
import { findPgTool, runPgTool } from './pgtools.ts';
import { snapshotPglite, versions, withExportedSnapshot } from './store.ts';

export interface BackupResult {
  path: string;
  manifest: Manifest;
  seconds: number;
}

export interface BackupOptions {
  /** PostgreSQL's URL, for pg_dump (the embedded store needs none). */
  databaseUrl?: string;
  progress?: (label: string, total: number | null, unit: 'rows' | 'bytes') => Progress;
}

/** Writes a stream to a file, counting bytes for the progress bar. */
export async function writeCounted(source: Readable, path: string, progress?: Progress): Promise<number> {
  let bytes = 0;
  const count = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      progress?.update(bytes, bytes);
      callback(null, chunk);
    },
  });
  await pipeline(source, count, createWriteStream(path, { flags: 'wx' }));
  progress?.done();
  return bytes;
}

/** Backs the store up into `folder` under a name of its backend and time; see files.ts for the files. */
export async function backupStore(db: Db, folder: string, options: BackupOptions = {}): Promise<BackupResult> {
  const started = Date.now();
  mkdirSync(resolve(folder), { recursive: true });
  const data = join(resolve(folder), backupFileName(db.backend, new Date()));
  const partial = partialPath(data);
  try {
    const manifest = db.backend === 'pglite' ? await backupPglite(db as PgliteDb, partial, data, options) : await backupPostgres(db, partial, data, options);
    return { path: data, manifest, seconds: (Date.now() - started) / 1000 };
  } finally {
    rmSync(partial, { force: true });
  }
}

async function backupPglite(db: PgliteDb, partial: string, data: string, options: BackupOptions): Promise<Manifest> {
  const { tar, store } = await snapshotPglite(db);
  const progress = options.progress?.(`Writing ${data}`, tar.size, 'bytes');
  await writeCounted(Readable.fromWeb(tar.stream()), partial, progress);
  return finishBackup(partial, data, { safegroundVersion: safegroundVersion(), backend: 'pglite', createdAt: new Date().toISOString(), ...store });
}

async function backupPostgres(db: Db, partial: string, data: string, options: BackupOptions): Promise<Manifest> {
  if (!options.databaseUrl) throw new Error('A PostgreSQL backup needs the database URL for pg_dump');
  const { serverVersionNum } = await versions(db);
  const pgDump = findPgTool('pg_dump', Math.floor(serverVersionNum / 10000));
  return withExportedSnapshot(db, async (snapshot, store) => {
    const total = Object.values(store.counts).reduce((a, b) => a + b, 0);
    const progress = options.progress?.(`Backing up to ${data}`, total, 'rows');
    let done = 0;
    let current: string | null = null;
    await runPgTool(pgDump, ['--format=custom', `--snapshot=${snapshot}`, `--file=${partial}`], options.databaseUrl!, (table) => {
      if (current) done += store.counts[current] ?? 0;
      current = table;
      progress?.update(done, done);
    });
    progress?.update(total, total);
    progress?.done();
    return finishBackup(partial, data, { safegroundVersion: safegroundVersion(), backend: 'postgres', createdAt: new Date().toISOString(), ...store });
  });
}
