/**
 * OGC API – Features Part 4 for hazards: every write becomes a submitted report in the same
 * workflow as the rest of Safeground, and the feature changes only when the report is approved.
 * Optimistic locking by ETag (the record's version) and If-Match.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Actors } from '../../test/support/actors.ts';
import { testBackends } from '../../test/support/backends.ts';
import { type DemoServer, demoServer } from './test-support.ts';

type Who = Parameters<Actors['auth']>[0];

/** A 100 m square in the north-east of the demo area, clear of the demo hazards. */
const SQUARE = {
  type: 'Polygon',
  coordinates: [
    [
      [-74.93, 7.39],
      [-74.929, 7.39],
      [-74.929, 7.391],
      [-74.93, 7.391],
      [-74.93, 7.39],
    ],
  ],
};

const NEW_HAZARD = {
  type: 'Feature',
  geometry: SQUARE,
  properties: { reference: 'OGC-TEST-1', kind: 'sha', status: 'active', evidence: ['local_report'], contamination: ['ap_mine'], blockages: ['pasture'], source: 'QGIS test' },
};

for (const backend of testBackends()) {
  describe(`OGC API – Features writes on ${backend.name}`, () => {
    let server: DemoServer;
    before(async () => {
      server = await demoServer(backend);
    });
    after(() => server.close());

    const call = (who: Who | null, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, options: { payload?: object; headers?: Record<string, string> } = {}) =>
      server.app.inject({
        method,
        url,
        headers: { ...(who ? server.actors.auth(who) : {}), ...(options.payload ? { 'content-type': 'application/geo+json' } : {}), ...options.headers },
        ...(options.payload ? { payload: JSON.stringify(options.payload) } : {}),
      });

    /** Verification by the organisation, then national approval: what makes a report change the record. */
    async function approve(reportId: string): Promise<void> {
      assert.equal((await call('organisation_manager', 'POST', `/api/reports/${reportId}/verify`, { payload: {}, headers: { 'content-type': 'application/json' } })).statusCode, 200);
      const approved = await call('national_information_officer', 'POST', `/api/reports/${reportId}/approve`, { payload: {}, headers: { 'content-type': 'application/json' } });
      assert.equal(approved.statusCode, 200, approved.body);
    }

    async function hazardByReference(reference: string) {
      const body = (await call('analyst', 'GET', `/ogc/collections/hazards/items?reference=${reference}`)).json();
      return body.features[0] as { id: string; properties: Record<string, unknown> } | undefined;
    }

    let hazardId: string;

    test('POST a feature: 202 with the Location of a submitted report; the hazard appears only once approved', async () => {
      const before = (await server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM hazard'))[0]!.n;
      const response = await call('field_user', 'POST', '/ogc/collections/hazards/items', { payload: NEW_HAZARD });
      assert.equal(response.statusCode, 202, response.body);
      const report = response.json();
      assert.equal(new URL(response.headers.location as string).pathname, `/api/reports/${report.id}`);
      assert.equal(report.state, 'submitted');
      assert.equal(report.action, 'create');
      assert.equal(report.organisationId, server.actors.organisationA);
      assert.equal((await server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM hazard'))[0]!.n, before);
      assert.equal(await hazardByReference('OGC-TEST-1'), undefined);
      await approve(report.id);
      const hazard = await hazardByReference('OGC-TEST-1');
      assert.ok(hazard);
      assert.equal(hazard.properties.source, 'QGIS test');
      assert.equal(hazard.properties.version, 1);
      hazardId = hazard.id;
    });

    test('PUT needs If-Match with the current ETag (428 without, 412 when stale) and a reason; then it is a report too', async () => {
      const url = `/ogc/collections/hazards/items/${hazardId}`;
      const item = await call('analyst', 'GET', url);
      assert.equal(item.headers.etag, '"1"');
      const replacement = { ...NEW_HAZARD, properties: { ...NEW_HAZARD.properties, description: 'Fence seen by the road', version: 1, updatedAt: 'ignored' } };
      const missing = await call('field_user', 'PUT', `${url}?reason=fence`, { payload: replacement });
      assert.equal(missing.statusCode, 428);
      assert.match(missing.json().error.message, /If-Match: "1"/);
      const stale = await call('field_user', 'PUT', `${url}?reason=fence`, { payload: replacement, headers: { 'if-match': '"7"' } });
      assert.equal(stale.statusCode, 412);
      assert.equal(stale.headers.etag, '"1"');
      const noReason = await call('field_user', 'PUT', url, { payload: replacement, headers: { 'if-match': '"1"' } });
      assert.equal(noReason.statusCode, 400);
      assert.match(noReason.json().error.message, /query\.reason/);
      const partial = await call('field_user', 'PUT', `${url}?reason=fence`, { payload: { ...NEW_HAZARD, properties: { reference: 'OGC-TEST-1' } }, headers: { 'if-match': '"1"' } });
      assert.equal(partial.statusCode, 400);
      assert.match(partial.json().error.message, /kind, status, source are missing; PATCH changes some properties/);
      const accepted = await call('field_user', 'PUT', `${url}?reason=fence`, { payload: replacement, headers: { 'if-match': '"1"' } });
      assert.equal(accepted.statusCode, 202, accepted.body);
      assert.equal((await hazardByReference('OGC-TEST-1'))!.properties.description, null, 'unchanged until approved');
      await approve(accepted.json().id);
      const after = await call('analyst', 'GET', url);
      assert.equal(after.headers.etag, '"2"');
      assert.equal(after.json().properties.description, 'Fence seen by the road');
    });

    test('PATCH is a JSON merge patch: named properties change, the rest stay', async () => {
      const url = `/ogc/collections/hazards/items/${hazardId}?reason=${encodeURIComponent('local report of a second mine')}`;
      const response = await call('field_user', 'PATCH', url, {
        payload: { properties: { kind: 'cha', evidence: ['local_report', 'ordnance_seen'] } },
        headers: { 'if-match': '"2"', 'content-type': 'application/merge-patch+json' },
      });
      assert.equal(response.statusCode, 202, response.body);
      await approve(response.json().id);
      const hazard = (await hazardByReference('OGC-TEST-1'))!;
      assert.equal(hazard.properties.kind, 'cha');
      assert.equal(hazard.properties.description, 'Fence seen by the road');
      assert.equal(hazard.properties.version, 3);
    });

    test('a geometry sent in another CRS (Content-Crs) is stored in longitude/latitude', async () => {
      const [corner] = await server.db.query<{ x: number; y: number }>('SELECT ST_X(p) AS x, ST_Y(p) AS y FROM (SELECT ST_Transform(ST_SetSRID(ST_MakePoint(-74.95, 7.38), 4326), 32618) AS p) t');
      const { x, y } = corner!;
      const ring = [[x, y], [x + 100, y], [x + 100, y + 100], [x, y + 100], [x, y]];
      const response = await call('field_user', 'POST', '/ogc/collections/hazards/items', {
        payload: { ...NEW_HAZARD, geometry: { type: 'Polygon', coordinates: [ring] }, properties: { ...NEW_HAZARD.properties, reference: 'OGC-TEST-UTM' } },
        headers: { 'content-crs': '<http://www.opengis.net/def/crs/EPSG/0/32618>' },
      });
      assert.equal(response.statusCode, 202, response.body);
      const [lon, lat] = response.json().payload.geometry.coordinates[0][0];
      assert.ok(Math.abs(lon - -74.95) < 1e-9 && Math.abs(lat - 7.38) < 1e-9, `${lon},${lat}`);
    });

    test('DELETE with If-Match and a reason; the hazard goes when the report is approved', async () => {
      const url = `/ogc/collections/hazards/items/${hazardId}`;
      const response = await call('field_user', 'DELETE', `${url}?reason=duplicate%20of%20another%20record`, { headers: { 'if-match': '"3"' } });
      assert.equal(response.statusCode, 202, response.body);
      assert.equal((await call('analyst', 'GET', url)).statusCode, 200);
      await approve(response.json().id);
      assert.equal((await call('analyst', 'GET', url)).statusCode, 404);
    });

    test('writes need report.write: an analyst is refused, the public asked to sign in', async () => {
      assert.equal((await call('analyst', 'POST', '/ogc/collections/hazards/items', { payload: NEW_HAZARD })).statusCode, 403);
      assert.equal((await call(null, 'POST', '/ogc/collections/hazards/items', { payload: NEW_HAZARD })).statusCode, 401);
      assert.equal((await call('analyst', 'DELETE', `/ogc/collections/hazards/items/${hazardId}?reason=x`, { headers: { 'if-match': '"1"' } })).statusCode, 403);
    });
  });
}
