/**
 * `safeground sync --server URL --token T`, and the periodic sync of a serving field instance
 * (`serve --sync-server URL --sync-token T --sync-every 5m`). An embedded store is a folder one
 * process holds, so while `serve` runs on it the CLI cannot open it: the server then syncs itself,
 * between its own requests (PGlite runs one statement at a time; requests wait a moment, no more).
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { inStore, storeOptions, type StoreOptions } from '../cli/store.ts';
import { Bbox } from '../http/route.ts';
import type { Db } from '../store/db.ts';
import { type SyncOptions, type SyncProgress, type SyncSummary, syncWith } from './client.ts';

export function parseServer(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(`${JSON.stringify(value)} is not a URL (want https://server.example.org)`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new InvalidArgumentError(`${value}: want an http or https URL`);
  return url.toString().replace(/\/+$/, '');
}

/** The area a field office pulls, as the feed's bbox parameter takes it. */
export function parseBbox(value: string): [number, number, number, number] {
  const parsed = Bbox.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError(parsed.error.issues.map((i) => i.message).join('; '));
  return parsed.data;
}

/** "30s", "5m", "2h" or seconds. */
export function parseInterval(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(s|m|h)?$/.exec(value.trim());
  const n = match ? Number(match[1]) * { s: 1, m: 60, h: 3600 }[(match[2] ?? 's') as 's' | 'm' | 'h'] : NaN;
  if (!Number.isFinite(n) || n < 10) throw new InvalidArgumentError(`want an interval of at least 10 s such as 30s, 5m or 1h, got ${JSON.stringify(value)}`);
  return n * 1000;
}

export function describeSummary(s: SyncSummary): string {
  const p = s.pushed;
  return `pushed ${p.accepted} report(s) (${p.duplicate} already there, ${p.conflict} in conflict, ${p.refused} refused); pulled ${s.pulled} change(s)${s.retries ? `; ${s.retries} retries after the link broke` : ''}`;
}

function progressLine(p: SyncProgress): string {
  return p.phase === 'push' ? `sync: pushed ${p.done} report(s), ${p.remaining} to go` : `sync: applied ${p.done} change(s)`;
}

export function syncCommand(): Command {
  return storeOptions(new Command('sync'))
    .description('Push the reports submitted here to the national server and pull its approved changes (docs/sync.md); resumes where a broken link stopped it')
    .addOption(new Option('--server <url>', 'the server to sync with').env('SAFEGROUND_SYNC_SERVER').argParser(parseServer).makeOptionMandatory())
    .addOption(new Option('--token <token>', 'an API token of a user of this instance’s organisation on that server').env('SAFEGROUND_SYNC_TOKEN').makeOptionMandatory())
    .addOption(new Option('--attempts <n>', 'failed requests in a row before giving up').default(8).argParser((v) => Number.parseInt(v, 10)))
    .addOption(new Option('--bbox <west,south,east,north>', 'pull only the changes of this area (and every change without a geometry)').env('SAFEGROUND_SYNC_BBOX').argParser(parseBbox))
    .action(inStore(async (db, options: StoreOptions & { server: string; token: string; attempts: number; bbox?: [number, number, number, number] }) => {
      const summary = await syncWith(db, { server: options.server, token: options.token, attempts: options.attempts, ...(options.bbox ? { bbox: options.bbox } : {}), onProgress: (p) => process.stderr.write(`${progressLine(p)}\n`) });
      process.stdout.write(`sync with ${options.server}: ${describeSummary(summary)}\n`);
    }));
}

/**
 * Syncs now and then every `everyMs`, one run at a time; a failed run is logged and the next one
 * resumes it. Returns a function that stops the schedule and waits for a run under way.
 */
export function scheduleSync(db: Db, options: SyncOptions & { everyMs: number }, log: (line: string) => void): () => Promise<void> {
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const run = () => {
    running = syncWith(db, options).then(
      (summary) => log(`sync with ${options.server}: ${describeSummary(summary)}`),
      (error: unknown) => log(`sync with ${options.server} failed: ${(error as Error).message}`),
    );
    return running;
  };
  let timer: NodeJS.Timeout | undefined;
  const next = () => {
    if (!stopped) timer = setTimeout(() => void run().then(next), options.everyMs);
  };
  void run().then(next);
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await running;
  };
}
