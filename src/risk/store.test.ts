import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { testBackends } from '../../test/support/backends.ts';
import { type Actors, seedActors } from '../../test/support/actors.ts';
import { generateDemo } from '../demo/generate.ts';
import { buildServer } from '../http/server.ts';
import { importLayer } from '../priorities/layers.ts';
import type { Db } from '../store/db.ts';
import { describeEvaluation } from './cli.ts';
import { importEvents } from './events.ts';
import { evaluateRisk, evaluationSamples } from './risk.ts';

const fixtures = new URL('../../test/fixtures/risk/', import.meta.url);
const BOX = [30, 45, 30.2, 45.1] as const;

function lcg(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 4294967296);
}

async function addFinds(db: Db, points: Array<{ lon: number; lat: number; on: string }>): Promise<void> {
  await db.query(
    `INSERT INTO find (category, geom, found_on, source)
     SELECT 'ap_mine', ST_SetSRID(ST_MakePoint(t.lon, t.lat), 4326), t.on_date, 'test' FROM jsonb_to_recordset($1::text::jsonb) AS t(lon float8, lat float8, on_date date)`,
    [JSON.stringify(points.map((p) => ({ lon: p.lon, lat: p.lat, on_date: p.on })))],
  );
}

async function addHazardVersion(db: Db, from: string, w: number, s: number): Promise<void> {
  await db.query(
    `INSERT INTO record_version (entity_type, entity_id, version, valid_from, data, geom)
     VALUES ('hazard', gen_random_uuid(), 1, $1::timestamptz, '{}'::jsonb, ST_SetSRID(ST_MakeEnvelope($2::float8, $3::float8, $2::float8 + 0.005, $3::float8 + 0.005), 4326))`,
    [from, w, s],
  );
}

for (const backend of testBackends()) {
  describe(`risk map on ${backend.name}`, () => {
    let db: Db;
    before(async () => {
      db = await backend.open();
    });
    after(async () => {
      await db.close();
    });

    test('no leakage: nothing dated after the split changes a feature or the training labels', async () => {
      const random = lcg(3);
      const year = (y: number) => `${y}-${String(1 + Math.floor(random() * 12)).padStart(2, '0')}-15`;
      await addFinds(db, Array.from({ length: 120 }, (_, i) => ({ lon: 30 + random() * 0.2, lat: 45 + random() * 0.1, on: year(2005 + (i % 10)) })));
      await addFinds(db, Array.from({ length: 10 }, (_, i) => ({ lon: 30 + random() * 0.2, lat: 45 + random() * 0.1, on: year(2015 + (i % 5)) })));
      await db.query(`INSERT INTO accident (reference, occurred_on, geom, source) VALUES ('RISK-A1', '2012-03-01', ST_SetSRID(ST_MakePoint(30.1, 45.05), 4326), 'test')`);
      await addHazardVersion(db, '2011-05-01T00:00:00Z', 30.05, 45.02);
      const options = { trainUntil: 2014, testFrom: 2015, testTo: 2019, windowYears: 3, cellSizeM: 1000, bbox: BOX };
      const before = await evaluationSamples(db, options);
      const evaluation = await evaluateRisk(db, options);

      // The future: finds and an accident in the test years, a hazard recorded in 2016, and one
      // recorded on the first day of the test period.
      await addFinds(db, Array.from({ length: 60 }, () => ({ lon: 30 + random() * 0.2, lat: 45 + random() * 0.1, on: year(2015 + Math.floor(random() * 5)) })));
      await db.query(`INSERT INTO accident (reference, occurred_on, geom, source) VALUES ('RISK-A2', '2017-03-01', ST_SetSRID(ST_MakePoint(30.15, 45.08), 4326), 'test')`);
      await addHazardVersion(db, '2016-05-01T00:00:00Z', 30.12, 45.06);
      await addHazardVersion(db, '2015-01-01T00:00:00Z', 30.02, 45.07);
      const afterwards = await evaluationSamples(db, options);

      assert.deepEqual(afterwards.train.rows, before.train.rows, 'training features');
      assert.deepEqual(afterwards.train.labels, before.train.labels, 'training labels');
      assert.deepEqual(afterwards.test.rows, before.test.rows, 'test features');
      assert.notDeepEqual(afterwards.test.labels, before.test.labels, 'the new events are test positives');
      const again = await evaluateRisk(db, options);
      assert.deepEqual(again.coefficients, evaluation.coefficients, 'the model is the same');
      assert.equal(before.train.featuresAsOf, '2011-12-31');
      assert.equal(before.test.featuresAsOf, '2014-12-31');
      assert.equal(before.test.labelsFrom, '2015-01-01');
      await assert.rejects(evaluateRisk(db, { ...options, trainUntil: 2015 }), /must come before --test-from/);
    });

    test('an events file clustered along roads: imported, evaluated, model against the distance baseline', async () => {
      const imported = await importEvents(db, new URL('events.csv', fixtures).pathname, { typeColumn: 'type', dateColumn: 'date' });
      assert.deepEqual([imported.finds + imported.accidents, imported.dataset], [900, 'events.csv']);
      await importLayer(db, new URL('roads.geojson', fixtures).pathname, { layer: 'roads', kind: 'road', replace: false, actorId: null });
      const evaluation = await evaluateRisk(db, { trainUntil: 2014, testFrom: 2015, windowYears: 5, cellSizeM: 1000, dataset: imported.dataset });
      process.stdout.write(`\nRisk map evaluation on test/fixtures/risk/events.csv (${backend.name}):\n${describeEvaluation(evaluation)}`);
      assert.equal(evaluation.test.labelsTo, '2024-12-31');
      assert.ok(evaluation.model.rocAuc > evaluation.baseline.rocAuc, `model ROC-AUC ${evaluation.model.rocAuc} ≤ baseline ${evaluation.baseline.rocAuc}`);
      assert.ok(evaluation.model.prAuc > evaluation.baseline.prAuc, `model PR-AUC ${evaluation.model.prAuc} ≤ baseline ${evaluation.baseline.prAuc}`);
      const road = evaluation.coefficients.find((c) => c.feature === 'roadDistance')!;
      assert.ok(road.coefficient < 0, 'nearer a road, more likely');
    });

    test('an events file with a type that is neither find nor accident is refused whole', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'safeground-risk-'));
      try {
        const file = join(dir, 'bad-events.csv');
        writeFileSync(file, 'type,date,latitude,longitude\nfind,2010-01-01,45.01,30.01\nrumour,2011,45.02,30.02\n');
        await assert.rejects(importEvents(db, file, { typeColumn: 'type', dateColumn: 'date' }), /bad-events\.csv row 3: type "rumour" is neither a find nor an accident/);
        const [row] = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM risk_event WHERE dataset = 'bad-events.csv'");
        assert.equal(row!.n, 0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe(`risk map on the demo data, ${backend.name}`, () => {
    let db: Db;
    let app: FastifyInstance;
    let actors: Actors;
    before(async () => {
      db = await backend.open();
      await generateDemo(db, { scale: 'small' });
      actors = await seedActors(db);
      app = await buildServer({ db });
    });
    after(async () => {
      await app.close();
      await db.close();
    });

    test('evaluation on the small demo: both rankings beat chance; figures printed', async () => {
      const evaluation = await evaluateRisk(db, { trainUntil: 2017, testFrom: 2018, windowYears: 5, cellSizeM: 1000 });
      process.stdout.write(`\nRisk map evaluation on the small demo (${backend.name}):\n${describeEvaluation(evaluation)}`);
      assert.ok(evaluation.model.rocAuc > 0.6 && evaluation.baseline.rocAuc > 0.6);
      assert.ok(evaluation.model.prAuc > evaluation.chancePrAuc);
    });

    test('the grid API gives cells whose probability is the intercept plus the contributions', async () => {
      const response = await app.inject({ method: 'GET', url: '/api/risk/grid?cellSize=5000&asOf=2020-12-31&window=5', headers: actors.auth('analyst') });
      assert.equal(response.statusCode, 200, response.body);
      const map = response.json();
      assert.equal(map.features.length, map.grid.columns * map.grid.rows);
      for (const cell of map.features.slice(0, 50)) {
        const logOdds = map.intercept + Object.values(cell.properties.contributions as Record<string, { contribution: number }>).reduce((s, c) => s + c.contribution, 0);
        assert.ok(Math.abs(1 / (1 + Math.exp(-logOdds)) - cell.properties.probability) < 1e-12);
      }
      assert.equal((await app.inject({ method: 'GET', url: '/api/risk/grid' })).statusCode, 401);
      assert.equal((await app.inject({ method: 'GET', url: '/api/risk/grid?cellSize=50', headers: actors.auth('analyst') })).statusCode, 400, 'too many cells');
    });
  });
}
