/**
 * The embedded store's CLI socket (open.ts serveCliSocket, socket.ts policy `owner`): the owner's
 * full rights without a password, on a socket only the owner can open, and a client's transaction
 * runs as one unit, so the app's statements wait for it and never see it half done.
 * (test/cli.test.ts runs real commands through it against a running `safeground serve`.)
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cliSocketPath, serveCliSocket } from './open.ts';
import { openPglite, type PgliteDb } from './pglite.ts';
import { openPostgres } from './postgres.ts';
import type { Db } from './db.ts';

const dir = mkdtempSync(join(tmpdir(), 'sg-cli-socket-'));
let app: PgliteDb;
let socket: { close(): Promise<void> };
let cli: Db;

before(async () => {
  app = await openPglite(join(dir, 'pgdata'));
  await app.exec('CREATE TABLE item (id integer PRIMARY KEY, name text NOT NULL)');
  socket = await serveCliSocket(app, dir);
  cli = await openPostgres('postgres://postgres@localhost/postgres', { max: 1, path: cliSocketPath(dir) });
});

after(async () => {
  await cli.close();
  await socket.close();
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Whether the promise settles within ms. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const settled = await Promise.race([promise.then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)))]);
  clearTimeout(timer);
  return settled;
}

test('the socket is the owner’s alone: folder 0700, socket 0600', () => {
  assert.equal(statSync(cliSocketPath(dir)).mode & 0o777, 0o600);
  assert.equal(statSync(dirname(cliSocketPath(dir))).mode & 0o777, 0o700);
});

test('the owner’s rights without a password: writes and DDL run, no statement check', async () => {
  await cli.exec('CREATE TABLE scratch (n integer); DROP TABLE scratch');
  await cli.query('INSERT INTO item (id, name) VALUES ($1, $2)', [1, 'one']);
  const [row] = await cli.query<{ user: string; readOnly: string }>("SELECT current_user AS user, current_setting('transaction_read_only') AS \"readOnly\"");
  assert.deepEqual(row, { user: 'postgres', readOnly: 'off' });
  assert.deepEqual(await app.query('SELECT id, name FROM item'), [{ id: 1, name: 'one' }]);
});

test('a CLI transaction holds the store: the app waits for it and sees all of it or nothing', async () => {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let inside!: () => void;
  const started = new Promise<void>((resolve) => (inside = resolve));
  const committed = cli.transaction(async (tx) => {
    await tx.query("INSERT INTO item (id, name) VALUES (2, 'two')");
    inside();
    await held;
    await tx.query("INSERT INTO item (id, name) VALUES (3, 'three')");
  });
  await started;
  const seen = app.query<{ n: number }>('SELECT count(*)::int AS n FROM item');
  assert.equal(await settlesWithin(seen, 500), false, 'the app’s query waited for the CLI’s transaction');
  release();
  await committed;
  assert.deepEqual(await seen, [{ n: 3 }]);

  await assert.rejects(
    cli.transaction(async (tx) => {
      await tx.query("INSERT INTO item (id, name) VALUES (4, 'four')");
      await tx.query("INSERT INTO item (id, name) VALUES (1, 'again')");
    }),
    /duplicate key/,
  );
  assert.deepEqual(await app.query<{ n: number }>('SELECT count(*)::int AS n FROM item'), [{ n: 3 }]);
});

test('the app’s own transactions still run between the CLI’s units', async () => {
  await app.transaction(async (tx) => {
    await tx.query("INSERT INTO item (id, name) VALUES (5, 'five')");
  });
  const [row] = await cli.query<{ n: number }>('SELECT count(*)::int AS n FROM item');
  assert.deepEqual(row, { n: 4 });
});
