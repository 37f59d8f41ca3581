import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseMinefieldRecord, type MinefieldRecord } from './format.ts';
import { reconstruct } from './reconstruct.ts';
import { auditBlockers, auditRecordWithFinds, type Accident, type Find, type LeftOutFind } from './audit.ts';
import { escapeHtml, renderAuditReport, type AuditReportInput } from './report.ts';
import { direct } from '../geodesy/geodesic.ts';

const AUDITED_AT = new Date('2026-11-28T14:03:27Z');
const CONTEXT = { auditedAt: AUDITED_AT, version: '0.1.0 (commit 0123456789ab)' };

function exampleRecord(changes: (json: Record<string, unknown>) => void = () => undefined): MinefieldRecord {
  const json = JSON.parse(readFileSync(new URL('./fixtures/example-record.json', import.meta.url), 'utf8')) as Record<string, unknown>;
  changes(json);
  return parseMinefieldRecord(json);
}

function hostileRecord(): MinefieldRecord {
  return exampleRecord((json) => {
    json.reference = 'MF <script>alert(1)</script>';
    (json.provenance as Record<string, unknown>).notes = 'Form says "0-50 E" & <b>bold</b>';
  });
}

/** What `auditStoredRecord` gives, built from the pure parts. */
function reportInput(record: MinefieldRecord, finds: Find[], accidents: Accident[], leftOut: LeftOutFind[] = []): AuditReportInput {
  const reconstruction = reconstruct(record);
  const { audit, findUse, reachM } = auditRecordWithFinds(reconstruction, finds, accidents, { tolerance: 5, maxShift: 200 });
  return { record, reconstruction, audit, finds, accidents, findUse, reachM, searchRadiusM: 205, leftOut, errors: auditBlockers(reconstruction) };
}

test('escapeHtml escapes the five special characters', () => {
  assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
});

test('the report is self-contained, escapes record text and shows date, version, provenance, figures, curve and sketch', () => {
  const record = hostileRecord();
  const r = reconstruct(record);
  const finds: Find[] = r.predictedMines.map((m, i) => ({ id: `F${i}`, ...direct(m, 0, 30), category: 'AP mine' }));
  finds.push({ id: 'U1', ...direct(r.predictedMines[0] ?? { lat: 0, lon: 0 }, 90, 400), category: 'UXO' });
  const accidents = [{ id: 'A1', ...direct(r.predictedMines[0] ?? { lat: 0, lon: 0 }, 180, 200) }];
  const input = reportInput(record, finds, accidents);
  const html = renderAuditReport(input, CONTEXT);
  const { audit } = input;

  assert.ok(html.startsWith('<!doctype html>'));
  assert.ok(!html.includes('<script'), 'record text was not escaped');
  assert.ok(html.includes('MF &lt;script&gt;alert(1)&lt;/script&gt;'));
  assert.ok(html.includes('Form says &quot;0-50 E&quot; &amp; &lt;b&gt;bold&lt;/b&gt;'));
  assert.doesNotMatch(html, /\s(src|href)=|@import|url\(http/i, 'the page must not fetch anything');
  assert.ok(html.includes('Audited on 2026-11-28 at 14:03 UTC by Safeground 0.1.0 (commit 0123456789ab).'));

  for (const text of ['HB-1996-03', '1993-05-14', 'DOC-1996-03-117', 'Stated mine total', 'declination 2.81° as stated']) assert.ok(html.includes(text), text);
  const a5 = audit.positionalAccuracy.find((c) => c.toleranceM === 5);
  assert.ok(a5);
  assert.ok(html.includes(`<tr><th>Positional accuracy A(5 m)</th><td class="n">${((a5.share ?? 0) * 100).toFixed(1)}% (${a5.count} of ${a5.of})</td></tr>`));
  for (const name of ['Completeness', 'Outside share: finds outside the perimeter + 5 m', 'Count discrepancy: mines found / stated on the record', 'Systematic error']) assert.ok(html.includes(`<th>${name}`), name);
  assert.ok(audit.systematicError?.significant);
  assert.ok(html.includes(escapeHtml(audit.systematicError.verdict)));
  assert.match(html, /maximum one-to-one matching/);
  assert.equal(html.match(/<svg /g)?.length, 2);
  assert.match(html, /<polyline [^>]*stroke-dasharray/);
  assert.match(html, /marker-end="url\(#head\)"/);
  assert.equal(html.match(/<circle [^>]*fill="none" stroke="#1f4e99"/g)?.length, r.predictedMines.length);
  assert.equal(html.match(/<circle [^>]*fill="#000"/g)?.length, finds.length - 1);
  assert.equal(html.match(/stroke="#c00"/g)?.length, 1);
});

test('the reference point reads in lat/lon, UTM and MGRS: the MGRS written on the record comes back, and UTM is its square centre', () => {
  const record = exampleRecord();
  const html = renderAuditReport(reportInput(record, [], []), CONTEXT);
  // 34T CQ 61360 31130: zone 34 is in 100 km column set 1 (A-H), so C is the third column (300 km);
  // Q is 100 km row 14 counted from F (even zones), i.e. 900 km into the 2000 km cycle: northing 4 900 000 in band T.
  // The square's centre is half a metre further on each axis.
  assert.ok(html.includes('<td>zone 34N, E 361360.5 m, N 4931130.5 m</td><td>34T CQ 61360 31130</td>'), 'RP1 as UTM and MGRS');
  assert.ok(html.includes('Written on the record as MGRS 34TCQ 61360 31130 (the centre of the named square is used).'));
  assert.match(html, /<tr><th>Reference point RP1 as recorded<\/th><td>44\.\d{7}° N, 19\.\d{7}° E<\/td>/);
});

test('without a significant shift the report shows no figures after correction, and says why with the test', () => {
  const record = exampleRecord();
  const r = reconstruct(record);
  const finds: Find[] = r.predictedMines.map((m, i) => ({ id: `F${i}`, lat: m.lat, lon: m.lon, category: 'AP mine' }));
  const input = reportInput(record, finds, []);
  assert.equal(input.audit.systematicError?.significant, false);
  const html = renderAuditReport(input, CONTEXT);
  assert.doesNotMatch(html, /after correction<\/th>/);
  assert.doesNotMatch(html, /stroke-dasharray/);
  assert.doesNotMatch(html, /marker-end/);
  assert.ok(html.includes('<tr><th>Corrected reference point</th><td colspan="3">none: the best-fitting shift is not significant</td></tr>'));
  assert.ok(html.includes('<tr><th>Systematic error (best fit, not significant)</th>'));
  assert.ok(html.includes('not tested: the correction brings 0 more found mines within τ, fewer than the 3 required, so no null trials were run'));
  assert.ok(html.includes('p = 1/L if trial L was that trial, else 1/(19 + 1) = 0.05'));
});

test('a significant shift gives its p-value and the corrected reference point', () => {
  const record = exampleRecord();
  const r = reconstruct(record);
  const finds: Find[] = r.predictedMines.map((m, i) => ({ id: `F${i}`, ...direct(m, 0, 30), category: 'AP mine' }));
  const input = reportInput(record, finds, []);
  const s = input.audit.systematicError;
  assert.ok(s?.significant);
  assert.equal(s.pValue, 0.05);
  const html = renderAuditReport(input, CONTEXT);
  assert.ok(html.includes(`p = 0.05 (no null trial gained as much; 19 of 19 null trials run); gain ${s.withinAfter - s.withinBefore} ≥ ${s.minimumGain} required`));
  assert.match(html, /<tr><th>Corrected reference point \(after the significant shift and rotation\)<\/th><td>44\.\d{7}° N, 19\.\d{7}° E<\/td><td>zone 34N, E 3613\d\d\.\d m, N 49311\d\d\.\d m<\/td><td>34T CQ 613\d\d 311\d\d<\/td><\/tr>/);
  assert.match(html, /<tr><th>Positional accuracy A\(5 m\) after correction<\/th>/);
});

test('bearings and rotations read 0°, never 360° or -0.0°', () => {
  const record = exampleRecord();
  const r = reconstruct(record);
  const input = reportInput(record, r.predictedMines.map((m, i) => ({ id: `F${i}`, ...direct(m, 0, 30), category: 'AP mine' })), []);
  const s = input.audit.systematicError;
  assert.ok(s);
  const html = renderAuditReport({ ...input, audit: { ...input.audit, systematicError: { ...s, bearingDeg: 359.9996, rotationDeg: -0.0001 } } }, CONTEXT);
  assert.match(html, /towards 0° \(east/);
  assert.match(html, /rotation 0\.00° clockwise/);
  assert.doesNotMatch(html, /(?<![\d.])(360(\.0+)?|[-−]0(\.0+)?)°/);
});

test('the finds used and those left out are listed, with the radius rule in words', () => {
  const record = exampleRecord();
  const r = reconstruct(record);
  const first = r.predictedMines.find((m) => m.id === 'M1') ?? { lat: 0, lon: 0 };
  const finds: Find[] = [
    { id: 'ON-MINE', lat: first.lat, lon: first.lon, category: 'AP mine', model: 'OZM-72' },
    { id: 'NEAR', ...direct(first, 0, 3), category: 'AP mine' },
    { id: 'FAR', ...direct(r.origin ?? first, 0, 120), category: 'AT mine' },
    { id: 'SHELL', ...direct(first, 0, 1), category: 'UXO' },
  ];
  const leftOut: LeftOutFind[] = [{ id: 'BEYOND', ...direct(first, 0, 300), category: 'AP mine', quantity: 2, distanceM: 251.25 }];
  const html = renderAuditReport(reportInput(record, finds, [], leftOut), CONTEXT);
  assert.ok(html.includes('Finds and accidents are used when they lie within 205 m of the record, measured geodesically on WGS84 from the convex hull of its perimeter, row lines and mine positions. 205 m is the largest systematic shift the audit searches for (200 m) plus τ (5 m)'));
  assert.ok(html.includes('<p>4 finds within the search radius, 3 of them mines. Distances are to the nearest recorded row line or mine position, measured up to 50 m.</p>'));
  const row = (id: string): string => html.match(new RegExp(`<tr><td>${id}</td>.*</tr>`))?.[0] ?? '';
  // M1, the bounding mine recorded on its own, lies more than 5 m from every other position and row, so a
  // find on it is 0 m away and paired with it; one 3 m north of it is within τ, but its only position is taken.
  assert.match(row('ON-MINE'), /<td>AP mine, OZM-72<\/td>.*<td class="n">0\.00 m<\/td><td>yes<\/td><td>yes<\/td><td>no<\/td>/);
  assert.match(row('NEAR'), /<td class="n">3\.00 m<\/td><td>yes<\/td><td>no<\/td><td>no<\/td>/);
  assert.match(row('FAR'), /<td class="n">&gt; 50 m<\/td><td>no<\/td><td>no<\/td><td>yes<\/td>/);
  assert.match(row('SHELL'), /<td class="n">not a mine<\/td><td>–<\/td><td>–<\/td><td>no<\/td>/);
  assert.match(row('BEYOND'), /<td>AP mine<\/td><td class="n">2<\/td><td>\d+\.\d{7}° N, \d+\.\d{7}° E<\/td><td class="n">251\.3 m<\/td>/);
  assert.ok(html.includes("Finds beyond the search radius of 205 m and within 410 m of the record's hull, nearest first."));
});

test('a record kept with reconstruction errors is reported as not fit to publish', () => {
  const record = exampleRecord((json) => {
    (json.legs as Array<Record<string, unknown>>)[0]!.distance = 0;
  });
  const input = reportInput(record, [], []);
  assert.equal(input.errors.length, 1);
  const html = renderAuditReport(input, CONTEXT);
  assert.ok(html.includes("<b>The record's reconstruction has 1 error</b>"));
  assert.ok(html.includes('they are not fit to publish, and batch audits leave this record out'));
  assert.ok(html.includes('error: minefield record &quot;MF 34-117/93&quot;: legs[0].distance: distance must be greater than 0 m (got 0)'));
});
