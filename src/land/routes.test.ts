import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { approveOverHttp, useTestServer } from '../../test/support/server.ts';
import { testBackends } from '../../test/support/backends.ts';
import type { Actors } from '../../test/support/actors.ts';
import { box, type Grid } from './test-helpers.ts';

type Who = Parameters<Actors['auth']>[0];

for (const backend of testBackends()) {
  describe(`hazards, release and reports over HTTP (${backend.name})`, () => {
    const server = useTestServer(backend);
    let n = 0;
    /** Each hazard on its own patch of ground near 44°N 18°E. */
    const patch = (): Grid => ({ origin: { lon: 18 + ++n * 0.01, lat: 44 }, cell: 0.001 });

    const call = (who: Who | null, method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) =>
      server.app.inject({ method, url, headers: who ? server.actors.auth(who) : {}, ...(payload ? { payload } : {}) });

    async function counts() {
      const [row] = await server.db.query<{ hazard: number; report: number; record_version: number; audit_log: number; release_product: number }>(
        `SELECT (SELECT count(*)::int FROM hazard) AS hazard, (SELECT count(*)::int FROM report) AS report,
           (SELECT count(*)::int FROM record_version) AS record_version, (SELECT count(*)::int FROM audit_log) AS audit_log,
           (SELECT count(*)::int FROM release_product) AS release_product`,
      );
      return row!;
    }

    const throughApproval = (body: object, writer?: Who) => approveOverHttp(server, body, writer);

    const hazardReport = (geometry: object, extra: object = {}) => ({
      entityType: 'hazard',
      action: 'create',
      payload: { reference: `HZ-H-${++n}`, kind: 'sha', evidence: ['former_front_line'], source: 'test', geometry, ...extra },
    });

    async function hazardWithActivity() {
      const grid = patch();
      const hazard = await throughApproval(hazardReport(box(grid, 0, 0, 2, 2)));
      const activity = await throughApproval({
        entityType: 'activity',
        action: 'create',
        payload: { reference: `ACT-H-${++n}`, kind: 'ts', organisationId: server.actors.organisationA, status: 'ongoing', source: 'test', hazardIds: [hazard.entityId] },
      });
      return { grid, hazardId: hazard.entityId, activityId: activity.entityId };
    }

    /** A 4xx that names the problem, and not one row written anywhere. */
    async function refusedWithoutWriting(who: Who, method: 'POST' | 'PUT', url: string, body: object, status: number, code: string, message: RegExp) {
      const before = await counts();
      const response = await call(who, method, url, body);
      assert.equal(response.statusCode, status, response.body);
      const { error } = response.json();
      assert.equal(error.code, code, response.body);
      assert.match(error.message, message);
      assert.deepEqual(await counts(), before, 'nothing written');
      return error;
    }

    test('a hazard reported, verified and approved: the register, its history and its accounting', async () => {
      const grid = patch();
      const { id: reportId, entityId } = await throughApproval(hazardReport(box(grid, 0, 0, 3, 2), { contamination: ['ap_mine'], blockages: ['cropland'] }));
      const hazard = (await call('analyst', 'GET', `/api/hazards/${entityId}`)).json();
      assert.equal(hazard.version, 1);
      assert.deepEqual(hazard.contamination, ['ap_mine']);
      assert.equal(hazard.geometry.type, 'MultiPolygon');
      const historyResponse = await call('analyst', 'GET', `/api/hazards/${entityId}/history`);
      assert.equal(historyResponse.statusCode, 200);
      const [version] = historyResponse.json().versions;
      assert.equal(version.report.id, reportId);
      assert.equal(version.report.reportedBy, 'test_field_user');
      assert.equal(version.changedBy.username, 'test_national_information_officer');
      assert.ok(version.validFrom);
      const accounting = (await call('analyst', 'GET', `/api/hazards/${entityId}/accounting`)).json();
      assert.ok(Math.abs(accounting.remainingM2 - accounting.areaM2) < 1e-6);
      assert.equal(hazard.areaM2, accounting.areaM2, 'the area the register stores is the one the accounting measures');
      assert.equal((await call(null, 'GET', `/api/hazards/${entityId}`)).statusCode, 401, 'the register is not public');
    });

    test('the register as of a date comes from the history', async () => {
      const { entityId } = await throughApproval(hazardReport(box(patch(), 0, 0, 2, 2)));
      const past = (await call('analyst', 'GET', '/api/hazards?asOf=2020-03-01')).json();
      assert.equal(past.hazards.some((h: { id: string }) => h.id === entityId), false);
      const today = new Date().toISOString().slice(0, 10);
      const present = (await call('analyst', 'GET', `/api/hazards?asOf=${today}`)).json();
      assert.equal(present.hazards.find((h: { id: string }) => h.id === entityId)?.version, 1);
      const bad = await call('analyst', 'GET', '/api/hazards?asOf=2024-02-30');
      assert.equal(bad.statusCode, 400);
      assert.match(bad.json().error.message, /asOf: 2024-02-30 is not a date/);
    });

    test('a self-intersecting outline is refused naming the crossing edges, and a repaired shape is shown only when asked', async () => {
      const grid = patch();
      const bowtie = { type: 'Polygon', coordinates: [[[grid.origin.lon, 44], [grid.origin.lon + 0.002, 44.002], [grid.origin.lon + 0.002, 44], [grid.origin.lon, 44.002], [grid.origin.lon, 44]]] };
      const error = await refusedWithoutWriting('field_user', 'POST', '/api/reports', hazardReport(bowtie), 400, 'invalid_geometry', /edge 0–1 crosses edge 2–3 at \(18\.\d+, 44\.001\)/);
      assert.equal(error.details.problems[0].code, 'self_intersection');
      assert.deepEqual(error.details.problems[0].vertices, [0, 2]);
      assert.match(error.details.hint, /repair: true/);
      const checked = (await call('field_user', 'POST', '/api/hazards/check-geometry', { geometry: bowtie })).json();
      assert.equal(checked.repaired, null);
      const repaired = (await call('field_user', 'POST', '/api/hazards/check-geometry', { geometry: bowtie, repair: true })).json();
      assert.equal(repaired.repaired.geometry.type, 'MultiPolygon');
      assert.equal(repaired.repaired.geometry.coordinates.length, 2, 'the bow tie becomes its two triangles');
      assert.ok(repaired.repaired.areaM2 > 0);
    });

    test('coordinates out of range, an open ring and too few vertices are named by vertex', async () => {
      const out = { type: 'Polygon', coordinates: [[[18, 44], [18.001, 44], [18.001, 95], [18, 44]]] };
      await refusedWithoutWriting('field_user', 'POST', '/api/reports', hazardReport(out), 400, 'invalid_geometry', /vertex 2 \(18\.001, 95\): latitude 95 is outside \[-90, 90\]/);
      const open = { type: 'Polygon', coordinates: [[[18, 44], [18.001, 44], [18.001, 44.001], [18, 44.001]]] };
      await refusedWithoutWriting('field_user', 'POST', '/api/reports', hazardReport(open), 400, 'invalid_geometry', /ring 0 is not closed/);
      const line = { type: 'Polygon', coordinates: [[[18, 44], [18.001, 44], [18, 44], [18.001, 44], [18, 44]]] };
      await refusedWithoutWriting('field_user', 'POST', '/api/reports', hazardReport(line), 400, 'invalid_geometry', /2 distinct vertices; a polygon needs at least 3/);
    });

    test('warnings refuse until accepted: vertices far apart, a likely duplicate, likely swapped coordinates', async () => {
      const grid = patch();
      const long = box({ origin: grid.origin, cell: 0.05 }, 0, 0, 2, 1);
      const far = await refusedWithoutWriting('field_user', 'POST', '/api/reports', hazardReport(long), 400, 'invalid_geometry', /vertices 0 .* and 1 .* are \d+\.\d km apart/);
      assert.equal(far.details.problems[0].severity, 'warning');
      const accepted = await call('field_user', 'POST', '/api/reports', { ...hazardReport(long), acceptedWarnings: ['vertices_far_apart'] });
      assert.equal(accepted.statusCode, 201, accepted.body);

      const original = await throughApproval(hazardReport(box(grid, 0, 0, 10, 10)));
      const reference = (await call('analyst', 'GET', `/api/hazards/${original.entityId}`)).json().reference;
      const copy = await refusedWithoutWriting('field_user', 'POST', '/api/reports', hazardReport(box(grid, 0, 0, 10, 9.5)), 400, 'invalid_geometry', new RegExp(`100\\.0% of the shape lies in active hazard ${reference}`));
      assert.equal(copy.details.problems[0].other.id, original.entityId);

      // Near 44°N 18°E the register's hazards are; the same shape keyed as 18°N 44°E is not.
      const swapped = { type: 'Polygon', coordinates: [box(patch(), 0, 0, 2, 2).coordinates[0]!.map(([lon, lat]) => [lat, lon])] };
      await refusedWithoutWriting('field_user', 'POST', '/api/reports', hazardReport(swapped), 400, 'invalid_geometry', /were they swapped\?/);
    });

    test('a release product without a hazard, with an unknown hazard, or dated in the future is refused', async () => {
      const { grid, hazardId, activityId } = await hazardWithActivity();
      const product = { activityId, hazardId, method: 'cleared', clearanceDepthCm: 20, releaseDate: '2024-04-01', source: 'test', geometry: box(grid, 0, 0, 1, 1) };
      const { hazardId: _omitted, ...withoutHazard } = product;
      await refusedWithoutWriting('field_user', 'POST', '/api/reports', { entityType: 'release_product', action: 'create', payload: withoutHazard }, 400, 'invalid_request', /payload\.hazardId/);
      const unknown = { ...product, hazardId: '00000000-0000-4000-8000-000000000001' };
      await refusedWithoutWriting('field_user', 'POST', '/api/reports', { entityType: 'release_product', action: 'create', payload: unknown }, 400, 'unknown_hazard', /payload\.hazardId: no hazard 00000000-0000-4000-8000-000000000001/);
      const future = { ...product, releaseDate: '2999-01-01' };
      await refusedWithoutWriting('field_user', 'POST', '/api/reports', { entityType: 'release_product', action: 'create', payload: future }, 400, 'bad_input', /payload\.releaseDate 2999-01-01 is in the future/);
      const reducedWithoutAssets = { ...product, method: 'reduced', clearanceDepthCm: null };
      await refusedWithoutWriting('field_user', 'POST', '/api/reports', { entityType: 'release_product', action: 'create', payload: reducedWithoutAssets }, 400, 'invalid_request', /payload\.technicalAssets/);
    });

    test('approval needs report.approve; another organisation cannot touch the report; a version conflict writes nothing', async () => {
      const created = await call('field_user', 'POST', '/api/reports', { ...hazardReport(box(patch(), 0, 0, 2, 2)), submit: true });
      const id = created.json().id;
      await refusedWithoutWriting('field_user', 'POST', `/api/reports/${id}/approve`, {}, 403, 'forbidden', /report\.approve/);
      await refusedWithoutWriting('organisation_manager', 'POST', `/api/reports/${id}/approve`, {}, 403, 'forbidden', /report\.approve/);
      await refusedWithoutWriting('field_user_b', 'PUT', `/api/reports/${id}`, { payload: {} }, 404, 'not_found', /not found or no access/);
      await refusedWithoutWriting('organisation_manager_b', 'POST', `/api/reports/${id}/verify`, {}, 404, 'not_found', /not found or no access/);
      assert.equal((await call('field_user_b', 'GET', `/api/reports/${id}`)).statusCode, 404);

      const { hazardId } = await hazardWithActivity();
      const update = (description: string) => ({ entityType: 'hazard', action: 'update', entityId: hazardId, baseVersion: 1, reason: 'resurvey', payload: { description }, submit: true });
      const first = (await call('field_user', 'POST', '/api/reports', update('first'))).json().id;
      const second = (await call('field_user', 'POST', '/api/reports', update('second'))).json().id;
      for (const r of [first, second]) await call('organisation_manager', 'POST', `/api/reports/${r}/verify`, {});
      assert.equal((await call('national_information_officer', 'POST', `/api/reports/${first}/approve`, {})).statusCode, 200);
      const conflict = await refusedWithoutWriting('national_information_officer', 'POST', `/api/reports/${second}/approve`, {}, 409, 'version_conflict', /version 2/);
      assert.deepEqual(conflict.details, { baseVersion: 1, currentVersion: 2 });
    });

    test('products approved through reports release the hazard; undoing the last reopens it, each as a recorded version', async () => {
      const { grid, hazardId, activityId } = await hazardWithActivity();
      const product = (x0: number, x1: number, releaseDate: string) => ({
        entityType: 'release_product',
        action: 'create',
        payload: { activityId, hazardId, method: 'reduced', technicalAssets: false, releaseDate, source: 'test', geometry: box(grid, x0, 0, x1, 2) },
      });
      await throughApproval(product(0, 1, '2024-05-02'));
      const last = await throughApproval(product(1, 2, '2024-06-30'));
      let hazard = (await call('analyst', 'GET', `/api/hazards/${hazardId}`)).json();
      assert.equal(hazard.status, 'released');
      assert.equal(hazard.releaseDate, '2024-06-30');
      assert.equal(hazard.releaseProducts.length, 2);
      const undo = await call('national_information_officer', 'POST', `/api/reports/${last.id}/undo`, { reason: 'product drawn over the wrong field' });
      assert.equal(undo.statusCode, 201, undo.body);
      hazard = (await call('analyst', 'GET', `/api/hazards/${hazardId}`)).json();
      assert.equal(hazard.status, 'active');
      assert.equal(hazard.releaseDate, null);
      const versions = (await call('analyst', 'GET', `/api/hazards/${hazardId}/history`)).json().versions;
      assert.deepEqual(
        versions.map((v: { data: { status: string } }) => v.data.status),
        ['active', 'released', 'active'],
      );
      assert.match(versions[2].reason, /^Reopened/);
      assert.equal(versions[2].report.undoesReportId, last.id);
    });

    test('national statistics are public', async () => {
      const response = await call(null, 'GET', '/api/statistics/land?by=admin1,organisation&period=quarter');
      assert.equal(response.statusCode, 200, response.body);
      assert.deepEqual(Object.keys(response.json().totals.releasedM2).sort(), ['cancelled', 'cleared', 'reduced']);
      const bad = await call(null, 'GET', '/api/statistics/land?by=planet');
      assert.equal(bad.statusCode, 400);
      assert.match(bad.json().error.message, /unknown grouping planet/);
    });
  });
}
