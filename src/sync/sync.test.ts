/**
 * Two real instances in one run: a national server on PostgreSQL, listening on a port, and a
 * field office on the embedded store (PGlite) that syncs with it over HTTP, directly or through a
 * proxy that cuts connections at random bytes.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../http/server.ts';
import { createApiToken, createUser } from '../access/store.ts';
import { ROLE_PERMISSIONS } from '../access/permissions.ts';
import { entityHandler } from '../reports/handlers.ts';
import type { Db } from '../store/db.ts';
import { mulberry32 } from '../mulberry32.ts';
import { POSTGRES_SKIPPED, testBackends, testDatabaseUrl } from '../../test/support/backends.ts';
import { openTestServer } from '../../test/support/server.ts';
import { closeTestServer } from '../../test/support/store.ts';
import type { Actors } from '../../test/support/actors.ts';
import { syncWith } from './client.ts';

const pglite = testBackends().find((b) => b.name === 'pglite')!;
const postgres = testBackends().find((b) => b.name === 'postgres');

interface National {
  db: Db;
  app: FastifyInstance;
  actors: Actors;
  url: string;
}

interface Field {
  db: Db;
  app: FastifyInstance;
  /** A field user of organisation A on the field instance. */
  auth: { authorization: string };
}

/** The field office is set up with the national organisations (ids included) and its own users. */
async function openField(national: National): Promise<Field> {
  const db = await pglite.open();
  const organisations = await national.db.query<{ id: string; name: string; kind: string }>('SELECT id, name, kind FROM organisation ORDER BY name');
  for (const o of organisations) await db.query('INSERT INTO organisation (id, name, kind) VALUES ($1, $2, $3)', [o.id, o.name, o.kind]);
  const user = await createUser(db, { username: 'field_a', displayName: 'Field user A', organisationId: national.actors.organisationA, roles: ['field_user'], passwordHash: null });
  const token = (await createApiToken(db, user.id, { name: 'test', scopes: ROLE_PERMISSIONS.field_user })).token;
  const app = await buildServer({ db });
  return { db, app, auth: { authorization: `Bearer ${token}` } };
}

async function call(app: FastifyInstance, auth: { authorization: string }, method: 'GET' | 'POST', url: string, payload?: unknown) {
  const response = await app.inject({ method, url, headers: auth, ...(payload === undefined ? {} : { payload: payload as object }) });
  assert.ok(response.statusCode < 300, `${method} ${url}: ${response.statusCode} ${response.body}`);
  return response.json();
}

/** Verified by the organisation's manager and approved by the national officer, on the national server. */
async function approveNationally(national: National, reportId: string) {
  await call(national.app, national.actors.auth('organisation_manager'), 'POST', `/api/reports/${reportId}/verify`, {});
  return call(national.app, national.actors.auth('national_information_officer'), 'POST', `/api/reports/${reportId}/approve`, {});
}

let counter = 0;
function square(lon: number, lat: number, size = 0.001) {
  return { type: 'Polygon', coordinates: [[[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]] };
}
function hazard(extra: Record<string, unknown> = {}) {
  counter++;
  return { reference: `HZ-S-${counter}`, kind: 'sha', evidence: ['former_front_line'], source: 'sync test', geometry: square(30 + counter * 0.01, 10), ...extra };
}

/** Each register as its current records (through the entity handlers) and its whole history. */
async function register(db: Db) {
  const records: Record<string, unknown> = {};
  for (const type of ['hazard', 'activity', 'find', 'organisation']) {
    const ids = await db.query<{ id: string }>(`SELECT id FROM ${type} ORDER BY id`);
    for (const { id } of ids) {
      records[`${type}/${id}`] =
        type === 'organisation'
          ? (await db.query('SELECT name, acronym, kind, country_code, active, version FROM organisation WHERE id = $1', [id]))[0]
          : await entityHandler(type)!.read(db, id, { lock: false });
    }
  }
  const history = await db.query<Record<string, unknown>>(
    `SELECT entity_type, entity_id, version, deleted, data, ST_AsGeoJSON(geom, 15) AS geom, origin, change_reason, valid_from
     FROM record_version ORDER BY entity_type, entity_id, version`,
  );
  // Plain objects and arrays on both backends (postgres.js answers with an array subclass).
  return JSON.parse(JSON.stringify({ records, history })) as unknown;
}

async function fieldReport(field: Field, input: Record<string, unknown>): Promise<string> {
  const report = await call(field.app, field.auth, 'POST', '/api/reports', { ...input, submit: true });
  return report.id as string;
}

if (!postgres || !testDatabaseUrl) test('sync between a field instance and a PostgreSQL national server', (t) => t.skip(POSTGRES_SKIPPED));
else
  describe('sync: a field office (PGlite) and the national server (PostgreSQL)', () => {
    let national: National;
    let field: Field;
    let syncToken: string;

    before(async () => {
      const opened = await openTestServer(postgres);
      await opened.app.listen({ port: 0, host: '127.0.0.1' });
      const address = opened.app.server.address() as { port: number };
      national = { ...opened, url: `http://127.0.0.1:${address.port}` };
      syncToken = national.actors.tokens.field_user;
      field = await openField(national);
    });
    after(async () => {
      await closeTestServer({ app: field?.app, db: field?.db });
      await closeTestServer({ app: national?.app, db: national?.db });
    });

    test('each instance has its own id, and the versions made on each say so', async () => {
      const [n] = await national.db.query<{ id: string }>('SELECT id FROM instance');
      const [f] = await field.db.query<{ id: string }>('SELECT id FROM instance');
      assert.notEqual(n!.id, f!.id);
      const nioAuth = national.actors.auth('national_information_officer');
      const made = await call(national.app, nioAuth, 'POST', '/api/reports', { entityType: 'hazard', action: 'create', payload: hazard(), submit: true });
      await approveNationally(national, made.id);
      const [version] = await national.db.query<{ origin: string }>("SELECT origin FROM record_version WHERE report_id = $1", [made.id]);
      assert.equal(version!.origin, n!.id);
    });

    test('reports made offline on the field are pushed, approved nationally and pulled back: both registers equal record by record', async () => {
      const nio = national.actors.auth('national_information_officer');
      const existing = await call(national.app, nio, 'POST', '/api/reports', { entityType: 'hazard', action: 'create', payload: hazard(), submit: true });
      const approvedHazard = await approveNationally(national, existing.id);
      const activity = await call(national.app, nio, 'POST', '/api/reports', {
        entityType: 'activity',
        action: 'create',
        payload: { reference: 'ACT-S-1', kind: 'clearance', organisationId: national.actors.organisationA, status: 'ongoing', source: 'sync test', hazardIds: [approvedHazard.entityId] },
        submit: true,
      });
      const approvedActivity = await approveNationally(national, activity.id);

      const organisation = await call(national.app, national.actors.auth('administrator'), 'POST', '/api/organisations', { name: 'Operator made after the field was set up', kind: 'ngo' });

      const first = await syncWith(field.db, { server: national.url, token: syncToken, retryDelayMs: 10 });
      assert.ok(first.pulled >= 4, `pulled ${first.pulled}`);
      const [pulledOrganisation] = await field.db.query<{ name: string }>('SELECT name FROM organisation WHERE id = $1', [organisation.id]);
      assert.equal(pulledOrganisation?.name, 'Operator made after the field was set up', 'organisations travel in the feed');
      assert.deepEqual(await register(field.db), await register(national.db));

      // Offline: a new hazard and a find on the activity, written and submitted on the field.
      const created = await fieldReport(field, { entityType: 'hazard', action: 'create', payload: hazard() });
      const found = await fieldReport(field, {
        entityType: 'find',
        action: 'create',
        payload: { activityId: approvedActivity.entityId, category: 'uxo', foundOn: '2026-01-05', source: 'field', geometry: { type: 'Point', coordinates: [30.0005, 10.0005] } },
      });
      const second = await syncWith(field.db, { server: national.url, token: syncToken, retryDelayMs: 10 });
      assert.deepEqual(second.pushed, { accepted: 2, duplicate: 0, conflict: 0, refused: 0 });
      const [arrived] = await national.db.query<{ n: number; origin: string; author: string }>(
        'SELECT count(*)::int AS n, min(origin::text) AS origin, min(author) AS author FROM report WHERE id = ANY($1::uuid[]) GROUP BY origin, author',
        [[created, found]],
      );
      const [fieldInstance] = await field.db.query<{ id: string }>('SELECT id FROM instance');
      assert.deepEqual(arrived, { n: 2, origin: fieldInstance!.id, author: 'Field user A' });

      await approveNationally(national, created);
      await approveNationally(national, found);
      const third = await syncWith(field.db, { server: national.url, token: syncToken, retryDelayMs: 10 });
      assert.equal(third.pulled, 2);
      assert.deepEqual(await register(field.db), await register(national.db));
      const states = await field.db.query<{ state: string }>('SELECT state FROM report WHERE id = ANY($1::uuid[]) ORDER BY id', [[created, found]]);
      assert.deepEqual(states.map((s) => s.state), ['approved', 'approved'], 'the field learns its reports were approved');

      const again = await syncWith(field.db, { server: national.url, token: syncToken, retryDelayMs: 10 });
      assert.deepEqual({ pushed: again.pushed, pulled: again.pulled }, { pushed: { accepted: 0, duplicate: 0, conflict: 0, refused: 0 }, pulled: 0 });
    });

    test('the same hazard edited on both sides: exactly one conflict, never applied, resolved field by field', async () => {
      const nio = national.actors.auth('national_information_officer');
      const made = await call(national.app, nio, 'POST', '/api/reports', { entityType: 'hazard', action: 'create', payload: hazard({ description: 'as surveyed' }), submit: true });
      const hazardId = (await approveNationally(national, made.id)).entityId as string;
      await syncWith(field.db, { server: national.url, token: syncToken, retryDelayMs: 10 });
      const onField = await call(field.app, field.auth, 'GET', `/api/hazards/${hazardId}`);
      const base = onField.version as number;

      // Nationally, the description changes; on the field, the description and the blockages.
      const national1 = await call(national.app, nio, 'POST', '/api/reports', {
        entityType: 'hazard', action: 'update', entityId: hazardId, baseVersion: base, reason: 'resurvey', payload: { description: 'national edit' }, submit: true,
      });
      await approveNationally(national, national1.id);
      const theirs = await fieldReport(field, {
        entityType: 'hazard', action: 'update', entityId: hazardId, baseVersion: base, reason: 'villagers say', payload: { description: 'field edit', blockages: ['road'] },
      });
      const pushed = await syncWith(field.db, { server: national.url, token: syncToken, retryDelayMs: 10 });
      assert.deepEqual(pushed.pushed, { accepted: 0, duplicate: 0, conflict: 1, refused: 0 });

      const queue = await national.db.query<{ id: string }>('SELECT id FROM report WHERE conflict IS NOT NULL AND conflict_resolved_at IS NULL');
      assert.deepEqual(queue.map((r) => r.id), [theirs]);
      await call(national.app, national.actors.auth('organisation_manager'), 'POST', `/api/reports/${theirs}/verify`, {});
      const refused = await national.app.inject({ method: 'POST', url: `/api/reports/${theirs}/approve`, headers: nio, payload: {} });
      assert.equal(refused.statusCode, 409, 'a report in conflict is never applied over the current record');

      const conflict = await call(national.app, nio, 'GET', `/api/sync/conflicts/${theirs}`);
      assert.deepEqual(conflict.fields, ['blockages', 'description']);
      assert.equal(conflict.base.description, 'as surveyed');
      assert.equal(conflict.theirs.description, 'field edit');
      assert.equal(conflict.current.description, 'national edit');
      const resolved = await call(national.app, nio, 'POST', `/api/sync/conflicts/${theirs}/resolve`, {
        currentVersion: conflict.currentVersion,
        choices: { description: 'current', blockages: 'theirs' },
      });
      assert.equal(resolved.state, 'approved');
      const now = await call(national.app, nio, 'GET', `/api/hazards/${hazardId}`);
      assert.deepEqual([now.description, now.blockages], ['national edit', ['road']]);
      const history = await national.db.query<{ version: number; report_id: string }>(
        "SELECT version, report_id FROM record_version WHERE entity_type = 'hazard' AND entity_id = $1 ORDER BY version",
        [hazardId],
      );
      assert.deepEqual(history.slice(-2).map((h) => h.report_id), [national1.id, theirs], 'the history shows both edits');

      await syncWith(field.db, { server: national.url, token: syncToken, retryDelayMs: 10 });
      assert.deepEqual(await register(field.db), await register(national.db));
    });

    test('an attachment uploads in chunks checked by SHA-256, resumes from what arrived, and travels with its report through a cutting link', async () => {
      const random = mulberry32(7);
      const photo = Buffer.from(Array.from({ length: 300_000 }, () => Math.floor(random() * 256)));
      const sha256 = createHash('sha256').update(photo).digest('hex');
      const url = `/api/sync/attachments/${sha256}`;
      const put = (from: number, to: number) =>
        field.app.inject({ method: 'PUT', url, headers: { ...field.auth, 'content-type': 'application/octet-stream', 'content-range': `bytes ${from}-${to - 1}/${photo.length}` }, payload: photo.subarray(from, to) });
      assert.equal((await put(0, 100_000)).statusCode, 200);
      const head = await field.app.inject({ method: 'HEAD', url, headers: field.auth });
      assert.equal(head.headers['upload-offset'], '100000');
      const gap = await put(150_000, 200_000);
      assert.equal(gap.statusCode, 409, 'a chunk after a gap is refused');
      assert.equal((await put(50_000, 100_000)).json().received, 100_000, 'a chunk sent again changes nothing');
      const done = (await put(100_000, photo.length)).json();
      assert.deepEqual([done.received, done.complete], [photo.length, true]);

      const wrong = 'f'.repeat(64);
      const bad = await field.app.inject({ method: 'PUT', url: `/api/sync/attachments/${wrong}`, headers: { ...field.auth, 'content-type': 'application/octet-stream', 'content-range': 'bytes 0-2/3' }, payload: Buffer.from('abc') });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.json().error.message, /SHA-256 ba7816bf.*discarded/);
      assert.equal((await field.app.inject({ method: 'HEAD', url: `/api/sync/attachments/${wrong}`, headers: field.auth })).statusCode, 404);

      const reportId = await fieldReport(field, { entityType: 'hazard', action: 'create', payload: hazard() });
      await call(field.app, field.auth, 'POST', `/api/sync/reports/${reportId}/attachments`, { attachments: [sha256] });
      const proxy = await cuttingProxy(new URL(national.url).port, mulberry32(99));
      try {
        const summary = await syncWith(field.db, { server: proxy.url, token: syncToken, retryDelayMs: 1, attempts: 200, chunkBytes: 16_384, timeoutMs: 5000 });
        assert.equal(summary.pushed.accepted + summary.pushed.duplicate, 1);
      } finally {
        await proxy.close();
      }
      const [arrived] = await national.db.query<{ complete: boolean; digest: string; linked: string }>(
        `SELECT a.complete, encode(sha256(a.content), 'hex') AS digest, l.report_id AS linked FROM attachment a JOIN report_attachment l ON l.sha256 = a.sha256 WHERE a.sha256 = $1`,
        [sha256],
      );
      assert.deepEqual(arrived, { complete: true, digest: sha256, linked: reportId });
    });

    test('through a link cut at random bytes, 50 syncs: no report lost or duplicated, cursors consistent', async () => {
      const random = mulberry32(15);
      const proxy = await cuttingProxy(new URL(national.url).port, random);
      try {
        const sent: string[] = [];
        for (let round = 0; round < 50; round++) {
          sent.push(await fieldReport(field, { entityType: 'hazard', action: 'create', payload: hazard() }));
          await syncWith(field.db, { server: proxy.url, token: syncToken, retryDelayMs: 1, attempts: 200, pullLimit: 7, applyBatch: 3, timeoutMs: 5000 });
          // The centre approves what has arrived so far, so the pulls carry new changes too.
          const arrived = await national.db.query<{ id: string }>("SELECT id FROM report WHERE id = ANY($1::uuid[]) AND state = 'submitted'", [sent]);
          for (const { id } of arrived) await approveNationally(national, id);
        }
        await syncWith(field.db, { server: proxy.url, token: syncToken, retryDelayMs: 1, attempts: 200, timeoutMs: 5000 });
        assert.ok(proxy.cuts() > 20, `the proxy cut ${proxy.cuts()} connections`);

        const received = await national.db.query<{ id: string; n: number }>('SELECT id, count(*)::int AS n FROM report WHERE id = ANY($1::uuid[]) GROUP BY id', [sent]);
        assert.equal(received.length, sent.length, 'no report lost');
        assert.ok(received.every((r) => r.n === 1), 'none duplicated');
        const [unpushed] = await field.db.query<{ n: number }>("SELECT count(*)::int AS n FROM report WHERE id = ANY($1::uuid[]) AND (pushed_at IS NULL OR sync_outcome NOT IN ('accepted', 'duplicate'))", [sent]);
        assert.equal(unpushed!.n, 0);
        const [last] = await national.db.query<{ seq: string }>('SELECT max(change_seq)::text AS seq FROM record_version');
        const [peer] = await field.db.query<{ cursor: string }>('SELECT cursor FROM sync_peer WHERE server = $1', [proxy.url]);
        assert.equal(peer!.cursor, `c1.${last!.seq}`, 'the field cursor is the last change of the server');
        assert.deepEqual(await register(field.db), await register(national.db));
      } finally {
        await proxy.close();
      }
    });
  });

/**
 * A TCP proxy to the server that cuts every connection after a random number of bytes in one
 * direction or the other (a request cut before, while or after the server reads it; an answer cut
 * in its middle); kept-alive connections carry a few requests before their cut.
 */
async function cuttingProxy(targetPort: string, random: () => number): Promise<{ url: string; cuts(): number; close(): Promise<void> }> {
  const { connect } = await import('node:net');
  let cuts = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(targetPort), '127.0.0.1');
    sockets.add(client).add(upstream);
    const toServer = random() < 0.3;
    let budget = Math.floor(random() * (toServer ? 3000 : 12000));
    const kill = () => {
      cuts++;
      client.destroy();
      upstream.destroy();
    };
    const relay = (from: Socket, to: Socket, counted: boolean) => {
      from.on('data', (chunk: Buffer) => {
        if (!counted) return void to.write(chunk);
        if (chunk.length < budget) {
          budget -= chunk.length;
          to.write(chunk);
        } else {
          to.write(chunk.subarray(0, budget), kill);
          budget = 0;
        }
      });
    };
    relay(client, upstream, toServer);
    relay(upstream, client, !toServer);
    for (const s of [client, upstream]) {
      s.on('error', () => {});
      s.on('close', () => {
        client.destroy();
        upstream.destroy();
        sockets.delete(s);
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    cuts: () => cuts,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
