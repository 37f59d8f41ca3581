/**
 * The field app at region scale, in Debian's Chromium: what the device downloads once (the app
 * shell the service worker precaches), an area package of the whole region (every hazard,
 * activity, minefield record and release product, read from the changes feed, which carries the
 * finds too), and how long a form takes to open with the network off. No reference: these are the figures a programme
 * weighs against its phones and its links.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { hashPassword } from '../src/access/passwords.ts';
import { createUser } from '../src/access/store.ts';
import { buildServer } from '../src/http/server.ts';
import type { Db } from '../src/store/db.ts';
import { type Figure, sampleOf, timedFigure } from './harness.ts';

const dist = fileURLToPath(new URL('../web/dist/', import.meta.url));
const PASSWORD = 'benchmark field password';

/** The files the service worker precaches, as its manifest in sw.js lists them. */
function appShell(): { files: number; bytes: number; gzipBytes: number } {
  const sw = readFileSync(join(dist, 'sw.js'), 'utf8');
  const urls = new Set([...sw.matchAll(/url:"([^"]+)"/g)].map((m) => m[1]!));
  let bytes = 0;
  let gzipBytes = 0;
  for (const url of [...urls, 'sw.js']) {
    const path = join(dist, url);
    bytes += statSync(path).size;
    gzipBytes += gzipSync(readFileSync(path)).length;
  }
  return { files: urls.size, bytes, gzipBytes };
}

/**
 * The demo versions only its hazards; a register that grew through the workflow has a version of
 * every record, and the feed carries them all. Version 1 of each record that has none.
 */
async function versionEverything(db: Db): Promise<void> {
  for (const [entity, table, geometry] of [['activity', 'activity', 'geom'], ['release_product', 'release_product', 'geom'], ['minefield_record', 'minefield_record', 'perimeter'], ['find', 'find', 'geom']] as const) {
    await db.query(
      `INSERT INTO record_version (entity_type, entity_id, version, valid_from, data, geom)
       SELECT $1, t.id, 1, t.created_at, to_jsonb(t) - '${geometry}', t.${geometry} FROM ${table} t
       WHERE NOT EXISTS (SELECT 1 FROM record_version v WHERE v.entity_type = $1 AND v.entity_id = t.id)`,
      [entity],
    );
  }
}

export async function fieldBenchmark(db: Db, options: { formRuns?: number } = {}): Promise<Figure[]> {
  await versionEverything(db);
  execFileSync(process.execPath, [fileURLToPath(new URL('../web/ensure-build.mjs', import.meta.url))], { stdio: 'inherit' });
  const shell = appShell();
  const username = `bench_field_${Date.now()}`;
  const [organisation] = await db.query<{ id: string }>('SELECT id FROM organisation ORDER BY name LIMIT 1');
  await createUser(db, { username, displayName: 'Benchmark field user', organisationId: organisation!.id, roles: ['field_user'], passwordHash: await hashPassword(PASSWORD) });
  const [extent] = await db.query<{ w: number; s: number; e: number; n: number; hazards: number; finds: number }>(
    `SELECT ST_XMin(x) AS w, ST_YMin(x) AS s, ST_XMax(x) AS e, ST_YMax(x) AS n, (SELECT count(*)::int FROM hazard) AS hazards, (SELECT count(*)::int FROM find) AS finds
     FROM (SELECT ST_Extent(geom)::geometry AS x FROM hazard) t`,
  );
  const { w, s, e, n } = extent!;
  const bbox = [w - 0.01, s - 0.01, e + 0.01, n + 0.01].map((v) => Math.round(v * 1e6) / 1e6);

  const app = await buildServer({ db });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const baseURL = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  try {
    const context = await browser.newContext({ baseURL, locale: 'en-GB', viewport: { width: 360, height: 740 } });
    const page = await context.newPage();
    await page.goto('/#/login');
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/#\/map$/);
    await page.waitForFunction(() => (globalThis as unknown as { navigator: { serviceWorker: { controller: object | null } } }).navigator.serviceWorker.controller !== null, null, { timeout: 60_000 });

    await page.goto('/#/field');
    await page.getByLabel('Package name').fill('The whole region');
    for (const [index, label] of ['West (longitude)', 'South (latitude)', 'East (longitude)', 'North (latitude)'].entries()) await page.getByLabel(label).fill(String(bbox[index]));
    const started = performance.now();
    await page.getByRole('button', { name: 'Download', exact: true }).click();
    await page.getByRole('article', { name: 'The whole region' }).waitFor({ timeout: 600_000 });
    const downloadMs = performance.now() - started;
    // The browser's own count of what the feed's responses carried.
    const feed = await page.evaluate(() =>
      (globalThis as unknown as { performance: { getEntriesByType(type: string): { name: string; decodedBodySize: number }[] } }).performance
        .getEntriesByType('resource')
        .filter((entry) => entry.name.includes('/api/sync/changes'))
        .reduce((sum, entry) => ({ requests: sum.requests + 1, bytes: sum.bytes + entry.decodedBodySize }), { requests: 0, bytes: 0 }),
    );
    const stored = await page.evaluate(async () => {
      const g = globalThis as unknown as { indexedDB: { open(name: string): { result: { transaction(s: string): { objectStore(s: string): { getAll(): { result: { records: unknown[] }[]; onsuccess: (() => void) | null } } }; close(): void }; onsuccess: (() => void) | null } } };
      const request = g.indexedDB.open('safeground-field');
      const db = await new Promise<typeof request.result>((resolve) => (request.onsuccess = () => resolve(request.result)));
      const all = db.transaction('packages').objectStore('packages').getAll();
      const packages = await new Promise<{ records: unknown[] }[]>((resolve) => (all.onsuccess = () => resolve(all.result)));
      db.close();
      return { records: packages[0]?.records.length ?? 0, bytes: JSON.stringify(packages[0] ?? null).length };
    });

    await context.setOffline(true);
    const formMs: number[] = [];
    for (let run = 0; run < (options.formRuns ?? 5); run++) {
      await page.goto('/#/field');
      await page.getByRole('status').getByText(/^Offline/).waitFor();
      const start = performance.now();
      await page.goto('/#/reports/new/finds');
      await page.getByRole('heading', { name: 'Report explosive ordnance finds' }).waitFor();
      formMs.push(performance.now() - start);
    }
    await context.close();
    const area = `${extent!.hazards.toLocaleString('en')} hazards, ${extent!.finds.toLocaleString('en')} finds`;
    return [
      { figure: `app shell precached by the service worker (${shell.files} files)`, unit: 'KB', safeground: Math.round(shell.bytes / 1024) },
      { figure: 'app shell, gzip-compressed', unit: 'KB', safeground: Math.round(shell.gzipBytes / 1024) },
      { figure: `area package of the whole region (${area}): download and store, 360 × 740 page`, unit: 'ms', safeground: downloadMs },
      { figure: `area package: changes feed read in ${feed.requests} request(s) (the finds too, which the device does not keep)`, unit: 'KB', safeground: Math.round(feed.bytes / 1024) },
      { figure: `area package on the device (${stored.records.toLocaleString('en')} records, JSON)`, unit: 'KB', safeground: Math.round(stored.bytes / 1024) },
      timedFigure('finds form opened with the network off (from the field page)', sampleOf(formMs)),
    ];
  } finally {
    await browser.close();
    await app.close();
  }
}
