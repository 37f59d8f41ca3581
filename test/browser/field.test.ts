import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page, type Route } from 'playwright-core';
import { mulberry32 } from '../../src/mulberry32.ts';
import { testBackends } from '../support/backends.ts';
import { CHROMIUM, fitMap, type Harness, SCREENSHOTS, signIn, startHarness, waitForRendered } from './harness.ts';

/**
 * The field app in Chromium with the network switched off: the app shell comes from the service
 * worker, an area package from IndexedDB, a finds report placed by the (overridden) GPS waits in
 * the outbox, goes out through the sync protocol when the link returns, and shows "Approved" once
 * the officer approves it on the server. And 1,000 reports queued on the device go out through a
 * link that loses requests and answers at random, and each arrives exactly once. A browser closed
 * and started again offline still has the app, the package and the outbox.
 */
/** The browser's globals inside page.evaluate, typed here: the tests compile without the DOM library. */
interface InPage {
  navigator: { serviceWorker: { controller: object | null } };
  caches: { keys(): Promise<string[]>; open(name: string): Promise<{ keys(): Promise<unknown[]> }> };
  document: { querySelector(selector: string): { textContent: string | null } | null };
  localStorage: { getItem(key: string): string | null };
}

for (const backend of testBackends()) {
  describe(`field app offline in Chromium on ${backend.name}`, () => {
    let h: Harness;
    let field: BrowserContext;
    let officer: BrowserContext;
    /** The western half of the demo's hazards: a package must hold these and no others. */
    let bbox: number[];
    let expected: string[];
    /** Where the GPS says the device is: a place in the demo area, with 4 m stated accuracy. */
    const position = { latitude: 7.30123, longitude: -75.40321, accuracy: 4 };
    const source = 'Field test: finds recorded offline';

    before(async () => {
      h = await startHarness(backend, [
        { username: 'field.user', role: 'field_user', organisation: 'first' },
        { username: 'officer', role: 'national_information_officer', organisation: null },
      ]);
      const [extent] = await h.db.query<{ w: number; s: number; e: number; n: number }>(
        'SELECT ST_XMin(x) AS w, ST_YMin(x) AS s, ST_XMax(x) AS e, ST_YMax(x) AS n FROM (SELECT ST_Extent(geom)::geometry AS x FROM hazard) t',
      );
      const { w, s, e, n } = extent!;
      bbox = [w, s, (w + e) / 2, n].map((v) => Math.round(v * 1e6) / 1e6);
      const inside = await h.db.query<{ reference: string }>('SELECT reference FROM hazard WHERE geom && ST_MakeEnvelope($1, $2, $3, $4, 4326) ORDER BY reference', bbox);
      expected = inside.map((r) => r.reference);
      const [all] = await h.db.query<{ count: number }>('SELECT count(*)::int AS count FROM hazard');
      assert.ok(expected.length > 0 && expected.length < all!.count, 'the test area holds some demo hazards, not all');
      field = await h.newContext();
      // Granted for the server's origin: a grant without one left Chromium's geolocation unanswered.
      await field.grantPermissions(['geolocation'], { origin: h.baseUrl });
      await field.setGeolocation(position);
      officer = await h.newContext();
    });
    after(async () => {
      await h?.close();
    });

    const shoot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
    const outboxState = (page: Page) => page.locator('.field-outbox .outbox-state').first().innerText();
    let page: Page;
    let reportId = '';

    test('installs: manifest, service worker in control, the shell precached', async () => {
      page = await field.newPage();
      await signIn(page, 'field.user');
      const manifest = await page.evaluate(async () => (await fetch('/manifest.webmanifest')).json() as Promise<{ name: string; icons: { sizes: string }[] }>);
      assert.equal(manifest.name, 'Safeground');
      assert.ok(manifest.icons.some((i) => i.sizes === '512x512'), 'a 512 px icon for installing');
      await page.waitForFunction(() => (globalThis as unknown as InPage).navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });
      const cached = await page.evaluate(async () => {
        const { caches } = globalThis as unknown as InPage;
        let count = 0;
        for (const name of await caches.keys()) count += (await (await caches.open(name)).keys()).length;
        return count;
      });
      assert.ok(cached >= 5, `the app shell is precached (${cached} entries)`);
    });

    test('downloads an area package online, opens it offline after a reload', async () => {
      await page.goto('/#/field');
      await page.getByRole('heading', { name: 'Field work' }).waitFor();
      await page.getByLabel('Package name').fill('West of the demo');
      for (const [index, label] of ['West (longitude)', 'South (latitude)', 'East (longitude)', 'North (latitude)'].entries()) await page.getByLabel(label).fill(String(bbox[index]));
      await page.getByRole('button', { name: 'Download', exact: true }).click();
      const article = page.getByRole('article', { name: 'West of the demo' });
      // On a failure the page's own words (an error from the server, say) are in the message.
      await article.waitFor({ timeout: 60_000 }).catch(async (error: unknown) => {
        throw new Error(`${String(error)}\nThe page said:\n${await page.locator('main').innerText()}`);
      });
      await article.getByText(/Updated .*\(0 minutes ago\)/).waitFor();

      await field.setOffline(true);
      assert.equal(await page.evaluate(() => fetch('/api/health').then(() => 'answered', () => 'failed')), 'failed', 'the network is off');
      await page.reload();
      await page.getByRole('heading', { name: 'Field work' }).waitFor({ timeout: 30_000 });
      await page.getByRole('status').getByText(/^Offline/).waitFor();
      const offline = page.getByRole('article', { name: 'West of the demo' });
      await offline.getByText(`Hazardous areas (${expected.length})`).click();
      const shown = (await offline.locator('.field-hazards li').allInnerTexts()).map((text) => text.split(' · ')[0]!).sort();
      assert.deepEqual(shown, expected, 'the package holds exactly the hazards whose box meets the area');
      await shoot(page, 'field-offline');
    });

    test('a finds report made offline, placed by averaged GPS fixes, waits in the outbox on the device', async () => {
      await page.goto('/#/reports/new/finds');
      await page.getByRole('heading', { name: 'Report explosive ordnance finds' }).waitFor();
      await page.getByLabel('Category').selectOption('at_mine');
      await page.getByLabel(/^Source/).fill(source);
      await page.getByRole('button', { name: 'Add my position (GPS)' }).click();
      await page.getByText(/^Position from \d+ fix\(es\) averaged, accurate to about [\d.]+ m$/).waitFor({ timeout: 30_000 }).catch(async (error: unknown) => {
        throw new Error(`${String(error)}\nThe GPS part said: ${await page.locator('.gps').innerText()}`);
      });
      const text = await page.getByLabel('Points (GeoJSON, WKT or coordinates)').inputValue();
      assert.equal(text, `${position.latitude.toFixed(7)}, ${position.longitude.toFixed(7)}`);
      await page.getByRole('button', { name: 'Submit the report' }).click();
      await page.getByText('1 finds saved on this device.').waitFor();
      await page.goto('/#/field');
      await page.locator('.field-outbox li').first().waitFor();
      assert.equal(await outboxState(page), 'On the device');
      reportId = (await page.locator('.field-outbox li').first().getAttribute('data-report-id')) ?? '';
      const [onServer] = await h.db.query<{ count: number }>('SELECT count(*)::int AS count FROM report WHERE id = $1', [reportId]);
      assert.equal(onServer!.count, 0, 'nothing reached the server while offline');
    });

    test('back online the outbox is sent; approved on the server, the outbox says so and the national map shows it', async () => {
      await field.setOffline(false);
      await page.waitForFunction(() => (globalThis as unknown as InPage).document.querySelector('.field-outbox .outbox-state')?.textContent === 'Sent', null, { timeout: 30_000 });

      const office = await officer.newPage();
      await signIn(office, 'officer');
      const submitted = await office.evaluate(async (id) => (await fetch(`/api/reports/${id}`)).json() as Promise<{ state: string; entityType: string; payload: { source: string; geometry: { coordinates: number[] } } }>, reportId);
      assert.equal(submitted.state, 'submitted');
      assert.equal(submitted.entityType, 'find');
      assert.equal(submitted.payload.source, source);
      assert.deepEqual(submitted.payload.geometry.coordinates, [Number(position.longitude.toFixed(7)), Number(position.latitude.toFixed(7))]);
      const step = (id: string, action: 'verify' | 'approve') =>
        office.evaluate(
          async ([reportId, act]) => {
            const response = await fetch(`/api/reports/${reportId}/${act}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': (globalThis as unknown as InPage).localStorage.getItem('safeground.csrf') ?? '' }, body: '{}' });
            return response.status;
          },
          [id, action] as const,
        );
      const checkNow = () => page.getByRole('button', { name: 'Send and check now' }).click();
      const stateIs = (label: string) => page.waitForFunction((want) => (globalThis as unknown as InPage).document.querySelector('.field-outbox .outbox-state')?.textContent === want, label, { timeout: 30_000 });
      assert.equal(await step(reportId, 'verify'), 200);
      await checkNow();
      await stateIs('Verified');
      assert.equal(await step(reportId, 'approve'), 200);
      await page.reload();
      await checkNow();
      await stateIs('Approved');
      const made = await h.db.query<{ id: string }>('SELECT id FROM find WHERE source = $1', [source]);
      assert.equal(made.length, 1, 'the approved report made one find in the register');
      await shoot(page, 'field-outbox-approved');

      // The office sees it on the national map, where the field team stood.
      await office.goto('/#/map');
      await waitForRendered(office, ['hazards-fill']);
      const d = 0.0003;
      await fitMap(office, [position.longitude - d, position.latitude - d, position.longitude + d, position.latitude + d]);
      await waitForRendered(office, ['finds-points'], (p) => p.id === made[0]!.id);
    });

    test('after the browser is closed and started again offline: the app, the package and a report made offline are there, and the report goes out', async () => {
      const profile = mkdtempSync(join(tmpdir(), 'safeground-chromium-'));
      const launch = () =>
        chromium.launchPersistentContext(profile, {
          executablePath: CHROMIUM,
          headless: true,
          baseURL: h.baseUrl,
          locale: 'en-GB',
          args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
        });
      const restartSource = 'Field test: made offline before a browser restart';
      try {
        const first = await launch();
        const before = first.pages()[0] ?? (await first.newPage());
        await signIn(before, 'field.user');
        await before.waitForFunction(() => (globalThis as unknown as InPage).navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });
        await before.goto('/#/field');
        await before.getByLabel('Package name').fill('Kept across a restart');
        for (const [index, label] of ['West (longitude)', 'South (latitude)', 'East (longitude)', 'North (latitude)'].entries()) await before.getByLabel(label).fill(String(bbox[index]));
        await before.getByRole('button', { name: 'Download', exact: true }).click();
        await before.getByRole('article', { name: 'Kept across a restart' }).waitFor({ timeout: 60_000 });
        await first.setOffline(true);
        await before.goto('/#/reports/new/finds');
        await before.getByLabel('Category').selectOption('uxo');
        await before.getByLabel(/^Source/).fill(restartSource);
        await before.getByLabel('Points (GeoJSON, WKT or coordinates)').fill(`${position.latitude}, ${position.longitude}`);
        await before.getByRole('button', { name: 'Submit the report' }).click();
        await before.getByText('1 finds saved on this device.').waitFor();
        await first.close();

        const second = await launch();
        try {
          await second.setOffline(true);
          const after = second.pages()[0] ?? (await second.newPage());
          await after.goto('/#/field');
          await after.getByRole('heading', { name: 'Field work' }).waitFor({ timeout: 30_000 });
          await after.getByRole('status').getByText(/^Offline/).waitFor();
          const kept = after.getByRole('article', { name: 'Kept across a restart' });
          await kept.getByText(`Hazardous areas (${expected.length})`).waitFor();
          assert.equal(await after.locator('.field-outbox .outbox-state').first().innerText(), 'On the device');
          const [waiting] = await h.db.query<{ count: number }>("SELECT count(*)::int AS count FROM report WHERE payload->>'source' = $1", [restartSource]);
          assert.equal(waiting!.count, 0, 'nothing reached the server while offline');

          await second.setOffline(false);
          await after.waitForFunction(() => (globalThis as unknown as InPage).document.querySelector('.field-outbox .outbox-state')?.textContent === 'Sent', null, { timeout: 30_000 });
          const [arrived] = await h.db.query<{ count: number }>("SELECT count(*)::int AS count FROM report WHERE payload->>'source' = $1 AND state = 'submitted'", [restartSource]);
          assert.equal(arrived!.count, 1, 'the report made before the restart arrived once');
        } finally {
          await second.close();
        }
      } finally {
        rmSync(profile, { recursive: true, force: true });
      }
    });

    test('1,000 reports queued offline reach the server once each through a link that drops at random', async (t) => {
      // The service worker is blocked so that every request of the page meets the faulty link below.
      const context = await h.browser.newContext({ baseURL: h.baseUrl, serviceWorkers: 'block', locale: 'en-GB' });
      try {
        const device = await context.newPage();
        await signIn(device, 'field.user');
        const random = mulberry32(16);
        const lost = { requests: 0, responses: 0, passed: 0 };
        await context.route('**/api/sync/reports', async (route: Route) => {
          const roll = random();
          if (roll < 0.35) {
            lost.requests++;
            await route.abort('connectionreset');
          } else if (roll < 0.7) {
            // The server takes the reports, and its answer is lost on the way back.
            await route.fetch();
            lost.responses++;
            await route.abort('connectionreset');
          } else {
            lost.passed++;
            await route.fulfill({ response: await route.fetch() });
          }
        });
        const faultSource = 'Field test: queued behind a failing link';
        const [organisation] = await h.db.query<{ id: string }>('SELECT id FROM organisation ORDER BY name LIMIT 1');
        const ids = await device.evaluate(async ([count, source, organisationId]) => {
          type Idb = { open(name: string, version: number): IdbRequest };
          type IdbRequest = { result: IdbDatabase; onsuccess: (() => void) | null; onerror: (() => void) | null; onupgradeneeded: (() => void) | null };
          type IdbDatabase = {
            createObjectStore(name: string, options: { keyPath: string }): { createIndex(name: string, key: string): void };
            transaction(store: string, mode: string): { objectStore(name: string): { put(value: object): void }; oncomplete: (() => void) | null; onerror: (() => void) | null };
            close(): void;
          };
          const g = globalThis as unknown as { indexedDB: Idb; crypto: { randomUUID(): string } };
          // The app's own store (web/src/field/store.ts), opened as the app opens it.
          const db = await new Promise<IdbDatabase>((resolve, reject) => {
            const request = g.indexedDB.open('safeground-field', 1);
            request.onupgradeneeded = () => {
              request.result.createObjectStore('packages', { keyPath: 'id' });
              request.result.createObjectStore('outbox', { keyPath: 'id' }).createIndex('state', 'state');
            };
            request.onsuccess = () => resolve(request.result);
            request.onerror = () => reject(new Error('IndexedDB did not open'));
          });
          const made: string[] = [];
          const tx = db.transaction('outbox', 'readwrite');
          for (let i = 0; i < count; i++) {
            const id = g.crypto.randomUUID();
            made.push(id);
            const at = new Date(Date.UTC(2026, 0, 5, 8, 0, i)).toISOString();
            tx.objectStore('outbox').put({
              id, entityType: 'find', action: 'create', entityId: null, baseVersion: null, reason: null, organisationId, acceptedWarnings: [],
              payload: { activityId: null, organisationId, category: 'uxo', ordnanceModel: null, quantity: 1, depthCm: null, condition: null, disposalMethod: null, foundOn: '2026-01-05', source, geometry: { type: 'Point', coordinates: [-75.4 + i * 1e-5, 7.3] } },
              author: 'field.user', createdAt: at, submittedAt: at, state: 'device', message: null,
            });
          }
          await new Promise<void>((resolve, reject) => {
            tx.oncomplete = () => resolve();
            tx.onerror = () => reject(new Error('the outbox was not written'));
          });
          db.close();
          return made;
        }, [1000, faultSource, organisation!.id] as const);

        const states = () => device.evaluate(async () => {
          const g = globalThis as unknown as { indexedDB: { open(name: string): { result: { transaction(s: string): { objectStore(s: string): { getAll(): { result: { state: string }[]; onsuccess: (() => void) | null } } }; close(): void }; onsuccess: (() => void) | null } } };
          const request = g.indexedDB.open('safeground-field');
          const db = await new Promise<typeof request.result>((resolve) => (request.onsuccess = () => resolve(request.result)));
          const all = db.transaction('outbox').objectStore('outbox').getAll();
          const rows = await new Promise<{ state: string }[]>((resolve) => (all.onsuccess = () => resolve(all.result)));
          db.close();
          const counts: Record<string, number> = {};
          for (const row of rows) counts[row.state] = (counts[row.state] ?? 0) + 1;
          return counts;
        });
        await device.goto('/#/field');
        const send = device.getByRole('button', { name: 'Send and check now' });
        let attempts = 0;
        for (; attempts < 40 && ((await states()).device ?? 0) > 0; attempts++) {
          await send.waitFor();
          await device.waitForFunction(() => !(globalThis as unknown as { document: { querySelector(s: string): { disabled: boolean } | null } }).document.querySelector('.field-outbox ~ button')?.disabled, null, { timeout: 120_000 });
          await send.click();
          await device.waitForFunction(() => !(globalThis as unknown as { document: { querySelector(s: string): { disabled: boolean } | null } }).document.querySelector('.field-outbox ~ button')?.disabled, null, { timeout: 120_000 });
        }
        t.diagnostic(`${attempts} attempts; sync requests lost on the way out ${lost.requests}, answers lost on the way back ${lost.responses}, passed ${lost.passed}`);
        assert.deepEqual(await states(), { sent: 1000 }, 'every report left the device and the device knows it');
        assert.ok(lost.requests > 0 && lost.responses > 0, 'the link lost requests and answers both');
        const [arrived] = await h.db.query<{ reports: number; distinct: number; known: number }>(
          "SELECT count(*)::int AS reports, count(DISTINCT id)::int AS distinct, count(*) FILTER (WHERE id = ANY($2::uuid[]))::int AS known FROM report WHERE payload->>'source' = $1",
          [faultSource, ids],
        );
        assert.deepEqual(arrived, { reports: 1000, distinct: 1000, known: 1000 }, 'each report arrived once, under the id the device gave it');
      } finally {
        await context.close();
      }
    });

    test('phone layout: the field page and the finds form at 360 × 740, in English and Russian, without sideways scrolling', async () => {
      await page.setViewportSize({ width: 360, height: 740 });
      const overflow = () => page.evaluate(() => {
        const main = (globalThis as unknown as { document: { querySelector(s: string): { scrollWidth: number; clientWidth: number } | null } }).document.querySelector('main');
        return main ? main.scrollWidth - main.clientWidth : -1;
      });
      for (const language of ['en', 'ru'] as const) {
        if (language === 'ru') await page.getByLabel('Language').selectOption('ru');
        await page.goto('/#/field');
        await page.locator('.field-page h1').waitFor();
        assert.equal(await overflow(), 0, `the field page fits 360 px in ${language}`);
        await page.screenshot({ path: join(SCREENSHOTS, `field-360-${language}.png`) });
        await page.goto('/#/reports/new/finds');
        await page.locator('form').first().waitFor();
        await page.screenshot({ path: join(SCREENSHOTS, `report-finds-360-${language}.png`) });
      }
    });
  });
}
