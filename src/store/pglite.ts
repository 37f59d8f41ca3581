import { Worker } from 'node:worker_threads';
import { insertRows, type Db, type Queryable } from './db.ts';
import { PGLITE_THREAD, type Reply, type Request, type SentError, type SocketSettings, type ThreadStart } from './pgliteThread.ts';

/**
 * The embedded store, as the server's thread sees it. PGlite runs each statement synchronously
 * (PostGIS in WebAssembly: validating a 50,000-vertex polygon takes seconds), so it lives in a
 * worker thread of its own (pgliteThread.ts) and every call here is a message to it; other
 * requests, /api/health among them, are answered meanwhile. PGlite serialises access itself: a
 * statement waits while a transaction holds the single connection.
 */
export interface PgliteDb extends Db {
  /** The whole data directory as a tarball: to clone a migrated template in tests, and for backups (gzip). */
  dump(compression?: 'none' | 'gzip'): Promise<Blob>;
  /** Serves the PostgreSQL wire socket (src/store/socket.ts) from the store's thread; `authenticate` runs here. */
  serveSocket(settings: SocketSettings, authenticate: (user: string, password: string) => Promise<string | null>): Promise<{ port: number; close(): Promise<void> }>;
  /**
   * What is known without asking the store: whether its thread runs, and for how long the oldest
   * unanswered call or open transaction has been waiting or holding it (null: neither).
   */
  state(): { alive: boolean; busyForMs: number | null };
}

/** The code of a store whose thread has stopped: PostgreSQL's connection_failure, so isDatabaseUnavailable answers 503. */
const STOPPED = '08006';

function received(sent: SentError): Error {
  const error = Object.assign(new Error(sent.message), sent.fields);
  if (sent.stack) error.stack = sent.stack;
  return error;
}

type Call = Request extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

export async function openPglite(dataDir?: string, loadDataDir?: Blob): Promise<PgliteDb> {
  const load = loadDataDir ? await loadDataDir.arrayBuffer() : undefined;
  const start: ThreadStart = { role: PGLITE_THREAD, ...(dataDir !== undefined ? { dataDir } : {}), ...(load ? { loadDataDir: load } : {}) };
  const worker = new Worker(new URL('./pgliteWorker.js', import.meta.url), { workerData: start, transferList: load ? [load] : [], execArgv: [] });
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void; sentAt: number }>();
  const authenticators = new Map<number, (user: string, password: string) => Promise<string | null>>();
  /** When each transaction of this thread's callers began. */
  const transactions = new Set<{ startedAt: number }>();
  let nextId = 0;
  let nextSocket = 0;
  let stopped: Error | null = null;

  /** The thread holds the process open only while a call waits for it, as PGlite in this thread never held it. */
  const settle = () => (pending.size > 0 ? worker.ref() : worker.unref());

  const stop = (error: Error) => {
    stopped ??= Object.assign(new Error(`The embedded store's thread stopped: ${error.message}`), { code: STOPPED });
    for (const call of pending.values()) call.reject(stopped);
    pending.clear();
    settle();
  };

  const ready = new Promise<void>((resolve, reject) => {
    worker.on('message', (reply: Reply) => {
      if ('id' in reply) {
        const call = pending.get(reply.id);
        pending.delete(reply.id);
        settle();
        if ('error' in reply) call?.reject(received(reply.error));
        else call?.resolve(reply.value);
      } else if (reply.op === 'ready') resolve();
      else if (reply.op === 'failed') reject(received(reply.error));
      else {
        const authenticate = authenticators.get(reply.socket);
        const answer = authenticate ? authenticate(reply.user, reply.password) : Promise.resolve('The socket is closing');
        answer.then(
          (problem) => worker.postMessage({ op: 'authenticated', auth: reply.auth, problem } satisfies Request),
          (error: unknown) => worker.postMessage({ op: 'authenticated', auth: reply.auth, problem: `Sign-in failed: ${(error as Error).message}` } satisfies Request),
        );
      }
    });
    worker.on('error', (error) => {
      reject(error);
      stop(error);
    });
    worker.on('exit', (code) => {
      const error = new Error(`exit code ${code}`);
      reject(error);
      stop(error);
    });
  });
  try {
    await ready;
  } catch (error) {
    await worker.terminate();
    throw error;
  }
  settle();

  function call(request: Call, transfer: ArrayBuffer[] = []): Promise<unknown> {
    if (stopped) return Promise.reject(stopped);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject, sentAt: performance.now() });
      settle();
      worker.postMessage({ ...request, id }, transfer);
    });
  }

  function queryable(tx: number | null): Queryable {
    const query = async <T extends object>(sql: string, params: readonly unknown[] = []) => (await call({ op: 'query', tx, sql, params })) as T[];
    return {
      query,
      async exec(sql: string) {
        await call({ op: 'exec', tx, sql });
      },
      bulkLoad: (table, columns, rows) => insertRows({ query }, table, columns, rows),
    };
  }

  return {
    backend: 'pglite',
    ...queryable(null),
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const open = { startedAt: performance.now() };
      transactions.add(open);
      try {
        const tx = (await call({ op: 'begin' })) as number;
        let result: T;
        try {
          result = await fn(queryable(tx));
        } catch (error) {
          await call({ op: 'end', tx, commit: false }).catch(() => {});
          throw error;
        }
        await call({ op: 'end', tx, commit: true });
        return result;
      } finally {
        transactions.delete(open);
      }
    },
    async close() {
      try {
        if (!stopped) await call({ op: 'close' });
      } finally {
        stopped ??= Object.assign(new Error('The embedded store is closed'), { code: STOPPED });
        await worker.terminate();
      }
    },
    dump: async (compression = 'none') => new Blob([(await call({ op: 'dump', compression })) as ArrayBuffer]),
    async serveSocket(settings, authenticate) {
      const socket = nextSocket++;
      authenticators.set(socket, authenticate);
      let port: number;
      try {
        port = (await call({ op: 'serveSocket', socket, settings })) as number;
      } catch (error) {
        authenticators.delete(socket);
        throw error;
      }
      return {
        port,
        close: async () => {
          authenticators.delete(socket);
          await call({ op: 'closeSocket', socket });
        },
      };
    },
    state() {
      const since = [...[...pending.values()].map((c) => c.sentAt), ...[...transactions].map((t) => t.startedAt)];
      return { alive: stopped === null, busyForMs: since.length > 0 ? performance.now() - Math.min(...since) : null };
    },
  };
}
