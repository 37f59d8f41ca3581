import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import type { Db } from '../store/db.ts';
import { buildServer } from '../http/server.ts';
import type { Actors } from '../../test/support/actors.ts';
import { closeTestServer, openTestStore } from '../../test/support/store.ts';
import { testBackends } from '../../test/support/backends.ts';
import { approved, box, createActivity, createHazard, createProduct, type Grid } from '../land/test-helpers.ts';
import { type Convention, treatyReport } from './report.ts';

/**
 * Worked example, counted by hand. Cells of 0.001° at the equator: 0.001° of longitude is
 * 111.3195 m and 0.001° of latitude 110.5743 m on WGS84, so a cell is 12,309.07 m² (to 0.01%).
 *
 * | hazard | contamination               | cells | released                                           |
 * |--------|-----------------------------|-------|----------------------------------------------------|
 * | H1     | ap_mine                     | 2 × 1 | 1 cell cancelled 2024-06-01, 1 cell cleared 2025-03-01 |
 * | H2     | erw_uxo                     | 1 × 1 | all cleared 2025-02-01                             |
 * | H3     | ap_mine, cluster_munition   | 2 × 2 | 1 cell reduced 2025-07-01                          |
 * | H4     | ap_mine                     | 1 × 1 | all cleared 2026-02-01 (after the year)            |
 * | H5     | ap_mine                     | 1 × 1 | none; recorded 2026-02-01 (after the year)         |
 * | H6     | ap_mine                     | 3 × 1 | none; redrawn as 1 × 1 on 2026-03-01               |
 *
 * H1-H4 and H6 were recorded on 2024-01-01 (their history is dated so). On 31 December 2025 the
 * APMBC areas remaining were H3 (3 cells), H4 (1: its clearance came later) and H6 (3, as drawn
 * then): 7 cells in 3 SHAs; H5 was not yet known.
 *
 * Finds in 2025: 3 AP mines destroyed in situ and 1 rendered safe by the work on H1; 2 UXO removed
 * and destroyed by the work on H2; 1 AP mine destroyed in situ with no activity; a submunition in
 * 2024 (another year). Risk education in 2025: 10+12+5+3 and 1+0+7+2 (girls, boys, women, men);
 * one session in 2024. Casualties in 2025: an AP-mine accident (a man of 30 killed, a girl
 * "under 18" injured) and a UXO accident (a deminer of 40 injured); one in 2024.
 */
const CELL_M2 = 111.3195 * 110.5743;
const grid: Grid = { origin: { lon: 20, lat: 0.01 }, cell: 0.001 };

async function seed(db: Db, actors: Parameters<typeof createHazard>[1]): Promise<void> {
  const h1 = await createHazard(db, actors, box(grid, 0, 0, 2, 1), { contamination: ['ap_mine'] });
  const h2 = await createHazard(db, actors, box(grid, 3, 0, 4, 1), { contamination: ['erw_uxo'] });
  const h3 = await createHazard(db, actors, box(grid, 5, 0, 7, 2), { contamination: ['ap_mine', 'cluster_munition'] });
  const a1 = await createActivity(db, actors, [h1]);
  const a2 = await createActivity(db, actors, [h2]);
  const a3 = await createActivity(db, actors, [h3]);
  const h4 = await createHazard(db, actors, box(grid, 8, 0, 9, 1), { contamination: ['ap_mine'] });
  const h5 = await createHazard(db, actors, box(grid, 10, 0, 11, 1), { contamination: ['ap_mine'] });
  const h6 = await createHazard(db, actors, box(grid, 12, 0, 15, 1), { contamination: ['ap_mine'] });
  const a4 = await createActivity(db, actors, [h4]);
  await createProduct(db, actors, { activityId: a4, hazardId: h4, method: 'cleared', geometry: box(grid, 8, 0, 9, 1), releaseDate: '2026-02-01' });
  await approved(db, actors, { entityType: 'hazard', action: 'update', entityId: h6, baseVersion: 1, reason: 'resurveyed', payload: { geometry: box(grid, 12, 0, 13, 1) } });
  const history = (sql: string, params: unknown[]) => db.query(`UPDATE record_version SET ${sql} AND entity_type = 'hazard'`, params);
  await history(`valid_from = '2024-01-01' WHERE version = 1 AND entity_id = ANY($1::uuid[])`, [[h1, h2, h3, h4, h6]]);
  await history(`valid_from = '2026-02-01' WHERE version = 1 AND entity_id = $1`, [h5]);
  await history(`valid_to = '2026-03-01' WHERE version = 1 AND entity_id = $1`, [h6]);
  await history(`valid_from = '2026-03-01' WHERE version = 2 AND entity_id = $1`, [h6]);
  await createProduct(db, actors, { activityId: a1, hazardId: h1, method: 'cancelled', geometry: box(grid, 0, 0, 1, 1), releaseDate: '2024-06-01' });
  await createProduct(db, actors, { activityId: a1, hazardId: h1, method: 'cleared', geometry: box(grid, 1, 0, 2, 1), releaseDate: '2025-03-01' });
  await createProduct(db, actors, { activityId: a2, hazardId: h2, method: 'cleared', geometry: box(grid, 3, 0, 4, 1), releaseDate: '2025-02-01' });
  await createProduct(db, actors, { activityId: a3, hazardId: h3, method: 'reduced', geometry: box(grid, 5, 0, 6, 1), releaseDate: '2025-07-01' });
  const find = (activity: string | null, category: string, quantity: number, disposal: string, date: string) =>
    db.query(`INSERT INTO find (activity_id, category, quantity, geom, disposal_method, found_on, source) VALUES ($1, $2, $3, ST_SetSRID(ST_MakePoint(20.0005, 0.0105), 4326), $4, $5, 'test')`, [
      activity,
      category,
      quantity,
      disposal,
      date,
    ]);
  await find(a1, 'ap_mine', 3, 'destroyed_in_situ', '2025-04-01');
  await find(a1, 'ap_mine', 1, 'rendered_safe', '2025-04-02');
  await find(a2, 'uxo', 2, 'removed_and_destroyed', '2025-02-01');
  await find(null, 'ap_mine', 1, 'destroyed_in_situ', '2025-09-09');
  await find(null, 'submunition', 1, 'destroyed_in_situ', '2024-09-09');
  for (const [date, girls, boys, women, men] of [['2025-05-01', 10, 12, 5, 3], ['2025-06-01', 1, 0, 7, 2], ['2024-06-01', 50, 50, 50, 50]] as const) {
    await db.query(`INSERT INTO risk_education_session (held_on, organisation_id, method, girls, boys, women, men, source) VALUES ($1, $2, 'presentation', $3, $4, $5, $6, 'test')`, [
      date,
      actors.organisationA,
      girls,
      boys,
      women,
      men,
    ]);
  }
  const accident = async (reference: string, date: string, device: string) =>
    (await db.query<{ id: string }>(`INSERT INTO accident (reference, occurred_on, device_category, source) VALUES ($1, $2, $3, 'test') RETURNING id`, [reference, date, device]))[0]!.id;
  const x1 = await accident('X1', '2025-05-05', 'ap_mine');
  await db.query(`INSERT INTO victim (accident_id, outcome, sex, age, victim_group) VALUES ($1, 'killed', 'male', 30, 'civilian')`, [x1]);
  await db.query(`INSERT INTO victim (accident_id, outcome, sex, age_min, age_max, age_reported, victim_group) VALUES ($1, 'injured', 'female', 0, 17, 'under 18', 'civilian')`, [x1]);
  const x2 = await accident('X2', '2025-08-08', 'uxo');
  await db.query(`INSERT INTO victim (accident_id, outcome, sex, age, victim_group) VALUES ($1, 'injured', 'male', 40, 'deminer')`, [x2]);
  const x3 = await accident('X3', '2024-08-08', 'ap_mine');
  await db.query(`INSERT INTO victim (accident_id, outcome, sex, age, victim_group) VALUES ($1, 'killed', 'male', 22, 'military')`, [x3]);
}

type Row = (string | number | null)[];
const near = (actual: unknown, cells: number, what: string) => assert.ok(Math.abs((actual as number) - cells * CELL_M2) <= Math.max(1, cells * CELL_M2 * 1e-4), `${what}: ${String(actual)} m², expected ${cells} × ${CELL_M2.toFixed(2)}`);

for (const backend of testBackends()) {
  describe(`treaty reports, worked example (${backend.name})`, () => {
    let db: Db;
    let app: FastifyInstance;
    let actors: Actors;
    const reports = new Map<Convention, Awaited<ReturnType<typeof treatyReport>>>();
    before(async () => {
      ({ db, actors } = await openTestStore(backend, seed));
      for (const c of ['apmbc', 'ccm', 'ccw5'] as const) reports.set(c, await treatyReport(db, c, 2025));
      app = await buildServer({ db });
    });
    after(() => closeTestServer({ db, app }));
    const table = (c: Convention, id: string) => reports.get(c)!.tables.find((t) => t.id === id)!;
    const total = (c: Convention, id: string): Row => table(c, id).rows.find((r) => r[0] === 'Total')!;

    test('remaining areas on 31 December 2025: APMBC H3, H4 (cleared in 2026) and H6 as drawn then (7 cells, 3 SHAs), not H5 (recorded in 2026); CCM H3; CCW V nothing (H2 cleared)', () => {
      const [, shaA, chaA, areaA] = total('apmbc', 'remaining');
      assert.deepEqual([shaA, chaA], [3, 0]);
      near(areaA, 7, 'APMBC remaining');
      assert.equal(reports.get('apmbc')!.map.outlines.filter((o) => o.kind === 'hazard').length, 3);
      near(total('ccm', 'remaining')[3], 3, 'CCM remaining');
      assert.deepEqual(total('ccw5', 'remaining'), ['Total', 0, 0, 0]);
    });

    test('land released in 2025 and per year, by method', () => {
      const [, cancelled, reduced, cleared, all] = total('apmbc', 'released-in-year');
      assert.equal(cancelled, 0);
      near(reduced, 1, 'APMBC reduced 2025');
      near(cleared, 1, 'APMBC cleared 2025');
      near(all, 2, 'APMBC released 2025');
      const perYear = table('apmbc', 'released-per-year').rows;
      assert.deepEqual(perYear.map((r) => r[0]), ['2024', '2025']);
      near(perYear[0]![1], 1, 'APMBC cancelled 2024');
      assert.deepEqual(perYear[0]!.slice(2, 4), [0, 0]);
      near(total('ccm', 'released-in-year')[2], 1, 'CCM reduced 2025');
      near(total('ccw5', 'released-in-year')[3], 1, 'CCW V cleared 2025');
    });

    test('items found and destroyed in 2025', () => {
      assert.deepEqual(table('apmbc', 'items').rows, [
        ['ap_mine', 5, 4, 4],
        ['Total', 5, 4, 4],
      ]);
      assert.deepEqual(table('ccw5', 'items').rows, [
        ['uxo', 2, 2, 2],
        ['Total', 2, 2, 2],
      ]);
      assert.deepEqual(table('ccm', 'items').rows, [['Total', 0, 0, 0]]);
    });

    test('risk education in 2025', () => {
      assert.deepEqual(table('apmbc', 'risk-education').rows, [[2, 11, 12, 12, 5, 40]]);
    });

    test('casualties in 2025: all devices, then the convention’s by sex, age group (a range "under 18" is a child) and group', () => {
      const victims = (c: Convention) => Object.fromEntries(table(c, 'victims').rows.map((r) => [String(r[0]).trim(), r.slice(1)]));
      const apmbc = victims('apmbc');
      assert.deepEqual(apmbc['All devices'], [1, 2, 3]);
      assert.deepEqual(apmbc['ap_mine'], [1, 1, 2]);
      assert.deepEqual([apmbc['sex: female'], apmbc['sex: male'], apmbc['sex: unknown']], [[0, 1, 1], [1, 0, 1], [0, 0, 0]]);
      assert.deepEqual([apmbc['age group: child'], apmbc['age group: adult'], apmbc['age group: unknown']], [[0, 1, 1], [1, 0, 1], [0, 0, 0]]);
      assert.deepEqual(apmbc['group: civilian'], [1, 1, 2]);
      const ccw5 = victims('ccw5');
      assert.deepEqual(ccw5['uxo + axo'], [0, 1, 1]);
      assert.deepEqual(ccw5['group: deminer'], [0, 1, 1]);
    });

    test('the national totals reconcile: 2 cells cleared, 1 reduced, none cancelled in 2025; 4 cells remained in areas not redrawn since (H3, and H4 = its 2026 clearance); 3 casualties', () => {
      const r = Object.fromEntries(reports.get('apmbc')!.reconciliation.map((x) => [x.figure, x]));
      near(r['Land cleared in 2025 (m², all contamination)']!.treaty, 2, 'cleared');
      near(r['Land reduced in 2025 (m², all contamination)']!.register, 1, 'reduced');
      assert.equal(r['Land cancelled in 2025 (m², all contamination)']!.register, 0);
      const remaining = r['Remaining on 31 December 2025 in hazardous areas not redrawn since (m², all contamination)']!;
      near(remaining.treaty, 4, 'remaining then');
      near(remaining.register, 4, 'report land: 5 cells remaining now + 1 released in 2026 - 2 of H5 and H6 (recorded, redrawn since)');
      assert.match(reports.get('apmbc')!.tables.find((t) => t.id === 'reconciliation')!.note!, /less the 2 hazardous areas recorded or redrawn since \(246\d\d\.\d+ m² of that\)\. 1 hazardous areas of that day were redrawn or removed since; their 369\d\d\.\d+ m² remaining then/);
      assert.equal(r['Casualties in 2025']!.register, 3);
      assert.ok(reports.get('apmbc')!.reconciliation.every((x) => x.agrees));
    });

    test('the API: signed-in users only; JSON, printable HTML under a policy that allows no script, XLSX; listed in the OpenAPI document', async () => {
      const url = '/api/treaty-reports/apmbc/2025';
      assert.equal((await app.inject({ method: 'GET', url })).statusCode, 401);
      const json = await app.inject({ method: 'GET', url, headers: actors.auth('analyst') });
      assert.equal(json.statusCode, 200, json.body);
      assert.deepEqual(json.json().tables.find((t: { id: string }) => t.id === 'risk-education').rows, [[2, 11, 12, 12, 5, 40]]);
      const html = await app.inject({ method: 'GET', url: `${url}?format=html`, headers: actors.auth('analyst') });
      assert.match(html.headers['content-type'] as string, /^text\/html/);
      assert.match(html.headers['content-security-policy'] as string, /default-src 'none'/);
      assert.doesNotMatch(html.body, /<script/);
      const xlsx = await app.inject({ method: 'GET', url: `${url}?format=xlsx`, headers: actors.auth('analyst') });
      assert.match(xlsx.headers['content-type'] as string, /spreadsheetml/);
      assert.equal(xlsx.rawPayload.subarray(0, 2).toString('latin1'), 'PK');
      assert.equal((await app.inject({ method: 'GET', url: '/api/treaty-reports/ottawa/2025', headers: actors.auth('analyst') })).statusCode, 400);
      const document = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
      for (const path of ['/api/treaty-reports/{convention}/{year}', '/api/statistics/casualties', '/api/public/casualties', '/public']) assert.ok(document.paths[path]?.get, path);
    });
  });
}
