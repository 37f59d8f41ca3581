import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { inverse } from '../geodesy/geodesic.ts';
import { parseMinefieldRecord } from '../records/format.ts';
import { reconstruct } from '../records/reconstruct.ts';
import type { Db } from '../store/db.ts';
import { closeTestServer } from '../../test/support/store.ts';
import { testBackends } from '../../test/support/backends.ts';
import { DEMO_SOURCE, generateDemo, type DemoSummary } from './generate.ts';

const BOX_SQL = 'ST_MakeEnvelope(-75.9, 6.6, -74.9, 7.4, 4326)';

const GEOMETRY_COLUMNS: readonly (readonly [string, string])[] = [
  ['admin_area', 'geom'], ['settlement', 'geom'], ['hazard', 'geom'], ['activity', 'geom'], ['release_product', 'geom'], ['find', 'geom'],
  ['minefield_record', 'perimeter'], ['minefield_record', 'row_lines'], ['minefield_record_point', 'geom'], ['minefield_record_row', 'geom'],
  ['minefield_record_mine', 'geom'], ['accident', 'geom'], ['risk_education_session', 'geom'], ['record_version', 'geom'],
];

const SOURCED_TABLES = ['admin_area', 'settlement', 'place_name', 'hazard', 'activity', 'release_product', 'find', 'minefield_record', 'accident', 'risk_education_session', 'qa_visit'];

async function checksums(db: Db): Promise<Record<string, string>> {
  const sums: Record<string, string> = {};
  for (const [table, id] of [['hazard', 'id'], ['find', 'id'], ['release_product', 'id'], ['accident', 'id'], ['minefield_record_mine', "record_id::text || '/' || seq"]] as const) {
    const [row] = await db.query<{ sum: string }>(`SELECT md5(string_agg(${id}::text || coalesce(ST_AsText(geom), ''), ',' ORDER BY ${id})) AS sum FROM ${table}`);
    sums[table] = row?.sum ?? '';
  }
  const [other] = await db.query<{ sum: string }>(
    "SELECT md5(string_agg(id::text || reference || found || coalesce(notes, ''), ',' ORDER BY id)) AS sum FROM (SELECT r.id, r.reference, r.notes, r.definition::text AS found FROM minefield_record r) x",
  );
  sums.minefield_record = other?.sum ?? '';
  return sums;
}

async function count(db: Db, sql: string, params: unknown[] = []): Promise<number> {
  const [row] = await db.query<{ n: number | string }>(sql, params);
  return Number(row?.n ?? 0);
}

/** The parts of a demo record's definition the independent walk reads (the demo states no per-leg unit or north). */
interface DemoDefinition {
  angleUnit: 'degrees' | 'mils';
  north: { reference: 'true' | 'grid' | 'magnetic'; declination?: { value: number; unit: 'degrees' } };
  referencePoints: { name: string; coordinates?: { system: 'latlon'; lat: number; lon: number } }[];
  legs: { from: string; to: string; azimuth: number; distance: number; check?: boolean }[];
  rows: { name: string; start: string; end: string; mineCount: number; spacing: number }[];
  mines: unknown[];
}

/**
 * The record's legs walked by PostGIS, not by Safeground's geodesy: ST_Project on the WGS84
 * spheroid, grid convergence as the true azimuth of a step towards UTM grid north (PROJ through
 * ST_Transform), mines evenly spaced along each row's geodesic. What reconstruction predicts
 * must agree with this to centimetres.
 */
async function walkInPostgis(db: Db, definition: DemoDefinition): Promise<{ row: string; lon: number; lat: number }[]> {
  assert.deepEqual(definition.mines, [], 'the walk below predicts mines from rows only');
  const known = new Map<string, [number, number]>();
  for (const p of definition.referencePoints) if (p.coordinates) known.set(p.name, [p.coordinates.lon, p.coordinates.lat]);
  const point = (lon: number, lat: number) => `ST_SetSRID(ST_MakePoint(${lon}, ${lat}), 4326)`;
  for (const leg of definition.legs.filter((l) => !l.check)) {
    const [lon, lat] = known.get(leg.from) ?? assert.fail(`leg ${leg.from} -> ${leg.to} starts at an unknown point`);
    let correction = 0;
    if (definition.north.reference === 'magnetic') correction = definition.north.declination?.value ?? assert.fail('magnetic north without a declination');
    if (definition.north.reference === 'grid') {
      const utm = (lat >= 0 ? 32600 : 32700) + Math.floor((lon + 180) / 6) + 1;
      const [row] = await db.query<{ deg: number }>(
        `SELECT degrees(ST_Azimuth(${point(lon, lat)}::geography, ST_Transform(ST_Translate(ST_Transform(${point(lon, lat)}, ${utm}), 0, 10), 4326)::geography)) AS deg`,
      );
      correction = row!.deg > 180 ? row!.deg - 360 : row!.deg;
    }
    const azimuth = (definition.angleUnit === 'mils' ? (leg.azimuth * 360) / 6400 : leg.azimuth) + correction;
    const [end] = await db.query<{ lon: number; lat: number }>(
      `SELECT ST_X(p::geometry) AS lon, ST_Y(p::geometry) AS lat FROM (SELECT ST_Project(${point(lon, lat)}::geography, $1::float8, radians($2::float8)) AS p) x`,
      [leg.distance, azimuth],
    );
    known.set(leg.to, [end!.lon, end!.lat]);
  }
  const mines: { row: string; lon: number; lat: number }[] = [];
  for (const row of definition.rows) {
    const [a, b] = [known.get(row.start), known.get(row.end)];
    if (!a || !b) assert.fail(`row ${row.name} has an end no leg reaches`);
    const positions = await db.query<{ lon: number; lat: number }>(
      `SELECT ST_X(p::geometry) AS lon, ST_Y(p::geometry) AS lat
         FROM generate_series(0, $1::int - 1) k,
              LATERAL (SELECT ST_Project(${point(...a)}::geography, ST_Distance(${point(...a)}::geography, ${point(...b)}::geography, true) * k / greatest($1::int - 1, 1),
                                         ST_Azimuth(${point(...a)}::geography, ${point(...b)}::geography)) AS p) x
        ORDER BY k`,
      [row.mineCount],
    );
    mines.push(...positions.map((p) => ({ row: row.name, ...p })));
  }
  return mines;
}

for (const backend of testBackends()) {
  describe(`demo dataset (small) on ${backend.name}`, () => {
    let db: Db;
    let summary: DemoSummary;
    before(async () => {
      db = await backend.open();
      summary = await generateDemo(db, { scale: 'small' });
    });
    after(() => closeTestServer({ db }));

    test('has the counts a small dataset promises, and reports what it wrote', async () => {
      const expected: Record<string, [number, number]> = {
        organisation: [5, 6], admin_area: [6, 100], settlement: [30, 60], hazard: [200, 200], minefield_record: [20, 20],
        find: [4500, 5500], accident: [70, 90], victim: [70, 300], release_product: [100, 1000], activity: [150, 1000],
        minefield_record_mine: [1500, 8000], risk_education_session: [20, 50], qa_visit: [5, 100], record_version: [200, 200],
      };
      for (const [table, [min, max]] of Object.entries(expected)) {
        const n = await count(db, `SELECT count(*) AS n FROM ${table}`);
        assert.ok(n >= min && n <= max, `${table}: ${n} rows, expected ${min}..${max}`);
        assert.equal(summary.counts[table], n, `summary count of ${table}`);
      }
      assert.equal(await count(db, 'SELECT count(*) AS n FROM app_user'), 0);
      assert.equal(await count(db, 'SELECT count(*) AS n FROM victim_identity'), summary.counts.victim);
    });

    test('says everywhere that it is synthetic', async () => {
      for (const table of SOURCED_TABLES) {
        assert.equal(await count(db, `SELECT count(*) AS n FROM ${table} WHERE source <> $1`, [DEMO_SOURCE]), 0, table);
      }
      const [setting] = await db.query<{ value: unknown }>("SELECT value FROM setting WHERE key = 'demo'");
      assert.deepEqual(setting?.value, { scale: 'small', seed: 1, synthetic: true });
      assert.equal(await count(db, "SELECT count(*) AS n FROM organisation WHERE name NOT LIKE 'Demo %'"), 0);
      assert.equal(await count(db, "SELECT count(*) AS n FROM place_name WHERE name NOT LIKE '%Demo%'"), 0);
      assert.equal(await count(db, "SELECT count(*) AS n FROM victim_identity WHERE full_name !~ '^Demo Person [0-9]+$'"), 0);
      assert.ok((await count(db, "SELECT count(*) AS n FROM place_name WHERE kind = 'former'")) > 0, 'some places have former names');
    });

    test('every geometry is valid and inside the demo box', async () => {
      for (const [table, column] of GEOMETRY_COLUMNS) {
        const bad = await count(db, `SELECT count(*) AS n FROM ${table} WHERE ${column} IS NOT NULL AND NOT (ST_IsValid(${column}) AND ST_CoveredBy(${column}, ${BOX_SQL}))`);
        assert.equal(bad, 0, `${table}.${column}: ${bad} invalid or outside the box`);
        assert.ok((await count(db, `SELECT count(*) AS n FROM ${table} WHERE ${column} IS NOT NULL`)) > 0, `${table}.${column} has geometries`);
      }
    });

    test('hazards are 0.2–20 ha, lie in their district, and have history', async () => {
      const [areas] = await db.query<{ min: number; max: number }>(
        "SELECT min(ST_Area(geom::geography)) AS min, max(ST_Area(geom::geography)) AS max FROM hazard WHERE reference LIKE 'DEMO-HA-%' AND id NOT IN (SELECT hazard_id FROM minefield_record_hazard)",
      );
      assert.ok(areas && areas.min > 1500 && areas.max < 220_000, `areas ${areas?.min}..${areas?.max} m²`);
      assert.equal(await count(db, 'SELECT count(*) AS n FROM hazard h JOIN admin_area a ON a.id = h.admin_area_id WHERE a.level <> 2 OR NOT ST_Intersects(a.geom, h.geom)'), 0);
      assert.equal(await count(db, "SELECT count(*) AS n FROM hazard h JOIN record_version v ON v.entity_type = 'hazard' AND v.entity_id = h.id AND v.version = 1 AND v.valid_from = h.created_at AND NOT v.data ? 'geom' AND ST_Equals(v.geom, h.geom)"), 200);
    });

    test('released hazards are covered by their products, and released on the last product date', async () => {
      // The grid size (1e-9°) makes PGlite's GEOS snap instead of failing: without it, differences
      // of a hazard and products that tile it exactly come back as no row at all on PGlite.
      const rows = await db.query<{ reference: string; remaining: number; last_product: Date; release_date: Date }>(
        `SELECT h.reference, ST_Area(ST_Difference(h.geom, u.geom, 1e-9)::geography) AS remaining, u.last_product, h.release_date
           FROM hazard h CROSS JOIN LATERAL (SELECT ST_Union(p.geom) AS geom, max(p.release_date) AS last_product FROM release_product p WHERE p.hazard_id = h.id) u
          WHERE h.status = 'released'`,
      );
      assert.ok(rows.length > 50, `${rows.length} released hazards`);
      for (const r of rows) {
        assert.ok(r.remaining < 0.01, `${r.reference}: ${r.remaining} m² left unreleased`);
        assert.equal(r.release_date.getTime(), r.last_product.getTime(), r.reference);
      }
      const stickingOut = await count(db, 'SELECT count(*) AS n FROM release_product p JOIN hazard h ON h.id = p.hazard_id WHERE ST_Area(ST_Difference(p.geom, h.geom, 1e-9)::geography) > 1');
      const products = await count(db, 'SELECT count(*) AS n FROM release_product');
      assert.ok(stickingOut > 0 && stickingOut < products * 0.1, `${stickingOut} of ${products} products stick out of their hazard`);
      assert.equal(await count(db, "SELECT count(*) AS n FROM release_product WHERE (method = 'reduced') <> (technical_assets IS NOT NULL) OR (method = 'cleared') <> (clearance_depth_cm IS NOT NULL)"), 0);
    });

    test('finds of accurate records lie within a few metres of their rows; wrongly anchored ones do not', async () => {
      const byTruth = await db.query<{ truth: string; finds: number; near: number }>(
        `SELECT CASE WHEN r.notes LIKE '%accurate record%' THEN 'accurate' WHEN r.notes LIKE '%anchored wrongly%' THEN 'misanchored' ELSE 'poor' END AS truth,
                count(*) AS finds,
                count(*) FILTER (WHERE EXISTS (SELECT 1 FROM minefield_record_row w WHERE w.record_id = r.id AND ST_DWithin(w.geom::geography, f.geom::geography, 6))) AS near
           FROM find f
           JOIN activity_hazard ah ON ah.activity_id = f.activity_id
           JOIN minefield_record_hazard rh ON rh.hazard_id = ah.hazard_id
           JOIN minefield_record r ON r.id = rh.record_id
          WHERE f.category IN ('ap_mine', 'at_mine')
          GROUP BY 1`,
      );
      const accurate = byTruth.find((t) => t.truth === 'accurate');
      assert.ok(accurate && accurate.finds > 100, `accurate record finds: ${accurate?.finds}`);
      assert.ok(accurate.near >= accurate.finds * 0.99, `${accurate.near} of ${accurate.finds} accurate-record finds within 6 m of a row`);
      const wrong = byTruth.find((t) => t.truth === 'misanchored');
      assert.ok(wrong && wrong.near < wrong.finds * 0.8, `${wrong?.near} of ${wrong?.finds} wrongly anchored finds within 6 m`);
    });

    test('record definitions are valid records whose reconstruction is the stored prediction', async () => {
      const records = await db.query<{ id: string; definition: unknown }>('SELECT id, definition FROM minefield_record ORDER BY reference');
      const mines = await db.query<{ record_id: string; seq: number; row_name: string; lon: number; lat: number }>(
        'SELECT record_id, seq, row_name, ST_X(geom) AS lon, ST_Y(geom) AS lat FROM minefield_record_mine ORDER BY record_id, seq',
      );
      for (const r of records) {
        const result = reconstruct(parseMinefieldRecord(r.definition));
        assert.deepEqual(result.problems, [], result.reference);
        const stored = mines.filter((m) => m.record_id === r.id);
        assert.equal(result.predictedMines.length, stored.length, result.reference);
        const independent = await walkInPostgis(db, r.definition as DemoDefinition);
        assert.equal(independent.length, stored.length, result.reference);
        result.predictedMines.forEach((p, i) => {
          const m = stored[i] as (typeof stored)[number];
          assert.equal(p.row, m.row_name);
          assert.ok(inverse(p, m).distanceM < 0.05, `${result.reference} mine ${i + 1}: ${inverse(p, m).distanceM} m from the stored prediction`);
          const q = independent[i] as (typeof independent)[number];
          assert.equal(q.row, m.row_name);
          assert.ok(inverse(p, q).distanceM < 0.02, `${result.reference} mine ${i + 1}: ${inverse(p, q).distanceM} m from PostGIS's walk of the legs`);
        });
      }
    });

    test('finds fall within their activity dates, after the laying of their record, and nothing is dated after 2026-11-01', async () => {
      assert.equal(await count(db, 'SELECT count(*) AS n FROM find f LEFT JOIN activity a ON a.id = f.activity_id WHERE a.id IS NULL OR f.found_on NOT BETWEEN a.start_date AND a.end_date'), 0);
      assert.equal(
        await count(db, `SELECT count(*) AS n FROM find f JOIN activity_hazard ah ON ah.activity_id = f.activity_id
                           JOIN minefield_record_hazard rh ON rh.hazard_id = ah.hazard_id JOIN minefield_record r ON r.id = rh.record_id
                          WHERE f.found_on <= r.laying_date OR r.laying_date >= r.handover_date`),
        0,
      );
      const [latest] = await db.query<{ d: Date }>(
        `SELECT max(d) AS d FROM (SELECT max(found_on) AS d FROM find UNION ALL SELECT max(end_date) FROM activity UNION ALL SELECT max(start_date) FROM activity
           UNION ALL SELECT max(release_date) FROM release_product UNION ALL SELECT max(release_date) FROM hazard UNION ALL SELECT max(occurred_on) FROM accident
           UNION ALL SELECT max(held_on) FROM risk_education_session UNION ALL SELECT max(visited_on) FROM qa_visit UNION ALL SELECT max(closed_on) FROM qa_nonconformity
           UNION ALL SELECT max(return_planned_on) FROM settlement UNION ALL SELECT max(created_at)::date FROM hazard) x`,
      );
      assert.ok(latest && latest.d.toISOString() < '2026-11-01', `latest date ${latest?.d.toISOString()}`);
      const [years] = await db.query<{ first: number; last: number }>('SELECT min(extract(year FROM occurred_on))::int AS first, max(extract(year FROM occurred_on))::int AS last FROM accident');
      assert.ok(years && years.first >= 1995 && years.last <= 2025, `accidents ${years?.first}..${years?.last}`);
    });

    test('refuses to add a second demo dataset to the same store', async () => {
      await assert.rejects(generateDemo(db, { scale: 'small' }), /already holds demo data/);
    });

    test('is deterministic: the same seed gives the same rows, another seed different ones', async () => {
      const first = await checksums(db);
      const again = await backend.open();
      const other = await backend.open();
      try {
        await generateDemo(again, { scale: 'small' });
        assert.deepEqual(await checksums(again), first);
        await generateDemo(other, { scale: 'small', seed: 2 });
        const different = await checksums(other);
        for (const table of Object.keys(first)) assert.notEqual(different[table], first[table], table);
      } finally {
        await again.close();
        await other.close();
      }
    });
  });
}
