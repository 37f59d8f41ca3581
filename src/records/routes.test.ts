import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { useTestServer } from '../../test/support/server.ts';
import { testBackends } from '../../test/support/backends.ts';
import type { Actors } from '../../test/support/actors.ts';
import { direct, inverse, type LatLon } from '../geodesy/geodesic.ts';
import { normalizeAzimuthDeg } from '../geodesy/angles.ts';
import type { Db } from '../store/db.ts';
import { parseMinefieldRecord } from './format.ts';
import { reconstruct } from './reconstruct.ts';
import { reconstructionJson } from './routes.ts';
import { getRecord } from './store.ts';

function legTo(from: string, fromAt: LatLon, to: string, toAt: LatLon): Record<string, unknown> {
  const g = inverse(fromAt, toAt);
  return { from, to, azimuth: normalizeAzimuthDeg(g.azimuth1Deg), distance: g.distanceM };
}

/**
 * Four east–west rows 40 m apart south of the reference point, 21 mines each at 5 m, starting at
 * different offsets (so only the true shift lines them all up), inside a 150 m × 160 m perimeter.
 */
function fieldRecord(reference: string, batch: string, rp: LatLon): Record<string, unknown> {
  const legs: Array<Record<string, unknown>> = [];
  const rows: Array<Record<string, unknown>> = [];
  [0, 7, 3, 11].forEach((offset, k) => {
    legs.push(legTo('RP1', rp, `S${k}`, direct(direct(rp, 180, 30 + 40 * k), 90, 20 + offset)));
    legs.push({ from: `S${k}`, to: `E${k}`, azimuth: 90, distance: 100 });
    rows.push({ name: `Row ${k + 1}`, start: `S${k}`, end: `E${k}`, mineCount: 21, spacing: 5, mineModel: 'PMN-2' });
  });
  const corners = [direct(rp, 180, 10), direct(direct(rp, 180, 10), 90, 150), direct(direct(rp, 180, 170), 90, 150), direct(rp, 180, 170)];
  corners.forEach((c, k) => legs.push(legTo('RP1', rp, `C${k}`, c)));
  return {
    format: 'safeground/minefield-record@1',
    reference,
    angleUnit: 'degrees',
    north: { reference: 'true' },
    referencePoints: [{ name: 'RP1', description: 'Survey marker', coordinates: { system: 'latlon', ...rp } }],
    legs,
    perimeter: ['C0', 'C1', 'C2', 'C3'],
    rows,
    provenance: { source: 'test', handoverBatch: batch, statedMineTotal: 84 },
  };
}

async function insertFinds(db: Db, points: readonly LatLon[]): Promise<void> {
  await db.query(
    `INSERT INTO find (category, geom, found_on, source)
     SELECT 'ap_mine', ST_SetSRID(ST_MakePoint(t.lon, t.lat), 4326), DATE '2021-06-01', 'test' FROM jsonb_to_recordset($1::text::jsonb) AS t(lon float8, lat float8)`,
    [JSON.stringify(points.map((p) => ({ lon: p.lon, lat: p.lat })))],
  );
}

/** A field record with a fifth row ending at a point nothing defines: one reconstruction error, the rest placed. */
function recordWithError(reference: string, batch: string, rp: LatLon): Record<string, unknown> {
  const definition = fieldRecord(reference, batch, rp);
  return { ...definition, rows: [...(definition.rows as unknown[]), { name: 'Row 5', start: 'S0', end: 'NOPE', mineCount: 3, spacing: 5 }] };
}

/**
 * MGRS to 1 m from a UTM position, by the letter scheme of the standard (NGA): the oracle for the
 * report's MGRS, independent of the `mgrs` library. Northern hemisphere.
 */
function mgrsFromUtm(zone: number, lat: number, easting: number, northing: number): string {
  const band = 'CDEFGHJKLMNPQRSTUVWX'[Math.floor((lat + 80) / 8)];
  const columns = ['STUVWXYZ', 'ABCDEFGH', 'JKLMNPQR'][zone % 3]!;
  const rows = 'ABCDEFGHJKLMNPQRSTUV';
  const column = columns[Math.floor(easting / 100_000) - 1];
  const row = rows[(Math.floor(northing / 100_000) + (zone % 2 === 0 ? 5 : 0)) % 20];
  const digits = (v: number) => String(Math.floor(v % 100_000)).padStart(5, '0');
  return `${zone}${band} ${column}${row} ${digits(easting)} ${digits(northing)}`;
}

/** PostGIS's answer for a point: UTM zone 34N (EPSG:32634) easting and northing. */
async function utm34(db: Db, p: LatLon): Promise<{ e: number; n: number }> {
  const [row] = await db.query<{ e: number; n: number }>('SELECT ST_X(g) AS e, ST_Y(g) AS n FROM (SELECT ST_Transform(ST_SetSRID(ST_MakePoint($1, $2), 4326), 32634) AS g) t', [p.lon, p.lat]);
  return row!;
}

/** The numbers of a report's position cells: "45.1000000° N, 19.1000000° E" and "zone 34N, E 1.5 m, N 2.5 m". */
function positionCells(html: string, label: RegExp): { lat: number; lon: number; e: number; n: number; mgrs: string } {
  const row = html.match(new RegExp(`<tr><th>${label.source}</th><td>([\\d.]+)° N, ([\\d.]+)° E</td><td>zone 34N, E ([\\d.]+) m, N ([\\d.]+) m</td><td>([^<]+)</td></tr>`));
  assert.ok(row, `no position row ${label}`);
  return { lat: Number(row[1]), lon: Number(row[2]), e: Number(row[3]), n: Number(row[4]), mgrs: row[5]! };
}

const RP_EXACT = { lat: 44.53461, lon: 18.67012 };
const RP_SHIFTED = { lat: 44.61, lon: 18.81 };

for (const backend of testBackends()) {
  describe(`minefield records API on ${backend.name}`, () => {
    const server = useTestServer(backend);

    const post = (url: string, payload: unknown, who: Parameters<Actors['auth']>[0] = 'field_user') => server.app.inject({ method: 'POST', url, payload: payload as object, headers: server.actors.auth(who) });
    const get = (url: string, who: Parameters<Actors['auth']>[0] = 'analyst') => server.app.inject({ method: 'GET', url, headers: server.actors.auth(who) });

    test('a stored record reads back with the same reconstruction, in its tables and its history', async () => {
      const definition = fieldRecord('MF-STORE-1', 'HB-STORE', { lat: 44.2, lon: 18.2 });
      const created = await post('/api/minefield-records', { record: definition, reason: 'digitised from the paper form' });
      assert.equal(created.statusCode, 201, created.body);
      const { id, version } = created.json();
      assert.equal(version, 1);

      const read = await get(`/api/minefield-records/${id}`);
      assert.equal(read.statusCode, 200, read.body);
      const body = read.json();
      const expected = reconstructionJson(reconstruct(parseMinefieldRecord({ ...definition, id })));
      assert.deepEqual(body.reconstruction, JSON.parse(JSON.stringify(expected)));
      assert.deepEqual(body.reconstruction.problems, []);
      assert.deepEqual(body.record, JSON.parse(JSON.stringify(parseMinefieldRecord({ ...definition, id }))));
      assert.deepEqual(reconstruct((await getRecord(server.db, id))!.record), reconstruct(parseMinefieldRecord({ ...definition, id })));

      const [stored] = await server.db.query<{ perimeter: string; row_lines: string; mines: number; rows: number; points: number; legs: number }>(
        `SELECT ST_AsGeoJSON(perimeter, 12) AS perimeter, ST_AsGeoJSON(row_lines, 12) AS row_lines,
           (SELECT count(*)::int FROM minefield_record_mine WHERE record_id = r.id AND predicted) AS mines,
           (SELECT count(*)::int FROM minefield_record_row WHERE record_id = r.id AND geom IS NOT NULL) AS rows,
           (SELECT count(*)::int FROM minefield_record_point WHERE record_id = r.id AND geom IS NOT NULL) AS points,
           (SELECT count(*)::int FROM minefield_record_leg WHERE record_id = r.id) AS legs
         FROM minefield_record r WHERE id = $1`,
        [id],
      );
      assert.ok(stored);
      assert.deepEqual({ mines: stored.mines, rows: stored.rows, points: stored.points, legs: stored.legs }, { mines: 84, rows: 4, points: 13, legs: 12 });
      const perimeter = JSON.parse(stored.perimeter).coordinates[0] as number[][];
      const expectedPerimeter = (expected.features.find((f) => f.properties?.kind === 'perimeter')!.geometry as { coordinates: number[][][] }).coordinates[0]!;
      assert.equal(perimeter.length, expectedPerimeter.length);
      perimeter.forEach(([lon, lat], i) => {
        assert.ok(Math.abs(lon! - expectedPerimeter[i]![0]!) < 1e-10 && Math.abs(lat! - expectedPerimeter[i]![1]!) < 1e-10, `perimeter vertex ${i}`);
      });

      const history = await server.db.query<{ version: number; closed: boolean; reason: string | null }>(
        "SELECT version, valid_to IS NOT NULL AS closed, change_reason AS reason FROM record_version WHERE entity_type = 'minefield_record' AND entity_id = $1 ORDER BY version",
        [id],
      );
      assert.deepEqual([...history], [{ version: 1, closed: false, reason: 'digitised from the paper form' }]);
      const audit = await server.db.query<{ action: string }>("SELECT action FROM audit_log WHERE entity_type = 'minefield_record' AND entity_id = $1", [id]);
      assert.deepEqual(audit.map((a) => a.action), ['minefield_record.create']);

      const list = await get('/api/minefield-records?batch=HB-STORE');
      assert.equal(list.json().total, 1);
      assert.equal(list.json().records[0].reference, 'MF-STORE-1');
      assert.equal(list.json().records[0].minePositions, 84);
    });

    test('a replace needs the version it was made to: a stale one is a 409, and the history keeps both', async () => {
      const definition = fieldRecord('MF-STORE-2', 'HB-STORE', { lat: 44.25, lon: 18.25 });
      const { id } = (await post('/api/minefield-records', { record: definition })).json();
      const changed = { ...definition, rows: (definition.rows as Array<Record<string, unknown>>).slice(0, 2), provenance: { source: 'test', handoverBatch: 'HB-STORE' } };
      const first = await server.app.inject({ method: 'PUT', url: `/api/minefield-records/${id}`, payload: { record: changed, version: 1, reason: 'rows 3 and 4 belong to another record' }, headers: server.actors.auth('field_user') });
      assert.equal(first.statusCode, 200, first.body);
      assert.equal(first.json().version, 2);
      const stale = await server.app.inject({ method: 'PUT', url: `/api/minefield-records/${id}`, payload: { record: definition, version: 1 }, headers: server.actors.auth('field_user') });
      assert.equal(stale.statusCode, 409);
      assert.equal(stale.json().error.code, 'version_conflict');
      assert.match(stale.json().error.message, /"MF-STORE-2" is at version 2/);
      const mines = await server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM minefield_record_mine WHERE record_id = $1', [id]);
      assert.equal(mines[0]?.n, 42);
      const versions = await server.db.query<{ version: number; open: boolean }>(
        "SELECT version, valid_to IS NULL AS open FROM record_version WHERE entity_type = 'minefield_record' AND entity_id = $1 ORDER BY version",
        [id],
      );
      assert.deepEqual([...versions], [{ version: 1, open: false }, { version: 2, open: true }]);
      const duplicate = await post('/api/minefield-records', { record: definition });
      assert.equal(duplicate.statusCode, 409);
      assert.match(duplicate.json().error.message, /"MF-STORE-2" is already stored/);
    });

    test('a draft is reconstructed with its problems, rows drawn, nothing stored', async () => {
      const before = await server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM minefield_record');
      const draft = {
        format: 'safeground/minefield-record@1',
        reference: 'MF-DRAFT <1>',
        angleUnit: 'degrees',
        north: { reference: 'true' },
        referencePoints: [{ name: 'RP1', coordinates: { system: 'latlon', lat: 44.3, lon: 18.3 } }],
        legs: [
          { from: 'RP1', to: 'A', azimuth: 90, distance: 50 },
          { from: 'A', to: 'B', azimuth: 180, distance: 60 },
          { from: 'XX', to: 'C', azimuth: 10, distance: 10 },
          { from: 'RP1', to: 'D', azimuth: 45, distance: -5 },
          { from: 'RP1', to: 'E', azimuth: 400, distance: 20 },
        ],
        rows: [{ name: 'Row 1', start: 'A', end: 'B', mineCount: 12 }],
        provenance: { source: 'test' },
      };
      const response = await post('/api/minefield-records/draft', { record: draft }, 'analyst');
      assert.equal(response.statusCode, 200, response.body);
      const body = response.json();
      assert.equal(body.type, 'FeatureCollection');
      const problems = body.problems as Array<{ code: string; severity: string; path: string; message: string }>;
      const byCode = (code: string) => problems.find((p) => p.code === code);
      assert.equal(byCode('unknown_point')?.path, 'legs[2].from');
      assert.equal(byCode('non_positive_distance')?.path, 'legs[3].distance');
      assert.equal(byCode('azimuth_out_of_range')?.path, 'legs[4].azimuth');
      assert.equal(byCode('row_count_without_spacing')?.severity, 'warning');
      for (const p of problems) assert.match(p.message, /^minefield record "MF-DRAFT <1>": /);
      const kinds = (body.features as Array<{ properties: { kind: string } }>).map((f) => f.properties.kind);
      assert.equal(kinds.filter((k) => k === 'row').length, 1);
      assert.equal(kinds.filter((k) => k === 'predicted_mine').length, 0);
      const after = await server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM minefield_record');
      assert.equal(after[0]?.n, before[0]?.n);
    });

    test('a record that does not fit the format is refused, naming the record and the field', async () => {
      const response = await post('/api/minefield-records', { record: { ...fieldRecord('MF-BAD', 'HB-X', RP_EXACT), angleUnit: 'gon' } });
      assert.equal(response.statusCode, 400);
      const { error } = response.json();
      assert.equal(error.code, 'invalid_record');
      assert.match(error.message, /^minefield record "MF-BAD": 1 format problem: angleUnit: .*"gon"/);
      assert.equal(error.details.issues[0].path, 'angleUnit');
    });

    test('legs typed into a spreadsheet become legs; a bad cell names the line and column', async () => {
      const ok = await post('/api/minefield-records/legs', { csv: 'from,to,azimuth,distance\nRP1,TP1,1250,84.5\n', reference: 'MF 1' }, 'analyst');
      assert.deepEqual(ok.json(), { legs: [{ from: 'RP1', to: 'TP1', azimuth: 1250, distance: 84.5 }] });
      const bad = await post('/api/minefield-records/legs', { csv: 'from,to,azimuth,distance\nRP1,TP1,12x0,84.5\n', reference: 'MF 1' }, 'analyst');
      assert.equal(bad.statusCode, 400);
      assert.match(bad.json().error.message, /minefield record "MF 1": legs CSV has 1 problem: line 2, column azimuth: not a number/);
    });

    test('audits: finds on the predicted mines give A(5) = 100%; finds 30 m north a significant 30 m shift towards 0°; the batch pools both', async () => {
      const exact = (await post('/api/minefield-records', { record: fieldRecord('MF-AUDIT-EXACT', 'HB-AUDIT', RP_EXACT) })).json();
      const shifted = (await post('/api/minefield-records', { record: fieldRecord('MF-AUDIT-SHIFTED', 'HB-AUDIT', RP_SHIFTED) })).json();
      const minesOf = (reconstructionBody: { features: Array<{ geometry: { coordinates: number[] }; properties: { kind: string } }> }): LatLon[] =>
        reconstructionBody.features.filter((f) => f.properties.kind === 'predicted_mine').map((f) => ({ lon: f.geometry.coordinates[0]!, lat: f.geometry.coordinates[1]! }));
      await insertFinds(server.db, minesOf(exact.reconstruction));
      await insertFinds(server.db, minesOf(shifted.reconstruction).map((m) => direct(m, 0, 30)));

      const onMines = await get(`/api/minefield-records/${exact.id}/audit?tolerance=5`);
      assert.equal(onMines.statusCode, 200, onMines.body);
      const a = onMines.json();
      assert.deepEqual(a.positionalAccuracy.find((p: { toleranceM: number }) => p.toleranceM === 5), { toleranceM: 5, count: 84, of: 84, share: 1 });
      assert.deepEqual(a.completeness, { count: 84, of: 84, share: 1 });
      assert.equal(a.systematicError.significant, false);
      assert.match(a.method, /maximum shift \+ τ/);

      const moved = (await get(`/api/minefield-records/${shifted.id}/audit?tolerance=5`)).json();
      assert.equal(moved.finds.mines, 84);
      assert.equal(moved.systematicError.significant, true, moved.systematicError.verdict);
      assert.ok(Math.abs(moved.systematicError.shiftM - 30) < 1, `shift ${moved.systematicError.shiftM}`);
      assert.ok(Math.abs(((Number(moved.systematicError.bearingDeg) + 180) % 360) - 180) < 2, `bearing ${moved.systematicError.bearingDeg}`);

      const batch = await get('/api/minefield-records/audit?batch=HB-AUDIT&tolerance=5');
      assert.equal(batch.statusCode, 200, batch.body);
      const b = batch.json();
      assert.deepEqual(b.records.map((r: { reference: string }) => r.reference), ['MF-AUDIT-EXACT', 'MF-AUDIT-SHIFTED']);
      const at5 = (curve: Array<{ toleranceM: number; count: number; of: number }>) => curve.find((p) => p.toleranceM === 5)!;
      const movedAt5 = at5(moved.positionalAccuracy);
      assert.ok(movedAt5.count < 84 * 0.3);
      assert.equal(b.batches.length, 1);
      const pooled = b.batches[0];
      assert.equal(pooled.key, 'HB-AUDIT');
      assert.equal(pooled.audited, 2);
      assert.deepEqual(at5(pooled.positionalAccuracy), { toleranceM: 5, count: 84 + movedAt5.count, of: 168, share: (84 + movedAt5.count) / 168 });
      assert.deepEqual(pooled.completeness.of, 168);
      assert.deepEqual(pooled.countDiscrepancy, { found: 168, stated: 168, records: 2 });
      assert.equal(pooled.significantShifts, 1);
      assert.ok(pooled.positionalAccuracyAfterCorrection.count > 160, `after correction ${pooled.positionalAccuracyAfterCorrection.count}`);
    });

    test('the printable report is HTML with the record reference escaped', async () => {
      const { id } = (await post('/api/minefield-records', { record: fieldRecord('MF <script>&"7"', 'HB-HTML', { lat: 44.7, lon: 18.9 }) })).json();
      const response = await get(`/api/minefield-records/${id}/report?tolerance=5`);
      assert.equal(response.statusCode, 200, response.body);
      assert.match(String(response.headers['content-type']), /^text\/html/);
      assert.match(response.body, /MF &lt;script&gt;&amp;&quot;7&quot;/);
      assert.doesNotMatch(response.body, /<script>/);
    });

    test('a record with reconstruction errors is refused with every error named, unless kept; kept, it is flagged', async () => {
      const definition = recordWithError('MF-ERR-1', 'HB-ERR', { lat: 45.0, lon: 19.0 });
      const refused = await post('/api/minefield-records', { record: definition });
      assert.equal(refused.statusCode, 400, refused.body);
      const { error } = refused.json();
      assert.equal(error.code, 'reconstruction_errors');
      assert.equal(
        error.message,
        'minefield record "MF-ERR-1" was not stored: its reconstruction has 1 error: rows[4].end: point "NOPE" is not defined by any reference point or leg. Fix the record, or keep it with its errors (it is then stored flagged and left out of audits)',
      );
      assert.deepEqual(error.details.problems.map((p: { path: string; code: string }) => [p.path, p.code]), [['rows[4].end', 'unknown_point']]);
      const none = await server.db.query<{ n: number }>("SELECT count(*)::int AS n FROM minefield_record WHERE reference = 'MF-ERR-1'");
      assert.equal(none[0]?.n, 0);

      const kept = await post('/api/minefield-records', { record: definition, keepWithErrors: true, reason: 'row 5 is illegible on the scan' });
      assert.equal(kept.statusCode, 201, kept.body);
      const { id } = kept.json();
      assert.equal((await get(`/api/minefield-records/${id}`)).json().reconstructionErrors, 1);
      const listed = (await get('/api/minefield-records?batch=HB-ERR')).json();
      assert.deepEqual(listed.records.map((r: { reference: string; reconstructionErrors: number }) => [r.reference, r.reconstructionErrors]), [['MF-ERR-1', 1]]);
      const [history] = await server.db.query<{ reason: string }>("SELECT change_reason AS reason FROM record_version WHERE entity_type = 'minefield_record' AND entity_id = $1", [id]);
      assert.equal(history?.reason, 'row 5 is illegible on the scan; kept with 1 reconstruction error');

      const fixed = await server.app.inject({ method: 'PUT', url: `/api/minefield-records/${id}`, payload: { record: fieldRecord('MF-ERR-1', 'HB-ERR', { lat: 45.0, lon: 19.0 }), version: 1 }, headers: server.actors.auth('field_user') });
      assert.equal(fixed.statusCode, 200, fixed.body);
      assert.equal((await get('/api/minefield-records?batch=HB-ERR')).json().records[0].reconstructionErrors, 0);
    });

    test('a batch audit leaves out a record with reconstruction errors, lists it with the reason, and pools the rest', async () => {
      const good = [
        (await post('/api/minefield-records', { record: fieldRecord('MF-SKIP-A', 'HB-SKIP', { lat: 45.2, lon: 19.2 }) })).json(),
        (await post('/api/minefield-records', { record: fieldRecord('MF-SKIP-B', 'HB-SKIP', { lat: 45.25, lon: 19.25 }) })).json(),
      ];
      const bad = (await post('/api/minefield-records', { record: recordWithError('MF-SKIP-C', 'HB-SKIP', { lat: 45.3, lon: 19.3 }), keepWithErrors: true })).json();
      for (const g of good) {
        await insertFinds(server.db, g.reconstruction.features.filter((f: { properties: { kind: string } }) => f.properties.kind === 'predicted_mine').map((f: { geometry: { coordinates: number[] } }) => ({ lon: f.geometry.coordinates[0]!, lat: f.geometry.coordinates[1]! })));
      }
      const response = await get('/api/minefield-records/audit?batch=HB-SKIP&tolerance=5');
      assert.equal(response.statusCode, 200, response.body);
      const b = response.json();
      assert.deepEqual(b.records.map((r: { reference: string }) => r.reference), ['MF-SKIP-A', 'MF-SKIP-B']);
      assert.equal(b.skipped.length, 1);
      assert.deepEqual(
        { ...b.skipped[0], errors: b.skipped[0].errors.map((p: { path: string }) => p.path) },
        { id: bad.id, reference: 'MF-SKIP-C', handoverBatch: 'HB-SKIP', reason: 'rows[4].end: point "NOPE" is not defined by any reference point or leg', errors: ['rows[4].end'] },
      );
      const [pooled] = b.batches;
      assert.equal(pooled.coverage, 'pooled over 2 of 3 records; 1 skipped: MF-SKIP-C (rows[4].end: point "NOPE" is not defined by any reference point or leg)');
      assert.equal(pooled.audited, 2);
      // 84 finds exactly on the 84 predicted mines of each good record; the skipped record's mines count nowhere.
      assert.deepEqual(pooled.positionalAccuracy.find((p: { toleranceM: number }) => p.toleranceM === 5), { toleranceM: 5, count: 168, of: 168, share: 1 });
      assert.deepEqual(pooled.completeness, { count: 168, of: 168, share: 1 });
      assert.deepEqual(pooled.countDiscrepancy, { found: 168, stated: 168, records: 2 });
    });

    test('the printable report: date, version, reference point and corrected point in lat/lon, UTM and MGRS against PostGIS, finds used and left out', async () => {
      const rp = { lat: 45.1, lon: 19.1 };
      const created = (await post('/api/minefield-records', { record: fieldRecord('MF-REPORT', 'HB-REPORT', rp) })).json();
      const mines = created.reconstruction.features
        .filter((f: { properties: { kind: string } }) => f.properties.kind === 'predicted_mine')
        .map((f: { geometry: { coordinates: number[] } }) => ({ lon: f.geometry.coordinates[0]!, lat: f.geometry.coordinates[1]! }));
      await insertFinds(server.db, mines.map((m: LatLon) => direct(m, 0, 30)));
      // Due north of the middle of the perimeter's north edge (10 m south of RP1, 150 m long): 150 m
      // out is used, 300 m out (2 items) is left out, 500 m out is beyond twice the 205 m radius.
      const northEdge = direct(direct(rp, 180, 10), 90, 75);
      for (const [distance, quantity] of [[150, 1], [300, 2], [500, 1]] as const) {
        const p = direct(northEdge, 0, distance);
        await server.db.query(`INSERT INTO find (category, quantity, geom, found_on, source) VALUES ('uxo', $3, ST_SetSRID(ST_MakePoint($1, $2), 4326), DATE '2021-06-01', 'test')`, [p.lon, p.lat, quantity]);
      }
      const before = new Date();
      const response = await get(`/api/minefield-records/${created.id}/report?tolerance=5`);
      const after = new Date();
      assert.equal(response.statusCode, 200, response.body);
      const html = response.body;

      const stamps = [before, after].map((d) => `Audited on ${d.toISOString().slice(0, 10)} at ${d.toISOString().slice(11, 16)} UTC`);
      assert.ok(stamps.some((stamp) => html.includes(stamp)), `no audit date like ${stamps[0]}`);
      const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
      let commit: string | null;
      try {
        commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: new URL('../..', import.meta.url), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
      } catch {
        commit = null;
      }
      assert.match(html, new RegExp(`by Safeground ${version.replace(/\./g, '\\.')}${commit === null ? '' : ` \\(commit ${commit}( with local changes)?\\)`}\\.</p>`));

      const audit = (await get(`/api/minefield-records/${created.id}/audit?tolerance=5`)).json();
      const s = audit.systematicError;
      assert.equal(s.significant, true, s.verdict);

      const recorded = positionCells(html, /Reference point RP1 as recorded/);
      assert.deepEqual([recorded.lat, recorded.lon], [45.1, 19.1]);
      const rpUtm = await utm34(server.db, rp);
      assert.ok(Math.abs(recorded.e - rpUtm.e) <= 0.05 + 1e-6 && Math.abs(recorded.n - rpUtm.n) <= 0.05 + 1e-6, `UTM ${recorded.e} ${recorded.n} vs PostGIS ${rpUtm.e} ${rpUtm.n}`);
      assert.equal(recorded.mgrs, mgrsFromUtm(34, rp.lat, rpUtm.e, rpUtm.n));

      // PostGIS walks the same geodesic (ST_Project on the spheroid) and projects with PROJ.
      const [projected] = await server.db.query<{ lat: number; lon: number }>(
        'SELECT ST_Y(g::geometry) AS lat, ST_X(g::geometry) AS lon FROM (SELECT ST_Project(ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography, $3::float8, radians($4::float8)) AS g) t',
        [rp.lon, rp.lat, s.shiftM, s.bearingDeg],
      );
      const corrected = positionCells(html, /Corrected reference point \(after the significant shift and rotation\)/);
      assert.ok(Math.abs(corrected.lat - projected!.lat) <= 1e-7 && Math.abs(corrected.lon - projected!.lon) <= 1e-7, `corrected ${corrected.lat} ${corrected.lon} vs PostGIS ${projected!.lat} ${projected!.lon}`);
      const correctedUtm = await utm34(server.db, projected!);
      assert.ok(Math.abs(corrected.e - correctedUtm.e) <= 0.06 && Math.abs(corrected.n - correctedUtm.n) <= 0.06, `UTM ${corrected.e} ${corrected.n} vs PostGIS ${correctedUtm.e} ${correctedUtm.n}`);
      assert.equal(corrected.mgrs, mgrsFromUtm(34, projected!.lat, correctedUtm.e, correctedUtm.n));
      // The finds lie 30 m north of the mines, so the reference point moves about 30 m north.
      assert.ok(Math.abs(corrected.n - recorded.n - 30) < 1 && Math.abs(corrected.e - recorded.e) < 1);

      assert.match(html, /<p>85 finds within the search radius, 84 of them mines\./);
      assert.ok(html.includes('Finds and accidents are used when they lie within 205 m of the record'));
      const leftOut = [...html.matchAll(/<tr><td>[0-9a-f-]{36}<\/td><td>uxo<\/td><td class="n">(\d+)<\/td><td>[^<]+<\/td><td class="n">([\d.]+) m<\/td><\/tr>/g)].map((m) => [Number(m[1]), m[2]]);
      assert.deepEqual(leftOut, [[2, '300.0']]);
      assert.doesNotMatch(html, /(?<![\d.])(360(\.0+)?|[-−]0(\.0+)?)°/);
    });

    test('reading needs data.read and writing report.write: anonymous 401, analyst cannot write', async () => {
      const id = '00000000-0000-4000-8000-000000000000';
      for (const url of ['/api/minefield-records', `/api/minefield-records/${id}`, `/api/minefield-records/${id}/audit`, `/api/minefield-records/${id}/report`, '/api/minefield-records/audit?batch=HB-AUDIT']) {
        const response = await server.app.inject({ method: 'GET', url });
        assert.equal(response.statusCode, 401, url);
        assert.equal(response.json().error.code, 'unauthorised');
      }
      const draft = await server.app.inject({ method: 'POST', url: '/api/minefield-records/draft', payload: { record: {} } });
      assert.equal(draft.statusCode, 401);
      const write = await post('/api/minefield-records', { record: fieldRecord('MF-ANALYST', 'HB-X', RP_EXACT) }, 'analyst');
      assert.equal(write.statusCode, 403);
      const missing = await get(`/api/minefield-records/${id}`);
      assert.equal(missing.statusCode, 404);
      assert.match(missing.json().error.message, /minefield record 00000000-0000-4000-8000-000000000000 not found/);
    });
  });
}
