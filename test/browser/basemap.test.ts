import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { closeBasemaps, openBasemaps, serveBasemaps } from '../../src/tiles/basemap/served.ts';
import type { ServedBasemap } from '../../src/tiles/basemap/style.ts';
import { openBasemap } from '../../src/tiles/basemap/archive.ts';
import { extractBasemap } from '../../src/tiles/basemap/extract.ts';
import { openMapTilesFixture, protomapsFixture, VILLAGES } from '../../src/tiles/basemap/test-fixtures.ts';
import { testBackends } from '../support/backends.ts';
import { fitMap, type Harness, SCREENSHOTS, signIn, startHarness, waitForRendered } from './harness.ts';

/** What these tests read of the map on `window` (MapPage exposes it as `safegroundMap`). */
interface MapView {
  getZoom(): number;
  getCenter(): { lng: number; lat: number };
  getBounds(): { getWest(): number; getSouth(): number; getEast(): number; getNorth(): number };
  getStyle(): { layers: { id: string }[] };
  getLayoutProperty(layer: string, name: string): unknown;
}

function view(page: Page): Promise<{ zoom: number; center: [number, number]; bounds: [number, number, number, number]; layers: string[] }> {
  return page.evaluate(() => {
    const map = (globalThis as unknown as { safegroundMap: MapView }).safegroundMap;
    const b = map.getBounds();
    const c = map.getCenter();
    return { zoom: map.getZoom(), center: [c.lng, c.lat], bounds: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()], layers: map.getStyle().layers.map((l) => l.id) };
  });
}

function textField(page: Page, layer: string): Promise<string> {
  return page.evaluate((id) => JSON.stringify((globalThis as unknown as { safegroundMap: MapView }).safegroundMap.getLayoutProperty(id, 'text-field')), layer);
}

/** Waits until the map is at rest (loaded, not moving), so that its view was saved. */
async function settle(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const map = (globalThis as unknown as { safegroundMap?: { isMoving(): boolean; loaded(): boolean } }).safegroundMap;
    return map !== undefined && !map.isMoving() && map.loaded();
  });
  await page.waitForTimeout(300);
}

/** Waits for the map of a page just mounted (a language change mounts it again) to label in `lang`. */
async function labelledIn(page: Page, lang: string): Promise<void> {
  await page.waitForFunction((language) => {
    const map = (globalThis as unknown as { safegroundMap?: MapView & { loaded(): boolean } }).safegroundMap;
    return map !== undefined && map.loaded() && JSON.stringify(map.getLayoutProperty('basemap-omt-places', 'text-field')).includes(`"name:${language}"`);
  }, lang);
}

/**
 * The national map over a basemap file (an OpenMapTiles-schema MBTiles made by GDAL) and the
 * gazetteer's background, offline: labels in Armenian and Russian from the server's own glyphs,
 * cluster counts, the view opening at the data and kept per user, and place search zooming.
 */
for (const backend of testBackends()) {
  describe(`the map over basemaps in Chromium on ${backend.name}`, () => {
    let h: Harness;
    let dir: string;
    let basemaps: ServedBasemap[];
    let context: BrowserContext;
    /** Requests the page made to any address other than the server's. */
    const offsite: string[] = [];
    /** Glyph ranges asked for, with their answers. */
    const glyphs = new Map<string, number>();
    let settlementId: string;

    before(async () => {
      h = await startHarness(backend, [
        { username: 'analyst.one', role: 'analyst', organisation: null },
        { username: 'analyst.two', role: 'analyst', organisation: null },
      ]);
      dir = mkdtempSync(join(tmpdir(), 'safeground-browser-basemap-'));
      basemaps = await openBasemaps([openMapTilesFixture(dir, 12)]);
      serveBasemaps(h.app, basemaps);
      const [settlement] = await h.db.query<{ id: string }>(
        'SELECT s.id FROM settlement s ORDER BY ST_Distance(s.geom, ST_SetSRID(ST_MakePoint($1, $2), 4326)) LIMIT 1',
        [VILLAGES[0].at[0], VILLAGES[0].at[1]],
      );
      settlementId = settlement!.id;
      await h.db.query(
        "INSERT INTO place_name (settlement_id, name, language, kind, source) VALUES ($1, 'Նոր Գյուղ', 'hy', 'official', 'test'), ($1, 'Новое Село', 'ru', 'official', 'test')",
        [settlementId],
      );
      context = await h.newContext();
      context.on('request', (request) => {
        if (!request.url().startsWith(h.baseUrl) && !request.url().startsWith('blob:') && !request.url().startsWith('data:')) offsite.push(request.url());
      });
      context.on('response', (response) => {
        const match = /\/tiles\/fonts\/[^/]+\/(\d+-\d+)\.pbf$/.exec(response.url());
        if (match) glyphs.set(match[1]!, response.status());
      });
    });
    after(async () => {
      await h?.close();
      if (basemaps) await closeBasemaps(basemaps);
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    test('the map opens at the data, the basemap under the register, cluster counts drawn', async () => {
      const page = await context.newPage();
      await signIn(page, 'analyst.one');
      await waitForRendered(page, ['hazards-fill']);
      const opened = await view(page);
      const [west, south, east, north] = opened.bounds;
      const [data] = await h.db.query<{ west: number; south: number; east: number; north: number }>(
        `SELECT ST_XMin(e) AS west, ST_YMin(e) AS south, ST_XMax(e) AS east, ST_YMax(e) AS north
         FROM (SELECT ST_Extent(g) AS e FROM (SELECT geom AS g FROM hazard UNION ALL SELECT geom FROM find UNION ALL SELECT geom FROM accident) d) x`,
      );
      assert.ok(west <= data!.west && east >= data!.east && south <= data!.south && north >= data!.north, `the view ${opened.bounds.join(', ')} holds the data ${Object.values(data!).join(', ')}`);
      assert.ok(east - west < 5 && opened.zoom >= 6, `and not much more: zoom ${opened.zoom}`);

      const counts = await waitForRendered(page, ['finds-cluster-counts']);
      assert.ok(counts.some((p) => Number(p.count) > 1), 'cluster counts are drawn');
      await waitForRendered(page, ['basemap-omt-roads']);
      const order = opened.layers;
      assert.ok(order.indexOf('basemap-omt-roads') < order.indexOf('gazetteer-admin-areas') && order.indexOf('gazetteer-labels-settlement') < order.indexOf('hazards-fill'), 'basemap, then gazetteer, then the register');
      assert.ok(!order.includes('gazetteer-land'), 'a vector basemap draws the land itself');
      assert.equal(await page.locator('.map-main [role="alert"]').count(), 0, 'no map error shown');
      await page.waitForTimeout(500);
      await page.screenshot({ path: join(SCREENSHOTS, 'map-basemap.png') });
      await page.close();
    });

    test('labels are in Armenian, then in Russian, from the server\'s glyphs, with nothing fetched from elsewhere', async () => {
      const page = await context.newPage();
      await page.goto('/#/map');
      await labelledIn(page, 'en');
      await page.locator('header select').first().selectOption('hy');
      await labelledIn(page, 'hy');
      await fitMap(page, [VILLAGES[0].at[0] - 0.08, VILLAGES[0].at[1] - 0.06, VILLAGES[0].at[0] + 0.08, VILLAGES[0].at[1] + 0.06]);
      assert.match(await textField(page, 'basemap-omt-places'), /"name:hy"/);
      assert.match(await textField(page, 'gazetteer-labels-settlement'), /"name:hy"/);
      const armenian = await waitForRendered(page, ['basemap-omt-places'], (p) => p['name:hy'] === 'Ռիվերբենդ');
      assert.equal(armenian.length > 0, true);
      await waitForRendered(page, ['gazetteer-labels-settlement'], (p) => p.id === settlementId && p['name:hy'] === 'Նոր Գյուղ');
      await page.waitForTimeout(500);
      await page.screenshot({ path: join(SCREENSHOTS, 'map-basemap-hy.png') });
      assert.equal(glyphs.get('1280-1535'), 200, 'the Armenian glyphs came from Safeground');

      await page.locator('header select').first().selectOption('ru');
      await labelledIn(page, 'ru');
      await waitForRendered(page, ['basemap-omt-places'], (p) => p['name:ru'] === 'Ривербенд');
      await waitForRendered(page, ['gazetteer-labels-settlement'], (p) => p.id === settlementId && p['name:ru'] === 'Новое Село');
      assert.equal(glyphs.get('1024-1279'), 200, 'the Cyrillic glyphs came from Safeground');
      await page.waitForTimeout(500);
      await page.screenshot({ path: join(SCREENSHOTS, 'map-basemap-ru.png') });
      assert.deepEqual(offsite, [], 'the map fetched nothing from outside the server');
      await page.locator('header select').first().selectOption('en');
      await page.close();
    });

    test('the map opens where each user left it; place search zooms to what it finds', async () => {
      const page = await context.newPage();
      await page.goto('/#/map');
      await settle(page);
      const spot: [number, number, number, number] = [-75.3, 6.9, -75.25, 6.95];
      await fitMap(page, spot);
      await settle(page);
      const left = await view(page);
      await page.reload();
      await settle(page);
      const back = await view(page);
      assert.ok(Math.abs(back.center[0] - left.center[0]) < 1e-6 && Math.abs(back.center[1] - left.center[1]) < 1e-6 && Math.abs(back.zoom - left.zoom) < 1e-6, `reopened at ${back.center.join(', ')} z${back.zoom}, left at ${left.center.join(', ')} z${left.zoom}`);

      await page.getByRole('button', { name: 'Sign out' }).click();
      await signIn(page, 'analyst.two');
      await settle(page);
      const other = await view(page);
      assert.ok(other.zoom < left.zoom - 2, `another user starts at the data (z${other.zoom}), not where the first left the map (z${left.zoom})`);

      await page.getByLabel('Find a place (any of its names)').fill('Новое Село');
      await page.getByRole('button', { name: 'Find', exact: true }).click();
      await page.getByRole('list', { name: 'Places found' }).waitFor();
      await settle(page);
      const found = await view(page);
      const [settlement] = await h.db.query<{ lon: number; lat: number }>('SELECT ST_X(geom) AS lon, ST_Y(geom) AS lat FROM settlement WHERE id = $1', [settlementId]);
      assert.ok(found.zoom > other.zoom + 2, `zoomed in to the place found (z${found.zoom})`);
      assert.ok(Math.abs(found.center[0] - settlement!.lon) < 0.01 && Math.abs(found.center[1] - settlement!.lat) < 0.01, `centred on it: ${found.center.join(', ')}`);
      await page.close();
    });

    test('a Protomaps PMTiles extract is drawn with the Protomaps basemap layers, labelled in Russian', async () => {
      const mbtiles = await openBasemap(protomapsFixture(dir, 12, [-77, 5.5, -74, 8.5]));
      const pmtiles = join(dir, 'national.pmtiles');
      await extractBasemap(mbtiles, pmtiles, { area: { bbox: [-76.5, 6, -74.3, 8], label: 'the demo region' }, maxzoom: 12 });
      await mbtiles.close();
      const protomaps = await openBasemaps([pmtiles]);
      serveBasemaps(h.app, protomaps);
      try {
        const page = await context.newPage();
        await page.goto('/#/map');
        await page.locator('header select').first().selectOption('ru');
        await page.waitForFunction(() => {
          const map = (globalThis as unknown as { safegroundMap?: MapView & { loaded(): boolean; getLayer(id: string): unknown } }).safegroundMap;
          return map !== undefined && map.loaded() && map.getLayer('basemap-national-places_locality') !== undefined;
        });
        assert.match(await textField(page, 'basemap-national-places_locality'), /"name:ru"/);
        await fitMap(page, [VILLAGES[0].at[0] - 0.08, VILLAGES[0].at[1] - 0.06, VILLAGES[0].at[0] + 0.08, VILLAGES[0].at[1] + 0.06]);
        await waitForRendered(page, ['basemap-national-places_locality'], (p) => p['name:ru'] === 'Ривербенд');
        await waitForRendered(page, ['basemap-national-roads_major', 'basemap-national-roads_minor']);
        await waitForRendered(page, ['basemap-national-earth']);
        assert.equal(await page.locator('.map-main [role="alert"]').count(), 0, 'no map error shown');
        await page.waitForTimeout(500);
        await page.screenshot({ path: join(SCREENSHOTS, 'map-basemap-protomaps-ru.png') });
        await page.locator('header select').first().selectOption('en');
        await page.close();
      } finally {
        serveBasemaps(h.app, basemaps);
        await closeBasemaps(protomaps);
      }
    });

    test('the map over basemaps passes the Content Security Policy: no violation reported', () => {
      assert.deepEqual(h.cspViolations, []);
    });
  });
}
