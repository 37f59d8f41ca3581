/**
 * PostGIS for the embedded store without the parts Safeground never loads. The published bundle
 * (95 MB unpacked) also carries the raster, topology and TIGER geocoder extensions; PGlite unpacks
 * every file and compiles every library in it at each start, so two thirds of a start and of its
 * memory went to 31 MB of WebAssembly nobody calls. The slim bundle is cut once from the
 * installed one and kept in the temporary folder, keyed by the installed bundle's size and date.
 */
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Extension } from '@electric-sql/pglite';
import { postgis } from '@electric-sql/pglite-postgis';

/** Files of the bundle PostGIS itself needs: its library, its SQL and control file, and PROJ's data. */
export function keptInBundle(name: string): boolean {
  return !/postgis_raster|postgis_topology|postgis_tiger_geocoder|address_standardizer|--unpackaged|^share\/postgresql\/contrib\//.test(name);
}

const BLOCK = 512;

function entryName(header: Uint8Array): string {
  const text = (from: number, length: number) => new TextDecoder().decode(header.subarray(from, from + length)).replace(/\0.*$/s, '');
  const prefix = text(345, 155);
  const name = text(0, 100);
  return prefix ? `${prefix}/${name}` : name;
}

/**
 * The entries of a POSIX tar archive that `keep` accepts, as a tar archive. A pax or GNU long-name
 * header travels with the entry it describes (a kept entry's own name is what is tested).
 */
export function filterTar(archive: Uint8Array, keep: (name: string) => boolean): Uint8Array {
  const parts: Uint8Array[] = [];
  let pending: Uint8Array[] = [];
  let offset = 0;
  while (offset + BLOCK <= archive.length) {
    const header = archive.subarray(offset, offset + BLOCK);
    if (header.every((byte) => byte === 0)) break;
    const size = Number.parseInt(new TextDecoder().decode(header.subarray(124, 136)).replace(/\0.*$/s, '').trim() || '0', 8);
    const end = offset + BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    const entry = archive.subarray(offset, end);
    const type = String.fromCharCode(header[156]!);
    if (type === 'x' || type === 'L' || type === 'K') {
      pending.push(entry);
    } else {
      if (keep(entryName(header).replace(/^\.\//, ''))) parts.push(...pending, entry);
      pending = [];
    }
    offset = end;
  }
  parts.push(new Uint8Array(2 * BLOCK));
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** The slim bundle's file, made from the installed bundle when it is not there yet. */
export function slimPostgisBundle(full: URL): URL {
  const source = fileURLToPath(full);
  const { size, mtimeMs } = statSync(source);
  const path = join(tmpdir(), `safeground-postgis-${size}-${Math.round(mtimeMs)}.tar.gz`);
  if (!existsSync(path)) {
    const slim = gzipSync(filterTar(gunzipSync(readFileSync(source)), keptInBundle), { level: 1 });
    const partial = `${path}.${process.pid}.${Date.now()}.tmp`;
    writeFileSync(partial, slim);
    renameSync(partial, path);
  }
  return pathToFileURL(path);
}

/** PGlite's PostGIS extension, set up as published but loading the slim bundle. */
export const slimPostgis: Extension = {
  name: 'postgis',
  async setup(pg, emscriptenOpts) {
    const setup = await postgis.setup(pg, emscriptenOpts);
    return { ...setup, bundlePath: slimPostgisBundle(setup.bundlePath) };
  },
};
