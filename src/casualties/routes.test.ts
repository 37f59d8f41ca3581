import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import type { Db } from '../store/db.ts';
import { buildServer } from '../http/server.ts';
import { closeTestServer, openTestStore } from '../../test/support/store.ts';
import { testBackends } from '../../test/support/backends.ts';
import type { Actors } from '../../test/support/actors.ts';
import { seedOrdnanceCatalogue } from '../catalogue/store.ts';

/** POST /api/imports/accidents and GET /api/exports/accidents: who may commit, and who may see identities. */

for (const backend of testBackends()) {
  describe(`accident import and export routes on ${backend.name}`, () => {
    let db: Db;
    let app: FastifyInstance;
    let actors: Actors;
    type Who = Parameters<Actors['auth']>[0];

    before(async () => {
      ({ db, actors } = await openTestStore(backend));
      await seedOrdnanceCatalogue(db);
      await db.query("INSERT INTO activity (reference, kind, organisation_id, status, source) VALUES ('CLR-1', 'clearance', $1, 'ongoing', 'test')", [actors.organisationA]);
      app = await buildServer({ db });
    });
    after(() => closeTestServer({ db, app }));

    const csv = 'reference,occurredOn,latitude,longitude,ordnanceModel,activity,outcome,sex,age,victimGroup\nAPI-1,2024-01-25,48.15,37.15,PMN-2,CLR-1,injured,male,40,civilian\n';
    const post = (query: string, who: Who, payload = csv) =>
      app.inject({ method: 'POST', url: `/api/imports/accidents?${query}`, headers: { ...actors.auth(who), 'content-type': 'text/csv' }, payload });
    const count = async (table: string) => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0]!.n;

    test('anyone who reports may dry-run; only national roles commit; problems refuse the file', async () => {
      const dry = await post('dryRun=true', 'field_user');
      assert.equal(dry.statusCode, 200, dry.body);
      assert.deepEqual([dry.json().created, dry.json().victims.created, dry.json().committed, dry.json().problemCount], [1, 1, false, 0]);
      const refused = await post('dryRun=false', 'field_user');
      assert.equal(refused.statusCode, 403);
      assert.match(refused.json().error.message, /national roles/);
      assert.equal((await post('dryRun=true', 'analyst')).statusCode, 403);

      const bad = await post('', 'national_information_officer', csv.replace('civilian', 'bystander'));
      assert.equal(bad.statusCode, 400);
      assert.match(bad.json().error.details.problems[0].message, /is not one of civilian, military, deminer, unknown/);
      assert.equal(bad.json().error.details.problems[0].row, 2);
      assert.equal(await count('accident'), 0);

      const committed = await post('', 'national_information_officer');
      assert.equal(committed.statusCode, 200, committed.body);
      assert.equal(committed.json().committed, true);
      const [created] = await db.query<{ created_by: string }>("SELECT created_by FROM accident WHERE reference = 'API-1'");
      assert.equal(created!.created_by, actors.userIds.national_information_officer);
      const again = await post('', 'national_information_officer');
      assert.deepEqual([again.json().unchanged, again.json().victims.unchanged], [1, 1]);
      assert.equal(await count('accident'), 1);
    });

    test('identifying details: a field user cannot even dry-run them; a national officer imports them', async () => {
      const withIdentity = 'reference,occurredOn,outcome,victimGroup,fullName\nAPI-2,2024-01-26,killed,civilian,Maria K.\n';
      const refused = await post('dryRun=true', 'field_user', withIdentity);
      assert.equal(refused.statusCode, 200);
      assert.match(refused.json().problems[0].message, /columns "fullName" are victims' identifying details .*restricted\.read/);
      const committed = await post('', 'national_information_officer', withIdentity);
      assert.equal(committed.statusCode, 200, committed.body);
      assert.equal(committed.json().victims.identities, 1);
    });

    test('exports: no identities without include=identity; include=identity needs restricted.read and every victim read is logged', async () => {
      const get = (query: string, who: Who) => app.inject({ method: 'GET', url: `/api/exports/accidents?${query}`, headers: actors.auth(who) });
      const plain = await get('format=csv', 'analyst');
      assert.equal(plain.statusCode, 200);
      assert.match(plain.headers['content-type'] as string, /^text\/csv/);
      assert.doesNotMatch(plain.body, /fullName|Maria/);
      assert.match(plain.body.split('\r\n')[0]!, /^reference,occurredOn,.*,victimId,outcome,sex,age,ageReported,victimGroup,.*,latitude,longitude$/);

      const logBefore = await count('restricted_access_log');
      const analyst = await get('format=geojson&include=identity', 'analyst');
      assert.equal(analyst.statusCode, 403);
      assert.match(analyst.json().error.message, /restricted\.read/);
      assert.equal(await count('restricted_access_log'), logBefore, 'a refused read is not a read');

      const officer = await get('format=geojson&include=identity', 'national_information_officer');
      assert.equal(officer.statusCode, 200);
      const features = officer.json().features as { properties: Record<string, unknown> }[];
      assert.ok(features.some((f) => f.properties.fullName === 'Maria K.'));
      const logged = await db.query<{ actor_id: string; entity_type: string; purpose: string }>('SELECT actor_id, entity_type, purpose FROM restricted_access_log ORDER BY id OFFSET $1', [logBefore]);
      assert.equal(logged.length, features.filter((f) => f.properties.victimId).length);
      assert.ok(logged.every((l) => l.actor_id === actors.userIds.national_information_officer && l.entity_type === 'victim' && /exports\/accidents/.test(l.purpose)));

      const gpkg = await get('format=gpkg&deviceCategory=ap_mine', 'analyst');
      assert.equal(gpkg.statusCode, 200);
      assert.equal(gpkg.rawPayload.subarray(0, 15).toString('latin1'), 'SQLite format 3');
      assert.equal((await app.inject({ method: 'GET', url: '/api/exports/accidents?format=csv' })).statusCode, 401);
    });
  });
}
