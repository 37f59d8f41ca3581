import { closeSync, createReadStream, openSync, statSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Unzip, UnzipInflate } from 'fflate';
import { fileProblem } from './problems.ts';

/**
 * Limits that stop a zip bomb: an archive may expand to at most MAX_RATIO times its own size
 * plus SLACK_BYTES (real shapefiles and workbooks compress 2 to 20 times), and never beyond
 * MAX_BYTES. Counted while inflating, so the bomb is stopped before it fills the disk.
 */
export const MAX_RATIO = 100;
export const SLACK_BYTES = 10 * 1024 * 1024;
export const MAX_BYTES = 8 * 1024 ** 3;

/**
 * Streams through a zip archive, writing the entries `keep` accepts into `dir` (by base name,
 * so no entry can write outside it) and only counting the others. Returns the names written.
 */
export async function extractZip(path: string, file: string, dir: string | null, keep: (name: string) => boolean = () => false): Promise<string[]> {
  const compressed = statSync(path).size;
  const limit = Math.min(MAX_BYTES, compressed * MAX_RATIO + SLACK_BYTES);
  let expanded = 0;
  let failure = null as Error | null;
  const open = new Set<string>();
  const written: string[] = [];
  const unzip = new Unzip((entry) => {
    if (entry.name.endsWith('/')) return;
    const target = dir && keep(entry.name) ? join(dir, basename(entry.name)) : null;
    const fd = target ? openSync(target, 'w') : null;
    if (target) written.push(basename(entry.name));
    open.add(entry.name);
    entry.ondata = (error, data, final) => {
      if (failure) return;
      if (error) {
        failure = fileProblem(`${file}: entry ${entry.name} cannot be inflated (${error.message}); the archive is damaged or truncated`);
        return;
      }
      expanded += data.length;
      if (expanded > limit) {
        failure = fileProblem(
          `${file} expands to more than ${Math.round(limit / 1e6)} MB from ${Math.round(compressed / 1e3)} KB (more than ${MAX_RATIO} times its size): refused as a possible zip bomb`,
        );
        entry.terminate();
        if (fd !== null) closeSync(fd);
        return;
      }
      if (fd !== null) writeSync(fd, data);
      if (final) {
        open.delete(entry.name);
        if (fd !== null) closeSync(fd);
      }
    };
    entry.start();
  });
  unzip.register(UnzipInflate);
  let sawBytes = false;
  try {
    for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
      sawBytes ||= chunk.length > 0;
      unzip.push(chunk);
      if (failure) throw failure;
    }
    unzip.push(new Uint8Array(0), true);
  } catch (error) {
    if (error === failure) throw error;
    throw fileProblem(`${file} is not a readable zip archive (${(error as Error).message})`);
  }
  if (failure) throw failure;
  if (!sawBytes) throw fileProblem(`${file} is empty`);
  if (open.size > 0) throw fileProblem(`${file} is truncated: entry ${[...open][0]} ends early`);
  return written;
}
