/**
 * The API's list endpoints under load: 50 concurrent clients for 30 s (autocannon), on whatever
 * data the database holds (the harness loads the demo at the chosen scale). Latency p50 and p99,
 * requests per second and errors, against the target p99 < 100 ms with no errors.
 *
 * The clients run in a worker thread: on the server's own event loop, reading fifty clients'
 * answers would delay the server's, which real clients on other machines do not. They still
 * share the machine's cores with the server and PostgreSQL. A few seconds of the same load first,
 * not measured, open the pool's connections and load PostGIS in each.
 */
import autocannon from 'autocannon';
import { createApiToken, createUser } from '../src/access/store.ts';
import { ROLE_PERMISSIONS } from '../src/access/permissions.ts';
import { buildServer } from '../src/http/server.ts';
import type { Db } from '../src/store/db.ts';
import type { Figure } from './harness.ts';

export const LIST_ENDPOINTS = ['/api/hazards?limit=50', '/api/finds?limit=50', '/api/activities?limit=50', '/api/accidents?limit=50', '/api/minefield-records?limit=50'];

const WARMUP_SECONDS = 3;

export async function apiBenchmark(db: Db, options: { seconds?: number; connections?: number } = {}): Promise<Figure[]> {
  const seconds = options.seconds ?? 30;
  const connections = options.connections ?? 50;
  const user = await createUser(db, { username: `bench_${Date.now()}`, displayName: 'Benchmark analyst', organisationId: null, roles: ['analyst'], passwordHash: null });
  const { token } = await createApiToken(db, user.id, { name: 'benchmark', scopes: ROLE_PERMISSIONS.analyst });
  const app = await buildServer({ db });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const load = (duration: number) =>
    autocannon({
      url: `http://127.0.0.1:${port}`,
      connections,
      duration,
      workers: 1,
      headers: { authorization: `Bearer ${token}` },
      requests: LIST_ENDPOINTS.map((path) => ({ method: 'GET', path })),
    });
  try {
    await load(WARMUP_SECONDS);
    const result = await load(seconds);
    const errors = result.errors + result.timeouts + result.non2xx;
    const p99 = result.latency.p99;
    return [
      { figure: `list endpoints, ${connections} clients × ${seconds} s: latency p50`, unit: 'ms', safeground: result.latency.p50 },
      { figure: `list endpoints, ${connections} clients × ${seconds} s: latency p99`, unit: 'ms', safeground: p99, target: { text: 'p99 under 100 ms', met: p99 < 100 } },
      { figure: 'list endpoints: throughput', unit: 'req/s', safeground: result.requests.average, higherIsBetter: true },
      { figure: 'list endpoints: errors, timeouts and non-2xx answers', unit: 'answers', safeground: errors, target: { text: 'none', met: errors === 0 } },
    ];
  } finally {
    await app.close();
  }
}
