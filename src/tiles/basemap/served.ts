/**
 * The basemap files a server serves, in their drawing order (the first at the bottom), given by
 * `safeground serve --basemap FILE` or SAFEGROUND_BASEMAP. They are a deployment setting, like
 * the port, not an instance setting in the store: they name files on the machine that serves
 * them, which differ between the processes of one national server, and no API user should be
 * able to point the server at a file of its disk.
 */
import { basename, delimiter, extname } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { UserError } from '../../errors.ts';
import { openBasemap } from './archive.ts';
import { GAZETTEER, type ServedBasemap } from './style.ts';

const served = new WeakMap<FastifyInstance, readonly ServedBasemap[]>();

/** The files named by SAFEGROUND_BASEMAP (separated by the platform's path delimiter, ":" on Linux) and by --basemap, in that order. */
export function basemapPaths(flags: readonly string[] = [], env: NodeJS.ProcessEnv = process.env): string[] {
  const fromEnv = (env.SAFEGROUND_BASEMAP ?? '').split(delimiter).filter((p) => p.trim() !== '');
  return [...fromEnv, ...flags];
}

/** URL names from file names: lower case, letters, digits and dashes, unique, never the gazetteer's. */
function urlName(path: string, taken: Set<string>): string {
  const stem = basename(path, extname(path)).toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '') || 'basemap';
  let name = stem === GAZETTEER ? `${stem}-file` : stem;
  for (let i = 2; taken.has(name); i++) name = `${stem}-${i}`;
  taken.add(name);
  return name;
}

/** Opens every file (all or none: a bad file is an error at start, not a grey map later). */
export async function openBasemaps(paths: readonly string[]): Promise<ServedBasemap[]> {
  const opened: ServedBasemap[] = [];
  const taken = new Set<string>();
  try {
    for (const path of paths) opened.push({ name: urlName(path, taken), archive: await openBasemap(path) });
  } catch (error) {
    await closeBasemaps(opened);
    throw error instanceof UserError ? error : new UserError(`Basemap: ${(error as Error).message}`, 'bad_basemap');
  }
  return opened;
}

export async function closeBasemaps(basemaps: readonly ServedBasemap[]): Promise<void> {
  await Promise.all(basemaps.map((b) => b.archive.close()));
}

/** Makes the server serve these basemaps (the caller closes them after the server). */
export function serveBasemaps(app: FastifyInstance, basemaps: readonly ServedBasemap[]): void {
  served.set(app, basemaps);
}

export function basemapsOf(app: FastifyInstance): readonly ServedBasemap[] {
  return served.get(app) ?? [];
}
