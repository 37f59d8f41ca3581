import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import ExcelJS from 'exceljs';
import { parse } from 'csv-parse/sync';
import type { FastifyInstance } from 'fastify';
import { program } from '../cli/main.ts';
import { landStatistics } from '../land/statistics.ts';
import { box, createActivity, createHazard, createProduct, type Grid } from '../land/test-helpers.ts';
import type { Db } from '../store/db.ts';
import type { Actors } from '../../test/support/actors.ts';
import { testBackends } from '../../test/support/backends.ts';
import { closeTestServer } from '../../test/support/store.ts';
import { openTestServer } from '../../test/support/server.ts';
import { MDR_COLUMNS, type MdrKind, mdrStream } from './mdr.ts';

/**
 * Worked example, counted by hand, in cells of 0.001° at the equator (12,309.07 m² each):
 *
 * | hazard | cells   | activity (organisation)         | products                                                      |
 * |--------|---------|---------------------------------|---------------------------------------------------------------|
 * | H1 CHA | x 0-2   | A1 clearance (A), also on H3    | P1 cleared x 0-1 2025-03-01; P2 cancelled x 0-2 2025-01-01    |
 * | H2 SHA | x 3-4   | A2 technical survey (B)         | P3 reduced x 3-5 2025-06-01 (one cell outside H2)             |
 * | H3 SHA | x 6-7   | A1                              | P4 cancelled x 6-7 2024-05-01 (before the period)             |
 *
 * In 2025: P1 releases cell 0 (cleared), P2 only cell 1 (cell 0 is P1's: cleared > cancelled), P3
 * cell 3 (reduced) and has one cell outside. Finds in 2025: f1 2 AP mines in cell 0 (A1, destroyed
 * in situ, 10 cm), f2 1 UXO in cell 1 (A1, rendered safe), f3 1 AT mine at x 4.5 (A2, outside H2,
 * inside P3, removed and destroyed), f4 1 AP mine with no activity; f5 in 2024 (left out).
 */
const CELL_M2 = 111.3195 * 110.5743;
const grid: Grid = { origin: { lon: 30, lat: 0.01 }, cell: 0.001 };
const ids: Record<string, string> = {};

async function seed(db: Db, actors: Actors): Promise<void> {
  const h1 = await createHazard(db, actors, box(grid, 0, 0, 2, 1), { kind: 'cha', evidence: ['ordnance_seen'], contamination: ['ap_mine'] });
  const h2 = await createHazard(db, actors, box(grid, 3, 0, 4, 1), { contamination: ['erw_uxo'] });
  const h3 = await createHazard(db, actors, box(grid, 6, 0, 7, 1), { contamination: ['ap_mine'] });
  const a1 = await createActivity(db, actors, [h1, h3]);
  const a2 = await createActivity(db, actors, [h2], { kind: 'ts' }, 'field_user_b');
  ids.p1 = await createProduct(db, actors, { activityId: a1, hazardId: h1, method: 'cleared', geometry: box(grid, 0, 0, 1, 1), releaseDate: '2025-03-01' });
  ids.p2 = await createProduct(db, actors, { activityId: a1, hazardId: h1, method: 'cancelled', geometry: box(grid, 0, 0, 2, 1), releaseDate: '2025-01-01' });
  ids.p3 = await createProduct(db, actors, { activityId: a2, hazardId: h2, method: 'reduced', geometry: box(grid, 3, 0, 5, 1), releaseDate: '2025-06-01' }, 'field_user_b');
  ids.p4 = await createProduct(db, actors, { activityId: a1, hazardId: h3, method: 'cancelled', geometry: box(grid, 6, 0, 7, 1), releaseDate: '2024-05-01' });
  const find = (externalId: string, activity: string | null, category: string, quantity: number, x: number, disposal: string, date: string, depth: number | null) =>
    db.query(
      `INSERT INTO find (external_id, activity_id, category, quantity, geom, disposal_method, found_on, depth_cm, condition, source)
       VALUES ($1, $2, $3, $4, ST_SetSRID(ST_MakePoint($5, 0.0105), 4326), $6, $7, $8, 'armed', 'test')`,
      [externalId, activity, category, quantity, grid.origin.lon + x * grid.cell, disposal, date, depth],
    );
  await find('f1', a1, 'ap_mine', 2, 0.5, 'destroyed_in_situ', '2025-03-01', 10);
  await find('f2', a1, 'uxo', 1, 1.5, 'rendered_safe', '2025-02-01', null);
  await find('f3', a2, 'at_mine', 1, 4.5, 'removed_and_destroyed', '2025-06-01', null);
  await find('f4', null, 'ap_mine', 1, 9.5, 'destroyed_in_situ', '2025-09-09', null);
  await find('f5', a1, 'ap_mine', 1, 6.5, 'destroyed_in_situ', '2024-05-05', null);
}

async function text(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks).toString('utf8');
}

const near = (actual: unknown, cells: number, what: string) =>
  assert.ok(Math.abs(Number(actual) - cells * CELL_M2) <= Math.max(1, cells * CELL_M2 * 1e-4), `${what}: ${String(actual)} m², expected ${cells} × ${CELL_M2.toFixed(2)}`);

for (const backend of testBackends()) {
  describe(`GICHD minimum data requirements exports, worked example (${backend.name})`, () => {
    let db: Db;
    let app: FastifyInstance;
    let actors: Actors;
    before(async () => ({ db, actors, app } = await openTestServer(backend, { seed })));
    after(() => closeTestServer({ db, app }));
    const rows = async (kind: MdrKind) => parse<Record<string, string>>(await text(mdrStream(db, kind, 'csv', { from: '2025-01-01', to: '2025-12-31' })), { columns: true });

    test('land release: one row per product of 2025, with its counted area, hazard, activity, organisation and the finds inside', async () => {
      const lr = await rows('land-release');
      const byId = new Map(lr.map((r) => [r.release_product_id, r]));
      assert.deepEqual([...byId.keys()].sort(), [ids.p1, ids.p2, ids.p3].sort());
      const p1 = byId.get(ids.p1)!;
      const p2 = byId.get(ids.p2)!;
      const p3 = byId.get(ids.p3)!;
      assert.deepEqual(
        [p1.release_method, p1.hazard_type, p1.activity_type, p1.implementing_organisation, p1.clearance_depth_cm, p1.technical_assets, p1.release_date, p1.items_found],
        ['cleared', 'cha', 'clearance', 'Test Operator A', '20', '', '2025-03-01', '2'],
      );
      assert.deepEqual([p2.release_method, p2.items_found], ['cancelled', '3']);
      assert.deepEqual([p3.release_method, p3.hazard_type, p3.contamination, p3.activity_type, p3.implementing_organisation, p3.technical_assets, p3.items_found], ['reduced', 'sha', 'erw_uxo', 'ts', 'Test Operator B', 'yes', '1']);
      near(p1.product_area_m2, 1, 'P1 area');
      near(p1.released_area_m2, 1, 'P1 released');
      near(p2.product_area_m2, 2, 'P2 area');
      near(p2.released_area_m2, 1, 'P2 released (cell 0 is P1’s)');
      near(p3.product_area_m2, 2, 'P3 area');
      near(p3.released_area_m2, 1, 'P3 released');
      near(p3.outside_hazard_m2, 1, 'P3 outside its hazard');
      assert.equal(Number(p1.outside_hazard_m2), 0);
      assert.match(p1.perimeter_wkt!, /^MULTIPOLYGON\(\(\(30 0\.01,/);
      assert.ok(Math.abs(Number(p1.benchmark_longitude) - 30.0005) < 0.0006 && Math.abs(Number(p1.benchmark_latitude) - 0.0105) < 0.0006);
      assert.deepEqual(Object.keys(lr[0]!), [...MDR_COLUMNS['land-release']]);
    });

    test('land release: the rows add up, method by method, to report land for the same period', async () => {
      const lr = await rows('land-release');
      const land = await landStatistics(db, { by: [], period: 'none', from: '2025-01-01', to: '2025-12-31' });
      for (const method of ['cancelled', 'reduced', 'cleared'] as const) {
        const sum = lr.filter((r) => r.release_method === method).reduce((s, r) => s + Number(r.released_area_m2), 0);
        assert.ok(Math.abs(sum - land.totals.releasedM2[method]) < 0.001, `${method}: ${sum} and ${land.totals.releasedM2[method]}`);
        near(sum, 1, method);
      }
    });

    test('explosive ordnance: one row per find of 2025, with its activity, hazard and the product counted there', async () => {
      const eo = await rows('explosive-ordnance');
      const byId = new Map(eo.map((r) => [r.find_id, r]));
      assert.deepEqual([...byId.keys()].sort(), ['f1', 'f2', 'f3', 'f4']);
      const pick = (r: Record<string, string>) => [r.category, r.quantity, r.destroyed, r.depth_cm, r.condition, r.found_on, r.implementing_organisation, r.release_product_id];
      assert.deepEqual(pick(byId.get('f1')!), ['ap_mine', '2', 'yes', '10', 'armed', '2025-03-01', 'Test Operator A', ids.p1]);
      assert.deepEqual(pick(byId.get('f2')!), ['uxo', '1', 'no', '', 'armed', '2025-02-01', 'Test Operator A', ids.p2]);
      assert.deepEqual(pick(byId.get('f3')!), ['at_mine', '1', 'yes', '', 'armed', '2025-06-01', 'Test Operator B', ids.p3]);
      assert.deepEqual(pick(byId.get('f4')!), ['ap_mine', '1', 'yes', '', 'armed', '2025-09-09', '', '']);
      assert.match(byId.get('f1')!.hazard_reference!, /^HZ-T-/);
      assert.equal(byId.get('f3')!.hazard_reference, '', 'f3 lies outside its activity’s hazard');
      assert.ok(Math.abs(Number(byId.get('f1')!.longitude) - 30.0005) < 1e-9 && Math.abs(Number(byId.get('f1')!.latitude) - 0.0105) < 1e-9);
      // Against the register: items by category in 2025.
      const register = await db.query<{ category: string; items: number }>(
        "SELECT category, sum(quantity)::int AS items FROM find WHERE found_on BETWEEN '2025-01-01' AND '2025-12-31' GROUP BY category ORDER BY category",
      );
      const exported = new Map<string, number>();
      for (const r of eo) exported.set(r.category!, (exported.get(r.category!) ?? 0) + Number(r.quantity));
      assert.deepEqual(Object.fromEntries(exported), Object.fromEntries(register.map((r) => [r.category, r.items])));
      assert.deepEqual(Object.fromEntries(exported), { ap_mine: 3, uxo: 1, at_mine: 1 });
    });

    test('the API: signed-in readers only; CSV and XLSX; bad kinds refused; the CLI registers report mdr', async () => {
      const url = '/api/mdr/explosive-ordnance?from=2025-01-01&to=2025-12-31';
      assert.equal((await app.inject({ method: 'GET', url })).statusCode, 401);
      const csv = await app.inject({ method: 'GET', url, headers: actors.auth('analyst') });
      assert.equal(csv.statusCode, 200, csv.body);
      assert.match(csv.headers['content-type'] as string, /^text\/csv/);
      assert.equal(parse<Record<string, string>>(csv.body, { columns: true }).length, 4);
      const xlsx = await app.inject({ method: 'GET', url: '/api/mdr/land-release?format=xlsx', headers: actors.auth('analyst') });
      assert.equal(xlsx.statusCode, 200);
      const workbook = new ExcelJS.Workbook();
      // exceljs types its input as an ArrayBuffer-backed Buffer; a Node Buffer is what it reads.
      await workbook.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
      const sheet = workbook.getWorksheet('land-release')!;
      assert.deepEqual((sheet.getRow(1).values as unknown[]).slice(1), [...MDR_COLUMNS['land-release']]);
      assert.equal(sheet.rowCount, 1 + 4, 'a header and the four products of every year');
      assert.equal((await app.inject({ method: 'GET', url: '/api/mdr/hazards', headers: actors.auth('analyst') })).statusCode, 400);
      const document = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
      assert.ok(document.paths['/api/mdr/{kind}']?.get);
      const report = program().commands.find((c) => c.name() === 'report')!;
      assert.ok(report.commands.some((c) => c.name() === 'mdr'));
    });
  });
}
