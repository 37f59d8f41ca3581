import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import type { Db } from '../store/db.ts';
import { buildServer } from '../http/server.ts';
import { closeTestServer, openTestStore } from '../../test/support/store.ts';
import { testBackends } from '../../test/support/backends.ts';

/**
 * Casualties per year, counted by hand: 2023: 3 victims (1 killed, 2 injured), 2024: 12 (7, 5),
 * 2025: 8 (0, 8); 23 in all (8 killed, 15 injured). With the threshold 5, 2023 is withheld, and
 * 2025 with it (the smallest other year: 2023 would otherwise be the total minus the others).
 */
async function seedCasualties(db: Db): Promise<void> {
  const years: [string, number, number][] = [
    ['2023-06-01', 1, 2],
    ['2024-06-01', 7, 5],
    ['2025-06-01', 0, 8],
  ];
  for (const [date, killed, injured] of years) {
    const [accident] = await db.query<{ id: string }>(`INSERT INTO accident (reference, occurred_on, source) VALUES ($1, $2, 'test') RETURNING id`, [`ACC-${date}`, date]);
    await db.query(
      `INSERT INTO victim (accident_id, outcome, victim_group, sex, age)
       SELECT $1, CASE WHEN i <= $2::int THEN 'killed' ELSE 'injured' END, 'civilian', 'female', 30 FROM generate_series(1, $2::int + $3::int) i`,
      [accident!.id, killed, injured],
    );
    await db.query(`INSERT INTO victim_identity (victim_id, full_name) SELECT id, 'Private Person' FROM victim WHERE accident_id = $1`, [accident!.id]);
  }
}

for (const backend of testBackends()) {
  describe(`the public page on ${backend.name}`, () => {
    let db: Db;
    let app: FastifyInstance;
    before(async () => {
      ({ db } = await openTestStore(backend, seedCasualties));
      app = await buildServer({ db });
    });
    after(() => closeTestServer({ db, app }));

    test('without sign-in: casualties per year with small counts withheld, as JSON and on the page', async () => {
      const progress = await app.inject({ method: 'GET', url: '/api/public/progress' });
      assert.equal(progress.statusCode, 200, progress.body);
      assert.deepEqual(progress.json().casualtiesPerYear, [
        { year: '2023', killed: null, injured: null, victims: null },
        { year: '2024', killed: 7, injured: 5, victims: 12 },
        { year: '2025', killed: null, injured: null, victims: null },
      ]);
      assert.deepEqual(progress.json().casualtiesTotal, { victims: 23, killed: 8, injured: 15, accidents: 3 });
      assert.equal(progress.json().suppression.threshold, 5);

      const page = await app.inject({ method: 'GET', url: '/public' });
      assert.equal(page.statusCode, 200);
      assert.match(page.headers['content-type'] as string, /^text\/html/);
      assert.match(page.headers['content-security-policy'] as string, /default-src 'none'/);
      assert.doesNotMatch(page.body, /<script|Private Person/);
      const row2023 = /<tr><th scope="row">2023<\/th>(.*?)<\/tr>/.exec(page.body)![1]!;
      assert.equal((row2023.match(/&lt;5/g) ?? []).length, 3);
      assert.match(page.body, /<tr><th scope="row">2024<\/th><td class="n">7<\/td><td class="n">5<\/td><td class="n">12<\/td><\/tr>/);
    });

    test('the open downloads withhold the same cells; the threshold is a national setting', async () => {
      const csv = await app.inject({ method: 'GET', url: '/api/public/casualties?by=period&format=csv' });
      assert.equal(csv.statusCode, 200);
      assert.deepEqual(csv.body.trim().split('\n'), [
        'grouping,period,victims,killed,injured,accidents',
        'period,2023,withheld,withheld,withheld,withheld',
        'period,2024,12,7,5,1',
        'period,2025,withheld,withheld,withheld,withheld',
        'total,,23,8,15,3',
      ]);
      // By sex: every victim is female, so the female row is the total; nothing is small.
      const bySex = await app.inject({ method: 'GET', url: '/api/public/casualties?by=sex' });
      assert.deepEqual(bySex.json().rows.map((r: { sex: string; victims: number }) => [r.sex, r.victims]), [['female', 23]]);

      await db.query(`INSERT INTO setting (key, value) VALUES ('public_suppression_threshold', '3')`);
      // Threshold 3: 2023's 3 victims are published, but its 1 killed and 2 injured are not, nor 2025's split (0 + 8),
      // which would give 2023's away through the national killed and injured.
      const lower = await app.inject({ method: 'GET', url: '/api/public/progress' });
      assert.deepEqual(lower.json().casualtiesPerYear, [
        { year: '2023', killed: null, injured: null, victims: 3 },
        { year: '2024', killed: 7, injured: 5, victims: 12 },
        { year: '2025', killed: null, injured: null, victims: 8 },
      ]);
      await db.query(`DELETE FROM setting WHERE key = 'public_suppression_threshold'`);

      const land = await app.inject({ method: 'GET', url: '/api/public/land?format=csv' });
      assert.equal(land.statusCode, 200);
      assert.match(land.body, /^measure,method,admin1_code,admin1_name,period,organisation,area_m2\n/);
    });
  });
}
