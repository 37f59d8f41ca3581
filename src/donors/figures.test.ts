import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import ExcelJS from 'exceljs';
import type { FastifyInstance } from 'fastify';
import { program } from '../cli/main.ts';
import { landStatistics } from '../land/statistics.ts';
import { box, createActivity, createHazard, createProduct, type Grid } from '../land/test-helpers.ts';
import type { Db } from '../store/db.ts';
import type { Actors } from '../../test/support/actors.ts';
import { testBackends } from '../../test/support/backends.ts';
import { closeTestServer } from '../../test/support/store.ts';
import { openTestServer } from '../../test/support/server.ts';
import { donorFigures, donorFiguresCsv } from './figures.ts';

/**
 * Worked example, counted by hand, in cells of 0.001° at the equator (12,309.07 m² each), for 2025:
 *
 * | activity (organisation)                      | products                                      | finds                                                    |
 * |----------------------------------------------|-----------------------------------------------|----------------------------------------------------------|
 * | A1 clearance (A), 2025-01-10 to 04-01, done  | P1 cleared 1 cell 2025-03-01; P2 cancelled 1 cell 2024-12-20 | f1 2 AP mines destroyed; f6 1 UXO dated "2025" only, rendered safe; f5 (2024) |
 * | A2 technical survey (B), from 2025-05-01     | P3 reduced 1 cell 2025-06-01                  | f2 1 UXO rendered safe 2025-06-02                        |
 * | A3 NTS (A), 2023, done                       |                                               |                                                          |
 * | none                                         |                                               | f3 1 AP mine destroyed, reported by B; f4 1 AT mine destroyed, by no one |
 *
 * Risk education in 2025: A one session (10 girls, 12 boys, 5 women, 3 men), B one (1, 0, 7, 2);
 * A one in 2024.
 */
const CELL_M2 = 111.3195 * 110.5743;
const grid: Grid = { origin: { lon: 40, lat: 0.01 }, cell: 0.001 };

async function seed(db: Db, actors: Actors): Promise<void> {
  const h1 = await createHazard(db, actors, box(grid, 0, 0, 2, 1), { contamination: ['ap_mine'] });
  const h2 = await createHazard(db, actors, box(grid, 3, 0, 4, 1), { contamination: ['erw_uxo'] });
  const a1 = await createActivity(db, actors, [h1], { startDate: '2025-01-10', endDate: '2025-04-01', status: 'completed' });
  const a2 = await createActivity(db, actors, [h2], { kind: 'ts', startDate: '2025-05-01' }, 'field_user_b');
  await createActivity(db, actors, [], { kind: 'nts', startDate: '2023-01-01', endDate: '2023-02-01', status: 'completed' });
  await createProduct(db, actors, { activityId: a1, hazardId: h1, method: 'cleared', geometry: box(grid, 0, 0, 1, 1), releaseDate: '2025-03-01' });
  await createProduct(db, actors, { activityId: a1, hazardId: h1, method: 'cancelled', geometry: box(grid, 1, 0, 2, 1), releaseDate: '2024-12-20' });
  await createProduct(db, actors, { activityId: a2, hazardId: h2, method: 'reduced', geometry: box(grid, 3, 0, 4, 1), releaseDate: '2025-06-01' }, 'field_user_b');
  const find = (activity: string | null, organisation: string | null, category: string, quantity: number, disposal: string, date: string, precision = 'day') =>
    db.query(
      `INSERT INTO find (activity_id, organisation_id, category, quantity, geom, disposal_method, found_on, found_on_precision, source)
       VALUES ($1, $2, $3, $4, ST_SetSRID(ST_MakePoint(40.0005, 0.0105), 4326), $5, $6, $7, 'test')`,
      [activity, organisation, category, quantity, disposal, date, precision],
    );
  await find(a1, null, 'ap_mine', 2, 'destroyed_in_situ', '2025-03-01');
  await find(a2, null, 'uxo', 1, 'rendered_safe', '2025-06-02');
  await find(null, actors.organisationB, 'ap_mine', 1, 'destroyed_in_situ', '2025-07-07');
  await find(null, null, 'at_mine', 1, 'removed_and_destroyed', '2025-08-08');
  await find(a1, null, 'ap_mine', 1, 'destroyed_in_situ', '2024-12-01');
  await find(a1, null, 'uxo', 1, 'rendered_safe', '2025-01-01', 'year');
  for (const [organisation, date, girls, boys, women, men] of [
    [actors.organisationA, '2025-05-01', 10, 12, 5, 3],
    [actors.organisationB, '2025-06-01', 1, 0, 7, 2],
    [actors.organisationA, '2024-06-01', 50, 50, 50, 50],
  ] as const) {
    await db.query(`INSERT INTO risk_education_session (held_on, organisation_id, method, girls, boys, women, men, source) VALUES ($1, $2, 'presentation', $3, $4, $5, $6, 'test')`, [
      date,
      organisation,
      girls,
      boys,
      women,
      men,
    ]);
  }
}

const near = (actual: number, cells: number, what: string) => assert.ok(Math.abs(actual - cells * CELL_M2) <= Math.max(1, cells * CELL_M2 * 1e-4), `${what}: ${actual} m², expected ${cells} cells`);

for (const backend of testBackends()) {
  describe(`donor figures per organisation, worked example (${backend.name})`, () => {
    let db: Db;
    let app: FastifyInstance;
    let actors: Actors;
    before(async () => ({ db, actors, app } = await openTestServer(backend, { seed })));
    after(() => closeTestServer({ db, app }));

    test('2025, organisation by organisation, counted by hand', async () => {
      const figures = await donorFigures(db, { from: '2025-01-01', to: '2025-12-31', organisationId: null });
      assert.deepEqual(figures.organisations.map((o) => o.organisation?.name ?? null), ['Test Operator A', 'Test Operator B', null]);
      const [a, b, none] = figures.organisations;
      near(a!.releasedM2.cleared, 1, 'A cleared');
      assert.deepEqual([a!.releasedM2.cancelled, a!.releasedM2.reduced, a!.releaseProducts], [0, 0, 1], 'P2 was released in 2024');
      assert.deepEqual(a!.items, [
        { category: 'ap_mine', found: 2, destroyed: 2 },
        { category: 'uxo', found: 1, destroyed: 0 },
      ]);
      assert.deepEqual(a!.activities, [{ kind: 'clearance', active: 1, completed: 1 }], 'A3 worked in 2023');
      assert.deepEqual(a!.riskEducation, { sessions: 1, girls: 10, boys: 12, women: 5, men: 3 });
      near(b!.releasedM2.reduced, 1, 'B reduced');
      assert.deepEqual([b!.releasedM2.cleared, b!.releasedM2.cancelled], [0, 0]);
      assert.deepEqual(b!.items, [
        { category: 'ap_mine', found: 1, destroyed: 1 },
        { category: 'uxo', found: 1, destroyed: 0 },
      ]);
      assert.deepEqual(b!.activities, [{ kind: 'ts', active: 1, completed: 0 }]);
      assert.deepEqual(b!.riskEducation, { sessions: 1, girls: 1, boys: 0, women: 7, men: 2 });
      assert.deepEqual(none!.items, [{ category: 'at_mine', found: 1, destroyed: 1 }]);
      assert.equal(none!.releasedM2.total, 0);
      near(figures.total.releasedM2.total, 2, 'total released');
      assert.deepEqual(figures.total.items, [
        { category: 'ap_mine', found: 3, destroyed: 3 },
        { category: 'at_mine', found: 1, destroyed: 1 },
        { category: 'uxo', found: 2, destroyed: 0 },
      ]);
      assert.deepEqual(figures.total.riskEducation, { sessions: 2, girls: 11, boys: 12, women: 12, men: 5 });
    });

    test('the organisations add up to the national total, and the land figures are report land’s for the same period', async () => {
      for (const [from, to] of [['2025-01-01', '2025-12-31'], ['2024-01-01', '2025-12-31'], ['2025-01-01', '2025-06-30']] as const) {
        const figures = await donorFigures(db, { from, to, organisationId: null });
        const land = await landStatistics(db, { by: ['organisation'], period: 'none', from, to });
        for (const method of ['cancelled', 'reduced', 'cleared'] as const) {
          const sum = figures.organisations.reduce((s, o) => s + o.releasedM2[method], 0);
          assert.ok(Math.abs(sum - land.totals.releasedM2[method]) < 0.001, `${from}..${to} ${method}: organisations ${sum}, report land ${land.totals.releasedM2[method]}`);
          assert.ok(Math.abs(figures.total.releasedM2[method] - land.totals.releasedM2[method]) < 0.001);
          for (const o of figures.organisations.filter((x) => x.organisation)) {
            const row = land.released.find((r) => r.organisation?.id === o.organisation!.id && r.method === method);
            assert.ok(Math.abs(o.releasedM2[method] - (row?.areaM2 ?? 0)) < 0.001, `${o.organisation!.name} ${method}`);
          }
        }
        for (const category of new Set(figures.total.items.map((i) => i.category))) {
          const found = figures.organisations.reduce((s, o) => s + (o.items.find((i) => i.category === category)?.found ?? 0), 0);
          assert.equal(found, figures.total.items.find((i) => i.category === category)!.found, category);
        }
      }
      // The first half of 2025 leaves out the UXO dated only "2025" (it may be from the second half).
      const half = await donorFigures(db, { from: '2025-01-01', to: '2025-06-30', organisationId: null });
      assert.deepEqual(half.total.items.find((i) => i.category === 'uxo'), { category: 'uxo', found: 1, destroyed: 0 });
      // 2024 and 2025 together bring in P2 (cancelled, A) and f5.
      const both = await donorFigures(db, { from: '2024-01-01', to: '2025-12-31', organisationId: null });
      near(both.organisations[0]!.releasedM2.cancelled, 1, 'A cancelled 2024-2025');
    });

    test('one organisation; CSV lines; the API and the command', async () => {
      const b = await donorFigures(db, { from: '2025-01-01', to: '2025-12-31', organisationId: actors.organisationB });
      assert.deepEqual(b.organisations.map((o) => o.organisation?.name), ['Test Operator B']);
      assert.deepEqual(b.total.items, b.organisations[0]!.items);
      const csv = donorFiguresCsv(b).split('\r\n');
      assert.equal(csv[0], 'organisation,organisation_id,measure,breakdown,value');
      assert.ok(csv.includes(`Test Operator B,${actors.organisationB},items_found,ap_mine,1`), csv.join('\n'));
      assert.ok(csv.includes('(total),,risk_education_beneficiaries,women,7'));

      const url = '/api/donor-figures?from=2025-01-01&to=2025-12-31';
      assert.equal((await app.inject({ method: 'GET', url })).statusCode, 401);
      const json = await app.inject({ method: 'GET', url, headers: actors.auth('analyst') });
      assert.equal(json.statusCode, 200, json.body);
      assert.equal(json.json().organisations.length, 3);
      const xlsx = await app.inject({ method: 'GET', url: `${url}&format=xlsx&organisation=${actors.organisationA}`, headers: actors.auth('analyst') });
      assert.equal(xlsx.statusCode, 200);
      const workbook = new ExcelJS.Workbook();
      // exceljs types its input as an ArrayBuffer-backed Buffer; a Node Buffer is what it reads.
      await workbook.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
      const values: unknown[][] = [];
      workbook.getWorksheet('figures')!.eachRow((row) => values.push((row.values as unknown[]).slice(1)));
      assert.ok(values.some((r) => r[0] === 'Test Operator A' && r[2] === 'activities_completed' && r[3] === 'clearance' && r[4] === 1));
      assert.equal((await app.inject({ method: 'GET', url: '/api/donor-figures?from=2025-12-31&to=2025-01-01', headers: actors.auth('analyst') })).statusCode, 400);
      assert.equal((await app.inject({ method: 'GET', url: '/api/donor-figures?from=2025&to=2025-12-31', headers: actors.auth('analyst') })).statusCode, 400);
      const report = program().commands.find((c) => c.name() === 'report')!;
      assert.ok(report.commands.some((c) => c.name() === 'donor'));
    });
  });
}
