/**
 * The request deadline: no request holds the server longer than this. A request still working
 * when it passes is answered 503 with a clear error; its transaction is rolled back (on
 * PostgreSQL its statements are cancelled by a statement_timeout set to what was left), and
 * heavy checks off the event loop (src/land/shapePool.ts) give up at it too.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { UserError } from './errors.ts';

/** Milliseconds a request may take; SAFEGROUND_REQUEST_DEADLINE_MS changes it. */
export const DEFAULT_REQUEST_DEADLINE_MS = 10_000;

export function requestDeadlineMs(env: NodeJS.ProcessEnv = process.env): number {
  const value = env.SAFEGROUND_REQUEST_DEADLINE_MS;
  if (value === undefined || value === '') return DEFAULT_REQUEST_DEADLINE_MS;
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 100) throw new Error(`Unexpected SAFEGROUND_REQUEST_DEADLINE_MS: ${JSON.stringify(value)} (want whole milliseconds, at least 100)`);
  return ms;
}

const current = new AsyncLocalStorage<{ at: number; ms: number }>();

export function deadlineExceeded(ms: number): UserError {
  return new UserError(`The request took longer than its deadline of ${ms / 1000} s and was stopped; nothing was written. Try again with less, or later`, 'deadline_exceeded', { deadlineMs: ms });
}

/** Milliseconds left to the running request's deadline, or null outside a request with one. */
export function remainingMs(): number | null {
  const deadline = current.getStore();
  return deadline ? Math.max(0, deadline.at - Date.now()) : null;
}

/** Whether the running request is past its deadline, so its writes must not commit. */
export function pastDeadline(): boolean {
  return remainingMs() === 0;
}

/** The running request's deadline, for an error raised by work that gave up at it. */
export function currentDeadlineMs(): number | null {
  return current.getStore()?.ms ?? null;
}

/**
 * Runs work under a deadline: its answer if it comes in time, else a deadline_exceeded error.
 * Work that is still running then is left to finish or fail on its own; its outcome is ignored.
 */
export async function withDeadline<T>(ms: number, work: () => Promise<T>, track: (running: Promise<unknown>) => void = () => undefined): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const running = current.run({ at: Date.now() + ms, ms }, work);
  track(running);
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(deadlineExceeded(ms)), ms);
  });
  running.catch(() => undefined);
  try {
    return await Promise.race([running, expired]);
  } finally {
    clearTimeout(timer);
  }
}
