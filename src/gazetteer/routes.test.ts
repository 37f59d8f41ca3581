import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../http/server.ts';
import type { Db } from '../store/db.ts';
import { testBackends } from '../../test/support/backends.ts';

for (const backend of testBackends()) {
  describe(`place search over HTTP (${backend.name})`, () => {
    let db: Db;
    let app: FastifyInstance;

    before(async () => {
      db = await backend.open();
      app = await buildServer({ db });
      const [district] = await db.query<{ id: string }>(
        "INSERT INTO admin_area (level, code, geom, source) VALUES (2, 'T-1', ST_Multi(ST_MakeEnvelope(20, 40, 20.5, 40.4, 4326)), 'test') RETURNING id",
      );
      const [village] = await db.query<{ id: string }>("INSERT INTO settlement (admin_area_id, geom, source) VALUES ($1, ST_SetSRID(ST_MakePoint(20.1, 40.1), 4326), 'test') RETURNING id", [district!.id]);
      const names: [string | null, string | null, string, string, string][] = [
        [district!.id, null, 'Riverside District', 'en', 'official'],
        [district!.id, null, 'Район Приречный', 'ru', 'official'],
        [null, village!.id, 'Oakford', 'en', 'official'],
        [null, village!.id, 'Old Oak Ford', 'en', 'former'],
        [null, village!.id, 'Dubovy Brod', 'uk', 'transliteration'],
      ];
      for (const [adminAreaId, settlementId, name, language, kind] of names) {
        await db.query("INSERT INTO place_name (admin_area_id, settlement_id, name, language, kind, source) VALUES ($1, $2, $3, $4, $5, 'test')", [adminAreaId, settlementId, name, language, kind]);
      }
    });
    after(async () => {
      await app.close();
      await db.close();
    });

    const search = async (q: string) => {
      const response = await app.inject({ method: 'GET', url: `/api/places?q=${encodeURIComponent(q)}` });
      assert.equal(response.statusCode, 200, response.body);
      return response.json().places as { id: string; kind: string; name: string; matchedName: string; matchedLanguage: string; bbox: number[] }[];
    };

    test('finds a place by a former name or a name in another language, showing its display name', async () => {
      const [byFormer] = await search('old oak');
      assert.equal(byFormer?.name, 'Oakford');
      assert.equal(byFormer?.matchedName, 'Old Oak Ford');
      assert.deepEqual(byFormer?.bbox, [20.1, 40.1, 20.1, 40.1]);
      const [byRussian] = await search('приречный');
      assert.equal(byRussian?.kind, 'admin_area');
      assert.equal(byRussian?.matchedLanguage, 'ru');
      assert.deepEqual(byRussian?.bbox, [20, 40, 20.5, 40.4]);
    });

    test('lists each place once, whole-name matches first', async () => {
      const places = await search('oak');
      assert.equal(places.length, 1, 'Oakford and Old Oak Ford are one place');
      const [first] = await search('oakford');
      assert.equal(first?.matchedName, 'Oakford');
    });

    test('takes % and _ literally, and refuses an empty query', async () => {
      assert.deepEqual(await search('%'), []);
      assert.deepEqual(await search('_'), []);
      const empty = await app.inject({ method: 'GET', url: '/api/places?q=%20' });
      assert.equal(empty.statusCode, 400);
    });
  });
}
