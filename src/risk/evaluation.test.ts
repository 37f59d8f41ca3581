import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 } from '../mulberry32.ts';
import { evaluateSplit, formatInterval, type Sample } from './evaluation.ts';
import { type CellLayers, type CellRasters, cellCentre, cellFeatures, dayOf, featureOptions, labelsFor, type RiskEvent } from './features.ts';
import { gridOver } from './grid.ts';
import { calibration, prAuc, rocAuc } from './model.ts';

/**
 * Synthetic data whose truth is known: each year, each cell has an event with probability
 * σ(truth(features of the cell at the end of the year before)), the features being the model's
 * own (so the truth lies in the model's family): distance to roads, density of past events,
 * elevation, distance to the nearest past event.
 */
interface Truth {
  intercept: number;
  roadDistance: number;
  eventDensity3: number;
  elevation: number;
  eventDistance: number;
}

const GRID = gridOver([20, 44, 20.9, 44.6], 1000, 10_000);
const CELLS = GRID.columns * GRID.rows;
const FIRST_YEAR = 2015;
const LAST_YEAR = 2019;

function world(seed: number) {
  const random = mulberry32(seed);
  // Three straight roads across the box, as segments in cell units.
  const roads = Array.from({ length: 3 }, () => [
    [random() * GRID.columns, 0],
    [random() * GRID.columns, GRID.rows],
  ]);
  const roadDistanceM = new Float64Array(CELLS);
  const elevationM = new Float64Array(CELLS);
  for (let cell = 0; cell < CELLS; cell++) {
    const x = (cell % GRID.columns) + 0.5;
    const y = Math.floor(cell / GRID.columns) + 0.5;
    roadDistanceM[cell] = Math.min(...roads.map(([a, b]) => segmentDistance([x, y], a!, b!))) * GRID.cellSizeM;
    elevationM[cell] = 800 + 700 * Math.sin(x / 9) * Math.cos(y / 13);
  }
  const layers: CellLayers = { hazardDistanceM: null, recordDistanceM: null, roadDistanceM, riverDistanceM: null, settlementDistanceM: null };
  const rasters: CellRasters = { elevationM, slopeDeg: null, landCover: null };
  return { random, layers, rasters };
}

function segmentDistance(p: number[], a: number[], b: number[]): number {
  const dx = b[0]! - a[0]!;
  const dy = b[1]! - a[1]!;
  const t = Math.max(0, Math.min(1, ((p[0]! - a[0]!) * dx + (p[1]! - a[1]!) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(p[0]! - a[0]! - t * dx, p[1]! - a[1]! - t * dy);
}

/** Events year by year from the truth, seeded by scattered events in the first year; and the oracle's log-odds for the last year. */
function simulate(seed: number, truth: Truth) {
  const { random, layers, rasters } = world(seed);
  const events: RiskEvent[] = [];
  const place = (cell: number, year: number) => {
    const centre = cellCentre(GRID, cell);
    const from = dayOf(`${year}-01-01`) + Math.floor(random() * 365);
    events.push({ lon: centre.lon + (random() - 0.5) * GRID.cellLon, lat: centre.lat + (random() - 0.5) * GRID.cellLat, from, to: from, type: random() < 0.3 ? 'accident' : 'find' });
  };
  for (let cell = 0; cell < CELLS; cell++) if (random() < 0.03) place(cell, FIRST_YEAR);
  let oracle = new Float64Array(CELLS);
  for (let year = FIRST_YEAR + 1; year <= LAST_YEAR; year++) {
    const f = cellFeatures(GRID, events, dayOf(`${year - 1}-12-31`), layers, rasters, { types: [], landCoverClasses: [] }).columns;
    oracle = Float64Array.from({ length: CELLS }, (_, i) =>
      truth.intercept + truth.roadDistance * f.get('roadDistance')![i]! + truth.eventDensity3 * f.get('eventDensity3')![i]! + truth.elevation * f.get('elevation')![i]! + truth.eventDistance * f.get('eventDistance')![i]!,
    );
    for (let cell = 0; cell < CELLS; cell++) if (random() < 1 / (1 + Math.exp(-oracle[cell]!))) place(cell, year);
  }
  return { events, layers, rasters, oracle };
}

function sampleAt(events: RiskEvent[], layers: CellLayers, rasters: CellRasters, year: number, options: ReturnType<typeof featureOptions>): Sample {
  const asOf = `${year - 1}-12-31`;
  const labels = labelsFor(GRID, events, dayOf(`${year}-01-01`), dayOf(`${year}-12-31`));
  return { featuresAsOf: asOf, labelsFrom: `${year}-01-01`, labelsTo: `${year}-12-31`, features: cellFeatures(GRID, events, dayOf(asOf), layers, rasters, options), labels };
}

const OPTIONS = { blockCells: 10, folds: 5, resamples: 100, seed: 1 };

test('synthetic truth: the model keeps the true signals, recovers their coefficients, and ranks like the oracle', () => {
  const truth: Truth = { intercept: -4.0, roadDistance: -1.0, eventDensity3: 1.2, elevation: 3.0, eventDistance: 0 };
  const { events, layers, rasters, oracle } = simulate(11, truth);
  const options = featureOptions(events, dayOf(`${LAST_YEAR - 2}-12-31`), rasters);
  const train = sampleAt(events, layers, rasters, LAST_YEAR - 1, options);
  const testSample = sampleAt(events, layers, rasters, LAST_YEAR, options);
  const e = evaluateSplit(GRID, train, testSample, OPTIONS);

  for (const group of ['roadDistance', 'elevation']) assert.ok(e.selection.groups.includes(group), `${group} kept (kept: ${e.selection.groups.join(', ')})`);
  // Past density: with a few years of history the plain and the age-weighted densities are nearly one signal; either will do.
  const density = e.model.features.filter((f) => /^(event|recent)Density/.test(f));
  assert.ok(density.length > 0, `a density group kept (kept: ${e.selection.groups.join(', ')})`);
  const raw = (feature: string) => {
    const j = e.model.features.indexOf(feature);
    return e.model.coefficients[j]! / e.model.sds[j]!;
  };
  assert.ok(Math.abs(raw('roadDistance') - truth.roadDistance) < 0.35, `road coefficient ${raw('roadDistance')} vs ${truth.roadDistance}`);
  // Elevation enters with its square; at the mean elevation (0.8 km) the fitted slope is b + 2c · 0.8.
  const elevationSlope = raw('elevation') + 2 * raw('elevationSquared') * 0.8;
  assert.ok(Math.abs(elevationSlope - truth.elevation) < 0.8, `elevation slope ${elevationSlope} vs ${truth.elevation}`);
  assert.ok(density.reduce((s, f) => s + raw(f), 0) > 0, 'more past events nearby, more risk');

  const oracleRoc = rocAuc(oracle, testSample.labels);
  const oraclePr = prAuc(oracle, testSample.labels);
  const roc = e.temporal.comparisons.find((c) => c.metric === 'rocAuc')!;
  const pr = e.temporal.comparisons.find((c) => c.metric === 'prAuc')!;
  process.stdout.write(`synthetic truth: oracle ROC-AUC ${oracleRoc.toFixed(3)} PR-AUC ${oraclePr.toFixed(3)}; model ROC-AUC ${formatInterval(roc.model)}, baseline ${formatInterval(roc.baseline)}; ${e.verdict}; kept ${e.selection.groups.join(', ')}; road ${raw('roadDistance').toFixed(2)}, elevation slope ${elevationSlope.toFixed(2)}\n`);
  assert.ok(oracleRoc >= roc.model.low - 0.01 && oracleRoc - roc.model.estimate < 0.02, `ROC-AUC ${roc.model.estimate} vs oracle ${oracleRoc}`);
  assert.ok(oraclePr - pr.model.estimate < 0.03, `PR-AUC ${pr.model.estimate} vs oracle ${oraclePr}`);
  assert.ok(e.beatsBaseline, e.verdict);
  assert.match(e.verdict, /^the model beats the baseline on PR-AUC: \d\.\d{3} \[\d\.\d{3}, \d\.\d{3}\] vs \d\.\d{3} \[/);
  // Calibrated nearly as well as the truth itself: predictions about as spread as the outcomes
  // (slope near 1) and a Brier score close to the oracle's.
  const measure = (metric: string) => e.temporal.comparisons.find((c) => c.metric === metric)!.model.estimate;
  const oracleCalibration = calibration(oracle, testSample.labels);
  process.stdout.write(`calibration: model slope ${measure('calibrationSlope').toFixed(3)}, intercept ${measure('calibrationIntercept').toFixed(3)}, Brier ${measure('brier').toFixed(4)}; oracle intercept ${oracleCalibration.intercept.toFixed(3)}, Brier ${oracleCalibration.brier.toFixed(4)}\n`);
  assert.ok(Math.abs(measure('calibrationSlope') - 1) < 0.2, `calibration slope ${measure('calibrationSlope')}`);
  assert.ok(measure('brier') - oracleCalibration.brier < 0.005, `Brier ${measure('brier')} vs the oracle's ${oracleCalibration.brier}`);
});

test('synthetic distance-only truth: the model equals the baseline within the interval', () => {
  const truth: Truth = { intercept: -1.0, roadDistance: 0, eventDensity3: 0, elevation: 0, eventDistance: -1.6 };
  const { events, layers, rasters } = simulate(12, truth);
  const options = featureOptions(events, dayOf(`${LAST_YEAR - 2}-12-31`), rasters);
  const e = evaluateSplit(GRID, sampleAt(events, layers, rasters, LAST_YEAR - 1, options), sampleAt(events, layers, rasters, LAST_YEAR, options), OPTIONS);
  const pr = e.temporal.comparisons.find((c) => c.metric === 'prAuc')!;
  const roc = e.temporal.comparisons.find((c) => c.metric === 'rocAuc')!;
  process.stdout.write(`synthetic distance only: ${e.verdict}; ROC-AUC ${formatInterval(roc.model)} vs ${formatInterval(roc.baseline)}; kept ${e.selection.groups.join(', ')}\n`);
  for (const c of [pr, roc]) assert.ok(c.difference.low <= 0 && c.difference.high >= 0, `${c.metric} difference ${c.difference.estimate} [${c.difference.low}, ${c.difference.high}] holds 0`);
  assert.equal(e.beatsBaseline, false);
  assert.match(e.verdict, /the map shows the baseline$/);
  assert.ok(!e.selection.groups.includes('roadDistance') && !e.selection.groups.includes('elevation'), `noise layers left out (kept: ${e.selection.groups.join(', ')})`);
});
