/**
 * Casualty statistics at national scale: 50,000 victims in 30,000 accidents over 50 districts of
 * 10 provinces, thirty years, every device, sex, age (a tenth as ranges), group and activity.
 * Times `casualtyStatistics` (the API's and the CLI's figures: one GROUPING SETS query, area
 * labels, shaping) for the dashboard's groupings and for a wider set, beside the same aggregate
 * written by hand in raw SQL, and checks that both give the same national total.
 *
 *   npm run bench -- --only casualties [--scale national]
 *
 * The data is synthetic and deterministic.
 */
import { casualtyStatistics, parseGroupings } from '../src/statistics/casualties.ts';
import type { Db } from '../src/store/db.ts';
import { type Figure, sampleMs, timedFigure } from './harness.ts';

const SQUARE = `'SRID=4326;MULTIPOLYGON(((30 10,31 10,31 11,30 11,30 10)))'`;

async function seed(db: Db, victims: number): Promise<void> {
  const accidents = Math.round(victims * 0.6);
  await db.exec(`
    INSERT INTO admin_area (level, code, geom, source) VALUES (0, 'BZ', ${SQUARE}, 'bench');
    INSERT INTO admin_area (parent_id, level, code, geom, source)
      SELECT (SELECT id FROM admin_area WHERE code = 'BZ'), 1, 'BZ-' || p, ${SQUARE}, 'bench' FROM generate_series(1, 10) p;
    INSERT INTO admin_area (parent_id, level, code, geom, source)
      SELECT a.id, 2, a.code || '-' || d, ${SQUARE}, 'bench' FROM admin_area a CROSS JOIN generate_series(1, 5) d WHERE a.level = 1;
    INSERT INTO place_name (admin_area_id, name, language, kind, source) SELECT id, 'Area ' || code, 'en', 'official', 'bench' FROM admin_area;
    INSERT INTO accident (reference, occurred_on, admin_area_id, device_category, source)
      SELECT 'B-' || i, date '1995-01-01' + (i * 7919 % 11000), d.a[1 + i % 50], (ARRAY['ap_mine','at_mine','uxo','axo','submunition','ied','unknown'])[1 + i * 13 % 7], 'bench'
      FROM generate_series(1, ${accidents}) i, (SELECT array_agg(id ORDER BY code) AS a FROM admin_area WHERE level = 2) d;
    CREATE TEMP TABLE bench_accident AS SELECT id, row_number() OVER (ORDER BY reference) AS n FROM accident;
    INSERT INTO victim (accident_id, outcome, sex, age, victim_group, activity_at_time)
      SELECT b.id, CASE WHEN v % 5 < 2 THEN 'killed' ELSE 'injured' END, (ARRAY['female','male','male','unknown'])[1 + v * 7 % 4],
        CASE WHEN v % 10 = 0 THEN NULL WHEN v % 13 = 0 THEN NULL ELSE 3 + v * 17 % 70 END,
        (ARRAY['civilian','civilian','civilian','military','deminer','unknown'])[1 + v * 11 % 6],
        (ARRAY['farming','herding','playing','travelling','collecting wood','clearance', NULL])[1 + v * 3 % 7]
      FROM generate_series(1, ${victims}) v JOIN bench_accident b ON b.n = 1 + (v - 1) % ${accidents};
    UPDATE victim SET age_min = 15, age_max = 25 WHERE age IS NULL AND outcome = 'injured';
    UPDATE victim SET age_min = 0, age_max = 17 WHERE age IS NULL AND outcome = 'killed';
    ANALYZE accident; ANALYZE victim; ANALYZE admin_area;`);
}

/** The same figures by hand: victims by each grouping's columns, one GROUPING SETS statement, no labels. */
function handQuery(sets: string): string {
  return `WITH facts AS (
    SELECT a1.id AS admin1, a2.id AS admin2, to_char(x.occurred_on, 'YYYY') AS period, coalesce(v.sex, 'unknown') AS sex,
      CASE WHEN v.age_min IS NULL THEN 'unknown' WHEN v.age_max < 18 THEN 'child' WHEN v.age_min >= 18 THEN 'adult' ELSE 'unknown' END AS age_group,
      v.victim_group, coalesce(x.device_category, 'unknown') AS device, lower(btrim(v.activity_at_time)) AS activity, v.outcome, x.id AS accident_id
    FROM victim v JOIN accident x ON x.id = v.accident_id LEFT JOIN admin_area a2 ON a2.id = x.admin_area_id AND a2.level = 2 LEFT JOIN admin_area a1 ON a1.id = a2.parent_id
  )
  SELECT ${[...new Set(sets.match(/\w+/g))].join(', ')},
    count(*) AS victims, count(*) FILTER (WHERE outcome = 'killed') AS killed, count(DISTINCT accident_id) AS accidents
  FROM facts GROUP BY GROUPING SETS (${sets}, ())`;
}

export async function casualtyBenchmark(db: Db, options: { victims: number; runs?: number }): Promise<Figure[]> {
  await seed(db, options.victims);
  const runs = options.runs ?? 7;
  const cases = [
    { name: 'the dashboard: per year, sex, age group, group', by: 'period;sex;ageGroup;victimGroup', hand: '(period), (sex), (age_group), (victim_group)' },
    {
      name: 'every dimension, and admin1 × sex',
      by: 'admin1;admin2;period;sex;ageGroup;victimGroup;deviceCategory;activityAtTime;admin1,sex',
      hand: '(admin1), (admin2), (period), (sex), (age_group), (victim_group), (device), (activity), (admin1, sex)',
    },
  ];
  const figures: Figure[] = [];
  for (const c of cases) {
    const groupings = parseGroupings(c.by);
    const stats = await casualtyStatistics(db, { groupings, period: 'year' });
    const hand = await db.query(handQuery(c.hand));
    const handRows = hand.length - 1;
    const same = stats.total.victims === options.victims && stats.rows.length === handRows;
    const ours = await sampleMs(() => casualtyStatistics(db, { groupings, period: 'year' }), { runs });
    const handRuns = await sampleMs(() => db.query(handQuery(c.hand)), { runs });
    const ms = ours.median;
    figures.push({
      ...timedFigure(`casualty statistics, ${options.victims.toLocaleString('en')} victims: ${c.name} (${stats.rows.length} rows)`, ours, { name: 'hand-written GROUPING SETS', sample: handRuns }),
      target: { text: `under 200 ms; ${same ? 'same rows and total as the hand-written query' : `DIFFERENT from the hand-written query (${stats.rows.length} vs ${handRows} rows, total ${stats.total.victims})`}`, met: ms < 200 && same },
    });
  }
  return figures;
}
