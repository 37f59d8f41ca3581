import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseMinefieldRecord } from './format.ts';
import { reconstruct } from './reconstruct.ts';
import { auditRecord, type Find } from './audit.ts';
import { escapeHtml, renderAuditReport } from './report.ts';
import { direct } from '../geodesy/geodesic.ts';

function hostileRecord(): ReturnType<typeof parseMinefieldRecord> {
  const json = JSON.parse(readFileSync(new URL('./fixtures/example-record.json', import.meta.url), 'utf8')) as Record<string, unknown>;
  json.reference = 'MF <script>alert(1)</script>';
  const provenance = json.provenance as Record<string, unknown>;
  provenance.notes = 'Form says "0-50 E" & <b>bold</b>';
  return parseMinefieldRecord(json);
}

test('escapeHtml escapes the five special characters', () => {
  assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
});

test('the report is self-contained, escapes record text and shows provenance, figures, curve and sketch', () => {
  const record = hostileRecord();
  const r = reconstruct(record);
  const finds: Find[] = r.predictedMines.map((m, i) => ({ id: `F${i}`, ...direct(m, 0, 30), category: 'AP mine' }));
  finds.push({ id: 'U1', ...direct(r.predictedMines[0] ?? { lat: 0, lon: 0 }, 90, 400), category: 'UXO' });
  const accidents = [{ id: 'A1', ...direct(r.predictedMines[0] ?? { lat: 0, lon: 0 }, 180, 200) }];
  const audit = auditRecord(r, finds, accidents);
  const html = renderAuditReport(record, r, audit, finds, accidents);

  assert.ok(html.startsWith('<!doctype html>'));
  assert.ok(!html.includes('<script'), 'record text was not escaped');
  assert.ok(html.includes('MF &lt;script&gt;alert(1)&lt;/script&gt;'));
  assert.ok(html.includes('Form says &quot;0-50 E&quot; &amp; &lt;b&gt;bold&lt;/b&gt;'));
  assert.doesNotMatch(html, /\s(src|href)=|@import|url\(http/i, 'the page must not fetch anything');

  for (const text of ['HB-1996-03', '1993-05-14', 'DOC-1996-03-117', 'Stated mine total', 'declination 2.81° as stated']) assert.ok(html.includes(text), text);
  const a5 = audit.accuracy.find((c) => c.toleranceM === 5);
  assert.ok(a5);
  assert.ok(html.includes(`${((a5.share ?? 0) * 100).toFixed(1)}% (${a5.count} of ${a5.of})`));
  assert.ok(audit.systematic?.significant);
  assert.ok(html.includes(escapeHtml(audit.systematic.verdict)));
  assert.match(html, /maximum one-to-one matching/);
  assert.equal(html.match(/<svg /g)?.length, 2);
  assert.match(html, /<polyline [^>]*stroke-dasharray/);
  assert.match(html, /marker-end="url\(#head\)"/);
  assert.equal(html.match(/<circle [^>]*fill="none" stroke="#1f4e99"/g)?.length, r.predictedMines.length);
  assert.equal(html.match(/<circle [^>]*fill="#000"/g)?.length, finds.length - 1);
  assert.equal(html.match(/stroke="#c00"/g)?.length, 1);
});
