import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../http/server.ts';
import { type Actors, seedActors } from '../../test/support/actors.ts';
import type { Db } from './db.ts';
import { migrate } from './migrate.ts';
import { ensurePostgis } from './open.ts';
import { openPostgres } from './postgres.ts';

/**
 * A database outage on a PostgreSQL cluster of the test's own (never the shared one): it makes
 * the cluster when missing (pg_createcluster, as root or postgres, as .ci/run runs), stops it
 * under a running server and starts it again. During the outage every request is answered 503
 * with Retry-After, quickly, and /api/health says the database is down; afterwards full service
 * returns by itself within seconds, and every write that was acknowledged is there.
 */
/** The newest PostgreSQL installed, as .ci/run picks it. */
const VERSION = readdirSync('/etc/postgresql').sort((a, b) => Number(a) - Number(b)).at(-1)!;
const CLUSTER = 'outage';
const PORT = 5433;
const BASE_URL = `postgres://postgres@127.0.0.1:${PORT}`;

function cluster(action: 'start' | 'stop'): void {
  execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', VERSION, CLUSTER, action, ...(action === 'stop' ? ['-m', 'fast'] : [])], { stdio: 'pipe' });
}

function ensureCluster(): void {
  const exists = execFileSync('pg_lsclusters', ['-h'], { encoding: 'utf8' })
    .split('\n')
    .some((line) => line.split(/\s+/)[0] === VERSION && line.split(/\s+/)[1] === CLUSTER);
  if (!exists) execFileSync('pg_createcluster', [VERSION, CLUSTER, '-p', String(PORT), '--', '--auth=trust'], { stdio: 'pipe' });
  // Exit status 3: the cluster is not running.
  if (spawnSync('pg_ctlcluster', [VERSION, CLUSTER, 'status']).status !== 0) cluster('start');
}

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const started = performance.now();
  const result = await work();
  return { ms: performance.now() - started, result };
}

describe('a database outage (PostgreSQL cluster on port 5433)', () => {
  let db: Db;
  let app: FastifyInstance;
  let actors: Actors;
  let n = 0;

  before(async () => {
    ensureCluster();
    const admin = await openPostgres(`${BASE_URL}/postgres`, { max: 1 });
    await admin.exec('DROP DATABASE IF EXISTS safeground_outage WITH (FORCE)');
    await admin.exec('CREATE DATABASE safeground_outage');
    await admin.close();
    db = await openPostgres(`${BASE_URL}/safeground_outage`, { max: 4 });
    await ensurePostgis(db);
    await migrate(db);
    actors = await seedActors(db);
    app = await buildServer({ db });
  });
  after(async () => {
    ensureCluster();
    await app?.close();
    await db?.close();
  });

  const report = () =>
    app.inject({
      method: 'POST',
      url: '/api/reports',
      headers: actors.auth('field_user'),
      payload: {
        entityType: 'hazard',
        action: 'create',
        payload: {
          reference: `HZ-OUT-${++n}`,
          kind: 'sha',
          evidence: ['former_front_line'],
          source: 'test',
          geometry: { type: 'Polygon', coordinates: [[[18, 44], [18.001, 44], [18.001, 44.001], [18, 44.001], [18, 44]]] },
        },
      },
    });

  test('503 with Retry-After while the database is down, health says so, and full service after, with no write lost', async () => {
    const acknowledged: string[] = [];
    const first = await report();
    assert.equal(first.statusCode, 201, first.body);
    acknowledged.push(first.json().id);

    cluster('stop');
    try {
      const health = await timed(() => app.inject({ method: 'GET', url: '/api/health' }));
      assert.equal(health.result.statusCode, 503, health.result.body);
      assert.equal(health.result.headers['retry-after'], '5');
      assert.deepEqual([health.result.json().status, health.result.json().database], ['down', 'down']);
      assert.ok(health.ms < 5000, `health took ${health.ms} ms`);
      for (const request of [
        () => report(),
        () => app.inject({ method: 'GET', url: '/api/hazards', headers: actors.auth('analyst') }),
        () => app.inject({ method: 'GET', url: '/api/places?q=Demo' }),
      ]) {
        const answered = await timed(request);
        assert.equal(answered.result.statusCode, 503, answered.result.body);
        assert.equal(answered.result.headers['retry-after'], '5');
        assert.equal(answered.result.json().error.code, 'database_unavailable');
        assert.ok(answered.ms < 5000, `took ${answered.ms} ms`);
      }
    } finally {
      cluster('start');
    }

    const started = performance.now();
    let back = await app.inject({ method: 'GET', url: '/api/health' });
    while (back.statusCode !== 200 && performance.now() - started < 20_000) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      back = await app.inject({ method: 'GET', url: '/api/health' });
    }
    assert.equal(back.statusCode, 200, back.body);
    assert.equal(back.json().database, 'up');
    assert.ok(performance.now() - started < 10_000, `back after ${performance.now() - started} ms`);
    const second = await report();
    assert.equal(second.statusCode, 201, second.body);
    acknowledged.push(second.json().id);

    const rows = await db.query<{ id: string }>('SELECT id FROM report ORDER BY created_at');
    assert.deepEqual(rows.map((r) => r.id).sort(), [...acknowledged].sort(), 'every acknowledged write, and only those');
  });
});
