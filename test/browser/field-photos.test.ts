import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { BrowserContext, Page, Route } from 'playwright-core';
import { CHUNK_BYTES, fitWithin, hexOf, nextChunk, photosToDrop } from '../../web/src/field/photoRules.ts';
import { testBackends } from '../support/backends.ts';
import { type Harness, SCREENSHOTS, signIn, startHarness } from './harness.ts';

/** The rules of photos on the device, without a browser. */
describe('photo rules', () => {
  test('a photo is made to fit 1,600 px on its longest side, proportions kept, never enlarged', () => {
    assert.deepEqual(fitWithin(4000, 3000), { width: 1600, height: 1200 });
    assert.deepEqual(fitWithin(3000, 4000), { width: 1200, height: 1600 }, 'upright');
    assert.deepEqual(fitWithin(2400, 1600), { width: 1600, height: 1067 });
    assert.deepEqual(fitWithin(800, 600), { width: 800, height: 600 }, 'a small picture keeps its size');
    assert.deepEqual(fitWithin(100_000, 10), { width: 1600, height: 1 }, 'a sliver keeps one row');
    assert.throws(() => fitWithin(0, 600), /0 × 600/);
  });

  test('an upload goes on from what the server has, chunk by chunk, to the last byte', () => {
    assert.deepEqual(nextChunk(0, 150_000), { start: 0, end: CHUNK_BYTES - 1, contentRange: `bytes 0-${CHUNK_BYTES - 1}/150000` });
    assert.deepEqual(nextChunk(100_000, 150_000, 40_000), { start: 100_000, end: 139_999, contentRange: 'bytes 100000-139999/150000' });
    assert.deepEqual(nextChunk(140_000, 150_000, 40_000), { start: 140_000, end: 149_999, contentRange: 'bytes 140000-149999/150000' }, 'the last chunk is what is left');
    assert.equal(nextChunk(150_000, 150_000), null, 'all there');
    assert.equal(nextChunk(0, 0), null, 'nothing to send');
  });

  test('a digest is named in 64 lower-case hex digits', () => {
    const digest = new Uint8Array(32).map((_, i) => i * 8).buffer;
    assert.equal(hexOf(digest), '0008101820283038404850586068707880889098a0a8b0b8c0c8d0d8e0e8f0f8');
  });

  test('once answered, a report’s photos leave the device unless a report still waiting names them', () => {
    const answered = [{ attachments: ['a', 'b'] }, { attachments: ['b', 'c'] }, {}];
    assert.deepEqual(photosToDrop(answered, [{ attachments: ['c'] }, {}]), ['a', 'b']);
    assert.deepEqual(photosToDrop(answered, []), ['a', 'b', 'c']);
    assert.deepEqual(photosToDrop([], [{ attachments: ['a'] }]), []);
  });
});

/** Waits, polling, until `condition` holds; fails naming what was awaited. */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (const deadline = Date.now() + 30_000; !condition(); ) {
    if (Date.now() > deadline) throw new Error(`Waited 30 s in vain: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The browser's globals inside page.evaluate, typed here: the tests compile without the DOM library. */
interface InPage {
  document: {
    createElement(tag: 'canvas'): {
      width: number;
      height: number;
      getContext(kind: '2d'): {
        fillStyle: unknown;
        fillRect(x: number, y: number, w: number, h: number): void;
        createLinearGradient(x0: number, y0: number, x1: number, y1: number): { addColorStop(at: number, colour: string): void };
      };
      toDataURL(type: string): string;
    };
  };
  indexedDB: { open(name: string): IdbRequest<IdbDatabase> };
  crypto: { subtle: { digest(algorithm: string, data: ArrayBuffer): Promise<ArrayBuffer> } };
  createImageBitmap(blob: unknown): Promise<{ width: number; height: number }>;
  Blob: new (parts: ArrayBuffer[]) => unknown;
}
interface IdbRequest<T> {
  result: T;
  onsuccess: (() => void) | null;
}
interface IdbDatabase {
  transaction(store: string): { objectStore(name: string): { getAll(): IdbRequest<unknown[]> } };
  close(): void;
}

/** What the device keeps, read from the app's IndexedDB: the outbox, and each photo as decoded again. */
interface Kept {
  outbox: { id: string; state: string; attachments?: string[] }[];
  photos: { sha256: string; type: string; size: number; digest: string; jpeg: boolean; width: number; height: number }[];
}

function deviceStore(page: Page): Promise<Kept> {
  return page.evaluate(async () => {
    const g = globalThis as unknown as InPage;
    const request = g.indexedDB.open('safeground-field');
    const db = await new Promise<IdbDatabase>((resolve) => (request.onsuccess = () => resolve(request.result)));
    const [outbox, kept] = await Promise.all(
      ['outbox', 'photos'].map(
        (store) =>
          new Promise<unknown[]>((resolve) => {
            const read = db.transaction(store).objectStore(store).getAll();
            read.onsuccess = () => resolve(read.result);
          }),
      ),
    );
    const photos = [];
    for (const photo of kept as { sha256: string; type: string; bytes: ArrayBuffer }[]) {
      const digest = [...new Uint8Array(await g.crypto.subtle.digest('SHA-256', photo.bytes))].map((b) => b.toString(16).padStart(2, '0')).join('');
      const bitmap = await g.createImageBitmap(new g.Blob([photo.bytes]));
      const head = new Uint8Array(photo.bytes, 0, 3);
      photos.push({ sha256: photo.sha256, type: photo.type, size: photo.bytes.byteLength, digest, jpeg: head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff, width: bitmap.width, height: bitmap.height });
    }
    db.close();
    return { outbox: outbox as Kept['outbox'], photos };
  });
}

/** A GET from the page, in its session: the status, the media type, and the size of the body (JSON read as such). */
function read(page: Page, url: string): Promise<{ status: number; type: string | null; size: number; json: unknown }> {
  return page.evaluate(async (path) => {
    const response = await fetch(path);
    const type = response.headers.get('content-type');
    if (type?.startsWith('application/json')) return { status: response.status, type, size: -1, json: await response.json() };
    return { status: response.status, type, size: (await response.arrayBuffer()).byteLength, json: null };
  }, url);
}

/** A PNG drawn in the page, as a camera picture stands in for it: a gradient under coloured squares (a JPEG of some 250 KB at 1,600 px). */
async function drawnPng(page: Page, width: number, height: number, seed: number): Promise<Buffer> {
  const dataUrl = await page.evaluate(
    ([w, h, s]) => {
      const canvas = (globalThis as unknown as InPage).document.createElement('canvas');
      canvas.width = w;
      canvas.height = h;
      const g = canvas.getContext('2d');
      const gradient = g.createLinearGradient(0, 0, w, h);
      gradient.addColorStop(0, '#5a7');
      gradient.addColorStop(1, '#c96');
      g.fillStyle = gradient;
      g.fillRect(0, 0, w, h);
      // A Lehmer generator, written out: tsx names the functions of a test, and the page has no such helper.
      const numbers: number[] = [];
      for (let state = s, i = 0; i < (w * h) / 260; i++) numbers.push((state = (state * 16807) % 2147483647) / 2147483647);
      for (let i = 0; i + 5 < numbers.length; i += 6) {
        g.fillStyle = `hsl(${numbers[i]! * 360},60%,${30 + numbers[i + 1]! * 40}%)`;
        g.fillRect(numbers[i + 2]! * w, numbers[i + 3]! * h, 5 + numbers[i + 4]! * 60, 5 + numbers[i + 5]! * 60);
      }
      return canvas.toDataURL('image/png');
    },
    [width, height, seed] as const,
  );
  return Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64');
}

/**
 * Photos attached to reports in Chromium: taken offline, made smaller on the device and kept with
 * the report in IndexedDB; uploaded chunk by chunk when the link returns, resuming from the
 * server's offset after a chunk lost on the way out and an answer lost on the way back; linked to
 * the report on the server, whole, under their SHA-256; then let go on the device. Submitted
 * online, a report reaches the queue with its photos, and the approver sees them. Read back, an
 * attachment follows the access rule of the reports it belongs to.
 */
for (const backend of testBackends()) {
  describe(`photos of reports in Chromium on ${backend.name}`, () => {
    let h: Harness;
    let field: BrowserContext;
    let page: Page;
    const position = '7.30123, -75.40321';
    const offlineSource = 'Photo test: finds recorded offline';
    const onlineSource = 'Photo test: finds submitted online';
    let kept: Kept['photos'][number];
    let reportId = '';
    /** The PUTs of attachment chunks as the page made them: the start byte, and what became of each. */
    const puts: { start: number; fate: 'lost on the way out' | 'answer lost' | 'passed' }[] = [];

    before(async () => {
      h = await startHarness(backend, [
        { username: 'field.user', role: 'field_user', organisation: 'first' },
        { username: 'officer', role: 'national_information_officer', organisation: null },
        { username: 'outsider', role: 'field_user', organisation: null },
      ]);
      // Without the service worker every request of the page meets the link below; the page is never reloaded offline.
      field = await h.browser.newContext({ baseURL: h.baseUrl, serviceWorkers: 'block', locale: 'en-GB', viewport: { width: 1280, height: 900 } });
      await field.route('**/api/sync/attachments/*', async (route: Route) => {
        if (route.request().method() !== 'PUT') return route.continue();
        const start = Number(/^bytes (\d+)-/.exec(route.request().headers()['content-range'] ?? '')?.[1]);
        // The second chunk is lost on its way out; the chunk after it reaches the server, and its answer is lost.
        if (puts.length === 1) {
          puts.push({ start, fate: 'lost on the way out' });
          return route.abort('connectionreset');
        }
        if (puts.length === 2) {
          await route.fetch();
          puts.push({ start, fate: 'answer lost' });
          return route.abort('connectionreset');
        }
        puts.push({ start, fate: 'passed' });
        return route.fulfill({ response: await route.fetch() });
      });
      page = await field.newPage();
      await signIn(page, 'field.user');
    });
    after(async () => {
      await h?.close();
    });

    test('photos taken offline are made smaller, shown, removable, and kept with the report on the device', async () => {
      await page.goto('/#/reports/new/finds');
      await page.getByRole('heading', { name: 'Report explosive ordnance finds' }).waitFor();
      await field.setOffline(true);
      const large = await drawnPng(page, 2400, 1600, 7);
      const small = await drawnPng(page, 800, 600, 11);
      await page.getByLabel('Add photos').setInputFiles([
        { name: 'pmn2.png', mimeType: 'image/png', buffer: large },
        { name: 'marking.png', mimeType: 'image/png', buffer: small },
      ]);
      await page.getByRole('img', { name: 'Photo 2 of 2' }).waitFor();
      const natural = (name: string) => page.getByRole('img', { name }).evaluate((img) => [(img as unknown as { naturalWidth: number }).naturalWidth, (img as unknown as { naturalHeight: number }).naturalHeight]);
      assert.deepEqual(await natural('Photo 1 of 2'), [1600, 1067], 'made to fit 1,600 px');
      assert.deepEqual(await natural('Photo 2 of 2'), [800, 600], 'a small picture is not enlarged');
      await page.getByRole('button', { name: 'Remove photo 2' }).click();
      await page.getByRole('img', { name: 'Photo 1 of 1' }).waitFor();
      await page.screenshot({ path: join(SCREENSHOTS, 'report-finds-photo.png') });

      await page.getByLabel('Category').selectOption('at_mine');
      await page.getByLabel(/^Source/).fill(offlineSource);
      await page.getByLabel('Points (GeoJSON, WKT or coordinates)').fill(position);
      await page.getByRole('button', { name: 'Submit the report' }).click();
      await page.getByText('1 finds saved on this device.').waitFor();

      const device = await deviceStore(page);
      assert.equal(device.photos.length, 1, 'the removed photo was not kept');
      kept = device.photos[0]!;
      assert.equal(kept.type, 'image/jpeg');
      assert.ok(kept.jpeg, 'the bytes are a JPEG');
      assert.equal(kept.digest, kept.sha256, 'named by the SHA-256 of its bytes');
      assert.deepEqual([kept.width, kept.height], [1600, 1067], 'kept as it was made, 1,600 px on its longest side');
      assert.ok(kept.size < large.length / 4, `the JPEG (${kept.size} bytes) is much smaller than the picture (${large.length})`);
      assert.ok(kept.size > 2 * CHUNK_BYTES, `the photo (${kept.size} bytes) takes more than two chunks, so an upload can resume`);
      assert.equal(device.outbox.length, 1);
      assert.deepEqual(device.outbox[0]!.attachments, [kept.sha256], 'the report names its photo');
      reportId = device.outbox[0]!.id;
    });

    test('back online the photo goes up chunk by chunk, resuming from the server’s offset after a lost chunk and a lost answer; then the report, linked to it', async () => {
      await field.setOffline(false);
      // Opening the field page online sends the outbox by itself; "Send and check now" tries again.
      await page.goto('/#/field');
      const send = page.getByRole('button', { name: 'Send and check now' });
      await until(() => puts.length === 2, 'the first send lost the second chunk');
      await send.click();
      await page.getByRole('alert').waitFor();
      assert.equal(puts.length, 3, 'the second send lost the answer to the chunk it sent');
      await send.click();
      await page.locator(`.field-outbox li[data-report-id="${reportId}"] .outbox-state`).getByText('Sent').waitFor({ timeout: 30_000 });

      const chunks = Math.ceil(kept.size / CHUNK_BYTES);
      assert.deepEqual(
        puts,
        [
          { start: 0, fate: 'passed' },
          { start: CHUNK_BYTES, fate: 'lost on the way out' },
          { start: CHUNK_BYTES, fate: 'answer lost' },
          ...Array.from({ length: chunks - 2 }, (_, i) => ({ start: (i + 2) * CHUNK_BYTES, fate: 'passed' as const })),
        ],
        'each chunk reached the server once; after the lost answer the upload went on from the server’s offset',
      );
      const [arrived] = await h.db.query<{ complete: boolean; size: number; digest: string; linked: string; state: string }>(
        `SELECT a.complete, a.size_bytes::int AS size, encode(sha256(a.content), 'hex') AS digest, l.report_id AS linked, r.state
         FROM attachment a JOIN report_attachment l ON l.sha256 = a.sha256 JOIN report r ON r.id = l.report_id WHERE a.sha256 = $1`,
        [kept.sha256],
      );
      assert.deepEqual(arrived, { complete: true, size: kept.size, digest: kept.sha256, linked: reportId, state: 'submitted' }, 'whole, under its SHA-256, linked to the report');

      const device = await deviceStore(page);
      assert.deepEqual(device.photos, [], 'once the server has the report, its photo leaves the device');
      assert.deepEqual(device.outbox[0]!.attachments, [kept.sha256], 'the report still names it');
      await page.getByText('Photos: 1').waitFor();
    });

    test('submitted online, a report reaches the queue with its photo, and the approver sees it', async () => {
      await page.goto('/#/reports/new/finds');
      await page.getByRole('heading', { name: 'Report explosive ordnance finds' }).waitFor();
      await page.getByLabel('Add photos').setInputFiles({ name: 'fuze.png', mimeType: 'image/png', buffer: await drawnPng(page, 640, 480, 5) });
      await page.getByRole('img', { name: 'Photo 1 of 1' }).waitFor();
      const sha256 = (await page.getByRole('img', { name: 'Photo 1 of 1' }).getAttribute('data-sha256')) ?? '';
      await page.getByLabel('Category').selectOption('uxo');
      await page.getByLabel(/^Source/).fill(onlineSource);
      await page.getByLabel('Points (GeoJSON, WKT or coordinates)').fill(position);
      await page.getByRole('button', { name: 'Submit the report' }).click();
      await page.getByText(/^1 find report\(s\) submitted/).waitFor();
      const [linked] = await h.db.query<{ state: string; photos: string[] }>(
        "SELECT r.state, array_agg(l.sha256) AS photos FROM report r JOIN report_attachment l ON l.report_id = r.id WHERE r.payload->>'source' = $1 GROUP BY r.state",
        [onlineSource],
      );
      assert.deepEqual(linked, { state: 'submitted', photos: [sha256] });
      assert.deepEqual((await deviceStore(page)).photos, [], 'sent at once, nothing was kept on the device');

      const officer = await h.newContext();
      try {
        const office = await officer.newPage();
        await signIn(office, 'officer');
        await office.goto('/#/approvals');
        for (const [photo, width] of [[kept.sha256, 1600], [sha256, 640]] as const) {
          const img = office.locator(`img[src="/api/sync/attachments/${photo}/content"]`);
          await img.waitFor();
          await office.waitForFunction((src) => (globalThis as unknown as { document: { querySelector(s: string): { complete: boolean; naturalWidth: number } | null } }).document.querySelector(`img[src="${src}"]`)?.complete, `/api/sync/attachments/${photo}/content`);
          assert.equal(await img.evaluate((element) => (element as unknown as { naturalWidth: number }).naturalWidth), width, 'the approver’s browser shows the photo');
        }
        await office.locator(`img[src="/api/sync/attachments/${sha256}/content"]`).scrollIntoViewIfNeeded();
        await office.screenshot({ path: join(SCREENSHOTS, 'approvals-photo.png') });
        assert.deepEqual(await read(office, `/api/sync/reports/${reportId}/attachments`), { status: 200, type: 'application/json; charset=utf-8', size: -1, json: { id: reportId, attachments: [{ sha256: kept.sha256, size: kept.size }] } });
      } finally {
        await officer.close();
      }
      assert.deepEqual(h.cspViolations, [], 'no photo broke the Content Security Policy');
    });

    test('an attachment is read by whoever may see a report it belongs to, whole and as what it is, and by no one else', async () => {
      const content = `/api/sync/attachments/${kept.sha256}/content`;
      assert.deepEqual(await read(page, content), { status: 200, type: 'image/jpeg', size: kept.size, json: null }, 'the writer’s organisation');
      const outsiders = await h.newContext();
      try {
        const outsider = await outsiders.newPage();
        await signIn(outsider, 'outsider');
        assert.equal((await read(outsider, content)).status, 404, 'a field user of no organisation of its reports');
        assert.equal((await read(outsider, `/api/sync/reports/${reportId}/attachments`)).status, 404);
      } finally {
        await outsiders.close();
      }
      // Uploaded whole, but no report names it: nobody reads it back.
      const loose = await page.evaluate(async () => {
        const g = globalThis as unknown as InPage & { fetch: typeof fetch; localStorage: { getItem(key: string): string | null } };
        const bytes = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4]).buffer;
        const sha256 = [...new Uint8Array(await g.crypto.subtle.digest('SHA-256', bytes))].map((b) => b.toString(16).padStart(2, '0')).join('');
        const put = await g.fetch(`/api/sync/attachments/${sha256}`, {
          method: 'PUT',
          headers: { 'content-type': 'application/octet-stream', 'content-range': 'bytes 0-7/8', 'x-csrf-token': g.localStorage.getItem('safeground.csrf') ?? '' },
          body: bytes,
        });
        return { sha256, status: put.status };
      });
      assert.equal(loose.status, 200);
      assert.equal((await read(page, `/api/sync/attachments/${loose.sha256}/content`)).status, 404);
    });
  });
}
