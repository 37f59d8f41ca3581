/**
 * The embedded store's own thread: PGlite (PostgreSQL and PostGIS compiled to WebAssembly) runs
 * each statement synchronously, so here it holds this worker's thread, not the server's event
 * loop. The main thread's proxy (pglite.ts) sends statements as messages; this side runs them
 * on the one PGlite instance, which serialises them as it always did: a statement outside a
 * transaction waits while a transaction is open.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { slimPostgis } from './postgisBundle.ts';
import { type GisSocket, serveGisSocket } from './socket.ts';

export const PGLITE_THREAD = 'safeground-pglite-thread';

export interface ThreadStart {
  role: typeof PGLITE_THREAD;
  dataDir?: string;
  loadDataDir?: ArrayBuffer;
}

export interface SocketSettings {
  policy: 'gis' | 'owner';
  host?: string;
  port?: number;
  path?: string;
  unitSeconds: number;
}

/** Main thread to store thread. `tx` names an open transaction; null runs outside any. */
export type Request =
  | { id: number; op: 'query'; tx: number | null; sql: string; params: readonly unknown[] }
  | { id: number; op: 'exec'; tx: number | null; sql: string }
  | { id: number; op: 'begin' }
  | { id: number; op: 'end'; tx: number; commit: boolean }
  | { id: number; op: 'dump'; compression: 'none' | 'gzip' }
  | { id: number; op: 'serveSocket'; socket: number; settings: SocketSettings }
  | { id: number; op: 'closeSocket'; socket: number }
  | { id: number; op: 'close' }
  | { op: 'authenticated'; auth: number; problem: string | null };

/** An error as it crosses threads: its message and its primitive fields (PostgreSQL's code, detail, hint, position, table, column, constraint ...). */
export interface SentError {
  message: string;
  stack?: string;
  fields: Record<string, string | number | boolean>;
}

/** Store thread to main thread. */
export type Reply =
  | { id: number; value: unknown }
  | { id: number; error: SentError }
  | { op: 'ready' }
  | { op: 'failed'; error: SentError }
  | { op: 'authenticate'; socket: number; auth: number; user: string; password: string };

export function sendableError(error: unknown): SentError {
  if (!(error instanceof Error)) return { message: String(error), fields: {} };
  const fields: SentError['fields'] = {};
  for (const [key, value] of Object.entries(error)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') fields[key] = value;
  }
  return { message: error.message, ...(error.stack ? { stack: error.stack } : {}), fields: { ...fields, name: error.name } };
}

/** Thrown inside PGlite's transaction to have it rolled back: the main thread's function failed. */
const ROLLBACK = new Error('The transaction function failed');

async function run(start: ThreadStart): Promise<void> {
  const port = parentPort!;
  const send = (reply: Reply, transfer: ArrayBuffer[] = []) => port.postMessage(reply, transfer);
  let pg: PGlite;
  try {
    pg = await PGlite.create({ dataDir: start.dataDir, extensions: { postgis: slimPostgis }, ...(start.loadDataDir ? { loadDataDir: new Blob([start.loadDataDir]) } : {}) });
  } catch (error) {
    send({ op: 'failed', error: sendableError(error) });
    return;
  }

  const transactions = new Map<number, Transaction>();
  /** Open transactions waiting for the main thread's verdict, with the id of the request that gives it. */
  const verdicts = new Map<number, (end: { id: number; commit: boolean }) => void>();
  const sockets = new Map<number, GisSocket>();
  const authentications = new Map<number, (problem: string | null) => void>();
  let nextTransaction = 0;
  let nextAuthentication = 0;

  const on = (tx: number | null) => {
    if (tx === null) return pg;
    const transaction = transactions.get(tx);
    if (!transaction) throw new Error(`Transaction ${tx} of the embedded store has ended; its statements must run inside the transaction function`);
    return transaction;
  };

  function begin(id: number): void {
    const tx = nextTransaction++;
    let endId = -1;
    pg.transaction(async (transaction) => {
      transactions.set(tx, transaction);
      send({ id, value: tx });
      const end = await new Promise<{ id: number; commit: boolean }>((resolve) => verdicts.set(tx, resolve));
      endId = end.id;
      if (!end.commit) throw ROLLBACK;
    }).then(
      () => send({ id: endId, value: null }),
      (error: unknown) => send(error === ROLLBACK ? { id: endId, value: null } : { id: endId < 0 ? id : endId, error: sendableError(error) }),
    ).finally(() => {
      transactions.delete(tx);
      verdicts.delete(tx);
    });
  }

  async function answer(request: Exclude<Request, { op: 'authenticated' } | { op: 'begin' } | { op: 'end' }>): Promise<{ value: unknown; transfer?: ArrayBuffer[] }> {
    switch (request.op) {
      case 'query':
        return { value: (await on(request.tx).query(request.sql, request.params as unknown[])).rows };
      case 'exec':
        await on(request.tx).exec(request.sql);
        return { value: null };
      case 'dump': {
        const buffer = await (await pg.dumpDataDir(request.compression)).arrayBuffer();
        return { value: buffer, transfer: [buffer] };
      }
      case 'serveSocket': {
        const socket = await serveGisSocket(pg, {
          ...request.settings,
          authenticate: (user, password) =>
            new Promise((resolve) => {
              const auth = nextAuthentication++;
              authentications.set(auth, resolve);
              send({ op: 'authenticate', socket: request.socket, auth, user, password });
            }),
        });
        sockets.set(request.socket, socket);
        return { value: socket.port };
      }
      case 'closeSocket':
        await sockets.get(request.socket)?.close();
        sockets.delete(request.socket);
        return { value: null };
      case 'close':
        for (const socket of sockets.values()) await socket.close();
        await pg.close();
        return { value: null };
    }
  }

  port.on('message', (request: Request) => {
    if (request.op === 'authenticated') {
      authentications.get(request.auth)?.(request.problem);
      authentications.delete(request.auth);
    } else if (request.op === 'begin') {
      begin(request.id);
    } else if (request.op === 'end') {
      const verdict = verdicts.get(request.tx);
      if (verdict) verdict({ id: request.id, commit: request.commit });
      else send({ id: request.id, error: sendableError(new Error(`Transaction ${request.tx} of the embedded store is not open`)) });
    } else {
      answer(request).then(
        ({ value, transfer }) => send({ id: request.id, value }, transfer),
        (error: unknown) => send({ id: request.id, error: sendableError(error) }),
      );
    }
  });
  send({ op: 'ready' });
}

if (!isMainThread && (workerData as ThreadStart | undefined)?.role === PGLITE_THREAD) await run(workerData as ThreadStart);
