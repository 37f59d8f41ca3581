import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { BrowserContext } from 'playwright-core';
import { countrySetting, setCountrySetting } from '../../src/exchange/store.ts';
import { testBackends } from '../support/backends.ts';
import { type Harness, signIn, startHarness } from './harness.ts';

/** The browser's globals inside page.evaluate, typed here: the tests compile without the DOM library. */
interface InPage {
  fetch(url: string, init: { method: string; headers: Record<string, string>; body: string }): Promise<{ status: number }>;
  localStorage: { getItem(key: string): string | null };
}

/**
 * The settings page in Chromium: an administrator changes the instance's country (an unknown one
 * refused with the server's words), and the store then holds the new country; a field user has
 * no link to the page, is refused on it, and cannot set the country through the API either.
 */
for (const backend of testBackends()) {
  describe(`settings page in Chromium on ${backend.name}`, () => {
    let h: Harness;
    let administrator: BrowserContext;
    let field: BrowserContext;

    before(async () => {
      h = await startHarness(backend, [
        { username: 'administrator', role: 'administrator', organisation: null },
        { username: 'field.user', role: 'field_user', organisation: 'first' },
      ]);
      // Two countries of the gazetteer, as seedCountries stores Natural Earth's (ISO numeric code, English name).
      for (const [code, name, box] of [['170', 'Colombia', [-79, -4.2, -66.9, 12.5]], ['804', 'Ukraine', [22.1, 44.3, 40.2, 52.4]]] as const) {
        await h.db.query(
          `WITH a AS (INSERT INTO admin_area (level, code, geom, source) VALUES (0, $1, ST_Multi(ST_MakeEnvelope($3, $4, $5, $6, 4326)), 'test') RETURNING id)
           INSERT INTO place_name (admin_area_id, name, language, kind, source) SELECT id, $2, 'en', 'conventional', 'test' FROM a`,
          [code, name, ...box],
        );
      }
      await setCountrySetting(h.db, 'Colombia', null);
      administrator = await h.newContext();
      field = await h.newContext();
    });
    after(async () => {
      await h?.close();
    });

    test('an administrator changes the country; an unknown one is refused in the server’s words', async () => {
      const page = await administrator.newPage();
      await signIn(page, 'administrator');
      await page.getByRole('link', { name: 'Settings' }).click();
      await page.waitForURL(/#\/settings$/);
      await page.getByRole('heading', { name: 'Instance settings' }).waitFor();
      assert.equal(await page.getByTestId('current-country').innerText(), 'The country is Colombia.');

      await page.getByLabel('Country').fill('Atlantis');
      await page.getByRole('button', { name: 'Save the country' }).click();
      await page.getByText('The country setting "Atlantis" matches no country in the gazetteer').waitFor();
      assert.equal((await countrySetting(h.db))?.name, 'Colombia', 'the refused country changed nothing');

      await page.getByLabel('Country').fill('804');
      await page.getByRole('button', { name: 'Save the country' }).click();
      await page.getByText('The country is now Ukraine.').waitFor();
      await page.getByTestId('current-country').getByText('The country is Ukraine.').waitFor();
      assert.equal((await countrySetting(h.db))?.name, 'Ukraine');
      const [setting] = await h.db.query<{ version: number; value: unknown }>("SELECT version, value FROM setting WHERE key = 'country'");
      assert.deepEqual(setting, { version: 2, value: '804' }, 'kept as typed, as a new version');
      await page.close();
    });

    test('a field user has no link to the page, is refused on it and by the API', async () => {
      const page = await field.newPage();
      await signIn(page, 'field.user');
      await page.getByRole('link', { name: 'Map' }).waitFor();
      assert.equal(await page.getByRole('link', { name: 'Settings' }).count(), 0);
      await page.goto('/#/settings');
      await page.getByRole('alert').getByText('needs the settings.write permission').waitFor();
      assert.equal(await page.getByLabel('Country').count(), 0, 'no country field');
      const status = await page.evaluate(async () => {
        const g = globalThis as unknown as InPage;
        const response = await g.fetch('/api/settings/country', {
          method: 'PUT',
          headers: { 'content-type': 'application/json', 'x-csrf-token': g.localStorage.getItem('safeground.csrf') ?? '' },
          body: JSON.stringify({ country: 'Colombia' }),
        });
        return response.status;
      });
      assert.equal(status, 403);
      assert.equal((await countrySetting(h.db))?.name, 'Ukraine', 'still the administrator’s country');
      await page.close();
    });
  });
}
