/**
 * The field instance's side of sync (`safeground sync`, `serve --sync-server`): push the reports
 * submitted here, then pull the server's approved changes into this store. Every step can be cut
 * at any byte: a push is answered per report and resending is harmless (report ids are made
 * here), and the pull applies complete lines only, each batch in one transaction with the cursor
 * that follows it, so a retry resumes exactly after the last change applied.
 */
import type { Db } from '../store/db.ts';
import { UserError } from '../errors.ts';
import type { ChangeLine, FeedLine } from './feed.ts';
import type { ReportResult } from './receive.ts';
import { applyPulledChange } from './replicate.ts';
import { LineSplitter } from './rules.ts';
import * as store from './store.ts';

export interface SyncProgress {
  phase: 'push' | 'pull';
  /** Reports answered by the server / changes applied here, so far in this run. */
  done: number;
  /** Reports still to push; for the pull, unknown until the end line (null). */
  remaining: number | null;
  /** Attempts that failed and were retried. */
  retries: number;
}

export interface SyncOptions {
  server: string;
  token: string;
  /** Reports per push request. */
  pushBatch?: number;
  /** Changes asked for per pull request. */
  pullLimit?: number;
  /** Pull only the changes of this area (west, south, east, north), and every change without a geometry. */
  bbox?: readonly [number, number, number, number];
  /** Changes applied per transaction. */
  applyBatch?: number;
  /** Failed requests retried in a row before giving up. */
  attempts?: number;
  /** First wait before a retry, doubled each time up to 30 s. */
  retryDelayMs?: number;
  /** Bytes per attachment chunk. */
  chunkBytes?: number;
  /** Longest wait for a response or between two chunks of it. */
  timeoutMs?: number;
  onProgress?: (progress: SyncProgress) => void;
}

export interface SyncSummary {
  pushed: Record<ReportResult['outcome'], number>;
  pulled: number;
  skipped: number;
  cursor: string | null;
  retries: number;
}

/** A failure worth retrying: the link, a timeout, a server error. Anything the server refused as a client error is not. */
class LinkError extends Error {}

export async function syncWith(db: Db, options: SyncOptions): Promise<SyncSummary> {
  const server = options.server.replace(/\/+$/, '');
  const summary: SyncSummary = { pushed: { accepted: 0, duplicate: 0, conflict: 0, refused: 0 }, pulled: 0, skipped: 0, cursor: null, retries: 0 };
  const origin = await store.instanceId(db);
  const retrying = retrier(options, summary);

  let remaining = await store.countUnpushed(db);
  let done = 0;
  while (remaining > 0) {
    const batch = await store.unpushedReports(db, options.pushBatch ?? 100);
    if (batch.length === 0) break;
    const attachments = await store.attachmentsOf(db, batch.map((r) => r.id));
    for (const sha256 of new Set([...attachments.values()].flat())) await retrying(() => uploadAttachment(db, server, options, sha256));
    const answer = await retrying(() =>
      request<{ instance: string; results: ReportResult[] }>(server, options, 'POST', '/api/sync/reports', {
        origin,
        reports: batch.map((r) => ({
          id: r.id,
          entityType: r.entity_type,
          action: r.action,
          entityId: r.entity_id,
          baseVersion: r.base_version,
          payload: r.payload,
          reason: r.reason,
          organisationId: r.organisation_id,
          acceptedWarnings: r.accepted_warnings,
          author: r.author,
          ...(attachments.has(r.id) ? { attachments: attachments.get(r.id) } : {}),
          createdAt: r.created_at.toISOString(),
          submittedAt: r.submitted_at.toISOString(),
        })),
      }),
    );
    await db.transaction(async (tx) => {
      for (const result of answer.results) await store.markPushed(tx, result.id, result.outcome, result.message ?? (result.fields ? `conflicting fields: ${result.fields.join(', ')}` : null));
      await store.savePeer(tx, server, { remoteInstance: answer.instance, pushed: true });
    });
    for (const result of answer.results) summary.pushed[result.outcome]++;
    done += answer.results.length;
    remaining = await store.countUnpushed(db);
    options.onProgress?.({ phase: 'push', done, remaining, retries: summary.retries });
  }

  for (;;) {
    // Each attempt starts from the cursor saved with the last batch applied, however far the one before got.
    const more = await retrying(async () => (await pullOnce(db, server, options, (await store.peer(db, server))?.cursor ?? null, summary)).more);
    if (!more) break;
  }
  summary.cursor = (await store.peer(db, server))?.cursor ?? null;
  return summary;
}

/**
 * One request of the feed. Changes are applied as their lines complete, in batches, each with its
 * cursor; if the link breaks, what was applied stays and the error (a LinkError) makes the caller
 * retry from the cursor saved last.
 */
async function pullOnce(db: Db, server: string, options: SyncOptions, since: string | null, summary: SyncSummary): Promise<{ cursor: string | null; more: boolean }> {
  const query = new URLSearchParams({ limit: String(options.pullLimit ?? 100_000) });
  if (since) query.set('since', since);
  if (options.bbox) query.set('bbox', options.bbox.join(','));
  const response = await send(server, options, 'GET', `/api/sync/changes?${query.toString()}`, undefined);
  const splitter = new LineSplitter();
  const applyBatch = options.applyBatch ?? 500;
  let pending: ChangeLine[] = [];
  let cursor = since;
  let end: { cursor: string; more: boolean } | null = null;
  let remoteInstance: string | undefined;
  const flush = async (endCursor?: string) => {
    if (pending.length === 0 && endCursor === undefined) return;
    const batch = pending;
    pending = [];
    const next = endCursor ?? batch.at(-1)!.cursor;
    await db.transaction(async (tx) => {
      for (const change of batch) {
        if (await applyPulledChange(tx, change)) summary.pulled++;
        else summary.skipped++;
      }
      await store.savePeer(tx, server, { cursor: next, ...(remoteInstance ? { remoteInstance } : {}) });
    });
    cursor = next;
    options.onProgress?.({ phase: 'pull', done: summary.pulled + summary.skipped, remaining: null, retries: summary.retries });
  };
  try {
    for await (const chunk of readWithTimeout(response.body!, options.timeoutMs ?? 60_000)) {
      for (const text of splitter.push(chunk)) {
        const line = parseLine(text);
        if (line.type === 'start') remoteInstance = line.instance;
        else if (line.type === 'change') {
          pending.push(line);
          if (pending.length >= applyBatch) await flush();
        } else end = line;
      }
    }
  } catch (error) {
    await flush();
    throw error instanceof LinkError ? error : new LinkError(`the changes feed broke after ${cursor ?? 'the start'}: ${(error as Error).message}`);
  }
  if (!end) {
    await flush();
    throw new LinkError(`the changes feed ended without its end line after ${cursor ?? 'the start'}`);
  }
  await flush(end.cursor);
  return { cursor, more: end.more };
}

/**
 * Uploads what the server lacks of one attachment: asks how much arrived, then sends the rest in
 * chunks. A break costs at most the chunk under way; the next attempt asks again.
 */
async function uploadAttachment(db: Db, server: string, options: SyncOptions, sha256: string): Promise<void> {
  const path = `/api/sync/attachments/${sha256}`;
  const state = await store.attachmentState(db, sha256);
  if (!state?.complete) throw new UserError(`Attachment ${sha256} is not complete on this instance`, 'bad_input');
  let offset = 0;
  const asked = await fetchOrLink(server, options, 'GET', path);
  if (asked.status === 200) {
    const status = (await asked.json().catch(() => null)) as { received: number; complete: boolean } | null;
    if (!status) throw new LinkError(`GET ${path}: the answer broke off`);
    if (status.complete) return;
    offset = status.received;
  } else if (asked.status !== 404) throw new LinkError(`GET ${path}: the server answered ${asked.status}`);
  const chunk = options.chunkBytes ?? 256 * 1024;
  while (offset < state.size_bytes) {
    const length = Math.min(chunk, state.size_bytes - offset);
    const bytes = await store.attachmentContent(db, sha256, offset, length);
    const response = await fetchOrLink(server, options, 'PUT', path, bytes, {
      'content-type': 'application/octet-stream',
      'content-range': `bytes ${offset}-${offset + length - 1}/${state.size_bytes}`,
    });
    if (response.status === 409 || response.status >= 500) throw new LinkError(`PUT ${path}: the server answered ${response.status}`);
    const status = (await response.json().catch(() => null)) as { received: number; complete: boolean; error?: { message: string } } | null;
    if (!status) throw new LinkError(`PUT ${path}: the answer broke off`);
    if (!response.ok) throw new UserError(`${server} refused attachment ${sha256} (${response.status}): ${status.error?.message ?? ''}`, 'sync_refused');
    offset = status.received;
  }
}

async function fetchOrLink(server: string, options: SyncOptions, method: string, path: string, body?: Uint8Array, headers: Record<string, string> = {}): Promise<Response> {
  try {
    return await fetch(`${server}${path}`, {
      method,
      headers: { authorization: `Bearer ${options.token}`, ...headers },
      ...(body ? { body } : {}),
      signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
    });
  } catch (error) {
    throw new LinkError(`${method} ${path}: ${(error as Error).message}`);
  }
}

function parseLine(text: string): FeedLine {
  try {
    return JSON.parse(text) as FeedLine;
  } catch {
    throw new LinkError(`a line of the changes feed is not JSON: ${text.slice(0, 80)}`);
  }
}

async function* readWithTimeout(body: ReadableStream<Uint8Array>, timeoutMs: number): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  try {
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new LinkError(`no data for ${timeoutMs} ms`)), timeoutMs);
      });
      const next = await Promise.race([reader.read(), timeout]).finally(() => clearTimeout(timer));
      if (next.done) return;
      yield next.value;
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}

async function send(server: string, options: SyncOptions, method: string, path: string, body: unknown): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(`${server}${path}`, {
      method,
      headers: { authorization: `Bearer ${options.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
    });
  } catch (error) {
    throw new LinkError(`${method} ${path}: ${(error as Error).message}`);
  }
  if (response.status >= 500) throw new LinkError(`${method} ${path}: the server answered ${response.status}`);
  if (!response.ok) {
    const text = await response.text().catch(() => '');
    let message = text;
    try {
      message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? text;
    } catch {
      // not JSON: a proxy's page, shown as it is
    }
    throw new UserError(`${server} refused ${method} ${path.split('?')[0]} (${response.status}): ${message}`, 'sync_refused');
  }
  return response;
}

async function request<T>(server: string, options: SyncOptions, method: string, path: string, body: unknown): Promise<T> {
  const response = await send(server, options, method, path, body);
  try {
    return (await response.json()) as T;
  } catch (error) {
    throw new LinkError(`${method} ${path}: the answer broke off: ${(error as Error).message}`);
  }
}

function retrier(options: SyncOptions, summary: SyncSummary) {
  const attempts = options.attempts ?? 8;
  return async <T>(work: () => Promise<T>): Promise<T> => {
    let delay = options.retryDelayMs ?? 1000;
    for (let failed = 0; ; failed++) {
      try {
        return await work();
      } catch (error) {
        if (!(error instanceof LinkError) || failed + 1 >= attempts) {
          if (error instanceof LinkError) throw new UserError(`Sync stopped after ${attempts} failed attempts in a row: ${error.message}; run it again to resume`, 'sync_failed');
          throw error;
        }
        summary.retries++;
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, 30_000);
      }
    }
  };
}
