/**
 * The API's list endpoints under load: 50 concurrent clients for 30 s (autocannon), on whatever
 * data the database holds (the harness loads the demo at the chosen scale). Latency p50 and p99,
 * requests per second and errors, against the target p99 < 100 ms with no errors; and the CPU
 * time a request costs the server, PostgreSQL and the clients, which bounds the latency on a
 * machine they share.
 *
 * The clients run in a process of their own: on the server's event loop, reading fifty clients'
 * answers would delay the server's, which real clients on other machines do not, and their CPU
 * time is told apart from the server's. They still share the machine's cores with the server and
 * PostgreSQL. A few seconds of the same load first, not measured, open the pool's connections
 * and load PostGIS in each.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import { createApiToken, createUser } from '../src/access/store.ts';
import { ROLE_PERMISSIONS } from '../src/access/permissions.ts';
import { buildServer } from '../src/http/server.ts';
import type { Db } from '../src/store/db.ts';
import type { Figure } from './harness.ts';

export const LIST_ENDPOINTS = ['/api/hazards?limit=50', '/api/finds?limit=50', '/api/activities?limit=50', '/api/accidents?limit=50', '/api/minefield-records?limit=50'];

const WARMUP_SECONDS = 3;

interface Load {
  url: string;
  token: string;
  connections: number;
  seconds: number;
}

interface LoadResult {
  latency: { p50: number; p99: number };
  requests: { average: number; total: number };
  errors: number;
  /** CPU seconds the clients' process used during the load (autocannon: sending, parsing the answers). */
  cpuSeconds: number;
}

/** The clients' process: one autocannon run, its result and CPU time as JSON on stdout. */
async function clients(load: Load): Promise<void> {
  // From here: the process's start (tsx, loading autocannon) is not the requests' cost.
  const started = process.cpuUsage();
  const result = await autocannon({
    url: load.url,
    connections: load.connections,
    duration: load.seconds,
    headers: { authorization: `Bearer ${load.token}` },
    requests: LIST_ENDPOINTS.map((path) => ({ method: 'GET', path })),
  });
  const cpu = process.cpuUsage(started);
  const out: LoadResult = {
    latency: { p50: result.latency.p50, p99: result.latency.p99 },
    requests: { average: result.requests.average, total: result.requests.total },
    errors: result.errors + result.timeouts + result.non2xx,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
  process.stdout.write(JSON.stringify(out));
}

function runClients(load: Load): Promise<LoadResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, 'clients', JSON.stringify(load)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(stdout) as LoadResult) : reject(new Error(`The load clients exited with ${code}: ${stderr}`))));
  });
}

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/** CPU seconds (user and system) of a process on this machine by /proc (Linux), or null when there is no such PostgreSQL process here. */
function postgresCpuSeconds(pid: number): number | null {
  try {
    if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'postgres') return null;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // After "pid (comm) ", utime and stime are the 12th and 13th fields (stat(5)).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** CPU seconds used so far by the backends serving this database, when PostgreSQL runs on this machine. */
async function backendsCpu(db: Db): Promise<Map<number, number> | null> {
  if (db.backend !== 'postgres') return null;
  // Client backends only: autovacuum's work on the freshly loaded tables is not the requests'.
  const rows = await db.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend'");
  const cpu = new Map<number, number>();
  for (const { pid } of rows) {
    const seconds = postgresCpuSeconds(pid);
    if (seconds !== null) cpu.set(pid, seconds);
  }
  return cpu.size > 0 ? cpu : null;
}

export async function apiBenchmark(db: Db, options: { seconds?: number; connections?: number } = {}): Promise<Figure[]> {
  const seconds = options.seconds ?? 30;
  const connections = options.connections ?? 50;
  const user = await createUser(db, { username: `bench_${Date.now()}`, displayName: 'Benchmark analyst', organisationId: null, roles: ['analyst'], passwordHash: null });
  const { token } = await createApiToken(db, user.id, { name: 'benchmark', scopes: ROLE_PERMISSIONS.analyst });
  const app = await buildServer({ db });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  try {
    await runClients({ url, token, connections, seconds: WARMUP_SECONDS });
    const backendsBefore = await backendsCpu(db);
    const serverBefore = process.cpuUsage();
    const result = await runClients({ url, token, connections, seconds });
    const server = process.cpuUsage(serverBefore);
    const backendsAfter = await backendsCpu(db);
    const requests = result.requests.total;
    const perRequestMs = (cpuSeconds: number) => (cpuSeconds * 1000) / requests;
    const serverMs = perRequestMs((server.user + server.system) / 1e6);
    // A backend that was not there before the load counts from its start; one gone by the end is not counted.
    const postgresMs = backendsAfter && backendsBefore ? perRequestMs([...backendsAfter].reduce((sum, [pid, after]) => sum + after - (backendsBefore.get(pid) ?? 0), 0)) : null;
    const cores = cpus().length;
    const errors = result.errors;
    const p99 = result.latency.p99;
    const figures: Figure[] = [
      { figure: `list endpoints, ${connections} clients × ${seconds} s: latency p50`, unit: 'ms', safeground: result.latency.p50 },
      { figure: `list endpoints, ${connections} clients × ${seconds} s: latency p99`, unit: 'ms', safeground: p99, target: { text: 'p99 under 100 ms', met: p99 < 100 } },
      { figure: 'list endpoints: throughput', unit: 'req/s', safeground: result.requests.average, higherIsBetter: true },
      { figure: 'list endpoints: errors, timeouts and non-2xx answers', unit: 'answers', safeground: errors, target: { text: 'none', met: errors === 0 } },
      { figure: `list endpoints: CPU per request, Safeground's process (the server${db.backend === 'pglite' ? ' and PGlite' : ''})`, unit: 'ms', safeground: serverMs },
    ];
    if (postgresMs !== null) figures.push({ figure: 'list endpoints: CPU per request, PostgreSQL backends', unit: 'ms', safeground: postgresMs });
    figures.push({ figure: 'list endpoints: CPU per request, the clients (autocannon, in a process of their own)', unit: 'ms', safeground: perRequestMs(result.cpuSeconds) });
    if (postgresMs !== null) {
      // What the cores could serve at this cost with the clients elsewhere; with fifty clients
      // always waiting, the mean latency is at least 50 ÷ throughput (Little's law).
      const ceiling = (cores * 1000) / (serverMs + postgresMs);
      figures.push({ figure: `list endpoints: requests/s the ${cores} cores could serve at that cost (server and PostgreSQL, the clients elsewhere)`, unit: 'req/s', safeground: ceiling, higherIsBetter: true });
    }
    return figures;
  } finally {
    await app.close();
  }
}

// The clients' process (see runClients).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href && process.argv[2] === 'clients') await clients(JSON.parse(process.argv[3]!) as Load);
