/**
 * A full download for desktop GIS: every find of the demo (100,000 at region scale) to a
 * GeoPackage with GDAL's ogr2ogr, through the OGC API (OAPIF driver, pages of 10,000, HTTP Basic
 * with an API token) against the same rows read straight from the database with ogr2ogr's
 * PostgreSQL driver (the gis.finds view: the same joins and columns). On PostgreSQL the reference
 * reads PostgreSQL itself; on the embedded store it reads through the store's GIS socket, which is
 * itself the other road for GIS users there. Target: the OGC API within 2× of the reference.
 *
 * Also the server's share (the same pages fetched over HTTP and dropped, without GDAL), the
 * same features read by ogr2ogr from a local GeoJSON file (what GDAL's GeoJSON reading costs with
 * no server at all, the floor of any download through pages), and the collection's `enclosure`
 * link: the whole collection as one GeoPackage, the full download that skips JSON altogether.
 */
import { execFile } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { createApiToken, createUser } from '../src/access/store.ts';
import { ROLE_PERMISSIONS } from '../src/access/permissions.ts';
import { buildServer } from '../src/http/server.ts';
import { startGisSocket } from '../src/ogc/gis.ts';
import type { Db } from '../src/store/db.ts';
import type { PgliteDb } from '../src/store/pglite.ts';
import { type Figure, sampleMs, timedFigure } from './harness.ts';

const run = promisify(execFile);

/** Runs a GDAL command (not synchronously: the server it reads runs in this process). */
async function gdal(command: string, args: string[]): Promise<string> {
  return (await run(command, args, { maxBuffer: 64 * 1024 * 1024 })).stdout;
}

async function featureCount(file: string, layer: string): Promise<number> {
  const match = /Feature Count: (\d+)/.exec(await gdal('ogrinfo', ['-ro', '-so', file, layer]));
  if (!match) throw new Error(`No feature count for ${layer} in ${file}`);
  return Number(match[1]);
}

export async function ogcBenchmark(db: Db, options: { postgresUrl: string | null }): Promise<Figure[]> {
  const [{ n: finds } = { n: 0 }] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM find');
  const username = `bench_gis_${Date.now()}`;
  const user = await createUser(db, { username, displayName: 'Benchmark GIS user', organisationId: null, roles: ['analyst'], passwordHash: null });
  const { token } = await createApiToken(db, user.id, { name: 'benchmark', scopes: ROLE_PERMISSIONS.analyst });
  const app = await buildServer({ db });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/ogc`;
  const work = mkdtempSync(join(tmpdir(), 'safeground-bench-ogc-'));
  const socket = options.postgresUrl ? null : await startGisSocket(db as PgliteDb, { port: 0, host: '127.0.0.1', dataDir: work, unitSeconds: 600 });
  const url = options.postgresUrl ? new URL(options.postgresUrl) : null;
  // Keywords, not a URL: GDAL 3.6 appends application_name to a URL's database name.
  const pg = url
    ? `PG:host=${url.hostname} port=${url.port || 5432} dbname=${url.pathname.slice(1)} user=${decodeURIComponent(url.username)}${url.password ? ` password=${decodeURIComponent(url.password)}` : ''}`
    : `PG:host=127.0.0.1 port=${socket!.port} dbname=safeground user=${username} password=${token}`;
  try {
    const out = join(work, 'finds.gpkg');
    const download = (args: string[], layer: string) => async () => {
      rmSync(out, { force: true });
      await gdal('ogr2ogr', ['-f', 'GPKG', out, ...args]);
      const got = await featureCount(out, layer);
      if (got !== finds) throw new Error(`${layer}: ${got} features written, the database has ${finds}`);
    };
    const oapif = download([`OAPIF:${base}`, 'finds', '-oo', 'PAGE_SIZE=10000', '--config', 'GDAL_HTTP_USERPWD', `${username}:${token}`, '--config', 'GDAL_HTTP_AUTH', 'BASIC'], 'finds');
    const direct = download([pg, 'gis.finds', '-nln', 'finds'], 'finds');
    const pages: string[] = [];
    const serverOnly = async () => {
      pages.length = 0;
      let url: string | undefined = `${base}/collections/finds/items?limit=10000`;
      const authorization = `Basic ${Buffer.from(`${username}:${token}`).toString('base64')}`;
      while (url) {
        const response: Response = await fetch(url, { headers: { authorization } });
        const text = await response.text();
        pages.push(text);
        // Only the page's end is parsed (its links); the features are not this figure's work.
        const links = JSON.parse(`{${text.slice(text.lastIndexOf('"links":'))}`) as { links: { rel: string; href: string }[] };
        url = links.links.find((l) => l.rel === 'next')?.href;
      }
    };
    const enclosure = async () => {
      rmSync(out, { force: true });
      const authorization = `Basic ${Buffer.from(`${username}:${token}`).toString('base64')}`;
      const collection = (await (await fetch(`${base}/collections/finds`, { headers: { authorization } })).json()) as { links: { rel: string; href: string }[] };
      const href = collection.links.find((l) => l.rel === 'enclosure')?.href;
      if (!href) throw new Error('The finds collection has no enclosure link');
      const response = await fetch(href, { headers: { authorization } });
      if (!response.ok || !response.body) throw new Error(`${href}: ${response.status}`);
      await pipeline(Readable.fromWeb(response.body), createWriteStream(out));
      const got = await featureCount(out, 'finds');
      if (got !== finds) throw new Error(`enclosure: ${got} features, the database has ${finds}`);
    };
    const file = join(work, 'finds.geojson');
    const fromFile = download([file, '-nln', 'finds'], 'finds');
    const reference = options.postgresUrl ? 'ogr2ogr PG: gis.finds → GPKG' : 'ogr2ogr PG: gis.finds through the GIS socket → GPKG';
    const started = performance.now();
    const ogc = await sampleMs(oapif);
    const directRuns = await sampleMs(direct);
    const server = await sampleMs(serverOnly);
    const enclosureRuns = await sampleMs(enclosure);
    const features = pages.map((page) => page.slice(page.indexOf('"features":[') + 12, page.lastIndexOf('],"numberReturned"'))).join(',');
    writeFileSync(file, `{"type":"FeatureCollection","features":[${features}]}`);
    const fileRuns = await sampleMs(fromFile);
    process.stderr.write(`ogc benchmark took ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
    const label = `${finds.toLocaleString('en')} finds`;
    const database = { name: reference, sample: directRuns };
    const within2 = (sample: { median: number }) => ({ text: 'within 2× of ogr2ogr reading the database', met: sample.median <= 2 * directRuns.median });
    return [
      { ...timedFigure(`full download, ${label}: ogr2ogr OAPIF → GPKG (pages of 10,000)`, ogc, database), target: within2(ogc) },
      { ...timedFigure(`full download, ${label}: the collection's enclosure link (one GeoPackage, streamed to a file)`, enclosureRuns, database), target: within2(enclosureRuns) },
      timedFigure(`full download, ${label}: the server's share (every page over HTTP, read and dropped)`, server, { name: 'the whole OAPIF download', sample: ogc }),
      timedFigure(`full download, ${label}: ogr2ogr OAPIF → GPKG against the same GeoJSON read from a local file`, ogc, { name: 'ogr2ogr GeoJSON file → GPKG', sample: fileRuns }),
    ];
  } finally {
    await socket?.close();
    await app.close();
    rmSync(work, { recursive: true, force: true });
  }
}
