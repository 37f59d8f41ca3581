import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { storeFor, testBackends } from '../../test/support/backends.ts';
import { type Actors, seedActors } from '../../test/support/actors.ts';
import { buildServer } from '../http/server.ts';
import { importLayer } from '../priorities/layers.ts';
import type { Db } from '../store/db.ts';
import { describeEvaluation } from './cli.ts';
import { EventMapping, importEvents, readEventMapping } from './events.ts';
import { gridOver } from './grid.ts';
import { cellMajority, cellMeans, rasterBbox, readRaster, slopeDegrees } from './raster.ts';
import { evaluateRisk, evaluationSamples } from './risk.ts';
import { putRaster, rasterFor } from './store.ts';

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

async function addRoad(db: Db, validFrom: string | null, w: number, s: number, e: number, n: number): Promise<void> {
  await db.query(
    `INSERT INTO reference_feature (layer, kind, geom, source, valid_from) VALUES ('roads', 'road', ST_SetSRID(ST_MakeLine(ST_MakePoint($1, $2), ST_MakePoint($3, $4)), 4326), 'test', $5::date)`,
    [w, s, e, n, validFrom],
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
    const db = storeFor(backend);

    test('no leakage: nothing dated after the split changes a feature or the training labels', async () => {
      const random = lcg(3);
      const year = (y: number) => `${y}-${String(1 + Math.floor(random() * 12)).padStart(2, '0')}-15`;
      await addFinds(db, Array.from({ length: 120 }, (_, i) => ({ lon: 30 + random() * 0.2, lat: 45 + random() * 0.1, on: year(2005 + (i % 10)) })));
      await addFinds(db, Array.from({ length: 10 }, (_, i) => ({ lon: 30 + random() * 0.2, lat: 45 + random() * 0.1, on: year(2015 + (i % 5)) })));
      await db.query(`INSERT INTO accident (reference, occurred_on, geom, source) VALUES ('RISK-A1', '2012-03-01', ST_SetSRID(ST_MakePoint(30.1, 45.05), 4326), 'test')`);
      await addHazardVersion(db, '2011-05-01T00:00:00Z', 30.05, 45.02);
      await addRoad(db, '2009-01-01', 30.0, 45.03, 30.2, 45.04);
      const options = { trainUntil: 2014, testFrom: 2015, testTo: 2019, cellSizeM: 1000, bbox: BOX, resamples: 20 };
      const before = await evaluationSamples(db, options);
      const evaluation = await evaluateRisk(db, options);

      // The future: finds and an accident in the test years, a hazard recorded in 2016 and one on
      // the first day of the test period, a road built in 2016, and a road with no date.
      await addFinds(db, Array.from({ length: 60 }, () => ({ lon: 30 + random() * 0.2, lat: 45 + random() * 0.1, on: year(2015 + Math.floor(random() * 5)) })));
      await db.query(`INSERT INTO accident (reference, occurred_on, geom, source) VALUES ('RISK-A2', '2017-03-01', ST_SetSRID(ST_MakePoint(30.15, 45.08), 4326), 'test')`);
      await addHazardVersion(db, '2016-05-01T00:00:00Z', 30.12, 45.06);
      await addHazardVersion(db, '2015-01-01T00:00:00Z', 30.02, 45.07);
      await addRoad(db, '2016-01-01', 30.0, 45.08, 30.2, 45.09);
      await addRoad(db, null, 30.1, 45.0, 30.1, 45.1);
      const afterwards = await evaluationSamples(db, options);

      for (const sample of ['train', 'test'] as const) {
        assert.deepEqual([...afterwards[sample].features.columns.keys()], [...before[sample].features.columns.keys()], `${sample} features`);
        for (const [name, values] of before[sample].features.columns) assert.deepEqual(afterwards[sample].features.columns.get(name), values, `${sample} feature ${name}`);
      }
      assert.deepEqual(afterwards.train.labels, before.train.labels, 'training labels');
      assert.notDeepEqual(afterwards.test.labels, before.test.labels, 'the new events are test positives');
      const again = await evaluateRisk(db, options);
      assert.deepEqual(again.coefficients, evaluation.coefficients, 'the model is the same');
      assert.deepEqual(again.undated, [{ layer: 'roads', features: 1 }], 'the undated road is named, not used');
      assert.equal(before.train.featuresAsOf, '2009-12-31');
      assert.equal(before.train.labelsFrom, '2010-01-01');
      assert.equal(before.test.featuresAsOf, '2014-12-31');
      assert.equal(before.test.labelsFrom, '2015-01-01');
      assert.ok(before.test.features.columns.has('roadDistance') && before.test.features.columns.has('hazardDistance'));
      await assert.rejects(evaluateRisk(db, { ...options, trainUntil: 2015 }), /must come before --test-from/);
      await assert.rejects(evaluateRisk(db, { ...options, windowYears: 3 }), /--window 3 disagrees with the test period 2015–2019 \(5 years\)/);
    });

    test('an events file clustered along roads: imported, evaluated, the model beats the baseline through the roads', async () => {
      const imported = await importEvents(db, new URL('events.csv', fixtures).pathname);
      assert.deepEqual([imported.events, imported.dataset, imported.byType], [900, 'events.csv', { find: 720, accident: 180 }]);
      await importLayer(db, new URL('roads.geojson', fixtures).pathname, { layer: 'roads', kind: 'road', replace: true, validFrom: '1990-01-01', actorId: null });
      const evaluation = await evaluateRisk(db, { trainUntil: 2014, testFrom: 2015, windowYears: 10, cellSizeM: 1000, dataset: imported.dataset });
      process.stdout.write(`\nRisk map evaluation on test/fixtures/risk/events.csv (${backend.name}):\n${describeEvaluation(evaluation)}`);
      assert.equal(evaluation.test.labelsTo, '2024-12-31');
      assert.equal(evaluation.train.featuresAsOf, '2004-12-31');
      assert.ok(evaluation.selection.groups.includes('roadDistance'), `roads kept (kept: ${evaluation.selection.groups.join(', ')})`);
      assert.ok(evaluation.beatsBaseline, evaluation.verdict);
      assert.match(evaluation.verdict, /^the model beats the baseline on PR-AUC: 0\.\d{3} \[0\.\d{3}, 0\.\d{3}\] vs 0\.\d{3} \[0\.\d{3}, 0\.\d{3}\] \(difference \+0\.\d{3} \[\+0\.\d{3}, [+−]0\.\d{3}\]\); the map shows the model$/);
      const road = evaluation.coefficients.find((c) => c.feature === 'roadDistance')!;
      assert.ok(road.coefficient < 0, 'nearer a road, more likely');
      assert.match(describeEvaluation(evaluation), /Spatially blocked test/);
    });

    test('an events file in Spanish with year-only dates, read through a mapping file', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'safeground-risk-'));
      try {
        const file = join(dir, 'eventos.csv');
        writeFileSync(
          file,
          [
            'TIPO_EVENTO,AÑO,LATITUD,LONGITUD',
            'Accidente por MAP,2010,45.01,30.01',
            'Desminado militar en operación,2010,45.02,30.02',
            'Incidente por MUSE,2011-03,45.03,30.03',
            'Accidente por MAP,2012-07-15,45.04,30.04',
          ].join('\n') + '\n',
        );
        const mappingFile = join(dir, 'eventos.json');
        writeFileSync(
          mappingFile,
          JSON.stringify({
            fields: { TIPO_EVENTO: 'type', AÑO: 'occurredOn', LATITUD: 'latitude', LONGITUD: 'longitude' },
            values: { type: { 'Accidente por MAP': 'accident', 'Desminado militar en operación': 'demining', 'Incidente por MUSE': 'incident' } },
          }),
        );
        const imported = await importEvents(db, file, { mapping: await readEventMapping(mappingFile) });
        assert.deepEqual(imported.byType, { accident: 2, demining: 1, incident: 1 });
        assert.deepEqual(imported.byPrecision, { day: 1, month: 1, year: 2 });
        const rows = await db.query<{ event_type: string; occurred_on: string; occurred_to: string }>(
          "SELECT event_type, occurred_on::text, occurred_to::text FROM risk_event WHERE dataset = 'eventos.csv' ORDER BY occurred_on, event_type",
        );
        assert.deepEqual(rows.map((r) => [r.event_type, r.occurred_on, r.occurred_to]), [
          ['accident', '2010-01-01', '2010-12-31'],
          ['demining', '2010-01-01', '2010-12-31'],
          ['incident', '2011-03-01', '2011-03-31'],
          ['accident', '2012-07-15', '2012-07-15'],
        ]);

        // Without the mapping's values, the Spanish types are named, all at once, and nothing is kept.
        const bare = join(dir, 'bare.json');
        writeFileSync(bare, JSON.stringify({ fields: { TIPO_EVENTO: 'type', AÑO: 'occurredOn', LATITUD: 'latitude', LONGITUD: 'longitude' } }));
        await assert.rejects(
          importEvents(db, file, { mapping: await readEventMapping(bare), dataset: 'bare' }),
          /eventos\.csv: 3 event types are not in the code list \(accident, incident, find, demining, seizure, suspected, other\): "Accidente por MAP" \(row 2 and 1 more\), "Desminado militar en operación" \(row 3\), "Incidente por MUSE" \(row 4\); map them in the mapping file's values\.type/,
        );
        const [kept] = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM risk_event WHERE dataset = 'bare'");
        assert.equal(kept!.n, 0);
        writeFileSync(file, 'type,date,latitude,longitude\nfind,2010-01-01,45.01,30.01\nfind,around 2011,45.02,30.02\n');
        await assert.rejects(importEvents(db, file, { dataset: 'bad-date' }), /eventos\.csv row 3: occurredOn "around 2011" is not a date \(YYYY-MM-DD\), a month \(YYYY-MM\) or a year/);

        // Codes in a mixed file: the date composed from year and month columns, one code skipped by keep, the position checked as for finds.
        writeFileSync(file, 'COD,ANIO,MES,LAT,LON\n1,2015,3,45.05,30.05\n2,2016,,45.06,30.06\n9,2016,5,45.07,30.07\n1,2017,enero,45.08,30.08\n');
        const coded = EventMapping.parse({
          fields: { COD: 'type', LAT: 'latitude', LON: 'longitude' },
          compose: { occurredOn: { year: 'ANIO', month: 'MES' } },
          keep: { COD: [1, 2] },
          values: { type: { '1': 'accident', '2': 'find' } },
        });
        const composed = await importEvents(db, file, { mapping: coded, dataset: 'coded' });
        assert.deepEqual([composed.events, composed.byType, composed.byPrecision, composed.skipped], [3, { accident: 2, find: 1 }, { day: 0, month: 2, year: 1 }, 1]);
        writeFileSync(file, 'COD,ANIO,MES,LAT,LON\n1,2015,3,45.05,30.05\n1,2016,4,95.05,30.05\n');
        await assert.rejects(importEvents(db, file, { mapping: coded, dataset: 'coded' }), /eventos\.csv row 3, latitude 95\.05: is outside ±90/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    test('a DEM and a land-cover map written by GDAL: read in process, summarised per cell, refused when projected', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'safeground-risk-'));
      try {
        // A 40 × 20 DEM of 0.005° pixels over 30–30.2°E, 45–45.1°N rising 10 m per pixel eastwards,
        // and a land cover of two classes split at 30.1°E.
        const header = (nodata: string) => `ncols 40\nnrows 20\nxllcorner 30\nyllcorner 45\ncellsize 0.005\nNODATA_value ${nodata}\n`;
        const dem = Array.from({ length: 20 }, () => Array.from({ length: 40 }, (_, i) => 100 + 10 * i).join(' ')).join('\n');
        const cover = Array.from({ length: 20 }, () => Array.from({ length: 40 }, (_, i) => (i < 20 ? 10 : 40)).join(' ')).join('\n');
        writeFileSync(join(dir, 'dem.asc'), header('-9999') + dem + '\n');
        writeFileSync(join(dir, 'cover.asc'), header('0') + cover + '\n');
        const gdal = (args: string[]) => execFileSync('gdal_translate', ['-q', ...args], { cwd: dir });
        gdal(['-a_srs', 'EPSG:4326', '-co', 'COMPRESS=DEFLATE', '-co', 'TILED=YES', '-co', 'BLOCKXSIZE=16', '-co', 'BLOCKYSIZE=16', 'dem.asc', 'dem.tif']);
        gdal(['-a_srs', 'EPSG:4326', '-ot', 'Byte', '-co', 'COMPRESS=LZW', 'cover.asc', 'cover.tif']);
        gdal(['-a_srs', 'EPSG:32635', 'dem.asc', 'projected.tif']);
        const raster = await readRaster(readFileSync(join(dir, 'dem.tif')), 'dem.tif');
        // The value GDAL itself gives at a point is the one read in process.
        const at = (lon: number, lat: number) => Number(execFileSync('gdallocationinfo', ['-valonly', '-wgs84', 'dem.tif', String(lon), String(lat)], { cwd: dir }).toString().trim());
        for (const [lon, lat] of [[30.0123, 45.0456], [30.1987, 45.0011]] as const) {
          const i = Math.floor((lon - raster.west) / raster.pixelLon);
          const j = Math.floor((raster.north - lat) / raster.pixelLat);
          assert.equal(raster.values[j * raster.width + i], at(lon, lat), `${lon}, ${lat}`);
        }
        // Slope of a ramp rising 10 m per 0.005° of longitude at about 45.05°N.
        const expected = (Math.atan(10 / (0.005 * 111_320 * Math.cos((45.05 * Math.PI) / 180))) * 180) / Math.PI;
        const slope = slopeDegrees(raster);
        assert.ok(Math.abs(slope[10 * 40 + 20]! - expected) < 0.01, `slope ${slope[10 * 40 + 20]} vs ${expected}`);
        await assert.rejects(readRaster(readFileSync(join(dir, 'projected.tif')), 'projected.tif'), /projected\.tif is in EPSG:32635; the risk map reads rasters in WGS84 longitude\/latitude \(EPSG:4326\): gdalwarp -t_srs EPSG:4326/);

        const grid = gridOver([30, 45, 30.2, 45.1], 1000, 10_000);
        const means = cellMeans(raster, raster.values, grid);
        // A cell's mean is the mean of the pixels whose centres fall in it: elevation at its centre, on a ramp.
        const centre = grid.west + 0.5 * grid.cellLon;
        assert.ok(Math.abs(means[0]! - (100 + 10 * ((centre - 30) / 0.005 - 0.5))) < 10, `first cell ${means[0]}`);
        const classes = cellMajority(await readRaster(readFileSync(join(dir, 'cover.tif')), 'cover.tif'), grid);
        assert.equal(classes[0], 10);
        assert.equal(classes[grid.columns - 1], 40);
        await db.transaction((tx) => putRaster(tx, { kind: 'elevation', validFrom: null, file: 'dem.tif', width: raster.width, height: raster.height, bbox: rasterBbox(raster), content: readFileSync(join(dir, 'dem.tif')) }));
        const stored = await rasterFor(db, 'elevation', '1990-12-31');
        assert.deepEqual((await readRaster(stored!.content, stored!.file)).values, raster.values, 'stored and read back unchanged');
        assert.equal(await rasterFor(db, 'land_cover', '2030-01-01'), null);
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
      db = await backend.openDemo();
      actors = await seedActors(db);
      app = await buildServer({ db });
    });
    after(async () => {
      await app.close();
      await db.close();
    });

    test('evaluation on the small demo: model and baseline beat chance; the verdict is printed with the figures', async () => {
      const evaluation = await evaluateRisk(db, { trainUntil: 2017, testFrom: 2018, windowYears: 5, cellSizeM: 1000 });
      process.stdout.write(`\nRisk map evaluation on the small demo (${backend.name}):\n${describeEvaluation(evaluation)}`);
      const measure = (metric: string) => evaluation.temporal.comparisons.find((c) => c.metric === metric)!;
      assert.ok(measure('rocAuc').model.estimate > 0.6 && measure('rocAuc').baseline.estimate > 0.6);
      assert.ok(measure('prAuc').model.low > evaluation.chancePrAuc);
      assert.match(describeEvaluation(evaluation), /^Verdict: (the model beats the baseline|the model does not beat the baseline|validation kept only the baseline’s distance)/);
    });

    test('the grid API gives cells whose probability is the intercept plus the contributions', async () => {
      const response = await app.inject({ method: 'GET', url: '/api/risk/grid?cellSize=5000&asOf=2020-12-31&window=5', headers: actors.auth('analyst') });
      assert.equal(response.statusCode, 200, response.body);
      const map = response.json();
      assert.equal(map.features.length, map.grid.columns * map.grid.rows);
      assert.ok(['model', 'baseline'].includes(map.shows));
      assert.match(map.verdict, map.shows === 'model' ? /the map shows the model$/ : /the map shows the baseline$/);
      if (map.shows === 'baseline') assert.deepEqual(map.coefficients.map((c: { feature: string }) => c.feature), ['eventDistance']);
      for (const cell of map.features.slice(0, 50)) {
        const logOdds = Number(map.intercept) + Object.values(cell.properties.contributions as Record<string, { contribution: number }>).reduce((s, c) => s + c.contribution, 0);
        assert.ok(Math.abs(1 / (1 + Math.exp(-logOdds)) - cell.properties.probability) < 1e-12);
      }
      assert.equal((await app.inject({ method: 'GET', url: '/api/risk/grid' })).statusCode, 401);
      assert.equal((await app.inject({ method: 'GET', url: '/api/risk/grid?cellSize=50', headers: actors.auth('analyst') })).statusCode, 400, 'too many cells');
    });
  });
}
