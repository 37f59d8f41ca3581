import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { testBackends } from '../../test/support/backends.ts';
import { type TestServer, useTestServer } from '../../test/support/server.ts';
import { mediaTypeOf } from './rules.ts';

/** A tiny JPEG's first bytes and some more: what the content route must answer as image/jpeg. */
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('a photo of a PMN-2 in the grass')]);

describe('media type of an attachment, from its first bytes', () => {
  test('JPEG, PNG, WebP and PDF are named; anything else, HTML included, is bytes', () => {
    assert.equal(mediaTypeOf(JPEG), 'image/jpeg');
    assert.equal(mediaTypeOf(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0])), 'image/png');
    assert.equal(mediaTypeOf(Buffer.from('RIFF\x10\x00\x00\x00WEBPVP8 ', 'latin1')), 'image/webp');
    assert.equal(mediaTypeOf(Buffer.from('RIFF\x10\x00\x00\x00WAVEfmt ', 'latin1')), 'application/octet-stream', 'a RIFF that is not WebP');
    assert.equal(mediaTypeOf(Buffer.from('%PDF-1.7')), 'application/pdf');
    assert.equal(mediaTypeOf(Buffer.from('<html><script>alert(1)</script>')), 'application/octet-stream');
    assert.equal(mediaTypeOf(new Uint8Array()), 'application/octet-stream');
  });
});

/**
 * A report written on the server links its uploaded photos (POST /api/sync/reports/{id}/attachments)
 * and its readers read them back: the list of a report's attachments and each one's content, with
 * the report's own access rule (an operator sees their organisation's reports, the centre all).
 */
for (const backend of testBackends()) {
  describe(`attachments read back on ${backend.name}`, () => {
    const server: TestServer = useTestServer(backend);
    const sha256 = createHash('sha256').update(JPEG).digest('hex');
    let reportId = '';

    test('a photo uploaded and linked to a draft travels with it into the queue', async () => {
      const put = await server.app.inject({
        method: 'PUT',
        url: `/api/sync/attachments/${sha256}`,
        headers: { ...server.actors.auth('field_user'), 'content-type': 'application/octet-stream', 'content-range': `bytes 0-${JPEG.length - 1}/${JPEG.length}` },
        payload: JPEG,
      });
      assert.equal(put.statusCode, 200, put.body);
      const geometry = { type: 'Polygon', coordinates: [[[30, 10], [30.001, 10], [30.001, 10.001], [30, 10.001], [30, 10]]] };
      const created = await server.app.inject({
        method: 'POST',
        url: '/api/reports',
        headers: server.actors.auth('field_user'),
        payload: { entityType: 'hazard', action: 'create', payload: { reference: 'HZ-PHOTO-1', kind: 'sha', evidence: ['former_front_line'], source: 'test', geometry } },
      });
      assert.equal(created.statusCode, 201, created.body);
      reportId = created.json().id;
      const linked = await server.app.inject({ method: 'POST', url: `/api/sync/reports/${reportId}/attachments`, headers: server.actors.auth('field_user'), payload: { attachments: [sha256] } });
      assert.equal(linked.statusCode, 200, linked.body);
      const submitted = await server.app.inject({ method: 'POST', url: `/api/reports/${reportId}/submit`, headers: server.actors.auth('field_user') });
      assert.equal(submitted.json().state, 'submitted');
    });

    test('the report’s readers list its attachments and read each as what it is', async () => {
      for (const who of ['field_user', 'national_information_officer'] as const) {
        const list = await server.app.inject({ method: 'GET', url: `/api/sync/reports/${reportId}/attachments`, headers: server.actors.auth(who) });
        assert.deepEqual(list.json(), { id: reportId, attachments: [{ sha256, size: JPEG.length }] }, who);
        const content = await server.app.inject({ method: 'GET', url: `/api/sync/attachments/${sha256}/content`, headers: server.actors.auth(who) });
        assert.equal(content.statusCode, 200, who);
        assert.equal(content.headers['content-type'], 'image/jpeg');
        assert.match(String(content.headers['cache-control']), /^private/);
        assert.deepEqual(content.rawPayload, JPEG, 'the content arrives whole');
      }
    });

    test('another organisation’s operator, and anyone for an attachment of no report, find nothing', async () => {
      const list = await server.app.inject({ method: 'GET', url: `/api/sync/reports/${reportId}/attachments`, headers: server.actors.auth('field_user_b') });
      assert.equal(list.statusCode, 404);
      const content = await server.app.inject({ method: 'GET', url: `/api/sync/attachments/${sha256}/content`, headers: server.actors.auth('field_user_b') });
      assert.equal(content.statusCode, 404);
      assert.match(content.json().error.message, /not found or no access/);

      const loose = Buffer.from('%PDF-1.7 a scan linked to no report');
      const looseSha = createHash('sha256').update(loose).digest('hex');
      await server.app.inject({
        method: 'PUT',
        url: `/api/sync/attachments/${looseSha}`,
        headers: { ...server.actors.auth('field_user'), 'content-type': 'application/octet-stream', 'content-range': `bytes 0-${loose.length - 1}/${loose.length}` },
        payload: loose,
      });
      const unlinked = await server.app.inject({ method: 'GET', url: `/api/sync/attachments/${looseSha}/content`, headers: server.actors.auth('national_information_officer') });
      assert.equal(unlinked.statusCode, 404, 'uploaded, but no report names it');
    });
  });
}
