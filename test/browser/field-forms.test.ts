import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { progressProblems } from '../../src/land/progress.ts';
import { pastDateProblem } from '../../src/land/rules.ts';
import { sessionProblems, type SessionFacts } from '../../src/ops/riskEducation.ts';
import { testBackends } from '../support/backends.ts';
import { type Harness, SCREENSHOTS, signIn, startHarness } from './harness.ts';

/**
 * The field app's forms for risk education sessions and daily progress, and the rules they share
 * with the server. In Chromium: a risk education session filled with the network off and placed
 * by the (overridden) GPS waits in the outbox, goes out when the link returns, is verified and
 * approved on the approvals page, and is a row of risk_education_session with the values typed; a
 * day's progress is refused on the device for a day before its activity started, as the server
 * would refuse it, and sent once corrected; land released is reported in a hazardous area of its
 * activity, with the depth a clearance needs. Then every field form at 360 × 740 in English and
 * Russian: no sideways scrolling, touch targets of 48 px, a screenshot each.
 */

/** The browser's globals inside page.evaluate, typed here: the tests compile without the DOM library. */
interface InPage {
  document: {
    querySelector(selector: string): { textContent: string | null; scrollWidth: number; clientWidth: number } | null;
    querySelectorAll(selector: string): ArrayLike<{ getBoundingClientRect(): { width: number; height: number } }>;
  };
}

describe('rules the forms share with the server (no browser)', () => {
  const today = '2026-03-10';
  const session = (over: Partial<SessionFacts> = {}): SessionFacts => ({
    heldOn: '2026-03-01', organisationId: 'org', method: 'presentation', source: 'attendance sheet', beneficiaries: { girls: 3, boys: 4, women: 0, men: 1 }, position: true, settlementId: null, ...over,
  });

  test('a date of something that happened is a real day, not in the future, not before 1900', () => {
    assert.equal(pastDateProblem('2024-02-29', today), null);
    assert.equal(pastDateProblem('2023-02-29', today), 'not_date', 'no 29 February in 2023');
    assert.equal(pastDateProblem('2026-3-1', today), 'not_date');
    assert.equal(pastDateProblem('2026-03-11', today), 'future');
    assert.equal(pastDateProblem('1899-12-31', today), 'before_1900');
    assert.equal(pastDateProblem('0050-06-01', today), 'before_1900', 'a year below 100 is that year, not 1950');
  });

  test('a risk education session needs a place (a position or a settlement), whole numbers of people and a method of the list', () => {
    assert.deepEqual(sessionProblems(session(), today), {});
    assert.deepEqual(sessionProblems(session({ position: false }), today), { place: 'no_place' });
    assert.deepEqual(sessionProblems(session({ position: false, settlementId: 'settlement' }), today), {}, 'a settlement places it');
    assert.deepEqual(sessionProblems(session({ beneficiaries: { girls: -1, boys: 2.5, women: Number.NaN, men: 0 } }), today), { girls: 'not_count', boys: 'not_count', women: 'not_count' });
    assert.deepEqual(sessionProblems(session({ heldOn: '', method: 'theatre', source: ' ', organisationId: '' }), today), { heldOn: 'required', organisationId: 'required', method: 'not_method', source: 'required' });
    assert.deepEqual(sessionProblems(session({ heldOn: '2026-04-01' }), today), { heldOn: 'future' });
  });

  test('a day’s progress lies within its activity’s work and has an area of zero or more', () => {
    const day = { activityId: 'a', reportDate: '2026-02-10', areaProcessedM2: 350, source: 'daily sheet' };
    const activity = { startDate: '2026-02-01', endDate: '2026-02-28' };
    assert.deepEqual(progressProblems(day, activity, today), {});
    assert.deepEqual(progressProblems({ ...day, areaProcessedM2: 0 }, activity, today), {}, 'a day of rain is a day of no progress');
    assert.deepEqual(progressProblems({ ...day, reportDate: '2026-01-31' }, activity, today), { reportDate: 'before_start' });
    assert.deepEqual(progressProblems({ ...day, reportDate: '2026-03-01' }, activity, today), { reportDate: 'after_end' });
    assert.deepEqual(progressProblems({ ...day, reportDate: '2026-03-01' }, { startDate: null, endDate: null }, today), {}, 'an activity without dates bounds nothing');
    assert.deepEqual(progressProblems({ ...day, areaProcessedM2: -1 }, activity, today), { areaProcessedM2: 'not_area' });
    assert.deepEqual(progressProblems({ activityId: '', reportDate: '', areaProcessedM2: Number.NaN, source: '' }, null, today), {
      activityId: 'required', reportDate: 'required', areaProcessedM2: 'not_area', source: 'required',
    });
  });
});

for (const backend of testBackends()) {
  describe(`field forms in Chromium on ${backend.name}`, () => {
    let h: Harness;
    let field: BrowserContext;
    let page: Page;
    /** Where the GPS says the device is: a place in the demo area, with 4 m stated accuracy. */
    const position = { latitude: 7.30123, longitude: -75.40321, accuracy: 4 };
    const source = 'Field test: attendance sheet of a session held offline';
    let organisationId = '';

    before(async () => {
      h = await startHarness(backend, [
        { username: 'field.user', role: 'field_user', organisation: 'first' },
        { username: 'officer', role: 'national_information_officer', organisation: null },
      ]);
      const [organisation] = await h.db.query<{ id: string }>('SELECT id FROM organisation ORDER BY name LIMIT 1');
      organisationId = organisation!.id;
      field = await h.newContext();
      // Granted for the server's origin: a grant without one left Chromium's geolocation unanswered.
      await field.grantPermissions(['geolocation'], { origin: h.baseUrl });
      await field.setGeolocation(position);
      page = await field.newPage();
      await signIn(page, 'field.user');
    });
    after(async () => {
      await h?.close();
    });

    const outboxStateIs = (want: string) =>
      page.waitForFunction((state) => (globalThis as unknown as InPage).document.querySelector('.field-outbox .outbox-state')?.textContent === state, want, { timeout: 30_000 });

    test('a risk education session made offline, placed by GPS, is sent when the link returns and approved with the values typed', async () => {
      await page.goto('/#/reports/new/riskEducation');
      await page.getByRole('heading', { name: 'Report a risk education session' }).waitFor();
      await field.setOffline(true);

      // The device refuses what the server would: here, a session with no place and no method.
      await page.getByRole('button', { name: 'Submit the report' }).click();
      const summary = page.getByRole('alert');
      await summary.getByText('Place of the session: Give the position (GPS or map) or choose the settlement.').waitFor();
      await summary.getByText('Method: Required.').waitFor();

      await page.getByLabel(/^Date of the session/).fill('2025-11-20');
      await page.getByLabel(/^Method/).selectOption('interpersonal');
      await page.getByLabel('Girls').fill('12');
      await page.getByLabel('Boys').fill('9');
      await page.getByLabel('Women', { exact: true }).fill('7');
      await page.getByText('In all: 28').waitFor();
      await page.getByLabel(/^Source/).fill(source);
      await page.getByRole('button', { name: 'Add my position (GPS)' }).click();
      await page.getByText(/^Position from \d+ fix\(es\) averaged, accurate to about [\d.]+ m$/).waitFor({ timeout: 30_000 });
      await page.getByRole('button', { name: 'Submit the report' }).click();
      await page.getByText('Risk education session of Nov 20, 2025 saved on this device.').waitFor();

      await page.goto('/#/field');
      await page.locator('.field-outbox li').first().waitFor();
      assert.match(await page.locator('.field-outbox li').first().innerText(), /^Risk education · .* · On the device/);
      const reportId = (await page.locator('.field-outbox li').first().getAttribute('data-report-id')) ?? '';
      const [waiting] = await h.db.query<{ count: number }>('SELECT count(*)::int AS count FROM report WHERE id = $1', [reportId]);
      assert.equal(waiting!.count, 0, 'nothing reached the server while offline');

      await field.setOffline(false);
      await outboxStateIs('Sent');

      // The officer verifies and approves it on the approvals page, where it is named by its method and date.
      const office = await (await h.newContext()).newPage();
      await signIn(office, 'officer');
      await office.goto('/#/approvals');
      const title = 'Interpersonal (door to door, one to one), Nov 20, 2025';
      const card = office.getByRole('article', { name: `New · risk education session ${title} Submitted` });
      await card.getByRole('row', { name: /^Girls\b.*\b12\b/ }).waitFor().catch(async (error: unknown) => {
        throw new Error(`${String(error)}\nThe approvals page said:\n${await office.locator('main').innerText()}`);
      });
      await card.getByRole('button', { name: `Verify ${title}` }).click();
      const approve = office.getByRole('button', { name: `Approve ${title}` });
      await approve.click();
      await approve.waitFor({ state: 'detached' });
      await office.close();

      const [session, ...others] = await h.db.query<Record<string, unknown>>(
        `SELECT to_char(held_on, 'YYYY-MM-DD') AS held_on, method, girls, boys, women, men, organisation_id, settlement_id, version,
           round(ST_X(geom)::numeric, 7)::float8 AS longitude, round(ST_Y(geom)::numeric, 7)::float8 AS latitude
         FROM risk_education_session WHERE source = $1`,
        [source],
      );
      assert.equal(others.length, 0, 'one session');
      assert.deepEqual(
        { ...session },
        { held_on: '2025-11-20', method: 'interpersonal', girls: 12, boys: 9, women: 7, men: 0, organisation_id: organisationId, settlement_id: null, version: 1, longitude: position.longitude, latitude: position.latitude },
      );
      await page.getByRole('button', { name: 'Send and check now' }).click();
      await outboxStateIs('Approved');
    });

    test('a day’s progress dated before its activity started is refused on the device, as on the server; corrected, it is submitted', async () => {
      const [activity] = await h.db.query<{ id: string; reference: string; start: string }>(
        "SELECT id, reference, to_char(start_date, 'YYYY-MM-DD') AS start FROM activity WHERE organisation_id = $1 AND start_date IS NOT NULL AND start_date <= current_date ORDER BY reference LIMIT 1",
        [organisationId],
      );
      await field.setOffline(false); // whatever the test before left
      const dayBefore = new Date(Date.parse(`${activity!.start}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
      await page.goto('/#/reports/new/progress');
      await page.getByRole('heading', { name: 'Report a day’s progress' }).waitFor();
      await page.getByLabel(/^Activity/).selectOption(activity!.id);
      await page.getByLabel(/^Day worked/).fill(dayBefore);
      await page.getByLabel(/^Area processed/).fill('0.04');
      await page.getByLabel(/^Source/).fill('Field test: daily sheet');
      await page.getByRole('button', { name: 'Submit the report' }).click();
      await page.getByRole('alert').getByText(/^Day worked: The day is before the activity’s start/).waitFor();

      await page.getByLabel(/^Day worked/).fill(activity!.start);
      await page.getByRole('button', { name: 'Submit the report' }).click();
      await page.getByText(`Progress of ${activity!.reference} on`).waitFor();
      const [report] = await h.db.query<{ activity: string; day: string; area: number }>(
        "SELECT payload->>'activityId' AS activity, payload->>'reportDate' AS day, (payload->>'areaProcessedM2')::float8 AS area FROM report WHERE entity_type = 'progress_report' AND state = 'submitted'",
      );
      assert.deepEqual({ ...report }, { activity: activity!.id, day: activity!.start, area: 400 }, '0.04 ha (the area unit of the header) is 400 m²');
    });

    test('land released in a hazardous area of the activity: the hazards offered are the activity’s, the method asks for its own facts', async () => {
      const [linked] = await h.db.query<{ activity: string; hazard: string; reference: string; wkt: string; others: number }>(
        `SELECT a.id AS activity, h.id AS hazard, h.reference, ST_AsText(h.geom) AS wkt, (SELECT count(*)::int FROM activity_hazard x WHERE x.activity_id = a.id) AS others
         FROM activity a JOIN activity_hazard ah ON ah.activity_id = a.id JOIN hazard h ON h.id = ah.hazard_id
         WHERE a.organisation_id = $1 AND h.status <> 'released' ORDER BY a.reference, h.reference LIMIT 1`,
        [organisationId],
      );
      await page.goto('/#/reports/new/release');
      await page.getByRole('heading', { name: 'Report land released' }).waitFor();
      await page.getByLabel(/^Activity/).selectOption(linked!.activity);
      const hazards = page.getByLabel(/^Hazardous area/);
      await hazards.locator('option', { hasText: linked!.reference }).waitFor({ state: 'attached' });
      assert.equal(await hazards.locator('option').count(), linked!.others + 1, 'the activity’s hazardous areas, and “Choose…”');
      await hazards.selectOption(linked!.hazard);
      await page.getByLabel(/^Method/).selectOption('cleared');
      await page.getByLabel(/^Source/).fill('Field test: completion sheet');
      await page.getByLabel('Outline (GeoJSON, WKT or coordinates)').fill(linked!.wkt);
      await page.getByRole('button', { name: 'Submit the report' }).click();
      await page.getByRole('alert').getByText('Clearance depth (cm): Required.').waitFor();
      await page.getByLabel(/^Clearance depth/).fill('30');
      await page.getByRole('button', { name: 'Submit the report' }).click();
      await page.getByText(`Land released (Cleared) in ${linked!.reference}`).waitFor();
      const [report] = await h.db.query<{ method: string; depth: number; hazard: string }>(
        "SELECT payload->>'method' AS method, (payload->>'clearanceDepthCm')::int AS depth, payload->>'hazardId' AS hazard FROM report WHERE entity_type = 'release_product' AND state = 'submitted'",
      );
      assert.deepEqual({ ...report }, { method: 'cleared', depth: 30, hazard: linked!.hazard });
    });

    test('every field form at 360 × 740 in English and Russian: no sideways scrolling, touch targets of 48 px', async () => {
      await page.setViewportSize({ width: 360, height: 740 });
      const forms = [
        ['hazard', '/reports/new'],
        ['activity', '/reports/new/activity'],
        ['progress', '/reports/new/progress'],
        ['release', '/reports/new/release'],
        ['risk-education', '/reports/new/riskEducation'],
      ] as const;
      for (const language of ['en', 'ru'] as const) {
        if (language === 'ru') await page.getByLabel('Language').selectOption('ru');
        for (const [name, path] of forms) {
          await page.goto(`/#${path}`);
          await page.locator('form').first().waitFor();
          const layout = await page.evaluate(() => {
            const { document } = globalThis as unknown as InPage;
            const main = document.querySelector('main')!;
            const controls = Array.from(document.querySelectorAll('main form input:not([type=checkbox]):not([type=file]), main form select, main form button'));
            const small = controls.map((c) => c.getBoundingClientRect()).filter((r) => r.width > 0 && r.height < 47.5);
            return { overflow: main.scrollWidth - main.clientWidth, small: small.length, controls: controls.length };
          });
          assert.equal(layout.overflow, 0, `the ${name} form fits 360 px in ${language}`);
          assert.equal(layout.small, 0, `every control of the ${name} form in ${language} is 48 px high (${layout.controls} controls)`);
          // The form from its title down: the header and the kinds of report above it are the same on every form.
          await page.locator('main h1').evaluate((h1) => (h1 as unknown as { scrollIntoView(): void }).scrollIntoView());
          await page.screenshot({ path: join(SCREENSHOTS, `report-${name}-360-${language}.png`) });
        }
      }
    });
  });
}
