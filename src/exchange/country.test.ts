import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import type { Actors } from '../../test/support/actors.ts';
import { testBackends } from '../../test/support/backends.ts';
import { openTestServer } from '../../test/support/server.ts';
import type { Db } from '../store/db.ts';

/** The instance's country over HTTP: read by anyone with data.read, set with settings.write, refused when unknown. */
for (const backend of testBackends()) {
  describe(`the country setting over HTTP (${backend.name})`, () => {
    let app: FastifyInstance;
    let db: Db;
    let actors: Actors;
    before(async () => {
      ({ app, db, actors } = await openTestServer(backend));
      await db.query(
        `WITH a AS (INSERT INTO admin_area (level, code, geom, source) VALUES (0, '804', ST_Multi(ST_MakeEnvelope(22.1, 44.3, 40.2, 52.4, 4326)), 'test') RETURNING id)
         INSERT INTO place_name (admin_area_id, name, language, kind, source) SELECT id, 'Ukraine', 'en', 'conventional', 'test' FROM a`,
      );
    });
    after(async () => {
      await app.close();
      await db.close();
    });

    const put = (role: Parameters<Actors['auth']>[0], country: string) => app.inject({ method: 'PUT', url: '/api/settings/country', headers: actors.auth(role), payload: { country } });

    test('unset, then set by a national officer by code; an unknown country is refused and changes nothing', async () => {
      assert.deepEqual((await app.inject({ method: 'GET', url: '/api/settings/country', headers: actors.auth('analyst') })).json(), { country: null });
      const set = await put('national_information_officer', '804');
      assert.equal(set.statusCode, 200, set.body);
      assert.equal(set.json().country.name, 'Ukraine');
      const refused = await put('national_information_officer', 'Atlantis');
      assert.equal(refused.statusCode, 400);
      assert.match(refused.json().error.message, /The country setting "Atlantis" matches no country in the gazetteer/);
      assert.equal((await app.inject({ method: 'GET', url: '/api/settings/country', headers: actors.auth('field_user') })).json().country.name, 'Ukraine');
      assert.equal((await put('field_user', 'Ukraine')).statusCode, 403);
      const [history] = await db.query<{ versions: number }>("SELECT count(*)::int AS versions FROM record_version WHERE entity_type = 'setting' AND data->>'key' = 'country'");
      assert.equal(history!.versions, 1, 'one version: the refused change left none');
    });
  });
}
