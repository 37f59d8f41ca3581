import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { permissionsOf } from '../access/permissions.ts';
import { approveOverHttp, useTestServer } from '../../test/support/server.ts';
import { testBackends } from '../../test/support/backends.ts';
import type { Actors } from '../../test/support/actors.ts';
import { seedOrdnanceCatalogue } from '../catalogue/store.ts';
import { accidentPayloadForReader } from '../casualties/rules.ts';

type Who = Parameters<Actors['auth']>[0];

for (const backend of testBackends()) {
  describe(`field records through reports (${backend.name})`, () => {
    let activityA: string;
    let n = 0;
    const server = useTestServer(backend, {
      async seed(db, actors) {
        await seedOrdnanceCatalogue(db);
        const [activity] = await db.query<{ id: string }>(
          "INSERT INTO activity (reference, kind, organisation_id, status, start_date, source) VALUES ('CLR-OPS-1', 'clearance', $1, 'ongoing', '2024-01-10', 'test') RETURNING id",
          [actors.organisationA],
        );
        activityA = activity!.id;
      },
    });

    const call = (who: Who, method: 'GET' | 'POST', url: string, payload?: object) => server.app.inject({ method, url, headers: server.actors.auth(who), ...(payload ? { payload } : {}) });

    async function counts() {
      const [row] = await server.db.query<Record<string, number>>(
        `SELECT (SELECT count(*)::int FROM report) AS report, (SELECT count(*)::int FROM find) AS find, (SELECT count(*)::int FROM accident) AS accident,
           (SELECT count(*)::int FROM victim) AS victim, (SELECT count(*)::int FROM victim_identity) AS victim_identity,
           (SELECT count(*)::int FROM risk_education_session) AS risk_education_session, (SELECT count(*)::int FROM qa_visit) AS qa_visit,
           (SELECT count(*)::int FROM record_version) AS record_version, (SELECT count(*)::int FROM audit_log) AS audit_log`,
      );
      return row!;
    }

    const throughApproval = (body: object, writer?: Who) => approveOverHttp(server, body, writer);

    /** A 4xx whose message names the field, and not one row written anywhere. */
    async function refused(who: Who, body: object, status: number, message: RegExp) {
      const before = await counts();
      const response = await call(who, 'POST', '/api/reports', { ...body, submit: true });
      assert.equal(response.statusCode, status, response.body);
      assert.match(response.json().error.message, message);
      assert.deepEqual(await counts(), before, 'nothing written');
      return response.json().error;
    }

    const findPayload = (extra: object = {}) => ({
      activityId: activityA,
      ordnanceModel: 'PMN-2',
      quantity: 1,
      depthCm: 5,
      condition: 'armed',
      disposalMethod: 'destroyed_in_situ',
      foundOn: '2024-03-02',
      source: 'field report',
      geometry: { type: 'Point', coordinates: [18.4 + ++n * 0.001, 44.1] },
      ...extra,
    });

    test('a field user’s find report, approved, is a find at version 1 with its history and audit', async () => {
      const before = await counts();
      const payload = findPayload({ ordnanceModel: 'pmn 2', externalId: 'KOBO-1' });
      const { id, entityId } = await throughApproval({ entityType: 'find', action: 'create', payload });
      const list = await call('analyst', 'GET', `/api/finds?activity=${activityA}`);
      assert.equal(list.statusCode, 200, list.body);
      const find = list.json().items.find((f: { id: string }) => f.id === entityId);
      assert.ok(find, 'the find is listed');
      assert.equal(find.version, 1);
      assert.equal(find.ordnanceModel, 'PMN-2', 'the model matched by its normalised name');
      assert.equal(find.category, 'ap_mine', 'the category taken from the model');
      assert.equal(find.organisationId, server.actors.organisationA);
      assert.equal(find.foundOn, '2024-03-02');
      assert.deepEqual(find.geometry.coordinates, payload.geometry.coordinates);
      const history = await server.db.query<{ version: number; report_id: string; valid_to: Date | null; data: Record<string, unknown>; has_geom: boolean }>(
        "SELECT version, report_id, valid_to, data, geom IS NOT NULL AS has_geom FROM record_version WHERE entity_type = 'find' AND entity_id = $1",
        [entityId],
      );
      assert.equal(history.length, 1);
      assert.equal(history[0]!.version, 1);
      assert.equal(history[0]!.report_id, id);
      assert.equal(history[0]!.valid_to, null);
      assert.equal(history[0]!.has_geom, true);
      assert.equal(history[0]!.data.externalId, 'KOBO-1');
      const audit = await server.db.query("SELECT 1 FROM audit_log WHERE action = 'report.approve' AND entity_type = 'find' AND entity_id = $1", [entityId]);
      assert.equal(audit.length, 1);
      const after = await counts();
      assert.equal(after.find, before.find! + 1);

      // An update is version 2; the history keeps version 1, closed.
      const update = await throughApproval({ entityType: 'find', action: 'update', entityId, baseVersion: 1, reason: 'second item at the point', payload: { quantity: 2 } });
      assert.ok(update.entityId);
      const one = (await call('analyst', 'GET', `/api/finds/${entityId}`)).json();
      assert.equal(one.version, 2);
      assert.equal(one.quantity, 2);
      const versions = await server.db.query<{ version: number; closed: boolean }>(
        "SELECT version, valid_to IS NOT NULL AS closed FROM record_version WHERE entity_type = 'find' AND entity_id = $1 ORDER BY version",
        [entityId],
      );
      assert.deepEqual(versions.map((v) => [v.version, v.closed]), [[1, true], [2, false]]);
    });

    test('an accident with two victims: identities only with restricted.read and include=identity, and the read is logged', async () => {
      const { id: reportId, entityId } = await throughApproval({
        entityType: 'accident',
        action: 'create',
        payload: {
          reference: 'ACC-OPS-1',
          occurredOn: '2024-04-10',
          geometry: { type: 'Point', coordinates: [18.5, 44.2] },
          ordnanceModel: 'PMN-2',
          source: 'hospital record',
          victims: [
            { outcome: 'injured', sex: 'male', age: 34, victimGroup: 'civilian', injuries: ['lower limb'], identity: { fullName: 'Petar Testović', dateOfBirth: '1990-05-01', contact: '+387 61 000 000' } },
            { outcome: 'killed', sex: 'female', age: 12, victimGroup: 'civilian' },
          ],
        },
      });
      const plain = await call('analyst', 'GET', `/api/accidents/${entityId}`);
      assert.equal(plain.statusCode, 200, plain.body);
      assert.equal(plain.json().victims.length, 2);
      assert.equal(plain.json().deviceCategory, 'ap_mine');
      assert.doesNotMatch(plain.body, /Testović|1990-05-01|\+387/);
      for (const victim of plain.json().victims) assert.equal('identity' in victim, false);

      const logged = async () => (await server.db.query<{ n: number }>("SELECT count(*)::int AS n FROM restricted_access_log WHERE entity_type = 'victim'"))[0]!.n;
      const before = await logged();
      const forbidden = await call('analyst', 'GET', `/api/accidents/${entityId}?include=identity`);
      assert.equal(forbidden.statusCode, 403, forbidden.body);
      assert.equal(await logged(), before);

      const restricted = await call('national_information_officer', 'GET', `/api/accidents/${entityId}?include=identity`);
      assert.equal(restricted.statusCode, 200, restricted.body);
      const identities = restricted.json().victims.map((v: { identity: { fullName: string } | null }) => v.identity?.fullName ?? null).sort();
      assert.deepEqual(identities, ['Petar Testović', null]);
      assert.equal(await logged(), before + 2, 'each victim read is logged');

      // The report itself shows the identity only to readers with restricted.read.
      const reportForAnalyst = await call('analyst', 'GET', `/api/reports/${reportId}`);
      assert.equal(reportForAnalyst.statusCode, 200, reportForAnalyst.body);
      assert.doesNotMatch(reportForAnalyst.body, /Testović|1990-05-01|\+387/);
      const reportForOfficer = await call('national_information_officer', 'GET', `/api/reports/${reportId}`);
      assert.match(reportForOfficer.body, /Testović/);

      // The history keeps no identity: it is what anyone with data.read can see.
      const history = await server.db.query<{ data: string }>("SELECT data::text AS data FROM record_version WHERE entity_type = 'accident' AND entity_id = $1", [entityId]);
      assert.equal(history.length, 1);
      assert.doesNotMatch(history[0]!.data, /Testović|1990-05-01/);

      // An update that leaves the victims alone keeps them and the recorded identity.
      const victims = plain.json().victims as { id: string }[];
      await throughApproval({ entityType: 'accident', action: 'update', entityId, baseVersion: 1, reason: 'location refined', payload: { locationPrecisionM: 50 } });
      const again = (await call('national_information_officer', 'GET', `/api/accidents/${entityId}?include=identity`)).json();
      assert.equal(again.version, 2);
      assert.deepEqual(again.victims.map((v: { id: string }) => v.id).sort(), victims.map((v) => v.id).sort());
      assert.equal(again.victims.filter((v: { identity: unknown }) => v.identity).length, 1);
    });

    test('undo and delete: an undone update restores the find, a victim left out of an update is deleted with its identity', async () => {
      const { entityId } = await throughApproval({ entityType: 'find', action: 'create', payload: findPayload({ ordnanceModel: 'TM-62M' }) });
      const update = await throughApproval({ entityType: 'find', action: 'update', entityId, baseVersion: 1, reason: 'depth measured', payload: { depthCm: 30 } });
      const undo = await call('national_information_officer', 'POST', `/api/reports/${update.id}/undo`, { reason: 'wrong find' });
      assert.equal(undo.statusCode, 201, undo.body);
      const restored = (await call('analyst', 'GET', `/api/finds/${entityId}`)).json();
      assert.equal(restored.version, 3);
      assert.equal(restored.depthCm, 5);
      assert.equal(restored.category, 'at_mine');
      await throughApproval({ entityType: 'find', action: 'delete', entityId, baseVersion: 3, reason: 'duplicate of another find', payload: {} });
      assert.equal((await call('analyst', 'GET', `/api/finds/${entityId}`)).statusCode, 404);
      const [last] = await server.db.query<{ version: number; deleted: boolean }>(
        "SELECT version, deleted FROM record_version WHERE entity_type = 'find' AND entity_id = $1 AND valid_to IS NULL",
        [entityId],
      );
      assert.deepEqual({ ...last }, { version: 4, deleted: true });

      const accident = await throughApproval({
        entityType: 'accident',
        action: 'create',
        payload: {
          reference: 'ACC-OPS-2',
          occurredOn: '2024-04-11',
          source: 'x',
          victims: [
            { outcome: 'injured', victimGroup: 'deminer', identity: { fullName: 'Kept Person' } },
            { outcome: 'killed', victimGroup: 'civilian', identity: { fullName: 'Removed Person' } },
          ],
        },
      });
      const victims = (await call('national_information_officer', 'GET', `/api/accidents/${accident.entityId}?include=identity`)).json().victims as { id: string; victimGroup: string }[];
      const kept = victims.find((v) => v.victimGroup === 'deminer')!;
      await throughApproval({
        entityType: 'accident',
        action: 'update',
        entityId: accident.entityId,
        baseVersion: 1,
        reason: 'the second victim was a duplicate',
        payload: { victims: [{ id: kept.id, outcome: 'injured', victimGroup: 'deminer', age: 41 }] },
      });
      const after = (await call('national_information_officer', 'GET', `/api/accidents/${accident.entityId}?include=identity`)).json();
      assert.equal(after.victims.length, 1);
      assert.equal(after.victims[0].id, kept.id);
      assert.equal(after.victims[0].age, 41);
      assert.equal(after.victims[0].identity.fullName, 'Kept Person');
      const orphans = await server.db.query("SELECT 1 FROM victim_identity WHERE full_name = 'Removed Person'");
      assert.equal(orphans.length, 0);
    });

    test('a report’s payload shows victims’ identities only to readers with restricted.read', () => {
      const payload = { reference: 'ACC-X', victims: [{ outcome: 'killed', victimGroup: 'civilian', identity: { fullName: 'Ana' } }, { outcome: 'injured', victimGroup: 'civilian' }] };
      const reader = (roles: ('analyst' | 'national_information_officer')[]) => ({ userId: null, username: 'x', organisationId: null, roles, permissions: permissionsOf(roles), via: 'token' as const });
      assert.doesNotMatch(JSON.stringify(accidentPayloadForReader(payload, reader(['analyst']))), /Ana/);
      assert.match(JSON.stringify(accidentPayloadForReader(payload, reader(['national_information_officer']))), /Ana/);
    });

    test('risk education sessions and QA visits with non-conformities are approved like any record', async () => {
      const session = await throughApproval({
        entityType: 'risk_education_session',
        action: 'create',
        payload: { heldOn: '2024-05-01', organisationId: server.actors.organisationA, method: 'presentation', girls: 12, boys: 10, women: 7, men: 3, source: 'attendance sheet', geometry: { type: 'Point', coordinates: [18.41, 44.12] } },
      });
      const read = (await call('analyst', 'GET', `/api/risk-education/${session.entityId}`)).json();
      assert.equal(read.beneficiaries, 32);
      assert.equal(read.version, 1);

      const visit = await throughApproval({
        entityType: 'qa_visit',
        action: 'create',
        payload: {
          activityId: activityA,
          visitedOn: '2024-05-03',
          inspector: 'QA team 1',
          organisationId: server.actors.organisationA,
          outcome: 'corrective_action_required',
          source: 'QA form',
          nonconformities: [{ description: 'lane markings missing', severity: 'major', correctiveAction: 'remark lanes' }],
        },
      });
      const qa = await call('analyst', 'GET', `/api/qa-visits/${visit.entityId}`);
      assert.equal(qa.statusCode, 200, qa.body);
      assert.equal(qa.json().nonconformities.length, 1);
      assert.equal(qa.json().nonconformities[0].severity, 'major');
      const history = await server.db.query<{ version: number }>("SELECT version FROM record_version WHERE entity_type = 'qa_visit' AND entity_id = $1", [visit.entityId]);
      assert.deepEqual(history.map((h) => h.version), [1]);

      // A national inspection is reported by national officers, not by the operator inspected.
      await refused('field_user', { entityType: 'qa_visit', action: 'create', payload: { activityId: activityA, visitedOn: '2024-05-04', inspector: 'NMAC', source: 'QA form' } }, 403, /national/);
    });

    test('a day’s progress of an activity, approved, is listed with its area and ground; its activity is then not deleted under it', async () => {
      const ground = { type: 'Polygon', coordinates: [[[18.5, 44.2], [18.501, 44.2], [18.501, 44.201], [18.5, 44.201], [18.5, 44.2]]] };
      const payload = { activityId: activityA, reportDate: '2024-03-05', areaProcessedM2: 412.5, notes: 'lane 3 finished', source: 'team leader’s daily sheet', geometry: ground };
      const { entityId } = await throughApproval({ entityType: 'progress_report', action: 'create', payload });
      const list = await call('analyst', 'GET', `/api/progress-reports?activity=${activityA}`);
      assert.equal(list.statusCode, 200, list.body);
      const [day, ...others] = list.json().items;
      assert.equal(others.length, 0);
      assert.deepEqual(
        { id: day.id, activity: day.activity, organisationId: day.organisationId, reportDate: day.reportDate, areaProcessedM2: day.areaProcessedM2, notes: day.notes, version: day.version, type: day.geometry.type },
        { id: entityId, activity: 'CLR-OPS-1', organisationId: server.actors.organisationA, reportDate: '2024-03-05', areaProcessedM2: 412.5, notes: 'lane 3 finished', version: 1, type: 'MultiPolygon' },
      );
      const [version] = await server.db.query<{ has_geom: boolean; data: Record<string, unknown> }>(
        "SELECT geom IS NOT NULL AS has_geom, data FROM record_version WHERE entity_type = 'progress_report' AND entity_id = $1",
        [entityId],
      );
      assert.equal(version!.has_geom, true, 'the history keeps the ground worked');
      assert.equal(version!.data.areaProcessedM2, 412.5);

      const progress = (extra: object) => ({ entityType: 'progress_report', action: 'create', payload: { ...payload, ...extra } });
      await refused('field_user', progress({ reportDate: '2024-01-09' }), 400, /payload\.reportDate: 2024-01-09 is before the activity's start \(2024-01-10\)/);
      await refused('field_user', progress({ reportDate: '2999-01-01' }), 400, /payload\.reportDate/);
      await refused('field_user', progress({ areaProcessedM2: -1 }), 400, /payload\.areaProcessedM2/);
      await refused('field_user_b', progress({}), 403, /organisation/);
      await refused('national_information_officer', { entityType: 'activity', action: 'delete', entityId: activityA, baseVersion: 1, reason: 'test', payload: {} }, 409, /1 daily progress report\(s\); delete those first/);
    });

    test('another organisation’s field user cannot report on an organisation A record', async () => {
      const { entityId } = await throughApproval({ entityType: 'find', action: 'create', payload: findPayload() });
      const error = await refused('field_user_b', { entityType: 'find', action: 'update', entityId, baseVersion: 1, reason: 'ours now', payload: { quantity: 3 } }, 403, /organisation/);
      assert.equal(error.code, 'forbidden');
      await refused('field_user_b', { entityType: 'find', action: 'create', payload: findPayload() }, 403, /organisation/);
      await refused('field_user_b', { entityType: 'find', action: 'create', organisationId: server.actors.organisationA, payload: findPayload() }, 403, /own organisation/);
      await refused(
        'field_user_b',
        { entityType: 'risk_education_session', action: 'create', payload: { heldOn: '2024-05-01', organisationId: server.actors.organisationA, method: 'presentation', source: 'x' } },
        403,
        /organisation/,
      );
      const one = (await call('analyst', 'GET', `/api/finds/${entityId}`)).json();
      assert.equal(one.version, 1);
      assert.equal(one.quantity, 1);
    });

    test('bad input answers 400 naming the field and the value, and writes nothing', async () => {
      await refused('field_user', { entityType: 'find', action: 'create', payload: findPayload({ foundOn: '2999-01-01' }) }, 400, /payload\.foundOn: 2999-01-01 is in the future/);
      await refused('field_user', { entityType: 'find', action: 'create', payload: findPayload({ foundOn: '1899-12-31' }) }, 400, /payload\.foundOn: 1899-12-31 is before 1900/);
      await refused('field_user', { entityType: 'find', action: 'create', payload: findPayload({ geometry: { type: 'Point', coordinates: [18.4, 144.1] } }) }, 400, /payload\.geometry\.coordinates\.1: latitude 144\.1 is outside -90 to 90/);
      await refused('field_user', { entityType: 'find', action: 'create', payload: findPayload({ geometry: { type: 'Point', coordinates: [218.4, 44.1] } }) }, 400, /payload\.geometry\.coordinates\.0: longitude 218\.4/);
      const error = await refused('field_user', { entityType: 'find', action: 'create', payload: findPayload({ ordnanceModel: 'PMN-3' }) }, 400, /payload\.ordnanceModel: "PMN-3" is not in the ordnance catalogue; did you mean .*PMN-2/);
      assert.ok(error.details.suggestions.includes('PMN-2'));
      await refused('field_user', { entityType: 'find', action: 'create', payload: findPayload({ depthCm: -5 }) }, 400, /payload\.depthCm: -5 is negative/);
      await refused('field_user', { entityType: 'find', action: 'create', payload: findPayload({ quantity: 0 }) }, 400, /payload\.quantity: 0 is below 1/);
      await refused('field_user', { entityType: 'find', action: 'create', payload: findPayload({ ordnanceModel: 'TM-62M', category: 'ap_mine' }) }, 400, /payload\.category: ap_mine does not match TM-62M/);
      await refused(
        'field_user',
        { entityType: 'risk_education_session', action: 'create', payload: { heldOn: '2024-05-01', organisationId: server.actors.organisationA, method: 'presentation', girls: -2, source: 'x' } },
        400,
        /payload\.girls: -2 is negative/,
      );
      await refused(
        'field_user',
        { entityType: 'risk_education_session', action: 'create', payload: { heldOn: '2024-05-01', organisationId: server.actors.organisationA, method: 'presentation', girls: 2, source: 'x' } },
        400,
        /payload\.geometry: a risk education session needs a place: a position \(geometry\) or a settlement/,
      );
      await refused(
        'field_user',
        { entityType: 'accident', action: 'create', payload: { reference: 'ACC-BAD', occurredOn: '2024-01-01', source: 'x', victims: [{ outcome: 'injured', victimGroup: 'civilian', age: -1 }] } },
        400,
        /payload\.victims\.0\.age: -1 is negative/,
      );
      await refused(
        'field_user',
        { entityType: 'accident', action: 'create', payload: { reference: 'ACC-BAD', occurredOn: '2024-01-01', source: 'x', victims: [{ outcome: 'injured', victimGroup: 'civilian', identity: { dateOfBirth: '2999-01-01' } }] } },
        400,
        /payload\.victims\.0\.identity\.dateOfBirth: 2999-01-01 is in the future/,
      );
    });
  });
}
