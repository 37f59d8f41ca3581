import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import type { Db } from '../store/db.ts';
import { buildServer } from '../http/server.ts';
import { closeTestServer, openTestStore } from '../../test/support/store.ts';
import { testBackends } from '../../test/support/backends.ts';
import type { Actors } from '../../test/support/actors.ts';
import { ageGroup, ageGroupSql, type ReportedAge } from './ageGroups.ts';
import { casualtyCsv, casualtyStatistics, parseGroupings } from './casualties.ts';

/**
 * Worked example: two provinces (P0 with district D00, P1 with district D10), five accidents and
 * seven victims, the figures below counted by hand from this table.
 *
 * | accident | date       | area | device  | victim | outcome | sex     | age | group    | activity   |
 * |----------|------------|------|---------|--------|---------|---------|-----|----------|------------|
 * | A1       | 2023-03-10 | D00  | ap_mine | V1     | killed  | male    | 30  | civilian | farming    |
 * |          |            |      |         | V2     | injured | female  | 12  | civilian | playing    |
 * | A2       | 2023-11-02 | P0   | uxo     | V3     | injured | male    | 25  | deminer  | clearance  |
 * | A3       | 2024-05-20 | D10  | ap_mine | V4     | killed  | male    | -   | military | patrol     |
 * |          |            |      |         | V5     | injured | -       | 8   | civilian | " Playing" |
 * |          |            |      |         | V6     | injured | female  | 70  | civilian | -          |
 * | A4       | 2024-05-25 | -    | -       | V7     | killed  | male    | 17  | civilian | herding    |
 * | A5       | 2022-01-01 | D00  | ied     | (no victims)                                        |
 */
async function seedWorkedExample(db: Db): Promise<void> {
  const square = 'SRID=4326;MULTIPOLYGON(((30 10,31 10,31 11,30 11,30 10)))';
  const area = async (parent: string | null, level: number, code: string) => {
    const [row] = await db.query<{ id: string }>(`INSERT INTO admin_area (parent_id, level, code, geom, source) VALUES ($1, $2, $3, $4, 'test') RETURNING id`, [parent, level, code, square]);
    await db.query(`INSERT INTO place_name (admin_area_id, name, language, kind, source) VALUES ($1, $2, 'en', 'official', 'test')`, [row!.id, `Area ${code}`]);
    return row!.id;
  };
  const country = await area(null, 0, 'ZZ');
  const p0 = await area(country, 1, 'P0');
  const d00 = await area(p0, 2, 'D00');
  const p1 = await area(country, 1, 'P1');
  const d10 = await area(p1, 2, 'D10');
  const accident = async (reference: string, date: string, areaId: string | null, device: string | null) => {
    const [row] = await db.query<{ id: string }>(`INSERT INTO accident (reference, occurred_on, admin_area_id, device_category, source) VALUES ($1, $2, $3, $4, 'test') RETURNING id`, [reference, date, areaId, device]);
    return row!.id;
  };
  const victim = async (accidentId: string, outcome: string, sex: string | null, age: number | null, group: string, activity: string | null) => {
    const [row] = await db.query<{ id: string }>(`INSERT INTO victim (accident_id, outcome, sex, age, victim_group, activity_at_time) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, [
      accidentId,
      outcome,
      sex,
      age,
      group,
      activity,
    ]);
    return row!.id;
  };
  const a1 = await accident('A1', '2023-03-10', d00, 'ap_mine');
  const v1 = await victim(a1, 'killed', 'male', 30, 'civilian', 'farming');
  await db.query(`INSERT INTO victim_identity (victim_id, full_name, address) VALUES ($1, 'Secret Name', 'Secret Street 1')`, [v1]);
  await victim(a1, 'injured', 'female', 12, 'civilian', 'playing');
  await victim(await accident('A2', '2023-11-02', p0, 'uxo'), 'injured', 'male', 25, 'deminer', 'clearance');
  const a3 = await accident('A3', '2024-05-20', d10, 'ap_mine');
  await victim(a3, 'killed', 'male', null, 'military', 'patrol');
  await victim(a3, 'injured', null, 8, 'civilian', ' Playing');
  await victim(a3, 'injured', 'female', 70, 'civilian', null);
  await victim(await accident('A4', '2024-05-25', null, null), 'killed', 'male', 17, 'civilian', 'herding');
  await accident('A5', '2022-01-01', d00, 'ied');
}

/** The figures of one grouping as "value: victims/killed/injured/accidents", sorted, for comparing with the hand counts. */
function figures(stats: Awaited<ReturnType<typeof casualtyStatistics>>, grouping: string): string[] {
  return stats.rows
    .filter((r) => r.grouping.join(',') === grouping)
    .map((r) => {
      const key = r.grouping
        .map((d) => {
          const v = (r as unknown as Record<string, unknown>)[d];
          return v && typeof v === 'object' ? (v as { code: string }).code : String(v);
        })
        .join('/');
      return `${key}: ${r.victims}/${r.killed}/${r.injured}/${r.accidents}`;
    })
    .sort();
}

test('age groups: exact ages and ranges, a range counted only when all of it lies in the group', () => {
  const cases: [ReportedAge, string][] = [
    [0, 'child'],
    [17, 'child'],
    [18, 'adult'],
    [120, 'adult'],
    [null, 'unknown'],
    [{ min: 0, max: 17 }, 'child'],
    [{ min: 18, max: 25 }, 'adult'],
    [{ min: 15, max: 25 }, 'unknown'],
    [{ min: 61, max: null }, 'adult'],
    [{ min: 10, max: null }, 'unknown'],
    [{ min: null, max: null }, 'unknown'],
  ];
  for (const [age, group] of cases) assert.equal(ageGroup(age), group, JSON.stringify(age));
});

test('groupings: sets separated by ;, dimensions by ,; unknown names are named', () => {
  assert.deepEqual(parseGroupings('period;admin1,sex'), [['period'], ['admin1', 'sex']]);
  assert.deepEqual(parseGroupings('none'), []);
  assert.throws(() => parseGroupings('period;gender'), /unknown grouping gender/);
});

for (const backend of testBackends()) {
  describe(`casualty statistics (${backend.name})`, () => {
    let db: Db;
    let app: FastifyInstance;
    let actors: Actors;
    before(async () => {
      ({ db, actors } = await openTestStore(backend, seedWorkedExample));
      app = await buildServer({ db });
    });
    after(() => closeTestServer({ db, app }));

    test('the SQL age group is the pure function’s, for exact ages and ranges', async () => {
      const cases: [number | null, number | null][] = [[0, 0], [17, 17], [18, 18], [null, null], [0, 17], [18, 25], [15, 25], [61, null], [10, null]];
      const values = cases.map(([min, max], i) => `(${i}, ${min ?? 'NULL'}::int, ${max ?? 'NULL'}::int)`).join(', ');
      const rows = await db.query<{ i: number; g: string }>(`SELECT i, ${ageGroupSql('lo', 'hi')} AS g FROM (VALUES ${values}) t(i, lo, hi) ORDER BY i`);
      assert.deepEqual(
        rows.map((r) => r.g),
        cases.map(([min, max]) => ageGroup({ min, max })),
      );
    });

    test('worked example: every grouping matches the hand counts and adds up to the national total', async () => {
      const stats = await casualtyStatistics(db, { groupings: parseGroupings('period;admin1;admin2;sex;ageGroup;victimGroup;deviceCategory;activityAtTime;admin1,sex'), period: 'year' });
      assert.deepEqual(stats.total, { victims: 7, killed: 3, injured: 4, accidents: 4 });
      assert.deepEqual(figures(stats, 'period'), ['2023: 3/1/2/2', '2024: 4/2/2/2']);
      assert.deepEqual(figures(stats, 'admin1'), ['P0: 3/1/2/2', 'P1: 3/1/2/1', 'null: 1/1/0/1']);
      assert.deepEqual(figures(stats, 'admin2'), ['D00: 2/1/1/1', 'D10: 3/1/2/1', 'null: 2/1/1/2']);
      assert.deepEqual(figures(stats, 'sex'), ['female: 2/0/2/2', 'male: 4/3/1/4', 'unknown: 1/0/1/1']);
      assert.deepEqual(figures(stats, 'ageGroup'), ['adult: 3/1/2/3', 'child: 3/1/2/3', 'unknown: 1/1/0/1']);
      assert.deepEqual(figures(stats, 'victimGroup'), ['civilian: 5/2/3/3', 'deminer: 1/0/1/1', 'military: 1/1/0/1']);
      assert.deepEqual(figures(stats, 'deviceCategory'), ['ap_mine: 5/2/3/2', 'unknown: 1/1/0/1', 'uxo: 1/0/1/1']);
      assert.deepEqual(figures(stats, 'activityAtTime'), ['clearance: 1/0/1/1', 'farming: 1/1/0/1', 'herding: 1/1/0/1', 'null: 1/0/1/1', 'patrol: 1/1/0/1', 'playing: 2/0/2/2']);
      assert.deepEqual(figures(stats, 'admin1,sex'), ['P0/female: 1/0/1/1', 'P0/male: 2/1/1/2', 'P1/female: 1/0/1/1', 'P1/male: 1/1/0/1', 'P1/unknown: 1/0/1/1', 'null/male: 1/1/0/1']);
      const p0 = stats.rows.find((r) => r.grouping.join() === 'admin1' && r.admin1?.code === 'P0');
      assert.equal(p0?.admin1?.name, 'Area P0');
      for (const grouping of ['period', 'admin1', 'sex', 'ageGroup', 'activityAtTime', 'admin1,sex']) {
        const rows = stats.rows.filter((r) => r.grouping.join(',') === grouping);
        assert.equal(rows.reduce((s, r) => s + r.victims, 0), stats.total.victims, grouping);
        assert.equal(rows.reduce((s, r) => s + r.killed, 0), stats.total.killed, grouping);
      }
    });

    test('periods by month, and a date range', async () => {
      const monthly = await casualtyStatistics(db, { groupings: [['period']], period: 'month' });
      assert.deepEqual(figures(monthly, 'period'), ['2023-03: 2/1/1/1', '2023-11: 1/0/1/1', '2024-05: 4/2/2/2']);
      const since2024 = await casualtyStatistics(db, { groupings: [['victimGroup']], period: 'year', from: '2024-01-01', to: '2024-12-31' });
      assert.deepEqual(since2024.total, { victims: 4, killed: 2, injured: 2, accidents: 2 });
      assert.deepEqual(figures(since2024, 'victimGroup'), ['civilian: 3/1/2/2', 'military: 1/1/0/1']);
    });

    test('ages reported as ranges and dates known to the year only (added to the worked example: A6, 2024, three victims)', async () => {
      const [a6] = await db.query<{ id: string }>(`INSERT INTO accident (reference, occurred_on, occurred_on_precision, source) VALUES ('A6', '2024-01-01', 'year', 'test') RETURNING id`);
      for (const [sex, min, max] of [['female', 0, 17], ['male', 15, 25], ['male', 61, null]] as const) {
        await db.query(`INSERT INTO victim (accident_id, outcome, sex, age_min, age_max, victim_group) VALUES ($1, 'injured', $2, $3, $4, 'civilian')`, [a6!.id, sex, min, max]);
      }
      try {
        const stats = await casualtyStatistics(db, { groupings: [['ageGroup'], ['period']], period: 'month' });
        // "0-17" is a child, "61+" an adult, "15-25" could be either: unknown.
        assert.deepEqual(figures(stats, 'ageGroup'), ['adult: 4/1/3/4', 'child: 4/1/3/4', 'unknown: 2/1/1/2']);
        // Known to the year only: under "2024", never in a month.
        assert.deepEqual(figures(stats, 'period'), ['2023-03: 2/1/1/1', '2023-11: 1/0/1/1', '2024-05: 4/2/2/2', '2024: 3/0/3/1']);
        const may = await casualtyStatistics(db, { groupings: [], period: 'year', from: '2024-05-01', to: '2024-12-31' });
        assert.equal(may.total.victims, 4, 'a year is not wholly inside May to December');
        const year = await casualtyStatistics(db, { groupings: [], period: 'year', from: '2024-01-01', to: '2024-12-31' });
        assert.equal(year.total.victims, 7);
      } finally {
        await db.query(`DELETE FROM accident WHERE id = $1`, [a6!.id]);
      }
    });

    test('the API: signed-in users only, JSON with its query or CSV, never identifying details', async () => {
      assert.equal((await app.inject({ method: 'GET', url: '/api/statistics/casualties' })).statusCode, 401);
      const json = await app.inject({ method: 'GET', url: '/api/statistics/casualties?by=period;sex&period=year', headers: actors.auth('analyst') });
      assert.equal(json.statusCode, 200, json.body);
      assert.deepEqual(json.json().total, { victims: 7, killed: 3, injured: 4, accidents: 4 });
      assert.match(json.json().query, /GROUPING SETS/);
      assert.doesNotMatch(json.json().query, /victim_identity/);
      assert.doesNotMatch(json.body, /Secret/);
      const csv = await app.inject({ method: 'GET', url: '/api/statistics/casualties?by=admin1&format=csv', headers: actors.auth('analyst') });
      assert.match(csv.headers['content-type'] as string, /^text\/csv/);
      assert.equal(csv.body, casualtyCsv(await casualtyStatistics(db, { groupings: [['admin1']], period: 'year' })));
      assert.deepEqual(csv.body.trim().split('\n'), [
        'grouping,admin1_code,admin1_name,victims,killed,injured,accidents',
        'admin1,P0,Area P0,3,1,2,2',
        'admin1,P1,Area P1,3,1,2,1',
        'admin1,,(no area),1,1,0,1',
        'total,,,7,3,4,4',
      ]);
      const bad = await app.inject({ method: 'GET', url: '/api/statistics/casualties?by=gender', headers: actors.auth('analyst') });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.body, /unknown grouping gender/);
    });
  });
}
