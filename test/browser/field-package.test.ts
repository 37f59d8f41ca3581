import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { closeBasemaps, openBasemaps, serveBasemaps } from '../../src/tiles/basemap/served.ts';
import type { ServedBasemap } from '../../src/tiles/basemap/style.ts';
import { protomapsFixture } from '../../src/tiles/basemap/test-fixtures.ts';
import { testBackends } from '../support/backends.ts';
import { type Harness, SCREENSHOTS, signIn, startHarness, waitForRendered } from './harness.ts';

/**
 * An area package with its settlements and its map, in Chromium: downloaded online with a
 * basemap file served (a Protomaps-schema extract made by GDAL) and the gazetteer's background;
 * offline after a reload the field page's map draws both from the package's PMTiles extracts and
 * its hazardous areas over them, a settlement is found by a name in another language, and a
 * form's drawing map takes its background from the package; a refresh downloads no map file the
 * server says is unchanged; deleting the package frees the device's storage.
 */

/** The browser's globals inside page.evaluate, typed here: the tests compile without the DOM library. */
interface InPage {
  indexedDB: {
    open(name: string): { result: IdbDatabase; onsuccess: (() => void) | null; onerror: (() => void) | null };
  };
  navigator: { storage: { estimate(): Promise<{ usage?: number }> } };
  safegroundMap?: { queryRenderedFeatures(): { source: string }[]; loaded(): boolean };
}
interface IdbDatabase {
  transaction(store: string): { objectStore(store: string): { getAll(): { result: StoredPackage[]; onsuccess: (() => void) | null } } };
  close(): void;
}
interface StoredPackage {
  name: string;
  settlements?: unknown[];
  basemap?: { extracts: Record<string, { etag: string; bytes: { size: number } }>; glyphs: Record<string, { etag: string }> };
}

/** The packages in the device's IndexedDB, with their map files' ETags and sizes (Blobs cannot leave the page). */
function storedPackages(page: Page): Promise<{ name: string; settlements: number; extracts: Record<string, { etag: string; size: number }>; glyphs: string[] }[]> {
  return page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const request = (globalThis as unknown as InPage).indexedDB.open('safeground-field');
        request.onerror = () => reject(new Error('IndexedDB did not open'));
        request.onsuccess = () => {
          const all = request.result.transaction('packages').objectStore('packages').getAll();
          all.onsuccess = () => {
            request.result.close();
            resolve(
              all.result.map((p) => ({
                name: p.name,
                settlements: p.settlements?.length ?? 0,
                extracts: Object.fromEntries(Object.entries(p.basemap?.extracts ?? {}).map(([id, file]) => [id, { etag: file.etag, size: file.bytes.size }])),
                glyphs: Object.keys(p.basemap?.glyphs ?? {}),
              })),
            );
          };
        };
      }),
  );
}

const usage = (page: Page) => page.evaluate(async () => (await (globalThis as unknown as InPage).navigator.storage.estimate()).usage ?? 0);

/** Sources of the features the map draws. */
function drawnSources(page: Page): Promise<string[]> {
  return page.evaluate(() => [...new Set((globalThis as unknown as InPage).safegroundMap?.queryRenderedFeatures().map((f) => f.source) ?? [])].sort());
}

let dir: string | null = null;
/** The basemap file, made once for every backend: GDAL's Protomaps-schema MBTiles around the demo, cut to it. */
function basemapFile(): string {
  dir ??= mkdtempSync(join(tmpdir(), 'safeground-browser-package-'));
  return protomapsFixture(dir, 12, [-76.2, 6.4, -74.8, 7.6]);
}
after(() => dir && rmSync(dir, { recursive: true, force: true }));

for (const backend of testBackends()) {
  describe(`an area package with settlements and a map, offline in Chromium on ${backend.name}`, () => {
    let h: Harness;
    let basemaps: ServedBasemap[];
    let context: BrowserContext;
    let page: Page;
    let bbox: number[];
    let hazards: string[];
    /** A settlement of the area and a name of it in a language other than the one displayed. */
    let place: { id: string; name: string; other: string };
    const name = 'Around the village';

    before(async () => {
      h = await startHarness(backend, [{ username: 'field.user', role: 'field_user', organisation: 'first' }]);
      basemaps = await openBasemaps([basemapFile()]);
      serveBasemaps(h.app, basemaps);
      // A small area (0.3° square) around the settlement nearest the middle of the demo's hazards.
      const [centre] = await h.db.query<{ id: string; lon: number; lat: number }>(
        `SELECT s.id, ST_X(s.geom) AS lon, ST_Y(s.geom) AS lat FROM settlement s
         ORDER BY s.geom <-> (SELECT ST_SetSRID(ST_Centroid(ST_Extent(geom)::geometry), 4326) FROM hazard) LIMIT 1`,
      );
      bbox = [centre!.lon - 0.15, centre!.lat - 0.15, centre!.lon + 0.15, centre!.lat + 0.15].map((v) => Math.round(v * 1e6) / 1e6);
      hazards = (await h.db.query<{ reference: string }>('SELECT reference FROM hazard WHERE geom && ST_MakeEnvelope($1, $2, $3, $4, 4326) ORDER BY reference', bbox)).map((r) => r.reference);
      assert.ok(hazards.length > 0, 'the area holds hazards');
      await h.db.query("INSERT INTO place_name (settlement_id, name, language, kind, source) VALUES ($1, 'Ծառաձոր', 'hy', 'local', 'test')", [centre!.id]);
      const [names] = await h.db.query<{ name: string }>(
        "SELECT pn.name FROM place_name pn WHERE pn.settlement_id = $1 AND pn.language = 'en' ORDER BY pn.kind <> 'official', pn.name LIMIT 1",
        [centre!.id],
      );
      place = { id: centre!.id, name: names!.name, other: 'Ծառաձոր' };
      context = await h.newContext();
      page = await context.newPage();
      page.on('dialog', (dialog) => void dialog.accept());
    });
    after(async () => {
      await h?.close();
      if (basemaps) await closeBasemaps(basemaps);
    });

    test('downloads the package with its settlements and map; offline after a reload the map draws from the package', async () => {
      await signIn(page, 'field.user');
      await page.goto('/#/field');
      await page.getByLabel('Package name').fill(name);
      for (const [index, label] of ['West (longitude)', 'South (latitude)', 'East (longitude)', 'North (latitude)'].entries()) await page.getByLabel(label).fill(String(bbox[index]));
      await page.getByRole('button', { name: 'Download', exact: true }).click();
      const article = page.getByRole('article', { name });
      await article.waitFor({ timeout: 60_000 }).catch(async (error: unknown) => {
        throw new Error(`${String(error)}\nThe page said:\n${await page.locator('main').innerText()}`);
      });
      await article.getByText(/^Size on this device: [\d.,]+ [kM]B, of which the map [\d.,]+ [kM]B$/).waitFor();

      const [stored] = await storedPackages(page);
      const [settlements] = await h.db.query<{ count: number }>('SELECT count(*)::int AS count FROM settlement WHERE geom && ST_MakeEnvelope($1, $2, $3, $4, 4326)', bbox);
      assert.equal(stored!.settlements, settlements!.count, 'every settlement of the area');
      assert.deepEqual(Object.keys(stored!.extracts).sort(), ['basemap-protomaps', 'gazetteer'], 'an extract of the basemap file and of the gazetteer');
      assert.ok(Object.values(stored!.extracts).every((file) => file.size > 0 && file.etag.length > 0));
      assert.equal(stored!.glyphs.length, 6, 'the glyphs of the labels');

      await context.setOffline(true);
      await page.setViewportSize({ width: 360, height: 740 });
      await page.reload();
      await page.getByRole('heading', { name: 'Field work' }).waitFor({ timeout: 30_000 });
      await page.getByRole('heading', { name: `${name} on the map` }).waitFor();
      const drawn = await waitForRendered(page, ['package-hazards-fill']);
      assert.ok(drawn.every((p) => hazards.includes(String(p.reference))), 'only hazards of the package');
      // Labels need glyphs: a settlement label drawn offline came with its glyphs from the package.
      await waitForRendered(page, ['gazetteer-labels-settlement']);
      const sources = await drawnSources(page);
      assert.ok(sources.includes('basemap-protomaps') && sources.includes('gazetteer'), `the basemap file's extract and the gazetteer's are drawn: ${sources.join(', ')}`);
      assert.match((await page.locator('.package-map .maplibregl-ctrl-attrib-inner').textContent()) ?? '', /Natural Earth; gazetteer of this instance/, 'the extracts\' attribution is shown');

      await page.getByRole('region', { name: `Map of the package ${name}: its area, hazardous areas and settlements` }).screenshot({ path: join(SCREENSHOTS, 'field-package-map-360.png') });

      const finder = page.getByLabel(/^Find a settlement of the package/);
      await finder.fill(place.other.slice(0, 4));
      await page.getByRole('button', { name: `${place.name} (${place.other}, hy)` }).click();
      await waitForRendered(page, ['package-place'], (p) => p.id === place.id);
      const overflow = await page.evaluate(() => {
        const main = (globalThis as unknown as { document: { querySelector(s: string): { scrollWidth: number; clientWidth: number } | null } }).document.querySelector('main');
        return main ? main.scrollWidth - main.clientWidth : -1;
      });
      assert.equal(overflow, 0, 'the field page with the map fits 360 px');
      await page.screenshot({ path: join(SCREENSHOTS, 'field-package-360.png'), fullPage: true });
    });

    test('offline, a form\'s drawing map takes its background and hazards from the package', async () => {
      await page.goto('/#/reports/new/finds');
      await page.getByRole('button', { name: 'Draw on a map' }).click();
      await page.getByText(`No connection: the map and its hazardous areas come from the package ${name} on this device.`).waitFor();
      await page.getByLabel(/^Find a settlement of the package/).fill(place.name);
      await page.getByRole('button', { name: place.name, exact: true }).waitFor();
    });

    test('offline, a risk education session is placed at a settlement of the package, found by another of its names', async () => {
      await page.goto('/#/reports/new/riskEducation');
      await page.getByLabel('Settlement (any of its names)').fill(place.other);
      await page.getByRole('button', { name: 'Find the settlement' }).click();
      await page.getByRole('button', { name: place.name, exact: true }).click();
      await page.getByText(`Settlement: ${place.name}`).waitFor();
    });

    test('a refresh downloads no map file the server says is unchanged', async () => {
      await context.setOffline(false);
      await page.goto('/#/field');
      const before = await storedPackages(page);
      const answers: number[] = [];
      const listen = (response: { url(): string; status(): number }) => {
        if (/\/tiles\/(basemap\/[^/]+\/extract\.pmtiles|fonts\/)/.test(response.url())) answers.push(response.status());
      };
      page.on('response', listen);
      const article = page.getByRole('article', { name });
      await article.getByRole('button', { name: 'Refresh' }).click();
      await article.getByRole('button', { name: 'Refresh' }).and(page.locator(':enabled')).waitFor();
      page.off('response', listen);
      assert.deepEqual(answers, Array(answers.length).fill(304), `every map file unchanged: ${answers.join(', ')}`);
      assert.equal(answers.length, 8, 'two extracts and six glyph ranges asked for');
      assert.deepEqual(await storedPackages(page), before, 'the same files kept');
    });

    test('deleting the package frees the storage its map took', async () => {
      const [stored] = await storedPackages(page);
      const mapBytes = Object.values(stored!.extracts).reduce((sum, file) => sum + file.size, 0);
      const held = await usage(page);
      await page.getByRole('article', { name }).getByRole('button', { name: 'Delete' }).click();
      await page.getByText('No package on this device yet.').waitFor();
      assert.deepEqual(await storedPackages(page), []);
      // The browser frees a Blob's storage once no page holds it; a reload lets go of the page's.
      await page.reload();
      await page.getByText('No package on this device yet.').waitFor();
      const deadline = Date.now() + 20_000;
      let left = await usage(page);
      while (held - left < mapBytes && Date.now() < deadline) {
        await page.waitForTimeout(250);
        left = await usage(page);
      }
      assert.ok(held - left >= mapBytes, `the usage fell by ${held - left} bytes, the map's files were ${mapBytes}`);
      assert.deepEqual(h.cspViolations, [], 'the package:// protocol and the pmtiles chunk stay within the Content Security Policy');
    });
  });
}
