import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../store/db.ts';
import { closeTestServer } from '../../test/support/store.ts';
import { testBackends } from '../../test/support/backends.ts';
import { type Actors, seedActors } from '../../test/support/actors.ts';
import { hazardAccounting } from './accounting.ts';
import { RELEASE_METHODS } from './rules.ts';
import { landStatistics, statisticsCsv } from './statistics.ts';
import type { Period, StatisticsDimension } from './statisticsStore.ts';
import { box, createActivity, createHazard, createProduct, type Grid } from './test-helpers.ts';
import { mulberry32 } from '../mulberry32.ts';


const rect = (lon0: number, lat0: number, lon1: number, lat1: number) =>
  `SRID=4326;MULTIPOLYGON(((${lon0} ${lat0},${lon1} ${lat0},${lon1} ${lat1},${lon0} ${lat1},${lon0} ${lat0})))`;

/**
 * A synthetic country of two provinces (admin1) of two districts (admin2) each, 32 hazards placed
 * in the districts (their admin area found from their location), and about fifty products of
 * two organisations over three years, some overlapping and some partly outside their hazard.
 */
async function seedSyntheticLand(db: Db, actors: Actors) {
  const [country] = await db.query<{ id: string }>(`INSERT INTO admin_area (level, code, geom, source) VALUES (0, 'ZZ', $1, 'test') RETURNING id`, [rect(30, 10, 32, 11)]);
  const districts: string[] = [];
  for (let p = 0; p < 2; p++) {
    const [province] = await db.query<{ id: string }>(`INSERT INTO admin_area (parent_id, level, code, geom, source) VALUES ($1, 1, $2, $3, 'test') RETURNING id`, [
      country!.id,
      `ZZ-P${p}`,
      rect(30 + p, 10, 31 + p, 11),
    ]);
    await db.query(`INSERT INTO place_name (admin_area_id, name, language, kind, source) VALUES ($1, $2, 'en', 'official', 'test')`, [province!.id, `Province ${p}`]);
    for (let d = 0; d < 2; d++) {
      const [district] = await db.query<{ id: string }>(`INSERT INTO admin_area (parent_id, level, code, geom, source) VALUES ($1, 2, $2, $3, 'test') RETURNING id`, [
        province!.id,
        `ZZ-P${p}-D${d}`,
        rect(30 + p, 10 + d * 0.5, 31 + p, 10.5 + d * 0.5),
      ]);
      districts.push(district!.id);
    }
  }
  const rand = mulberry32(20240301);
  const activityA: string[] = [];
  const hazards: string[] = [];
  for (let i = 0; i < 32; i++) {
    const district = i % 4;
    const grid: Grid = { origin: { lon: 30.1 + Math.floor(district / 2) + (i % 8) * 0.02, lat: 10.1 + (district % 2) * 0.5 + Math.floor(i / 8) * 0.02 }, cell: 0.001 };
    const w = 2 + Math.floor(rand() * 3);
    const h = 2 + Math.floor(rand() * 3);
    const hazardId = await createHazard(db, actors, box(grid, 0, 0, w, h));
    hazards.push(hazardId);
    const writer = i % 3 === 0 ? ('field_user_b' as const) : ('field_user' as const);
    const activityId = await createActivity(db, actors, [hazardId], {}, writer);
    if (writer === 'field_user') activityA.push(activityId);
    const products = Math.floor(rand() * 3);
    for (let k = 0; k < products; k++) {
      const x0 = Math.floor(rand() * w) - (rand() < 0.2 ? 1 : 0);
      const y0 = Math.floor(rand() * h);
      const x1 = Math.min(w + 1, x0 + 1 + Math.floor(rand() * 2));
      const y1 = Math.min(h, y0 + 1 + Math.floor(rand() * 2));
      const method = RELEASE_METHODS[Math.floor(rand() * 3)]!;
      const releaseDate = `${2022 + Math.floor(rand() * 3)}-${String(1 + Math.floor(rand() * 12)).padStart(2, '0')}-15`;
      await createProduct(db, actors, { activityId, hazardId, method, geometry: box(grid, x0, y0, x1, y1), releaseDate }, writer);
    }
  }
  return { hazards, districts };
}

const groupings: StatisticsDimension[][] = [[], ['admin1'], ['admin2'], ['organisation'], ['admin1', 'organisation'], ['admin2', 'organisation']];
const periods: Period[] = ['none', 'month', 'quarter', 'year'];

for (const backend of testBackends()) {
  describe(`land statistics (${backend.name})`, () => {
    let db: Db;
    let seeded: Awaited<ReturnType<typeof seedSyntheticLand>>;
    before(async () => {
      db = await backend.open();
      seeded = await seedSyntheticLand(db, await seedActors(db));
    });
    after(() => closeTestServer({ db }));

    test('every grouping and period sums to the same national totals', async () => {
      const national = await landStatistics(db, { by: [], period: 'none' });
      assert.ok(national.totals.releasedM2.cleared > 0 && national.totals.releasedM2.reduced > 0 && national.totals.releasedM2.cancelled > 0, 'the data has every method');
      for (const by of groupings) {
        for (const period of periods) {
          const stats = await landStatistics(db, { by, period });
          const label = `by ${by.join('+') || 'none'}, period ${period}`;
          for (const method of RELEASE_METHODS) {
            const sum = stats.released.filter((r) => r.method === method).reduce((s, r) => s + r.areaM2, 0);
            assert.ok(Math.abs(sum - national.totals.releasedM2[method]) < 1e-6, `${label}, ${method}: groups sum to ${sum}, national ${national.totals.releasedM2[method]}`);
            assert.equal(stats.totals.releasedM2[method], national.totals.releasedM2[method], `${label}: total ${method}`);
          }
          const remaining = stats.remaining.reduce((s, r) => s + r.areaM2, 0);
          assert.ok(Math.abs(remaining - national.totals.remainingM2) < 1e-6, `${label}: remaining groups sum to ${remaining}, national ${national.totals.remainingM2}`);
        }
      }
    });

    test('the national figures equal the sum of every hazard’s own accounting, and balance with the hazards’ area', async () => {
      const national = await landStatistics(db, { by: [], period: 'none' });
      const sums = { cleared: 0, reduced: 0, cancelled: 0, remaining: 0, area: 0 };
      for (const hazardId of seeded.hazards) {
        const accounting = (await hazardAccounting(db, hazardId))!;
        for (const method of RELEASE_METHODS) sums[method] += accounting.releasedM2[method];
        sums.remaining += accounting.remainingM2;
        sums.area += accounting.areaM2;
        assert.ok(accounting.reconciliation.balanced, `${accounting.reference}: ${JSON.stringify(accounting.reconciliation)}`);
      }
      for (const method of RELEASE_METHODS) assert.ok(Math.abs(sums[method] - national.totals.releasedM2[method]) < 0.01, `${method}: ${sums[method]} vs ${national.totals.releasedM2[method]}`);
      assert.ok(Math.abs(sums.remaining - national.totals.remainingM2) < 0.01);
      const released = RELEASE_METHODS.reduce((s, m) => s + national.totals.releasedM2[m], 0);
      assert.ok(Math.abs(released + national.totals.remainingM2 - sums.area) < 0.05, `released ${released} + remaining ${national.totals.remainingM2} vs area ${sums.area}`);
    });

    test('hazards are placed in the district their shape lies in, and labelled by code and name', async () => {
      const stats = await landStatistics(db, { by: ['admin1', 'admin2'], period: 'none' });
      assert.deepEqual([...new Set(stats.remaining.map((r) => r.admin1?.name))].sort(), ['Province 0', 'Province 1']);
      assert.deepEqual([...new Set(stats.remaining.map((r) => r.admin2?.code))].sort(), ['ZZ-P0-D0', 'ZZ-P0-D1', 'ZZ-P1-D0', 'ZZ-P1-D1']);
      assert.equal(stats.remaining.reduce((n, r) => n + r.hazards, 0), stats.totals.hazardsWithRemainingArea);
    });

    test('the CSV holds the same figures', async () => {
      const stats = await landStatistics(db, { by: ['admin1'], period: 'year' });
      const lines = statisticsCsv(stats).trim().split('\n');
      assert.equal(lines[0], 'measure,method,admin1_code,admin1_name,period,organisation,area_m2');
      const released = lines.filter((l) => l.startsWith('released,'));
      assert.equal(released.length, stats.released.length);
      const clearedCsv = released.filter((l) => l.split(',')[1] === 'cleared').reduce((s, l) => s + Number(l.split(',').at(-1)), 0);
      assert.ok(Math.abs(clearedCsv - stats.totals.releasedM2.cleared) < 0.001 * released.length);
    });
  });
}
