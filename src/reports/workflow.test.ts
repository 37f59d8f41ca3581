import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../store/db.ts';
import { UserError } from '../errors.ts';
import { closeTestServer, openTestStore } from '../../test/support/store.ts';
import { testBackends } from '../../test/support/backends.ts';
import type { Actors } from '../../test/support/actors.ts';
import { actorOf, approved, box, hazardPayload } from '../land/test-helpers.ts';
import { history } from './history.ts';
import { REPORT_STATES, type ReportState } from './store.ts';
import * as workflow from './workflow.ts';

test('report states: draft → submitted → verified → approved | rejected, and nothing else', () => {
  const allowed: Record<string, ReportState> = {
    'draft submit': 'submitted',
    'submitted verify': 'verified',
    'verified approve': 'approved',
    'submitted reject': 'rejected',
    'verified reject': 'rejected',
  };
  for (const state of REPORT_STATES) {
    for (const step of ['submit', 'verify', 'approve', 'reject'] as const) {
      const expected = allowed[`${state} ${step}`];
      if (expected) assert.equal(workflow.nextState(state, step), expected);
      else assert.throws(() => workflow.nextState(state, step), (e: unknown) => e instanceof UserError && e.code === 'conflict', `${state} ${step}`);
    }
  }
});

async function counts(db: Db) {
  const [row] = await db.query<{ hazard: number; report: number; record_version: number; audit_log: number }>(
    `SELECT (SELECT count(*)::int FROM hazard) AS hazard, (SELECT count(*)::int FROM report) AS report,
       (SELECT count(*)::int FROM record_version) AS record_version, (SELECT count(*)::int FROM audit_log) AS audit_log`,
  );
  return row!;
}

async function refused(promise: Promise<unknown>, code: string, message: RegExp) {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof UserError, String(e));
    assert.equal(e.code, code, e.message);
    assert.match(e.message, message);
    return true;
  });
}

for (const backend of testBackends()) {
  describe(`reports workflow (${backend.name})`, () => {
    let db: Db;
    let actors: Actors;
    let n = 0;
    /** A fresh patch of ground for each hazard, so none is a duplicate of another. */
    const shape = () => box({ origin: { lon: 20 + ++n * 0.01, lat: 45 }, cell: 0.001 }, 0, 0, 2, 2);
    before(async () => {
      ({ db, actors } = await openTestStore(backend));
    });
    after(() => closeTestServer({ db }));

    test('only approval changes the record: one version, the history row and the audit row, in one step', async () => {
      const field = actorOf(actors, 'field_user');
      const before = await counts(db);
      const report = await workflow.createReport(db, field, { entityType: 'hazard', action: 'create', payload: hazardPayload(shape()) });
      await workflow.submitReport(db, field, report.id);
      await workflow.verifyReport(db, actorOf(actors, 'organisation_manager'), report.id, 'checked on site');
      const pending = await counts(db);
      assert.equal(pending.hazard, before.hazard, 'no hazard before approval');
      assert.equal(pending.record_version, before.record_version);
      const done = await workflow.approveReport(db, actorOf(actors, 'national_information_officer'), report.id, null);
      assert.equal(done.state, 'approved');
      const after = await counts(db);
      assert.equal(after.hazard, before.hazard + 1);
      assert.equal(after.record_version, before.record_version + 1);
      assert.equal(after.audit_log, pending.audit_log + 1);
      const [audit] = await db.query<{ action: string; entity_id: string }>("SELECT action, entity_id FROM audit_log WHERE action = 'report.approve' ORDER BY id DESC LIMIT 1");
      assert.equal(audit!.entity_id, done.entity_id);
      const versions = await history(db, 'hazard', done.entity_id!);
      assert.equal(versions.length, 1);
      assert.equal(versions[0]!.report?.id, report.id);
      assert.equal(versions[0]!.changedBy?.id, actors.userIds.national_information_officer);
    });

    test('an approval against a record that moved on is refused (version_conflict) and writes nothing', async () => {
      const created = await approved(db, actors, { entityType: 'hazard', action: 'create', payload: hazardPayload(shape()) });
      const hazardId = created.entity_id!;
      const field = actorOf(actors, 'field_user');
      const first = await workflow.createReport(db, field, { entityType: 'hazard', action: 'update', entityId: hazardId, baseVersion: 1, reason: 'new survey', payload: { description: 'first' } });
      const second = await workflow.createReport(db, field, { entityType: 'hazard', action: 'update', entityId: hazardId, baseVersion: 1, reason: 'other team', payload: { description: 'second' } });
      for (const r of [first, second]) {
        await workflow.submitReport(db, field, r.id);
        await workflow.verifyReport(db, actorOf(actors, 'organisation_manager'), r.id, null);
      }
      const officer = actorOf(actors, 'national_information_officer');
      await workflow.approveReport(db, officer, first.id, null);
      const before = await counts(db);
      await refused(workflow.approveReport(db, officer, second.id, null), 'version_conflict', /at version 2, but the report was written against version 1/);
      assert.deepEqual(await counts(db), before);
      assert.equal((await workflow.getReport(db, officer, second.id)).state, 'verified');
      const versions = await history(db, 'hazard', hazardId);
      assert.deepEqual(versions.map((v) => v.data.description), [null, 'first']);
    });

    test('undoing an approval is a new version restoring the one before, with its reason; only the latest change can be undone', async () => {
      const created = await approved(db, actors, { entityType: 'hazard', action: 'create', payload: hazardPayload(shape(), { description: 'as first reported' }) });
      const hazardId = created.entity_id!;
      const update = await approved(db, actors, {
        entityType: 'hazard',
        action: 'update',
        entityId: hazardId,
        baseVersion: 1,
        reason: 'confirmed by detonation',
        payload: { kind: 'cha', evidence: ['detonation'], description: 'mistaken' },
      });
      const officer = actorOf(actors, 'national_information_officer');
      await refused(workflow.undoApproval(db, officer, created.id, 'wrong'), 'version_conflict', /undo the later changes first/);
      const undo = await workflow.undoApproval(db, officer, update.id, 'the detonation was in the neighbouring field');
      assert.equal(undo.state, 'approved');
      assert.equal(undo.undoes_report_id, update.id);
      const versions = await history(db, 'hazard', hazardId);
      assert.deepEqual(
        versions.map((v) => [v.version, v.data.kind, v.data.description, v.reason]),
        [
          [1, 'sha', 'as first reported', 'new record'],
          [2, 'cha', 'mistaken', 'confirmed by detonation'],
          [3, 'sha', 'as first reported', 'the detonation was in the neighbouring field'],
        ],
      );
      assert.equal(versions[2]!.report?.undoesReportId, update.id);
      assert.ok(versions[1]!.validTo && versions[2]!.validTo === null, 'the previous version is closed');

      const undoCreate = await workflow.undoApproval(db, officer, undo.id, 'undo the undo');
      assert.equal(undoCreate.action, 'update');
      const again = await workflow.undoApproval(db, officer, undoCreate.id, 'back to the undo');
      assert.equal(again.action, 'update');
    });

    test('undoing a create deletes the record as a recorded, deleted version', async () => {
      const created = await approved(db, actors, { entityType: 'hazard', action: 'create', payload: hazardPayload(shape()) });
      const officer = actorOf(actors, 'national_information_officer');
      await workflow.undoApproval(db, officer, created.id, 'entered twice');
      const [row] = await db.query('SELECT 1 FROM hazard WHERE id = $1', [created.entity_id]);
      assert.equal(row, undefined);
      const versions = await history(db, 'hazard', created.entity_id!);
      assert.deepEqual(
        versions.map((v) => [v.version, v.deleted]),
        [
          [1, false],
          [2, true],
        ],
      );
    });

    test('another organisation cannot see, change, submit or verify a report; writing for another organisation is refused', async () => {
      const field = actorOf(actors, 'field_user');
      const report = await workflow.createReport(db, field, { entityType: 'hazard', action: 'create', payload: hazardPayload(shape()) });
      const before = await counts(db);
      const other = actorOf(actors, 'field_user_b');
      await refused(workflow.getReport(db, other, report.id), 'not_found', /not found or no access/);
      await refused(workflow.updateReport(db, other, report.id, { payload: hazardPayload(shape()) }), 'not_found', /not found or no access/);
      await refused(workflow.submitReport(db, other, report.id), 'not_found', /not found or no access/);
      await workflow.submitReport(db, field, report.id);
      await refused(workflow.verifyReport(db, actorOf(actors, 'organisation_manager_b'), report.id, null), 'not_found', /not found or no access/);
      await refused(
        workflow.createReport(db, other, { entityType: 'hazard', action: 'create', organisationId: actors.organisationA, payload: hazardPayload(shape()) }),
        'forbidden',
        /own organisation/,
      );
      assert.equal((await workflow.listReports(db, other, { limit: 100, offset: 0 })).filter((r) => r.id === report.id).length, 0);
      const afterCounts = await counts(db);
      assert.equal(afterCounts.report, before.report);
      assert.equal(afterCounts.hazard, before.hazard);
    });

    test('a rejected report stays as history and can no longer be approved', async () => {
      const field = actorOf(actors, 'field_user');
      const report = await workflow.createReport(db, field, { entityType: 'hazard', action: 'create', payload: hazardPayload(shape()) });
      await workflow.submitReport(db, field, report.id);
      const officer = actorOf(actors, 'national_information_officer');
      const rejected = await workflow.rejectReport(db, officer, report.id, 'outline drawn from the wrong map sheet');
      assert.equal(rejected.state, 'rejected');
      assert.equal(rejected.decision_note, 'outline drawn from the wrong map sheet');
      await refused(workflow.approveReport(db, officer, report.id, null), 'conflict', /rejected report cannot be approved/);
    });

    test('a report on an unknown entity type or without its base version is refused', async () => {
      const field = actorOf(actors, 'field_user');
      await refused(workflow.createReport(db, field, { entityType: 'spaceship', action: 'create', payload: {} }), 'bad_input', /Unknown entity type "spaceship"; reports can be written for activity, hazard, progress_report, release_product/);
      await refused(
        workflow.createReport(db, field, { entityType: 'hazard', action: 'update', entityId: '00000000-0000-4000-8000-000000000000', reason: 'x', payload: {} }),
        'bad_input',
        /needs the baseVersion/,
      );
    });
  });
}
