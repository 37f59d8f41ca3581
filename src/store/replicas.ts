/**
 * Reads that scale out: PostgreSQL streaming replicas (DATABASE_REPLICA_URLS) answer the routes
 * that declare themselves read-only (tiles, OGC API, lists, statistics: `readOnly` in
 * src/http/route.ts); the primary answers everything else. The routing is here and nowhere else:
 * a handler gets a Db and does not know which server is behind it.
 *
 * - Read-your-writes: after each write through the API the primary's WAL position is kept on the
 *   writer's user row (`app_user.last_write_lsn`, read with the credential on every request), and
 *   that user's reads go to a replica only once it has replayed that far, else to the primary.
 * - A replica that cannot be reached, refuses a statement (a recovery conflict, a write), or lags
 *   more than `maxLagMs` behind the primary never fails a request: the statement runs on the
 *   primary, and the replica is checked again every `checkEveryMs` until it is back.
 * - A transaction, a bulk load or a script always runs on the primary, and the rest of that
 *   request's statements follow it there, so a read after a write in one request sees the write.
 */
import { UserError } from '../errors.ts';
import { type Backend, type Db, isDatabaseUnavailable, type Queryable, type Row } from './db.ts';
import { redactUrl } from './open.ts';
import { openPostgres } from './postgres.ts';

/** How often each replica's replay position is read, and a replica found down is tried again. */
export const CHECK_EVERY_MS = 1_000;
/** A replica that has not replayed what the primary had written this long ago answers no reads. */
export const MAX_LAG_MS = 10_000;
/** A check that gets no answer in this time finds the replica down (a server gone silent, not refusing). */
const CHECK_TIMEOUT_MS = 2_000;

export interface ReplicaOptions {
  checkEveryMs?: number;
  maxLagMs?: number;
  /** Where a replica going down, lagging or coming back is said (the server's stderr). */
  log?: (line: string) => void;
}

export type ReplicaState = 'up' | 'lagging' | 'down';

interface Replica {
  /** The URL without its password, for messages. */
  name: string;
  db: Db;
  state: ReplicaState;
  /** Why it is in that state, for messages. */
  why: string;
  /** What it had replayed when last asked (pg_last_wal_replay_lsn). */
  replayLsn: bigint;
}

/** A WAL position as PostgreSQL writes it (`16/B374D848`) as one number, for comparison. */
export function parseLsn(text: string): bigint {
  const match = /^([0-9A-F]{1,8})\/([0-9A-F]{1,8})$/i.exec(text);
  if (!match) throw new Error(`Unexpected WAL position: ${JSON.stringify(text)}`);
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`);
}

/**
 * The replica URLs of DATABASE_REPLICA_URLS (comma-separated). Checked before the store is opened,
 * so a wrong setting stops a start at once: the embedded store has no replicas.
 */
export function replicaUrls(text: string | undefined, primary: Backend): string[] {
  const urls = (text ?? '').split(',').map((url) => url.trim()).filter((url) => url !== '');
  if (urls.length === 0) return [];
  if (primary !== 'postgres') {
    throw new UserError('DATABASE_REPLICA_URLS needs a PostgreSQL primary (DATABASE_URL): the embedded store has no replicas; unset it, or serve from PostgreSQL', 'bad_config');
  }
  for (const url of urls) {
    let protocol: string;
    try {
      protocol = new URL(url).protocol;
    } catch {
      throw new UserError(`DATABASE_REPLICA_URLS holds ${JSON.stringify(redactUrl(url))}, not a URL; expected postgres://user@host:port/database, comma-separated`, 'bad_config');
    }
    if (!['postgres:', 'postgresql:'].includes(protocol)) throw new UserError(`DATABASE_REPLICA_URLS: ${redactUrl(url)} must start with postgres://`, 'bad_config');
  }
  return urls;
}

/** Errors after which a replica's statement is run on the primary instead. */
function runsOnPrimaryAfter(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  // 40001: cancelled by a recovery conflict; 25006: a write, which a standby refuses; 3D000: the
  // database is not there (yet) on this server.
  return isDatabaseUnavailable(error) || code === '40001' || code === '25006' || code === '3D000';
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${ms} ms`), { code: 'ETIMEDOUT' })), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** The primary behind each Db a read was given, for what is kept per store (the tile cache). */
const primaries = new WeakMap<Db, Db>();

/** The store a Db belongs to: the primary of a Db that routes reads, else the Db itself. */
export function primaryOf(db: Db): Db {
  return primaries.get(db) ?? db;
}

export class ReadReplicas {
  private readonly replicas: Replica[];
  /** The primary's WAL position at recent checks, oldest first: what "lagging" is measured against. */
  private readonly samples: { at: number; lsn: bigint }[] = [];
  private next = 0;
  private checking: Promise<void> | null = null;
  private started = false;
  private readonly timer: NodeJS.Timeout;
  private readonly maxLagMs: number;
  private readonly log: (line: string) => void;

  /**
   * `startLsn`: the primary's position when the server opened, after its migrations: no replica
   * answers before it has replayed them.
   */
  private constructor(
    private readonly primary: Db,
    pools: readonly { url: string; db: Db }[],
    private readonly startLsn: bigint,
    options: ReplicaOptions,
  ) {
    this.maxLagMs = options.maxLagMs ?? MAX_LAG_MS;
    this.log = options.log ?? (() => {});
    this.replicas = pools.map(({ url, db }) => ({ name: redactUrl(url), db, state: 'down', why: 'not checked yet', replayLsn: 0n }));
    this.timer = setInterval(() => void this.check(), options.checkEveryMs ?? CHECK_EVERY_MS);
    this.timer.unref();
  }

  /** Opens a pool to each replica and checks them once; a replica down now is not an error (it is tried again). */
  static async open(primary: Db, urls: readonly string[], options: ReplicaOptions = {}): Promise<ReadReplicas> {
    if (primary.backend !== 'postgres') throw new Error(`Read replicas need a PostgreSQL primary, not ${primary.backend}`);
    const [row] = await primary.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn');
    const pools = await Promise.all(urls.map(async (url) => ({ url, db: await openPostgres(url) })));
    const replicas = new ReadReplicas(primary, pools, parseLsn(row!.lsn), options);
    await replicas.check();
    replicas.started = true;
    return replicas;
  }

  /** Each replica as last found, and why. */
  status(): { replica: string; state: ReplicaState; why: string }[] {
    return this.replicas.map((r) => ({ replica: r.name, state: r.state, why: r.why }));
  }

  /**
   * The Db for one read-only request of a user whose last write is at `lastWriteLsn` (null for
   * none, or the public): a replica that is up and has replayed that far, taken in turn, or the
   * primary when none has.
   */
  async forRead(lastWriteLsn: string | null): Promise<Db> {
    const written = lastWriteLsn === null ? 0n : parseLsn(lastWriteLsn);
    const needed = written > this.startLsn ? written : this.startLsn;
    for (let i = 0; i < this.replicas.length; i++) {
      const replica = this.replicas[(this.next + i) % this.replicas.length]!;
      if (replica.state !== 'up') continue;
      if (replica.replayLsn < needed && (await this.replayed(replica)) < needed) continue;
      this.next = (this.next + i + 1) % this.replicas.length;
      return this.routed(replica);
    }
    return this.primary;
  }

  /**
   * Keeps the primary's position after a user's write on their row. It runs after the write has
   * committed, so the position (the insert position, ahead of the commit record whatever the
   * commit settings) is past that commit. Its own commit need not wait for the disk: losing it
   * in a crash costs only that the next reads go to the replica a moment early.
   */
  async noteWrite(userId: string): Promise<void> {
    await this.primary.transaction(async (tx) => {
      await tx.exec('SET LOCAL synchronous_commit = off');
      await tx.query('UPDATE app_user SET last_write_lsn = pg_current_wal_insert_lsn() WHERE id = $1', [userId]);
    });
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.checking;
    await Promise.all(this.replicas.map((r) => r.db.close()));
  }

  /** What the replica has replayed now; 0 (never enough) when it does not answer, which marks it down. */
  private async replayed(replica: Replica): Promise<bigint> {
    try {
      const [row] = await withTimeout(replica.db.query<{ lsn: string | null }>('SELECT pg_last_wal_replay_lsn()::text AS lsn'), CHECK_TIMEOUT_MS);
      if (row?.lsn) replica.replayLsn = parseLsn(row.lsn);
      return replica.replayLsn;
    } catch (error) {
      this.setState(replica, 'down', (error as Error).message);
      return 0n;
    }
  }

  /** Reads each replica's replay position and sets its state; one check at a time. */
  private check(): Promise<void> {
    this.checking ??= this.checkAll().finally(() => {
      this.checking = null;
    });
    return this.checking;
  }

  private async checkAll(): Promise<void> {
    const now = Date.now();
    try {
      const [row] = await withTimeout(this.primary.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn'), CHECK_TIMEOUT_MS);
      this.samples.push({ at: now, lsn: parseLsn(row!.lsn) });
    } catch {
      // The primary's own outage is answered by its requests (503); the replicas are checked still.
    }
    while (this.samples.length > 1 && this.samples[1]!.at <= now - this.maxLagMs) this.samples.shift();
    const oldest = this.samples[0];
    const lagFloor = oldest && oldest.at <= now - this.maxLagMs ? oldest.lsn : 0n;
    await Promise.all(
      this.replicas.map(async (replica) => {
        let row: { standby: boolean; lsn: string | null } | undefined;
        try {
          [row] = await withTimeout(replica.db.query<{ standby: boolean; lsn: string | null }>('SELECT pg_is_in_recovery() AS standby, pg_last_wal_replay_lsn()::text AS lsn'), CHECK_TIMEOUT_MS);
        } catch (error) {
          this.setState(replica, 'down', (error as Error).message);
          return;
        }
        if (!row?.standby || !row.lsn) {
          this.setState(replica, 'down', 'it is not a standby (pg_is_in_recovery() is false): a promoted replica, or another server');
          return;
        }
        replica.replayLsn = parseLsn(row.lsn);
        if (replica.replayLsn < lagFloor) this.setState(replica, 'lagging', `it has not replayed what the primary had written ${Math.round(this.maxLagMs / 1000)} s ago`);
        else this.setState(replica, 'up', `replayed to ${row.lsn}`);
      }),
    );
  }

  private setState(replica: Replica, state: ReplicaState, why: string): void {
    const changed = replica.state !== state;
    replica.state = state;
    replica.why = why;
    // The states found at the start are told by the caller (serve lists them); changes after, here.
    if (changed && this.started) this.log(state === 'up' ? `Replica ${replica.name} answers reads (${why})` : `Replica ${replica.name} is ${state}: ${why}; its reads go to the primary`);
  }

  /** A Db for one request that reads from the replica until it fails or the request writes, then from the primary. */
  private routed(replica: Replica): Db {
    const primary = this.primary;
    let server: Queryable = replica.db;
    const toPrimary = (): Queryable => (server = primary);
    const markDown = (error: unknown) => this.setState(replica, 'down', (error as Error).message);
    const db: Db = {
      backend: 'postgres',
      async query<T extends object = Row>(sql: string, params?: readonly unknown[]): Promise<T[]> {
        if (server === primary) return primary.query<T>(sql, params);
        try {
          return await replica.db.query<T>(sql, params);
        } catch (error) {
          if (!runsOnPrimaryAfter(error)) throw error;
          if (isDatabaseUnavailable(error)) markDown(error);
          return toPrimary().query<T>(sql, params);
        }
      },
      exec: (sql) => toPrimary().exec(sql),
      bulkLoad: (table, columns, rows) => toPrimary().bulkLoad(table, columns, rows),
      transaction: (fn) => {
        toPrimary();
        return primary.transaction(fn);
      },
      close: () => Promise.reject(new Error('A handler does not close the store')),
    };
    primaries.set(db, primary);
    return db;
  }
}
