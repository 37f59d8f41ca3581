import { UserError } from '../errors.ts';

/**
 * Slows password guessing from one address: at most `limit` failed sign-ins per window. Kept in
 * memory: it guards one process; the per-account lockout in the database guards them all.
 */
export class LoginLimiter {
  private failures = new Map<string, number[]>();

  constructor(
    private readonly limit = 10,
    private readonly windowMs = 60_000,
  ) {}

  private recent(key: string, now: number): number[] {
    const times = (this.failures.get(key) ?? []).filter((t) => now - t < this.windowMs);
    if (times.length === 0) this.failures.delete(key);
    else this.failures.set(key, times);
    return times;
  }

  check(key: string, now = Date.now()): void {
    if (this.recent(key, now).length >= this.limit) {
      throw new UserError(`Too many failed sign-ins from this address; wait ${Math.round(this.windowMs / 1000)} seconds`, 'too_many_requests');
    }
  }

  fail(key: string, now = Date.now()): void {
    this.failures.set(key, [...this.recent(key, now), now]);
  }
}
