/**
 * A PostgreSQL wire-protocol socket on the embedded store, so that QGIS and `ogr2ogr PG:` can
 * read a field laptop's data (`safeground serve --pg-port 5440`). Built on pglite-socket's
 * connection handler, which frames the protocol; what runs on the database is decided here.
 *
 * PGlite is one PostgreSQL backend: one session, shared by the web app and every socket client.
 * pglite-socket's own server forwards each client message under PGlite's query lock alone, so a
 * client's SET, temporary table or open transaction would carry over into the web app's queries
 * (and the app's transactions would run client messages inside them). So each client's work runs
 * as a *unit*, from its first message until the backend is idle again (the end of a statement
 * outside a transaction, or of a transaction), holding both of PGlite's locks, so nothing of the
 * app interleaves:
 *
 * - on entry, as the store's owner: the client's session settings are put back, transactions
 *   default to read-only, and SET SESSION AUTHORIZATION makes the session the NOLOGIN role that may
 *   only SELECT the `gis` views (migrations/0022_gis_views.sql);
 * - every statement is checked first (statementProblem): only reading statements, transaction
 *   control, cursors and a short list of SET parameters pass. That matters because the backend
 *   runs as a superuser that the session role could otherwise switch back to (SET SESSION
 *   AUTHORIZATION, set_config(), DISCARD ALL); set_config, temporary tables and pg_sleep are also
 *   revoked from PUBLIC on the embedded store, so even a statement that passed could not;
 * - on exit, the owner is back, the client's settings are saved for its next unit and reset.
 *
 * A unit that lasts longer than `unitSeconds` (a forgotten open transaction, a huge download in
 * one transaction) is rolled back and its connection closed, so a GIS client cannot stall the web
 * app for longer than that. What this cannot bound is one statement: PGlite runs it to the end
 * (statement_timeout has no effect there), so a deliberately expensive query by an authenticated
 * user makes the app's queries wait until it finishes. The socket runs in the store's thread
 * (pgliteThread.ts), beside PGlite; `authenticate` is answered by the server's thread.
 *
 * Clients authenticate with a cleartext password (no TLS: keep the socket on 127.0.0.1 or a
 * trusted network), checked by the `authenticate` callback; the server passes API tokens there.
 * The same server listens on a unix socket too (`path`).
 *
 * The `owner` policy serves the CLI while `serve` holds the store (open.ts): a unix socket only,
 * in a 0700 folder of the data folder, so only the store's owner can open it and no password is
 * asked; the owner's full rights, no statement check. Its work runs in the same units, so a CLI
 * transaction is atomic and never interleaves with the app's.
 */
import { randomInt } from 'node:crypto';
import { chmodSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { type PGlite, protocol } from '@electric-sql/pglite';
import { PGLiteSocketHandler, type PGLiteSocketHandlerOptions } from '@electric-sql/pglite-socket';

/** The NOLOGIN role socket clients act as: SELECT on the gis views and nothing else. */
export const GIS_SOCKET_ROLE = 'safeground_gis';

/**
 * Session parameters a client may set (SET, RESET, the startup packet), and the planner's
 * enable_* switches (GDAL turns sequential scans off for some queries). Not the role or session
 * authorization, nor the read-only default, nor timeouts and resource settings.
 */
function clientSettable(name: string): boolean {
  return SETTABLE.has(name) || /^enable_[a-z_]+$/.test(name);
}

const SETTABLE = new Set([
  'application_name',
  'bytea_output',
  'client_encoding',
  'client_min_messages',
  'datestyle',
  'extra_float_digits',
  'intervalstyle',
  'search_path',
  'standard_conforming_strings',
  'timezone',
]);

// The statement check -----------------------------------------------------------------------------

interface Word {
  text: string;
  /** A double-quoted identifier (never a keyword). */
  quoted: boolean;
}

/**
 * Splits SQL into statements of words, the way PostgreSQL's lexer does for what matters here:
 * comments (nested /* *\/ too), string literals (standard, E'', dollar-quoted) and quoted
 * identifiers are not split or read as keywords; semicolons outside them end statements. Returns
 * null for text the lexer cannot read with certainty (an unterminated literal or comment).
 */
export function statementWords(sql: string): Word[][] | null {
  const statements: Word[][] = [[]];
  let i = 0;
  const current = () => statements[statements.length - 1]!;
  while (i < sql.length) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (/\s/.test(c)) i++;
    else if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end + 1;
    } else if (c === '/' && next === '*') {
      let depth = 1;
      i += 2;
      while (i < sql.length && depth > 0) {
        if (sql.startsWith('/*', i)) [depth, i] = [depth + 1, i + 2];
        else if (sql.startsWith('*/', i)) [depth, i] = [depth - 1, i + 2];
        else i++;
      }
      if (depth > 0) return null;
    } else if (c === ';') {
      statements.push([]);
      i++;
    } else if (c === "'" || ((c === 'E' || c === 'e') && next === "'")) {
      const escapes = c !== "'";
      i += escapes ? 2 : 1;
      for (;;) {
        if (i >= sql.length) return null;
        if (escapes && sql[i] === '\\') i += 2;
        else if (sql[i] === "'" && sql[i + 1] === "'") i += 2;
        else if (sql[i] === "'") break;
        else i++;
      }
      i++;
      current().push({ text: "'", quoted: false });
    } else if (c === '"' || ((c === 'U' || c === 'u') && next === '&' && sql[i + 2] === '"')) {
      const start = sql.indexOf('"', i) + 1;
      let text = '';
      let j = start;
      for (;;) {
        if (j >= sql.length) return null;
        if (sql[j] === '"' && sql[j + 1] === '"') [text, j] = [`${text}"`, j + 2];
        else if (sql[j] === '"') break;
        else text += sql[j++]!;
      }
      i = j + 1;
      // A Unicode-escaped identifier may spell anything; it never matches an allowed name.
      current().push({ text: c === '"' ? text : '\u0000', quoted: true });
    } else if (c === '$') {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      if (!tag) {
        i++;
        continue;
      }
      const end = sql.indexOf(tag[0], i + tag[0].length);
      if (end < 0) return null;
      i = end + tag[0].length;
      current().push({ text: "'", quoted: false });
    } else if (/[A-Za-z_\u0080-\uffff]/.test(c)) {
      const word = /^[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*/.exec(sql.slice(i))![0];
      current().push({ text: word.toUpperCase(), quoted: false });
      i += word.length;
    } else {
      current().push({ text: c, quoted: false });
      i++;
    }
  }
  return statements.filter((s) => s.length > 0);
}

const QUERY_STARTS = new Set(['SELECT', 'WITH', 'VALUES', 'TABLE', '(']);

function keyword(word: Word | undefined): string {
  return word && !word.quoted ? word.text : '';
}

/** Whether a SET or RESET names a parameter a client may set (SET x TO, SET LOCAL x =, RESET x). */
function settable(words: readonly Word[]): boolean {
  let i = 1;
  if (['SESSION', 'LOCAL'].includes(keyword(words[i])) && keyword(words[i + 1]) !== 'AUTHORIZATION') i++;
  const name = words[i];
  if (!name) return false;
  if (keyword(words[0]) === 'SET' && ['TIME', 'NAMES'].includes(keyword(name))) return true;
  return clientSettable(name.text.toLowerCase());
}

/**
 * Why the GIS socket refuses a statement, or null when it may run: reading (SELECT, WITH,
 * VALUES, TABLE, SHOW, EXPLAIN of those), transaction control without READ WRITE, read-only
 * cursors, and the session parameters of SETTABLE. Anything else (writes, DDL, DO, COPY,
 * SET ROLE, SET SESSION AUTHORIZATION, DISCARD, LISTEN, PREPARE of a statement) is refused.
 */
export function statementProblem(sql: string): string | null {
  const statements = statementWords(sql);
  if (statements === null) return 'the statement has an unterminated literal, identifier or comment';
  for (const words of statements) {
    const first = keyword(words[0]);
    const all = words.map(keyword);
    if (QUERY_STARTS.has(first) || first === 'SHOW') continue;
    if (first === 'EXPLAIN') {
      let i = 1;
      if (keyword(words[i]) === '(') while (i < words.length && keyword(words[i]) !== ')') i++;
      if (keyword(words[i]) === ')') i++;
      while (['ANALYZE', 'ANALYSE', 'VERBOSE'].includes(keyword(words[i]))) i++;
      if (QUERY_STARTS.has(keyword(words[i]))) continue;
      return 'EXPLAIN is allowed of queries only';
    }
    if (['BEGIN', 'START', 'COMMIT', 'END', 'ROLLBACK', 'ABORT', 'SAVEPOINT', 'RELEASE'].includes(first)) {
      if (all.includes('PREPARED') || keyword(words[1]) === 'PREPARE') return 'two-phase commit is not allowed';
      if (all.includes('WRITE')) return 'transactions here are read-only';
      continue;
    }
    if (first === 'DECLARE') {
      if (all.includes('HOLD') && !all.includes('WITHOUT')) return 'cursors WITH HOLD would outlive the transaction; declare them without';
      continue;
    }
    if (['FETCH', 'MOVE', 'CLOSE', 'DEALLOCATE'].includes(first)) continue;
    if (first === 'SET' && ['TRANSACTION', 'SESSION'].includes(keyword(words[1])) && (keyword(words[1]) === 'TRANSACTION' || keyword(words[2]) === 'CHARACTERISTICS')) {
      if (all.includes('WRITE')) return 'transactions here are read-only';
      continue;
    }
    if ((first === 'SET' || first === 'RESET') && settable(words)) continue;
    if (first === 'RESET' && keyword(words[1]) === 'ALL' && words.length === 2) continue;
    if ((first === 'SET' || first === 'RESET') && (keyword(words[1]) === 'ROLE' || keyword(words[2]) === 'AUTHORIZATION')) {
      return `SET ROLE and SET SESSION AUTHORIZATION are not allowed: clients act as the read-only role ${GIS_SOCKET_ROLE}`;
    }
    if (first === 'SET' || first === 'RESET') {
      const name = words.slice(1).filter((w) => !['SESSION', 'LOCAL'].includes(keyword(w)))[0];
      return `${first} ${name?.quoted ? `"${name.text}"` : (name?.text ?? '')} is not allowed here; a client may set ${[...SETTABLE].join(', ')} and enable_*`;
    }
    return `${first || 'this'} statements are not allowed: this socket reads the gis views only`;
  }
  return null;
}

// The protocol -----------------------------------------------------------------------------------

function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const cstring = (s: string) => Buffer.from(`${s}\0`, 'utf8');

function errorMessage(severity: 'ERROR' | 'FATAL', code: string, text: string): Buffer {
  return message('E', Buffer.concat([cstring(`S${severity}`), cstring(`V${severity}`), cstring(`C${code}`), cstring(`M${text}`), Buffer.from([0])]));
}

const readyForQuery = (status: string) => message('Z', Buffer.from(status, 'latin1'));

/** The parameters of a StartupMessage (length, protocol 3.0, then name and value pairs). */
function startupParameters(bytes: Buffer): Map<string, string> {
  const parts = bytes.subarray(8).toString('utf8').split('\0');
  const parameters = new Map<string, string>();
  for (let i = 0; i + 1 < parts.length && parts[i] !== ''; i += 2) parameters.set(parts[i]!, parts[i + 1]!);
  return parameters;
}

/** The SQL a Query ('Q') or Parse ('P') message carries. */
function sqlOf(bytes: Buffer): string {
  const body = bytes.subarray(5);
  if (bytes[0] === 0x51) return body.subarray(0, body.indexOf(0)).toString('utf8');
  const nameEnd = body.indexOf(0);
  return body.subarray(nameEnd + 1, body.indexOf(0, nameEnd + 1)).toString('utf8');
}

/** The same message with its SQL replaced (a Parse keeps its name and parameter types). */
function withSql(bytes: Buffer, sql: string): Buffer {
  const body = bytes.subarray(5);
  if (bytes[0] === 0x51) return message('Q', cstring(sql));
  const nameEnd = body.indexOf(0);
  const rest = body.subarray(body.indexOf(0, nameEnd + 1) + 1);
  return message('P', Buffer.concat([body.subarray(0, nameEnd + 1), cstring(sql), rest]));
}

/** A statement that fails in the backend with the refusal, so the backend's own state (a failed transaction, skipping to Sync) is exactly PostgreSQL's. */
function refusal(problem: string): string {
  const text = `Safeground GIS socket: ${problem}`.replace(/'/g, "''");
  return `DO $refused$ BEGIN RAISE EXCEPTION '%', '${text}' USING ERRCODE = 'insufficient_privilege'; END $refused$`;
}

const quote = (text: string) => `'${text.replace(/'/g, "''")}'`;

// Sessions and units -------------------------------------------------------------------------------

export interface GisSocketOptions {
  /** `gis`: the read-only gis views for signed-in GIS users; `owner`: the CLI, with the owner's rights and no password. */
  policy: 'gis' | 'owner';
  /** TCP address and port; port 0 picks one. No TCP without a port (the owner's socket is a unix socket only). */
  host?: string;
  port?: number;
  /** A unix socket as well (libpq finds `<dir>/.s.PGSQL.<port>` with host=<dir>). */
  path?: string;
  /** The longest a client's unit may hold the store, in seconds. */
  unitSeconds: number;
  /** Null when the user may connect, else why not (sent to the client). */
  authenticate(user: string, password: string): Promise<string | null>;
}

export interface GisSocket {
  /** The TCP port listened on (0: none). */
  port: number;
  close(): Promise<void>;
}

type Send = (data: Uint8Array) => void;

/** The part of pglite-socket's query queue its connection handler calls. */
type HandlerQueue = PGLiteSocketHandlerOptions['queryQueue'];

/** The messages of a backend's output: type and body. */
function backendMessages(bytes: Buffer): { type: string; body: Buffer }[] {
  const found: { type: string; body: Buffer }[] = [];
  for (let i = 0; i + 5 <= bytes.length; ) {
    const length = bytes.readInt32BE(i + 1);
    found.push({ type: String.fromCharCode(bytes[i]!), body: bytes.subarray(i + 5, i + 1 + length) });
    i += 1 + length;
  }
  return found;
}

/**
 * Runs statements for the unit machinery, reading rows as text. Called only while a unit holds
 * PGlite's locks, which is why it goes through the protocol directly; and through the streaming
 * call, the one pglite-socket uses, because in PGlite 0.5.8 the other protocol calls can lose a
 * simple query's output or pass it on to the next call.
 */
async function run(pg: PGlite, sql: string): Promise<string[][]> {
  const chunks: Uint8Array[] = [];
  await pg.execProtocolRawStream(protocol.serialize.query(sql), { onRawData: (data) => chunks.push(data.slice()) });
  const rows: string[][] = [];
  for (const { type, body } of backendMessages(Buffer.concat(chunks))) {
    if (type === 'E') {
      const text = body.toString('utf8').split('\0').find((field) => field.startsWith('M'));
      throw new Error(`GIS socket control statement failed: ${text?.slice(1)} (${sql})`);
    }
    if (type === 'D') {
      const fields: string[] = [];
      for (let i = 2, n = 0; n < body.readInt16BE(0); n++) {
        const length = body.readInt32BE(i);
        fields.push(length < 0 ? '' : body.subarray(i + 4, i + 4 + length).toString('utf8'));
        i += 4 + Math.max(length, 0);
      }
      rows.push(fields);
    }
  }
  return rows;
}

/** Holds both of PGlite's locks (transactions and queries) until the returned function is called. */
function lock(pg: PGlite): Promise<() => void> {
  return new Promise((held) => {
    // The underscore methods are PGlite's own locks (in its typings): runExclusive alone takes the
    // query lock and would let a unit start inside one of the app's transactions.
    void pg._runExclusiveTransaction(() => pg._runExclusiveQuery(() => new Promise<void>((release) => held(release))));
  });
}

class Session {
  state: 'startup' | 'password' | 'ready' = 'startup';
  user = '';
  /** Session settings of this client, put back at the start of each of its units. */
  settings = new Map<string, string>();
  unlock: (() => void) | null = null;
  timer: NodeJS.Timeout | null = null;
  expired = false;
  /** Extended-protocol messages sent since the last Sync. */
  unsynced = false;
  /** Messages of one connection run one after another. */
  tail: Promise<unknown> = Promise.resolve();
  send: Send = () => {};
  constructor(readonly handler: PGLiteSocketHandler) {}
}

export async function serveGisSocket(pg: PGlite, options: GisSocketOptions): Promise<GisSocket> {
  const { rows } = await pg.query<{ owner: string; version: string; zone: string; database: string }>(
    "SELECT session_user AS owner, current_setting('server_version') AS version, current_setting('TimeZone') AS zone, current_database() AS database",
  );
  const { owner, version: serverVersion, zone: timeZone, database } = rows[0]!;
  const gis = options.policy === 'gis';
  const label = gis ? 'Safeground GIS socket' : 'Safeground CLI socket';
  if (gis) await pg.exec(`
    DO $$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${GIS_SOCKET_ROLE}') THEN CREATE ROLE ${GIS_SOCKET_ROLE} NOLOGIN; END IF;
    END $$;
    GRANT USAGE ON SCHEMA gis TO ${GIS_SOCKET_ROLE};
    GRANT SELECT ON ALL TABLES IN SCHEMA gis TO ${GIS_SOCKET_ROLE};
    REVOKE EXECUTE ON FUNCTION pg_catalog.set_config(text, text, boolean) FROM PUBLIC;
    REVOKE EXECUTE ON FUNCTION pg_catalog.pg_sleep(double precision) FROM PUBLIC;
    REVOKE EXECUTE ON FUNCTION pg_catalog.pg_sleep_for(interval) FROM PUBLIC;
    REVOKE EXECUTE ON FUNCTION pg_catalog.pg_sleep_until(timestamptz) FROM PUBLIC;
    REVOKE TEMPORARY ON DATABASE "${database}" FROM PUBLIC;
    REVOKE CREATE ON SCHEMA public FROM PUBLIC;
  `);

  const sessions = new Map<number, Session>();

  async function enter(session: Session): Promise<void> {
    session.unlock = await lock(pg);
    if (pg.isInTransaction()) throw new Error('The embedded store is inside a transaction at the start of a GIS socket unit');
    const settings = [...session.settings].map(([name, value]) => `SELECT set_config(${quote(name)}, ${quote(value)}, false);`).join(' ');
    const restrict = gis ? ` SET default_transaction_read_only = on; SET SESSION AUTHORIZATION ${GIS_SOCKET_ROLE};` : '';
    if (settings || restrict) await run(pg, `${settings}${restrict}`);
    session.timer = setTimeout(() => expire(session), options.unitSeconds * 1000);
  }

  /** Ends a unit: the owner back, the client's settings saved and reset, the store free for the app. */
  async function leave(session: Session): Promise<void> {
    if (!session.unlock) return;
    clearTimeout(session.timer!);
    try {
      if (session.unsynced) await pg.execProtocolRawStream(message('S', Buffer.alloc(0)), { onRawData: () => {} });
      if (pg.isInTransaction()) await run(pg, 'ROLLBACK');
      await run(pg, `SET SESSION AUTHORIZATION "${owner}"`);
      const changed = await run(pg, "SELECT lower(name), setting FROM pg_settings WHERE source = 'session' AND name <> 'session_authorization'");
      session.settings = new Map(changed.filter(([name]) => clientSettable(name!)).map(([name, value]) => [name!, value!]));
      if (changed.length > 0) await run(pg, changed.map(([name]) => `RESET "${name}";`).join(' '));
    } finally {
      session.unsynced = false;
      session.unlock();
      session.unlock = null;
    }
  }

  function expire(session: Session): void {
    session.expired = true;
    session.tail = session.tail.then(() => closeExpired(session));
  }

  async function closeExpired(session: Session): Promise<void> {
    if (!session.expired || !session.unlock) return;
    await leave(session);
    session.send(errorMessage('FATAL', '25P03', `${label}: the transaction held the store for more than ${options.unitSeconds} s and was rolled back; the web app cannot wait longer`));
    // Not awaited: detaching waits for this connection's queue, which this runs in.
    void session.handler.detach(true);
  }

  async function authenticate(session: Session, bytes: Buffer, send: Send): Promise<void> {
    if (session.state === 'startup') {
      const code = bytes.readInt32BE(4);
      if (code !== 196608) throw new Error(`Unexpected startup code ${code}`);
      const parameters = startupParameters(bytes);
      session.user = parameters.get('user') ?? '';
      for (const [name, value] of parameters) if (clientSettable(name.toLowerCase())) session.settings.set(name.toLowerCase(), value);
      if (gis) {
        session.state = 'password';
        send(message('R', int32(3)));
        return;
      }
    } else {
      const password = bytes[0] === 0x70 ? bytes.subarray(5, bytes.indexOf(0, 5)).toString('utf8') : '';
      const problem = await options.authenticate(session.user, password);
      if (problem) {
        send(errorMessage('FATAL', '28P01', problem));
        throw new Error(problem);
      }
    }
    session.state = 'ready';
    const parameters: [string, string][] = [
      ['server_version', serverVersion],
      ['server_encoding', 'UTF8'],
      ['client_encoding', session.settings.get('client_encoding') ?? 'UTF8'],
      ['DateStyle', session.settings.get('datestyle') ?? 'ISO, MDY'],
      ['IntervalStyle', 'postgres'],
      ['TimeZone', session.settings.get('timezone') ?? timeZone],
      ['integer_datetimes', 'on'],
      ['standard_conforming_strings', 'on'],
      ['is_superuser', gis ? 'off' : 'on'],
      ['session_authorization', gis ? GIS_SOCKET_ROLE : owner],
      ['default_transaction_read_only', gis ? 'on' : 'off'],
      ['application_name', session.settings.get('application_name') ?? ''],
    ];
    const key = Buffer.concat([int32(randomInt(1, 2 ** 31 - 1)), int32(randomInt(1, 2 ** 31 - 1))]);
    send(Buffer.concat([message('R', int32(0)), ...parameters.map(([name, value]) => message('S', Buffer.concat([cstring(name), cstring(value)]))), message('K', key), readyForQuery('I')]));
  }

  async function handle(session: Session, bytes: Buffer, send: Send): Promise<number> {
    session.send = send;
    if (session.state !== 'ready') {
      await authenticate(session, bytes, send);
      return 0;
    }
    const type = String.fromCharCode(bytes[0]!);
    if (type === 'X') {
      await leave(session);
      return 0;
    }
    if (!['Q', 'P', 'B', 'D', 'E', 'S', 'H', 'C'].includes(type)) {
      send(errorMessage('FATAL', '08P01', `${label}: protocol message ${JSON.stringify(type)} is not served here`));
      throw new Error(`Unserved protocol message ${type}`);
    }
    let forwarded = bytes;
    if (gis && (type === 'Q' || type === 'P')) {
      const problem = statementProblem(sqlOf(bytes));
      if (problem) forwarded = withSql(bytes, refusal(problem));
    }
    if (!session.unlock) await enter(session);
    // The last six bytes are held back until the message is done: after an error in an extended
    // query PGlite sends ReadyForQuery at once, where PostgreSQL sends it only at the Sync, and a
    // client counts each one as the end of a query, which shifts every later answer by one.
    let tail = Buffer.alloc(0);
    let written = 0;
    const forward = (data: Buffer) => {
      written += data.length;
      send(data);
    };
    await pg.execProtocolRawStream(forwarded, {
      onRawData: (data) => {
        // A copy: the data is a view of PGlite's memory, which the next statement overwrites.
        const all = Buffer.concat([tail, data]);
        tail = all.subarray(-6);
        if (all.length > tail.length) forward(all.subarray(0, all.length - tail.length));
      },
    });
    const earlyReady = !['Q', 'S'].includes(type) && tail.length === 6 && tail[0] === 0x5a && tail.readInt32BE(1) === 5;
    if (!earlyReady && tail.length > 0) forward(tail);
    session.unsynced = !['Q', 'S'].includes(type);
    // A unit ends where PostgreSQL would be idle: ReadyForQuery 'I' after a Query or a Sync.
    if (!session.unsynced && tail.length === 6 && tail[0] === 0x5a && tail[5] === 0x49) await leave(session);
    else if (session.expired) await closeExpired(session);
    return written;
  }

  const queue = {
    enqueue(handlerId: number, bytes: Uint8Array, send: Send): Promise<number> {
      const session = sessions.get(handlerId);
      if (!session) return Promise.reject(new Error(`GIS socket connection ${handlerId} is closed`));
      const work = session.tail.then(() => handle(session, Buffer.from(bytes), send));
      session.tail = work.catch(() => {});
      return work;
    },
    getQueueLength: () => 0,
    clearQueueForHandler: () => {},
    async clearTransactionIfNeeded(handlerId: number): Promise<void> {
      const session = sessions.get(handlerId);
      sessions.delete(handlerId);
      if (session) await (session.tail = session.tail.then(() => leave(session)));
    },
  } as unknown as HandlerQueue; // pglite-socket types its queue as its own class; the handler calls only these methods.

  function connection(socket: Socket): void {
    const handler = new PGLiteSocketHandler({ queryQueue: queue, closeOnDetach: true });
    sessions.set(handler.handlerId, new Session(handler));
    handler.attach(socket).catch(() => socket.destroy());
  }

  const servers: Server[] = [];
  const listen = (server: Server, ...args: [number, string] | [string]) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(...(args as [number, string]), () => resolve());
    });
  if (options.port !== undefined) {
    const tcp = createServer(connection);
    await listen(tcp, options.port, options.host ?? '127.0.0.1');
    servers.push(tcp);
  }
  if (options.path) {
    rmSync(options.path, { force: true });
    const unix = createServer(connection);
    await listen(unix, options.path);
    chmodSync(options.path, 0o600);
    servers.push(unix);
  }
  const address = options.port === undefined ? null : servers[0]!.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    async close() {
      await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
      for (const session of sessions.values()) await session.handler.detach(true);
      if (options.path) rmSync(options.path, { force: true });
    },
  };
}
