/**
 * The sync changes feed: 100,000 versions (finds, each with its point) pulled over HTTP as NDJSON
 * and parsed line by line by a client, in rows per second, against a plain COPY of the same
 * columns out of PostgreSQL (the floor: no HTTP, no JSON per line, no cursor). Memory is sampled
 * while the feed streams: it must stay flat however many rows pass.
 *
 *   npm run bench -- --only sync [--backend postgres|pglite|both]
 */
import { performance } from 'node:perf_hooks';
import postgres from 'postgres';
import { buildServer } from '../src/http/server.ts';
import type { Db } from '../src/store/db.ts';
import { createApiToken, createUser } from '../src/access/store.ts';
import { ROLE_PERMISSIONS } from '../src/access/permissions.ts';
import { LineSplitter } from '../src/sync/rules.ts';
import type { Figure } from './harness.ts';

async function seedVersions(db: Db, changes: number): Promise<void> {
  await db.query(
    `INSERT INTO record_version (entity_type, entity_id, version, valid_from, data, geom, change_reason)
     SELECT 'find', gen_random_uuid(), 1, now(),
       jsonb_build_object('externalId', 'BENCH-' || n, 'category', 'uxo', 'quantity', 1, 'depthCm', n % 40, 'condition', 'unknown',
         'foundOn', '2024-05-01', 'source', 'sync benchmark', 'activityId', NULL, 'organisationId', NULL),
       ST_SetSRID(ST_MakePoint(30 + (n % 1000) * 0.0001, 10 + (n / 1000) * 0.0001), 4326), 'new record'
     FROM generate_series(1, $1::int) AS n`,
    [changes],
  );
}

/** Pulls the whole feed as a client does: reads the stream, cuts it into lines, parses each. */
async function pull(url: string, token: string, memory: { peak: number }): Promise<{ rows: number; bytes: number }> {
  const response = await fetch(`${url}/api/sync/changes?limit=1000000`, { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok || !response.body) throw new Error(`Unexpected answer ${response.status} from the changes feed`);
  const splitter = new LineSplitter();
  let rows = 0;
  let bytes = 0;
  let ended = false;
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    bytes += chunk.length;
    for (const line of splitter.push(chunk)) {
      const parsed = JSON.parse(line) as { type: string };
      if (parsed.type === 'change') rows++;
      else if (parsed.type === 'end') ended = true;
    }
    if (rows % 5000 < 50) memory.peak = Math.max(memory.peak, process.memoryUsage().rss);
  }
  if (!ended) throw new Error(`The changes feed broke off after ${rows} changes (${bytes} bytes; ${JSON.stringify(splitter.incomplete.slice(0, 200))} left)`);
  return { rows, bytes };
}

async function copyOut(databaseUrl: string): Promise<number> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const readable = await sql
      .unsafe(
        `COPY (SELECT change_seq, entity_type, entity_id, version, valid_from, deleted, data, ST_AsGeoJSON(geom, 15), origin, report_id, change_reason
               FROM record_version ORDER BY change_seq) TO STDOUT`,
      )
      .readable();
    let lines = 0;
    for await (const chunk of readable) for (const byte of chunk as Buffer) if (byte === 10) lines++;
    return lines;
  } finally {
    await sql.end();
  }
}

export async function syncBenchmark(db: Db, options: { changes: number; databaseUrl: string | null }): Promise<Figure[]> {
  process.stderr.write(`Seeding ${options.changes} versions\n`);
  await seedVersions(db, options.changes);
  const user = await createUser(db, { username: 'bench_sync', displayName: 'Bench sync', organisationId: null, roles: ['analyst'], passwordHash: null });
  const token = (await createApiToken(db, user.id, { name: 'bench', scopes: ROLE_PERMISSIONS.analyst })).token;
  const app = await buildServer({ db });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  try {
    global.gc?.();
    const before = process.memoryUsage().rss;
    const memory = { peak: before };
    const start = performance.now();
    const pulled = await pull(url, token, memory);
    const seconds = (performance.now() - start) / 1000;
    if (pulled.rows !== options.changes) throw new Error(`The feed gave ${pulled.rows} changes, not ${options.changes}`);
    const figures: Figure[] = [];
    let copyRate: number | null = null;
    if (options.databaseUrl) {
      const copyStart = performance.now();
      const copied = await copyOut(options.databaseUrl);
      copyRate = copied / ((performance.now() - copyStart) / 1000);
      if (copied < options.changes) throw new Error(`COPY gave ${copied} rows, not ${options.changes}`);
    }
    const rate = pulled.rows / seconds;
    figures.push({
      figure: `pull ${options.changes.toLocaleString('en')} changes over HTTP (NDJSON, parsed)`,
      unit: 'rows/s',
      safeground: Math.round(rate),
      higherIsBetter: true,
      ...(copyRate ? { reference: { name: 'COPY TO STDOUT of the same rows', value: Math.round(copyRate) } } : {}),
    });
    figures.push({ figure: 'changes feed size', unit: 'bytes/row', safeground: Math.round(pulled.bytes / pulled.rows) });
    const growthMb = (memory.peak - before) / 1024 ** 2;
    figures.push({
      figure: 'memory growth while the feed streams (server and client in one process)',
      unit: 'MB',
      safeground: Math.round(growthMb),
      target: { text: 'flat: under 100 MB for any number of rows', met: growthMb < 100 },
    });
    return figures;
  } finally {
    await app.close();
  }
}
