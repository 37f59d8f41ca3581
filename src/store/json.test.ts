import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { route } from '../http/route.ts';
import { buildServer } from '../http/server.ts';
import { storeFor, testBackends } from '../../test/support/backends.ts';
import { isoTimestamp, JsonText } from './json.ts';

for (const backend of testBackends()) {
  describe(`JSON built by the store on ${backend.name}`, () => {
    const db = storeFor(backend);

    test('a timestamp in SQL-built JSON reads as the JSON of the Date a row gives', async () => {
      // Microseconds are truncated by both; before 1970 and another time zone's offset included.
      for (const text of ['2026-12-05 09:57:00.123999+00', '1969-07-20 20:17:40.9999+00', '2024-02-29 23:59:59+05:30', '2001-01-01 00:00:00+00']) {
        const [row] = await db.query<{ t: Date; json: string }>(`SELECT $1::timestamptz AS t, ${isoTimestamp('$1::timestamptz')} AS json`, [text]);
        assert.equal(row!.json, row!.t.toJSON(), text);
      }
    });

    test('JSON text a handler returns is sent as it is, with the JSON content type', async () => {
      const text = '{"items":[{"id":1,"geometry":{"type":"Point","coordinates":[30.5,-1.25]}}],"next":null}';
      const app = await buildServer({
        db,
        routes: [route({ method: 'GET', path: '/api/test/json-text', summary: 'JSON text (test only)', tag: 'test', permission: 'public.read', handler: async () => new JsonText(text) })],
      });
      try {
        const res = await app.inject({ method: 'GET', url: '/api/test/json-text' });
        assert.equal(res.statusCode, 200);
        assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
        assert.equal(res.body, text);
      } finally {
        await app.close();
      }
    });
  });
}
