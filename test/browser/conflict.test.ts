import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { type Actor, permissionsOf } from '../../src/access/permissions.ts';
import * as workflow from '../../src/reports/workflow.ts';
import { receiveReports } from '../../src/sync/receive.ts';
import '../../src/land/handlers.ts';
import { testBackends } from '../support/backends.ts';
import { type Harness, SCREENSHOTS, signIn, startHarness } from './harness.ts';

/**
 * The same hazard edited at the centre and, offline, at a field office: the field's report
 * arrives by sync as a conflict, and the national information officer settles it in the browser,
 * field by field, with base, theirs and current side by side.
 */
for (const backend of testBackends()) {
  describe(`a sync conflict resolved in Chromium on ${backend.name}`, () => {
    let h: Harness;
    let officer: Actor;
    let hazardId: string;
    let nationalEdit: string;
    let fieldReport: string;

    before(async () => {
      h = await startHarness(backend, [{ username: 'officer', role: 'national_information_officer', organisation: null }]);
      const [user] = await h.db.query<{ id: string }>("SELECT id FROM app_user WHERE username = 'officer'");
      officer = { userId: user!.id, username: 'officer', organisationId: null, roles: ['national_information_officer'], permissions: permissionsOf(['national_information_officer']), via: 'token' };
      const approve = async (input: workflow.ReportInput) => {
        const report = await workflow.createReport(h.db, officer, input, { submit: true });
        await workflow.verifyReport(h.db, officer, report.id, null);
        return workflow.approveReport(h.db, officer, report.id, null);
      };
      const outline = { type: 'Polygon', coordinates: [[[-75.401, 7.3], [-75.4, 7.3], [-75.4, 7.301], [-75.401, 7.301], [-75.401, 7.3]]] };
      const created = await approve({
        entityType: 'hazard',
        action: 'create',
        payload: { reference: 'BT-SYNC-1', kind: 'sha', evidence: ['former_front_line'], source: 'browser test', description: 'as surveyed', geometry: outline },
      });
      hazardId = created.entity_id!;
      nationalEdit = (await approve({ entityType: 'hazard', action: 'update', entityId: hazardId, baseVersion: 1, reason: 'resurvey', payload: { description: 'national edit' } })).id;
      fieldReport = randomUUID();
      const [result] = await receiveReports(h.db, officer, randomUUID(), [
        {
          id: fieldReport,
          entityType: 'hazard',
          action: 'update',
          entityId: hazardId,
          baseVersion: 1,
          reason: 'villagers say',
          payload: { description: 'field edit', blockages: ['road'] },
          author: 'Field office user',
          createdAt: '2026-03-01T08:00:00Z',
          submittedAt: '2026-03-01T08:05:00Z',
        },
      ]);
      assert.equal(result?.outcome, 'conflict');
    });
    after(async () => {
      await h?.close();
    });

    test('the officer chooses per field, and the history shows both edits', async () => {
      const context = await h.newContext();
      const page = await context.newPage();
      await signIn(page, 'officer');
      await page.goto('/#/approvals');
      const card = page.getByRole('article').filter({ hasText: 'BT-SYNC-1' });
      await card.getByText('Conflict', { exact: true }).waitFor();
      const sides = card.getByRole('table', { name: 'Base, theirs and current side by side' });
      const row = (name: string) => sides.getByRole('row').filter({ has: page.getByRole('rowheader', { name }) });
      assert.deepEqual(await row('Description').getByRole('cell').allInnerTexts().then((cells) => cells.slice(0, 3)), ['as surveyed', 'field edit', 'national edit']);
      assert.equal(await card.getByRole('button', { name: 'Approve BT-SYNC-1', exact: true }).count(), 0, 'a report in conflict cannot be approved as it is');

      await card.getByRole('button', { name: 'Resolve and approve BT-SYNC-1' }).click();
      await card.getByText('Choose the value to keep for every field that differs.').waitFor();
      await card.getByRole('group', { name: 'Value to keep for Description' }).getByLabel('Current').check();
      await card.getByRole('group', { name: 'Value to keep for Blocked land use' }).getByLabel('Theirs').check();
      await card.getByLabel('Note').fill('the centre keeps its description, the road is blocked');
      await page.screenshot({ path: join(SCREENSHOTS, 'sync-conflict.png'), fullPage: true });
      await card.getByRole('button', { name: 'Resolve and approve BT-SYNC-1' }).click();
      await card.waitFor({ state: 'detached' });

      const [hazard] = await h.db.query<{ description: string; blockages: string[] }>('SELECT description, blockages FROM hazard WHERE id = $1', [hazardId]);
      assert.deepEqual(hazard, { description: 'national edit', blockages: ['road'] });
      const history = await h.db.query<{ report_id: string }>("SELECT report_id FROM record_version WHERE entity_type = 'hazard' AND entity_id = $1 ORDER BY version", [hazardId]);
      assert.deepEqual(history.slice(1).map((v) => v.report_id), [nationalEdit, fieldReport]);
      const [decided] = await h.db.query<{ decision_note: string; state: string }>('SELECT decision_note, state FROM report WHERE id = $1', [fieldReport]);
      assert.deepEqual(decided, { decision_note: 'the centre keeps its description, the road is blocked', state: 'approved' });
      await context.close();
    });
  });
}
