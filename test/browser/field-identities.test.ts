import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { type BrowserContext, type Page } from 'playwright-core';
import { joinIdentities, refuseIdentities, splitIdentities } from '../../web/src/field/identityRules.ts';
import { testBackends } from '../support/backends.ts';
import { type Harness, SCREENSHOTS, signIn, startHarness } from './harness.ts';

/**
 * Accidents made offline in Chromium, with victims' identities: on the device they are only
 * ciphertext under a non-extractable key, they reach the server intact when the link returns,
 * and signing out (or a session the server no longer knows) wipes the key and the identities.
 * A field user without restricted.read is never asked for identities, and the outbox refuses any.
 */

/** A victim's identity whose every part is looked for, in plain text, in what the device stores. */
const IDENTITY = { fullName: 'Zarina Testovna Offline', dateOfBirth: '1987-03-14', address: '12 Orchard Lane, Kharkiv', contact: '+380 50 123 4567' };

/** What the browser stores, seen from page.evaluate: every IndexedDB database, every record. */
interface Stored {
  /** Each identity part found in plain text anywhere (strings, and bytes read as UTF-8), with where. */
  plain: string[];
  outbox: { id: string; payload: { victims: Record<string, unknown>[] }; sealed: boolean; removed: boolean | undefined }[];
  keys: { username: string; extractable: boolean; algorithm: string }[];
}

function inspectDevice(page: Page, parts: string[]): Promise<Stored> {
  // No named functions in here: tsx would wrap them in a helper the page does not have.
  return page.evaluate(async (needles) => {
    type Req<T> = { result: T; onsuccess: (() => void) | null; onerror: (() => void) | null };
    type Db = { objectStoreNames: ArrayLike<string>; transaction(s: string): { objectStore(s: string): { getAll(): Req<unknown[]> } }; close(): void };
    const g = globalThis as unknown as { indexedDB: { databases(): Promise<{ name: string }[]>; open(name: string): Req<Db> }; TextDecoder: new () => { decode(b: ArrayBuffer | ArrayBufferView): string } };
    const found: string[] = [];
    const result: { plain: string[]; outbox: unknown[]; keys: unknown[] } = { plain: found, outbox: [], keys: [] };
    for (const { name } of await g.indexedDB.databases()) {
      const opening = g.indexedDB.open(name);
      const db = await new Promise<Db>((resolve, reject) => ((opening.onsuccess = () => resolve(opening.result)), (opening.onerror = () => reject(new Error(`${name} did not open`)))));
      for (const store of Array.from(db.objectStoreNames)) {
        const reading = db.transaction(store).objectStore(store).getAll();
        const rows = await new Promise<unknown[]>((resolve, reject) => ((reading.onsuccess = () => resolve(reading.result)), (reading.onerror = () => reject(new Error(`${store} was not read`)))));
        // Every value of every record: strings as they are, bytes read as UTF-8.
        const stack: [unknown, string][] = rows.map((row, i) => [row, `${name}/${store}[${i}]`]);
        while (stack.length > 0) {
          const [value, where] = stack.pop()!;
          if (typeof value === 'string') {
            for (const n of needles) if (value.includes(n)) found.push(`${n} in ${where}`);
          } else if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
            stack.push([new g.TextDecoder().decode(value), `${where} (bytes)`]);
          } else if (value && typeof value === 'object') {
            for (const [k, v] of Object.entries(value)) stack.push([v, `${where}.${k}`]);
          }
        }
        if (name === 'safeground-field' && store === 'outbox') {
          result.outbox = (rows as { id: string; payload: unknown; sealedIdentities?: { data: ArrayBuffer } | null; identitiesRemoved?: boolean }[]).map((r) => ({ id: r.id, payload: r.payload, sealed: Boolean(r.sealedIdentities?.data?.byteLength), removed: r.identitiesRemoved }));
        }
        if (name === 'safeground-keys') {
          result.keys = (rows as { username: string; key: { extractable: boolean; algorithm: { name: string } } }[]).map((r) => ({ username: r.username, extractable: r.key.extractable, algorithm: r.key.algorithm.name }));
        }
      }
      db.close();
    }
    return result as Stored;
  }, parts);
}

describe('victims’ identities: which parts, who may keep them (no browser)', () => {
  const payload = { reference: 'ACC-1', victims: [{ outcome: 'injured' }, { outcome: 'killed', identity: IDENTITY }] };

  test('an accident’s identities come out of the payload by victim, and go back on the same victim', () => {
    const split = splitIdentities('accident', payload);
    assert.deepEqual(split.payload, { reference: 'ACC-1', victims: [{ outcome: 'injured' }, { outcome: 'killed' }] });
    assert.deepEqual(split.identities, { 1: IDENTITY });
    assert.deepEqual(joinIdentities(split.payload, split.identities), payload);
    assert.deepEqual(splitIdentities('find', payload).identities, {}, 'only accidents carry identities');
  });

  test('the outbox refuses identities from a person without restricted.read', () => {
    const { identities } = splitIdentities('accident', payload);
    assert.equal(refuseIdentities(identities, 'field.user', ['data.read', 'report.write']), "field.user may not keep victims' identities on this device (restricted.read is needed); victim 2 has some");
    assert.equal(refuseIdentities(identities, 'officer', ['restricted.read']), null);
    assert.equal(refuseIdentities({}, 'field.user', []), null, 'an accident without identities may be kept by anyone');
  });
});

for (const backend of testBackends()) {
  describe(`victims’ identities offline in Chromium on ${backend.name}`, () => {
    let h: Harness;
    let recorder: BrowserContext;
    let page: Page;
    let reportId = '';
    const parts = Object.values(IDENTITY);

    before(async () => {
      h = await startHarness(backend, [
        // Of the roles, the national information officer has restricted.read.
        { username: 'recorder', role: 'national_information_officer', organisation: 'first' },
        { username: 'approver', role: 'national_information_officer', organisation: null },
        { username: 'field.user', role: 'field_user', organisation: 'first' },
      ]);
      recorder = await h.newContext();
    });
    after(async () => {
      await h?.close();
    });

    /** Fills the accident form with one injured civilian; with an identity when the form asks for one. */
    async function fillAccident(p: Page, reference: string, identity: boolean): Promise<void> {
      await p.goto('/#/reports/new/accident');
      await p.getByRole('heading', { name: 'Report an accident' }).waitFor();
      await p.getByLabel('Reference').fill(reference);
      await p.getByLabel(/^Date of the accident/).fill('2026-11-20');
      await p.getByLabel(/^Source/).fill('Field test: accident recorded offline');
      await p.getByLabel(/^Outcome/).selectOption('injured');
      await p.getByLabel(/^Civilian or military/).selectOption('civilian');
      if (identity) {
        await p.getByLabel('Full name').fill(IDENTITY.fullName);
        await p.getByLabel('Date of birth').fill(IDENTITY.dateOfBirth);
        await p.getByLabel('Address').fill(IDENTITY.address);
        await p.getByLabel('Contact').fill(IDENTITY.contact);
      }
    }

    test('an accident with a victim’s identity saved offline: the device holds the identity only as ciphertext', async () => {
      page = await recorder.newPage();
      await signIn(page, 'recorder');
      await fillAccident(page, 'ACC-OFFLINE-1', true);
      await recorder.setOffline(true);
      await page.getByRole('button', { name: 'Submit the report' }).click();
      await page.getByText('Accident ACC-OFFLINE-1 saved on this device.').waitFor();

      const stored = await inspectDevice(page, parts);
      assert.deepEqual(stored.plain, [], 'no part of the identity in plain text anywhere in IndexedDB');
      assert.equal(stored.outbox.length, 1);
      const [kept] = stored.outbox;
      assert.equal(kept!.sealed, true, 'the identity is kept, encrypted');
      assert.deepEqual(Object.keys(kept!.payload.victims[0]!).includes('identity'), false, 'the payload holds no identity');
      assert.equal(kept!.payload.victims[0]!.outcome, 'injured', 'the rest of the victim is there');
      assert.deepEqual(stored.keys, [{ username: 'recorder', extractable: false, algorithm: 'AES-GCM' }], 'one non-extractable AES-GCM key, the recorder’s');
      reportId = kept!.id;
      const [onServer] = await h.db.query<{ count: number }>('SELECT count(*)::int AS count FROM report WHERE id = $1', [reportId]);
      assert.equal(onServer!.count, 0, 'nothing reached the server while offline');
    });

    test('back online the report reaches the server with the identity intact; approved, it is in victim_identity', async () => {
      await page.goto('/#/field');
      await page.locator('.field-outbox .identities-sealed').waitFor();
      await recorder.setOffline(false);
      await page.waitForFunction(() => (globalThis as unknown as { document: { querySelector(s: string): { textContent: string | null } | null } }).document.querySelector('.field-outbox .outbox-state')?.textContent === 'Sent', null, { timeout: 30_000 });
      const [report] = await h.db.query<{ state: string; identity: unknown }>("SELECT state, payload->'victims'->0->'identity' AS identity FROM report WHERE id = $1", [reportId]);
      assert.equal(report!.state, 'submitted');
      assert.deepEqual(typeof report!.identity === 'string' ? JSON.parse(report!.identity) : report!.identity, IDENTITY, 'the identity arrived as typed');
      assert.deepEqual((await inspectDevice(page, parts)).outbox.map((r) => r.sealed), [false], 'a sent report keeps no identity on the device');

      const office = await (await h.newContext()).newPage();
      await signIn(office, 'approver');
      for (const step of ['verify', 'approve']) {
        const status = await office.evaluate(
          async ([id, act]) => {
            const csrf = (globalThis as unknown as { localStorage: { getItem(k: string): string | null } }).localStorage.getItem('safeground.csrf') ?? '';
            const response = await fetch(`/api/reports/${id}/${act}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: '{}' });
            return `${response.status} ${await response.text()}`;
          },
          [reportId, step] as const,
        );
        assert.match(status, /^200 /, `${step}: ${status}`);
      }
      const [restricted, ...more] = await h.db.query<{ full_name: string; date_of_birth: string; address: string; contact: string }>(
        "SELECT i.full_name, to_char(i.date_of_birth, 'YYYY-MM-DD') AS date_of_birth, i.address, i.contact FROM victim_identity i JOIN victim v ON v.id = i.victim_id JOIN accident a ON a.id = v.accident_id WHERE a.reference = 'ACC-OFFLINE-1'",
      );
      assert.deepEqual({ ...restricted }, { full_name: IDENTITY.fullName, date_of_birth: IDENTITY.dateOfBirth, address: IDENTITY.address, contact: IDENTITY.contact });
      assert.equal(more.length, 0, 'one victim, one identity');
    });

    test('signing out wipes the key and the encrypted identities; the report stays, marked', async () => {
      await fillAccident(page, 'ACC-OFFLINE-2', true);
      await recorder.setOffline(true);
      await page.getByRole('button', { name: 'Submit the report' }).click();
      await page.getByText('Accident ACC-OFFLINE-2 saved on this device.').waitFor();
      const before = await inspectDevice(page, parts);
      assert.equal(before.outbox.filter((r) => r.sealed).length, 1, 'the second accident’s identity is sealed on the device');
      assert.equal(before.keys.length, 1);

      await recorder.setOffline(false);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(/#\/login$/);
      const after = await inspectDevice(page, parts);
      assert.deepEqual(after.keys, [], 'the key is gone');
      assert.deepEqual(after.outbox.filter((r) => r.sealed), [], 'no encrypted identity is left');
      assert.deepEqual(after.outbox.filter((r) => r.removed).length, 1, 'the unsent report is kept, marked as having lost its identities');
      assert.deepEqual(after.plain, []);
    });

    test('a session the server no longer knows (401) wipes the identities when the outbox is sent', async () => {
      await signIn(page, 'recorder');
      await fillAccident(page, 'ACC-OFFLINE-3', true);
      await recorder.setOffline(true);
      await page.getByRole('button', { name: 'Submit the report' }).click();
      await page.getByText('Accident ACC-OFFLINE-3 saved on this device.').waitFor();
      await page.goto('/#/field');
      assert.equal((await inspectDevice(page, parts)).keys.length, 1);
      // Revoked on the server while the device was away.
      await h.db.query("DELETE FROM user_session WHERE user_id = (SELECT id FROM app_user WHERE username = 'recorder')");
      await recorder.setOffline(false);
      // ACC-OFFLINE-2 lost its identities at sign-out; ACC-OFFLINE-3 loses them now.
      // What matters is the device's store, whatever page the app shows once the session is gone.
      let after = await inspectDevice(page, parts);
      for (const deadline = Date.now() + 30_000; Date.now() < deadline && (after.keys.length > 0 || after.outbox.filter((r) => r.removed).length < 2); ) {
        await page.waitForTimeout(250);
        after = await inspectDevice(page, parts);
      }
      assert.equal(after.outbox.filter((r) => r.removed).length, 2, 'ACC-OFFLINE-2 and ACC-OFFLINE-3 are marked as having lost their identities');
      assert.deepEqual(after.keys, [], 'the key is gone');
      assert.deepEqual(after.outbox.filter((r) => r.sealed), [], 'no encrypted identity is left');
      const [arrived] = await h.db.query<{ count: number }>("SELECT count(*)::int AS count FROM report WHERE payload->>'reference' = 'ACC-OFFLINE-3'");
      assert.equal(arrived!.count, 0, 'nothing went out on a revoked session');
    });

    test('a field user without restricted.read is never asked for identities; the device keeps none', async () => {
      const context = await h.newContext();
      const device = await context.newPage();
      await signIn(device, 'field.user');
      await fillAccident(device, 'ACC-OFFLINE-4', false);
      assert.equal(await device.getByLabel('Full name').count(), 0, 'no identity fields');
      await context.setOffline(true);
      await device.getByRole('button', { name: 'Submit the report' }).click();
      await device.getByText('Accident ACC-OFFLINE-4 saved on this device.').waitFor();
      const stored = await inspectDevice(device, parts);
      assert.deepEqual(stored.keys, [], 'no key is made for a user who may not read identities');
      assert.deepEqual(stored.outbox.map((r) => r.sealed), [false]);
      await context.close();
    });

    test('the accident form at 360 × 740 in English and Russian', async () => {
      await recorder.setOffline(false);
      await signIn(page, 'recorder');
      await page.setViewportSize({ width: 360, height: 740 });
      for (const language of ['en', 'ru'] as const) {
        if (language === 'ru') await page.getByLabel('Language').selectOption('ru');
        await page.goto('/#/reports/new/accident');
        await page.locator('form').first().waitFor();
        await page.screenshot({ path: join(SCREENSHOTS, `report-accident-360-${language}.png`) });
      }
    });
  });
}
