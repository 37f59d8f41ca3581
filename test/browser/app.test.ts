import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { fitMap, type Harness, PASSWORD, renderedFeatures, SCREENSHOTS, signIn, startHarness, unnamedControls, waitForRendered } from './harness.ts';

/**
 * The web app in a real browser against the real server: sign-in (also by keyboard alone), the
 * map's layers, a hazard reported through the form by a field user, approved by the national
 * information officer, then seen on the map and the dashboard; labels on every control.
 */
describe('web app in Chromium', () => {
  let h: Harness;
  let field: BrowserContext;
  let officer: BrowserContext;
  const reference = 'BT-HA-0001';
  /** About 100 m × 110 m of the demo area where no demo hazard lies. */
  const outline = { type: 'Polygon', coordinates: [[[-75.401, 7.3], [-75.4, 7.3], [-75.4, 7.301], [-75.401, 7.301], [-75.401, 7.3]]] };

  before(async () => {
    h = await startHarness([
      { username: 'field.user', role: 'field_user', organisation: 'first' },
      { username: 'officer', role: 'national_information_officer', organisation: null },
      { username: 'administrator', role: 'administrator', organisation: null },
    ]);
    field = await h.newContext();
    officer = await h.newContext();
  });
  after(async () => {
    await h?.close();
  });

  const shoot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: !name.startsWith('map') });

  test('signs in with the keyboard alone, with the focus visible', async () => {
    const page = await field.newPage();
    await page.goto('/#/login');
    await page.getByLabel('Username').waitFor();
    await shoot(page, 'login');
    let focused = '';
    for (let i = 0; i < 25 && focused !== 'username'; i++) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { getAttribute(n: string): string | null } | null } }).document.activeElement?.getAttribute('name') ?? '');
    }
    assert.equal(focused, 'username', 'Tab reaches the username field');
    const outline = await page.evaluate(() => {
      const g = globalThis as unknown as { document: { activeElement: object }; getComputedStyle(e: object): { outlineStyle: string; outlineWidth: string } };
      const style = g.getComputedStyle(g.document.activeElement);
      return `${style.outlineStyle} ${style.outlineWidth}`;
    });
    assert.match(outline, /^solid [1-9]/, `the focused field shows a focus outline (got ${outline})`);
    await page.keyboard.type('field.user');
    await page.keyboard.press('Tab');
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Enter');
    await page.waitForURL(/#\/map$/);
    await page.getByText('Signed in as field.user').waitFor();
    await page.close();
  });

  test('refuses a wrong password with a message', async () => {
    const context = await h.newContext();
    const page = await context.newPage();
    await page.goto('/#/login');
    await page.getByLabel('Username').fill('officer');
    await page.getByLabel('Password').fill('not the password at all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText('Unknown username or wrong password.').waitFor();
    await context.close();
  });

  test('the map draws every layer from the server, and the register as of a date', async () => {
    const page = await field.newPage();
    await page.goto('/#/map');
    for (const layers of [['hazards-fill'], ['release-products-fill'], ['finds-clusters', 'finds-points'], ['minefield-records-perimeter', 'minefield-records-rows'], ['accidents-points']]) {
      await waitForRendered(page, layers);
    }
    const hazards = await renderedFeatures(page, ['hazards-fill']);
    assert.ok(hazards.every((p) => ['sha', 'cha'].includes(String(p.kind)) && ['active', 'suspended', 'released'].includes(String(p.status))), 'hazards carry kind and status');
    const clusters = await renderedFeatures(page, ['finds-clusters']);
    assert.ok(clusters.length > 0 && clusters.some((p) => Number(p.count) > 1), 'finds are clustered when zoomed out');
    await page.getByText(/Hazardous areas in view: [1-9]/).waitFor();
    await page.waitForTimeout(500);
    await shoot(page, 'map');

    await page.getByLabel('Status').selectOption('released');
    await page.waitForTimeout(300);
    await waitForRendered(page, ['hazards-fill']);
    assert.ok((await renderedFeatures(page, ['hazards-fill'])).every((p) => p.status === 'released'), 'the status filter applies');
    await page.getByLabel('Status').selectOption('');

    const slider = page.locator('#map-as-of');
    await slider.focus();
    await page.keyboard.press('Home');
    await page.locator('.map[data-source="register"]').waitFor();
    await page.getByText('Hazardous areas in view: 0').waitFor();
    assert.deepEqual(await renderedFeatures(page, ['hazards-as-of-fill']), [], 'nothing was known on 1 January 2000');
    await page.getByRole('button', { name: 'Back to today' }).click();
    await page.locator('.map[data-source="tiles"]').waitFor();
    await waitForRendered(page, ['hazards-fill']);
    assert.deepEqual(await unnamedControls(page), []);
    await page.close();
  });

  test('finds a place by one of its names', async () => {
    const [place] = await h.db.query<{ name: string }>("SELECT name FROM place_name WHERE settlement_id IS NOT NULL ORDER BY name LIMIT 1");
    const page = await field.newPage();
    await page.goto('/#/map');
    await waitForRendered(page, ['hazards-fill']);
    await page.getByLabel('Find a place (any of its names)').fill(place!.name.slice(0, 6));
    await page.getByRole('button', { name: 'Find', exact: true }).click();
    await page.getByRole('list', { name: 'Places found' }).getByRole('button').first().click();
    await page.waitForTimeout(300);
    await page.close();
  });

  test('a field user reports a hazard through the form, which checks it first', async () => {
    const page = await field.newPage();
    await page.goto('/#/reports/new');
    await page.getByRole('heading', { name: 'Report a hazardous area' }).waitFor();
    assert.deepEqual(await unnamedControls(page), []);
    await page.getByRole('button', { name: 'Submit the report' }).click();
    const summary = page.getByRole('alert').filter({ hasText: 'The report has' });
    await summary.waitFor();
    assert.match(await summary.innerText(), /Reference: Required/);
    assert.match(await summary.innerText(), /Outline: Give the outline/);

    await page.getByLabel('Reference').fill(reference);
    await page.getByLabel('Type').selectOption('cha');
    await page.getByLabel('Local report').check();
    await page.getByLabel('Outline as GeoJSON').fill(JSON.stringify({ type: 'Feature', properties: {}, geometry: outline }));
    await page.getByLabel(/^Source/).fill('Browser test: survey team 3');
    await page.getByRole('button', { name: 'Submit the report' }).click();
    assert.match(await summary.innerText(), /A confirmed hazardous area needs direct evidence/);
    await page.getByLabel('Type').selectOption('sha');
    await page.getByLabel('Anti-personnel mines').check();
    await page.getByLabel('Cropland').check();
    await page.getByLabel(/^Estimated area/).fill('1.2');
    await page.getByRole('button', { name: 'Check the outline' }).click();
    await page.getByText('The outline has no problems.').waitFor();
    await shoot(page, 'report-hazard');
    await page.getByRole('button', { name: 'Submit the report' }).click();
    await page.getByRole('status').getByText(`Report on ${reference} submitted`).waitFor();
    const [report] = await h.db.query<{ state: string; payload: { estimatedAreaM2: number; geometry: { type: string } } }>("SELECT state, payload FROM report WHERE payload->>'reference' = $1", [reference]);
    assert.equal(report?.state, 'submitted');
    assert.equal(report?.payload.estimatedAreaM2, 12_000, '1.2 ha is 12 000 m²');
    assert.equal(report?.payload.geometry.type, 'Polygon', 'the Feature was unwrapped');
    await page.close();
  });

  test('the national information officer sees what will change, verifies and approves it', async () => {
    const [before] = await h.db.query<{ n: number }>("SELECT count(*)::int AS n FROM hazard WHERE status = 'active'");
    const page = await officer.newPage();
    await signIn(page, 'officer');
    await page.goto('/#/dashboards');
    const active = page.getByTestId('hazards-active');
    await active.waitFor();
    assert.equal(await active.innerText(), String(before!.n));

    await page.goto('/#/approvals');
    const card = page.getByRole('article').filter({ hasText: reference });
    await card.waitFor();
    const changes = card.getByRole('table', { name: 'What will change' });
    const referenceRow = changes.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'Reference' }) });
    assert.deepEqual(await referenceRow.getByRole('cell').allTextContents(), ['—', `${reference} (changed)`]);
    await card.getByRole('img', { name: 'Outline before (grey) and after (red)' }).waitFor();
    assert.deepEqual(await unnamedControls(page), []);
    await shoot(page, 'approvals');
    await card.getByRole('button', { name: `Verify ${reference}` }).click();
    await card.getByRole('button', { name: `Approve ${reference}` }).click();
    await page.getByText('No reports are waiting.').waitFor();
    const [hazard] = await h.db.query<{ id: string; status: string }>('SELECT id, status FROM hazard WHERE reference = $1', [reference]);
    assert.equal(hazard?.status, 'active');

    await page.goto('/#/dashboards');
    await page.getByTestId('hazards-active').filter({ hasText: String(before!.n + 1) }).waitFor();
    await page.getByRole('heading', { name: 'Casualties' }).waitFor();
    await shoot(page, 'dashboards');
    await page.close();
  });

  test('the approved hazard is on the map, and its page shows its history and remaining area', async () => {
    const page = await officer.newPage();
    await page.goto('/#/map');
    await waitForRendered(page, ['hazards-fill']);
    await fitMap(page, [-75.402, 7.299, -75.399, 7.302]);
    const [drawn] = await waitForRendered(page, ['hazards-fill'], (p) => p.reference === reference);
    assert.equal(drawn?.kind, 'sha');
    await page.getByRole('link', { name: reference }).click();
    await page.getByRole('heading', { name: `Hazardous area ${reference}` }).waitFor();
    await page.getByText('Version 1').waitFor();
    assert.match(await page.getByTestId('remaining-area').innerText(), /^1[.,]\d\d ha$/);
    await shoot(page, 'hazard');
    await page.close();
  });

  test('minefield record: reconstruction and the audit against finds', async () => {
    const [record] = await h.db.query<{ id: string; reference: string }>('SELECT id, reference FROM minefield_record ORDER BY reference LIMIT 1');
    const page = await officer.newPage();
    await page.goto('/#/records');
    await page.getByRole('link', { name: record!.reference }).click();
    await page.getByRole('heading', { name: `Minefield record ${record!.reference}` }).waitFor();
    await page.getByRole('table', { name: /found mines within τ/ }).waitFor();
    await page.locator('.sketch-finds circle').first().waitFor();
    await shoot(page, 'minefield-record');
    await page.close();
  });

  test('every page is in each language; numbers and areas follow the language and the unit setting', async () => {
    const page = await officer.newPage();
    await page.goto('/#/dashboards');
    await page.getByTestId('hazards-active').waitFor();
    const expected: Record<string, [string, string]> = { ru: ['Карта', 'ru'], uk: ['Карта', 'uk'], az: ['Xəritə', 'az'], hy: ['Քարտեզ', 'hy'], es: ['Mapa', 'es'], en: ['Map', 'en'] };
    for (const [language, [map, lang]] of Object.entries(expected)) {
      await page.locator('header select').first().selectOption(language);
      await page.getByRole('navigation').getByRole('link', { name: map, exact: true }).waitFor();
      assert.equal(await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { lang: string } } }).document.documentElement.lang), lang);
    }
    await page.locator('header select').first().selectOption('ru');
    await page.locator('header select').nth(1).selectOption('km2');
    await page.getByTestId('register-by-status').getByText(/^[\d\s,]+ км²$/).first().waitFor();
    await page.goto('/#/map');
    await waitForRendered(page, ['hazards-fill']);
    await page.waitForTimeout(500);
    await shoot(page, 'map-ru');
    await page.locator('header select').first().selectOption('en');
    await page.locator('header select').nth(1).selectOption('ha');
    await page.close();
  });

  test('an administrator manages users', async () => {
    const context = await h.newContext();
    const page = await context.newPage();
    await signIn(page, 'administrator');
    await page.goto('/#/users');
    await page.getByRole('row').filter({ hasText: 'field.user' }).waitFor();
    const form = page.getByRole('form', { name: 'New user' });
    await form.getByLabel('Username').fill('new.analyst');
    await form.getByLabel(/^Name/).fill('New Analyst');
    await form.getByLabel('Field user').uncheck();
    await form.getByLabel('Analyst').check();
    await form.getByLabel('Password').fill('a long enough passphrase');
    await form.getByRole('button', { name: 'Create the user' }).click();
    await page.getByText('User new.analyst created.').waitFor();
    await page.getByRole('row').filter({ hasText: 'new.analyst' }).waitFor();
    assert.deepEqual(await unnamedControls(page), []);
    await shoot(page, 'users');
    await context.close();
  });
});
