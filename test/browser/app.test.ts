import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { testBackends } from '../support/backends.ts';
import { fitMap, type Harness, PASSWORD, renderedFeatures, SCREENSHOTS, signIn, startHarness, unnamedControls, waitForRendered } from './harness.ts';

/**
 * The web app in a real browser against the real server: sign-in (also by keyboard alone), the
 * map's layers, a hazard, an activity, finds and an accident reported through the forms by a
 * field user, approved by the national information officer, then seen on the map, through the
 * API and on the dashboard; labels on every control.
 */
for (const backend of testBackends()) {
  describe(`web app in Chromium on ${backend.name}`, () => {
    let h: Harness;
    let field: BrowserContext;
    let officer: BrowserContext;
    const reference = 'BT-HA-0001';
    /** About 100 m × 110 m of the demo area where no demo hazard lies. */
    const outline = { type: 'Polygon', coordinates: [[[-75.401, 7.3], [-75.4, 7.3], [-75.4, 7.301], [-75.401, 7.301], [-75.401, 7.3]]] };

    before(async () => {
      h = await startHarness(backend, [
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
      await page.getByLabel('Outline (GeoJSON, WKT or coordinates)').fill(JSON.stringify({ type: 'Feature', properties: {}, geometry: outline }));
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

    const activityReference = 'BT-ACT-0001';
    const accidentReference = 'BT-ACC-0001';
    /** Two finds inside the new hazard, as a GPS shows them: latitude, longitude. */
    const findLines = '7.3004, -75.4004\n7.3006, -75.4006';
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);

    test('a field user reports an activity on the new hazard, its area pasted as WKT', async () => {
      const page = await field.newPage();
      await page.goto('/#/reports/new');
      await page.getByRole('navigation', { name: 'What to report' }).getByRole('link', { name: 'Activity' }).click();
      await page.getByRole('heading', { name: 'Report an activity' }).waitFor();
      assert.deepEqual(await unnamedControls(page), []);
      await page.getByLabel('Status').selectOption('completed');
      await page.getByLabel('Start date').fill(tomorrow);
      await page.getByRole('button', { name: 'Submit the report' }).click();
      const summary = page.getByRole('alert').filter({ hasText: 'The report has' });
      await summary.waitFor();
      const problems = await summary.innerText();
      assert.match(problems, /Reference: Required/);
      assert.match(problems, /Start date: Work that is ongoing or completed cannot be dated in the future/);
      assert.match(problems, /End date: Required/);
      assert.match(problems, /Source: Required/);

      await page.getByLabel(/^Reference/).fill(activityReference);
      await page.getByLabel('Activity', { exact: true }).selectOption('clearance');
      await page.getByLabel('Team').fill('Team 3');
      await page.getByLabel('Start date').fill(yesterday);
      await page.getByLabel('End date').fill(yesterday);
      await page.getByLabel('Find a hazardous area by reference').fill('BT-HA');
      await page.getByLabel(new RegExp(`^${reference} \\(SHA`)).check();
      await page.getByLabel('Area (GeoJSON, WKT or coordinates)').fill('POLYGON ((-75.401 7.3, -75.4005 7.3, -75.4005 7.3005, -75.401 7.3005, -75.401 7.3))');
      await page.getByLabel(/^Source/).fill('Browser test: clearance team 3 completion report');
      await page.getByRole('button', { name: 'Check the area' }).click();
      await page.getByText('The area has no problems.').waitFor();
      await shoot(page, 'report-activity');
      await page.getByRole('button', { name: 'Submit the report' }).click();
      await page.getByRole('status').getByText(`Report on ${activityReference} submitted`).waitFor();
      const [report] = await h.db.query<{ state: string; payload: { hazardIds: string[]; geometry: { type: string } } }>("SELECT state, payload FROM report WHERE entity_type = 'activity' AND payload->>'reference' = $1", [activityReference]);
      assert.equal(report?.state, 'submitted');
      assert.equal(report?.payload.hazardIds.length, 1);
      assert.equal(report?.payload.geometry.type, 'Polygon', 'the WKT became GeoJSON');
      await page.close();
    });

    test('a field user reports two finds at once, given as coordinates', async () => {
      const page = await field.newPage();
      await page.goto('/#/reports/new/finds');
      await page.getByRole('heading', { name: 'Report explosive ordnance finds' }).waitFor();
      assert.deepEqual(await unnamedControls(page), []);
      await page.getByLabel('Date found').fill(tomorrow);
      await page.getByRole('button', { name: 'Submit the report' }).click();
      const summary = page.getByRole('alert').filter({ hasText: 'The report has' });
      await summary.waitFor();
      const problems = await summary.innerText();
      assert.match(problems, /Category: Give the category or the ordnance model/);
      assert.match(problems, /Date found: The date is in the future/);
      assert.match(problems, /Where the finds were: Give the points/);

      await page.getByLabel('Ordnance model').fill('PMN-2');
      await page.getByLabel('Category').selectOption('at_mine');
      await page.getByLabel('Date found').fill(yesterday);
      await page.getByLabel('Points (GeoJSON, WKT or coordinates)').fill(findLines);
      await page.getByRole('button', { name: 'Submit 2 finds' }).click();
      assert.match(await summary.innerText(), /Category: PMN-2 is in the category “Anti-personnel mine”/);
      await page.getByLabel('Category').selectOption('');
      await page.getByLabel('Depth (cm)').fill('15');
      await page.getByLabel('Condition').selectOption('armed');
      await page.getByLabel('Disposal').selectOption('destroyed_in_situ');
      await page.getByLabel(/^Source/).fill('Browser test: clearance team 3 daily report');
      await page.getByText('Finds read: 2').waitFor();
      await shoot(page, 'report-finds');
      await page.getByRole('button', { name: 'Submit 2 finds' }).click();
      await page.getByRole('status').getByText('2 find report(s) submitted').waitFor();
      const reports = await h.db.query<{ state: string; payload: { geometry: { coordinates: number[] }; depthCm: number } }>("SELECT state, payload FROM report WHERE entity_type = 'find' ORDER BY created_at");
      assert.deepEqual(reports.map((r) => r.state), ['submitted', 'submitted']);
      assert.deepEqual(reports.map((r) => r.payload.geometry.coordinates), [[-75.4004, 7.3004], [-75.4006, 7.3006]], 'latitude, longitude lines became GeoJSON points');
      await page.close();
    });

    test('a field user reports an accident with two victims, its place clicked on a map', async () => {
      const page = await field.newPage();
      await page.goto('/#/reports/new/accident');
      await page.getByRole('heading', { name: 'Report an accident' }).waitFor();
      assert.equal(await page.getByLabel('Full name').count(), 0, 'no identifying details without restricted.read');
      await page.getByRole('button', { name: 'Submit the report' }).click();
      const summary = page.getByRole('alert').filter({ hasText: 'The report has' });
      await summary.waitFor();
      const problems = await summary.innerText();
      assert.match(problems, /Reference: Required/);
      assert.match(problems, /Date of the accident: Required/);
      assert.match(problems, /Victim 1, Outcome: Required/);
      assert.match(problems, /Victim 1, Civilian or military: Required/);

      await page.getByLabel('Reference').fill(accidentReference);
      await page.getByLabel('Date of the accident').fill(yesterday);
      await page.getByLabel('Ordnance model').fill('PMN-2');
      await page.getByRole('button', { name: 'Draw on a map' }).click();
      const map = page.getByRole('application', { name: /Map for placing points/ });
      await map.locator('canvas').waitFor();
      await page.waitForTimeout(500);
      await map.click();
      const place = page.getByLabel('Place (GeoJSON, WKT or coordinates)');
      for (let tries = 0; tries < 50 && !(await place.inputValue()); tries++) await page.waitForTimeout(100);
      assert.match(await place.inputValue(), /^\{"type":"Point","coordinates":\[-?\d/, 'the click became the place');
      const first = page.getByRole('group', { name: 'Victim 1' });
      await first.getByLabel('Outcome').selectOption('injured');
      await first.getByLabel('Civilian or military').selectOption('civilian');
      await first.getByLabel('Sex').selectOption('female');
      await first.getByLabel('Age').fill('12');
      await first.getByLabel('Injuries').fill('leg, eyes');
      await page.getByRole('button', { name: 'Add a victim' }).click();
      const second = page.getByRole('group', { name: 'Victim 2' });
      await second.getByLabel('Outcome').selectOption('killed');
      await second.getByLabel('Civilian or military').selectOption('military');
      await second.getByLabel('Sex').selectOption('male');
      await second.getByLabel('Age').fill('34');
      await page.getByLabel(/^Source/).fill('Browser test: hospital report');
      assert.deepEqual(await unnamedControls(page), []);
      await shoot(page, 'report-accident');
      await page.getByRole('button', { name: 'Submit the report' }).click();
      await page.getByRole('status').getByText(`Report on ${accidentReference} submitted`).waitFor();
      const [report] = await h.db.query<{ state: string; payload: { victims: { injuries: string[] }[]; geometry: { type: string } } }>("SELECT state, payload FROM report WHERE entity_type = 'accident' AND payload->>'reference' = $1", [accidentReference]);
      assert.equal(report?.state, 'submitted');
      assert.equal(report?.payload.geometry.type, 'Point');
      assert.deepEqual(report?.payload.victims.map((v) => v.injuries), [['leg', 'eyes'], []]);
      await page.close();
    });

    test('the officer approves the activity, the finds and the accident; they are on the map, in the API and on the dashboard', async () => {
      const [counts] = await h.db.query<{ victims: number; accidents: number }>('SELECT (SELECT count(*)::int FROM victim) AS victims, (SELECT count(*)::int FROM accident) AS accidents');
      const page = await officer.newPage();
      await page.goto('/#/approvals');
      const accidentCard = page.getByRole('article').filter({ hasText: accidentReference });
      await accidentCard.getByRole('row').filter({ hasText: 'Victims' }).getByText('1. Injured, Female, 12 years, Civilian; 2. Killed, Male, 34 years, Military').waitFor();
      await page.getByRole('article').filter({ hasText: 'PMN-2 ×1' }).first().waitFor();
      assert.deepEqual(await unnamedControls(page), []);
      // Each step reloads the queue: wait for it, then for its buttons or the empty queue, before the next step.
      const empty = page.getByText('No reports are waiting.');
      for (let steps = 0; steps < 8; steps++) {
        const approve = page.getByRole('button', { name: /^Approve / });
        const verify = page.getByRole('button', { name: /^Verify / });
        await approve.or(verify).or(empty).first().waitFor();
        const next = (await approve.count()) > 0 ? approve.first() : (await verify.count()) > 0 ? verify.first() : null;
        if (!next) break;
        const reloaded = page.waitForResponse((response) => response.url().includes('state=verified'));
        await next.click();
        await reloaded;
      }
      await empty.waitFor();
      const refused = await h.db.query<{ entity_type: string; state: string }>("SELECT entity_type, state FROM report WHERE state <> 'approved'");
      assert.deepEqual([...refused], []);

      const [activity] = await h.db.query<{ id: string }>('SELECT id FROM activity WHERE reference = $1', [activityReference]);
      const [hazard] = await h.db.query<{ id: string }>('SELECT id FROM hazard WHERE reference = $1', [reference]);
      const answer = await page.request.get(`/api/activities/${activity!.id}`);
      const approved = (await answer.json()) as { kind: string; status: string; hazardIds: string[]; geometry: { type: string } };
      assert.equal(approved.kind, 'clearance');
      assert.equal(approved.status, 'completed');
      assert.deepEqual(approved.hazardIds, [hazard!.id]);
      assert.match(approved.geometry.type, /Polygon$/, 'the area is stored');

      const finds = await h.db.query<{ id: string }>("SELECT id FROM find WHERE source = 'Browser test: clearance team 3 daily report'");
      assert.equal(finds.length, 2);
      await page.goto('/#/map');
      await waitForRendered(page, ['hazards-fill']);
      await fitMap(page, [-75.4008, 7.3002, -75.4002, 7.3008]);
      const ids = new Set(finds.map((f) => f.id));
      await waitForRendered(page, ['finds-points'], (p) => ids.has(String(p.id)));
      const drawn = await renderedFeatures(page, ['finds-points']);
      assert.equal(drawn.filter((p) => ids.has(String(p.id))).length, 2, 'both finds are drawn');
      assert.ok(drawn.filter((p) => ids.has(String(p.id))).every((p) => p.category === 'ap_mine'), 'the category is the model’s');

      await page.goto('/#/dashboards');
      await page.getByText(`${counts!.victims + 2} casualties in ${counts!.accidents + 1} accidents`).waitFor();
      await page.close();
    });

    test('a national officer may give a victim’s identifying details; the approved accident keeps them restricted', async () => {
      const other = 'BT-ACC-0002';
      const page = await officer.newPage();
      await page.goto('/#/reports/new/accident');
      await page.getByRole('heading', { name: 'Report an accident' }).waitFor();
      await page.getByLabel('Reference').fill(other);
      await page.getByLabel('Date of the accident').fill(yesterday);
      await page.getByLabel('Device').selectOption('unknown');
      await page.getByLabel('Place (GeoJSON, WKT or coordinates)').fill('7.3009, -75.4009');
      await page.getByText('Read as latitude 7.3009, longitude -75.4009.').waitFor();
      const victim = page.getByRole('group', { name: 'Victim 1' });
      await victim.getByLabel('Outcome').selectOption('injured');
      await victim.getByLabel('Civilian or military').selectOption('deminer');
      await victim.getByLabel('Full name').fill('Test Person');
      await victim.getByLabel('Date of birth').fill(tomorrow);
      await page.getByLabel(/^Source/).fill('Browser test: operator incident report');
      assert.deepEqual(await unnamedControls(page), []);
      await page.getByRole('button', { name: 'Submit the report' }).click();
      await page.getByRole('alert').filter({ hasText: 'Victim 1, Date of birth: The date is in the future.' }).waitFor();
      await victim.getByLabel('Date of birth').fill('1990-05-01');
      await page.getByRole('button', { name: 'Submit the report' }).click();
      await page.getByRole('status').getByText(`Report on ${other} submitted`).waitFor();

      await page.goto('/#/approvals');
      const card = page.getByRole('article').filter({ hasText: other });
      await card.getByRole('row').filter({ hasText: 'Victims' }).getByText('1. Injured, Deminer, identifying details given').waitFor();
      await card.getByRole('button', { name: `Verify ${other}` }).click();
      await card.getByRole('button', { name: `Approve ${other}` }).click();
      await page.getByText('No reports are waiting.').waitFor();

      const [accident] = await h.db.query<{ id: string }>('SELECT id FROM accident WHERE reference = $1', [other]);
      type Answer = { victims: { identity?: { fullName: string; dateOfBirth: string } | null }[] };
      const restricted = (await (await page.request.get(`/api/accidents/${accident!.id}?include=identity`)).json()) as Answer;
      assert.equal(restricted.victims[0]?.identity?.fullName, 'Test Person');
      assert.equal(restricted.victims[0]?.identity?.dateOfBirth, '1990-05-01');
      const fieldPage = await field.newPage();
      const plain = (await (await fieldPage.request.get(`/api/accidents/${accident!.id}`)).json()) as Answer;
      assert.equal(plain.victims[0]?.identity, undefined, 'no identity in the plain answer');
      assert.equal((await fieldPage.request.get(`/api/accidents/${accident!.id}?include=identity`)).status(), 403, 'a field user may not ask for it');
      await fieldPage.close();
      await page.close();
    });

    test("a field user's file of finds is one report: the officer reads a sample of its rows and approving imports them all", async () => {
      const fieldPage = await field.newPage();
      await fieldPage.goto('/#/map');
      const csrf = await fieldPage.evaluate<string | null>("localStorage.getItem('safeground.csrf')");
      const csv = ['externalId,category,ordnanceModel,foundOn,latitude,longitude', `BT-F-1,ap_mine,PMN-2,${yesterday},7.3031,-75.3931`, `BT-F-2,uxo,,${yesterday},7.3032,-75.3932`].join('\n');
      const sent = await fieldPage.request.post('/api/imports/finds?name=team-7.csv', { headers: { 'content-type': 'text/csv', 'x-csrf-token': csrf ?? '' }, data: csv });
      assert.equal(sent.status(), 202, await sent.text());
      await fieldPage.close();
      const [before] = await h.db.query<{ n: number }>("SELECT count(*)::int AS n FROM find WHERE external_id LIKE 'BT-F-%'");
      assert.equal(before!.n, 0, 'nothing is written before approval');

      const page = await officer.newPage();
      await page.goto('/#/approvals');
      const card = page.getByRole('article').filter({ hasText: 'team-7.csv: 2 finds' });
      await card.getByRole('row').filter({ hasText: 'Finds (the first rows)' }).getByText(/row 2: PMN-2 ×1, .*; row 3: Unexploded ordnance \(UXO\) ×1/).waitFor();
      assert.deepEqual(await unnamedControls(page), []);
      await card.getByRole('button', { name: /^Verify / }).click();
      await card.getByRole('button', { name: /^Approve / }).click();
      await page.getByText('No reports are waiting.').waitFor();
      const finds = await h.db.query<{ external_id: string }>("SELECT external_id FROM find WHERE external_id LIKE 'BT-F-%' ORDER BY external_id");
      assert.deepEqual(finds.map((f) => f.external_id), ['BT-F-1', 'BT-F-2']);
      await page.close();
    });

    test('minefield record: reconstruction and the audit against finds', async () => {
      const [record] = await h.db.query<{ id: string; reference: string }>('SELECT id, reference FROM minefield_record ORDER BY reference LIMIT 1');
      const page = await officer.newPage();
      await page.goto('/#/records');
      await page.getByRole('table', { name: 'Pooled figures per handover batch' }).getByRole('cell', { name: /^\d+ of \d+$/ }).first().waitFor();
      await page.getByRole('link', { name: record!.reference }).click();
      await page.getByRole('heading', { name: `Minefield record ${record!.reference}` }).waitFor();
      await page.getByRole('table', { name: /found mines within τ/ }).waitFor();
      await page.locator('.sketch-finds circle').first().waitFor();
      // Both figures with the counts they are made of, as the API gives them.
      type Count = { count: number; of: number };
      const audit = (await page.evaluate(async (id) => (await fetch(`/api/minefield-records/${id}/audit`)).json(), record!.id)) as {
        positionalAccuracy: (Count & { toleranceM: number })[];
        completeness: Count;
        systematicError: { significant: boolean } | null;
      };
      const at5 = audit.positionalAccuracy.find((p) => p.toleranceM === 5)!;
      const completeness = page.locator('dt', { hasText: /^Completeness$/ }).locator('xpath=following-sibling::dd[1]');
      assert.match((await completeness.textContent()) ?? '', new RegExp(`\\(${audit.completeness.count} of ${audit.completeness.of}\\)$`));
      const accuracy = page.locator('dt', { hasText: 'Positional accuracy A(5 m)' }).locator('xpath=following-sibling::dd[1]');
      assert.match((await accuracy.textContent()) ?? '', new RegExp(`\\(${at5.count} of ${at5.of}\\)$`));
      assert.equal(await page.getByRole('columnheader', { name: 'After the shift' }).count(), audit.systematicError?.significant ? 1 : 0);
      await shoot(page, 'minefield-record');

      // A(τ) computed again by PostGIS from the audit's stated method (docs/minefield-records.md):
      // found mines within the maximum shift (200 m) + τ (5 m) of the hull of the record's
      // perimeter, rows and mines, each counted once per item, and those within τ of a row or mine.
      const curve = await h.db.query<{ tau: number; near: number; mines: number }>(
        `WITH hull AS (
           SELECT ST_ConvexHull(ST_Collect(g))::geography AS g FROM (
             SELECT perimeter AS g FROM minefield_record WHERE id = $1 UNION ALL SELECT row_lines FROM minefield_record WHERE id = $1
             UNION ALL SELECT geom FROM minefield_record_mine WHERE record_id = $1) parts),
         found AS (SELECT f.geom::geography AS g, f.quantity FROM find f, hull WHERE f.category ILIKE '%mine%' AND ST_DWithin(f.geom::geography, hull.g, 205))
         SELECT tau, (SELECT coalesce(sum(quantity), 0) FROM found) ::int AS mines,
                (SELECT coalesce(sum(quantity), 0) FROM found
                  WHERE EXISTS (SELECT 1 FROM minefield_record_row w WHERE w.record_id = $1 AND ST_DWithin(w.geom::geography, found.g, tau))
                     OR EXISTS (SELECT 1 FROM minefield_record_mine m WHERE m.record_id = $1 AND ST_DWithin(m.geom::geography, found.g, tau)))::int AS near
           FROM unnest(ARRAY[1, 2, 5, 10, 20, 50]::float8[]) tau ORDER BY tau`,
        [record!.id],
      );
      const mines = curve[0]!.mines;
      assert.ok(mines > 0, 'the first demo record has found mines to audit');
      const table = page.getByRole('table', { name: /found mines within τ/ });
      assert.match((await table.locator('caption').textContent()) ?? '', new RegExp(`Share of ${mines.toLocaleString('en-GB')} found mines`));
      const shown = await table.locator('tbody tr').evaluateAll((rows) => rows.map((r) => [...r.children].map((c) => c.textContent ?? '')));
      const percent = new Intl.NumberFormat('en-GB', { style: 'percent', maximumFractionDigits: 1 });
      const count = new Intl.NumberFormat('en-GB');
      assert.deepEqual(
        shown.map(([tau, asRecorded]) => [tau, asRecorded]),
        curve.map((c) => [`${c.tau} m`, `${percent.format(c.near / mines)} (${count.format(c.near)} of ${count.format(mines)})`]),
      );
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

    test('the app and the OGC API pages pass the Content Security Policy: no violation reported', async () => {
      const context = await h.newContext();
      const page = await context.newPage();
      for (const path of ['/ogc?f=html', '/ogc/collections?f=html', '/ogc/collections/hazards/items?f=html&limit=5']) {
        const response = await page.goto(path);
        assert.match(response!.headers()['content-security-policy'] ?? '', /script-src 'self'/);
      }
      await context.close();
      assert.deepEqual(h.cspViolations, []);
    });
  });
}
