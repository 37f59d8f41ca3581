import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { openTestStore } from '../../test/support/store.ts';
import { testBackends } from '../../test/support/backends.ts';
import type { Actors } from '../../test/support/actors.ts';
import { inverse, polygonMeasure } from '../geodesy/geodesic.ts';
import { buildServer } from '../http/server.ts';
import type { Db } from '../store/db.ts';
import type { ScoredHazard } from './criteria.ts';
import { importLayer } from './layers.ts';

/**
 * A constructed case near 45°N, 30°E whose every criterion can be worked out by hand (counts) or
 * with GeographicLib (distances, areas), independently of PostGIS:
 * - H1, AP mines, 0.001° square at (30.000–30.001, 45.000–45.001); its west half cleared. An
 *   accident 111 m north with 2 victims last year and 1 seven years ago; a settlement 555 m south
 *   (3000 people, 800 displaced returning 2027-06-01); a water point 300 m north; farmland over its
 *   east half.
 * - H2, ERW/UXO, (30.040–30.042, 45.000–45.001), 3 km east: a road crosses it east–west; a
 *   settlement 555 m north (100 people, 1500 displaced, return planned, no date) and one south whose
 *   700 displaced have no planned return.
 * - H3, released, is not ranked.
 */
const box = (w: number, s: number, e: number, n: number) => ({ type: 'Polygon', coordinates: [[[w, s], [e, s], [e, n], [w, n], [w, s]]] });
const ringArea = (w: number, s: number, e: number, n: number) =>
  polygonMeasure([{ lon: w, lat: s }, { lon: e, lat: s }, { lon: e, lat: n }, { lon: w, lat: n }]).areaM2;
const AS_OF = '2026-06-01';

async function seed(db: Db, dir: string): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  const hazard = async (reference: string, geometry: unknown, contamination: string[], status = 'active') => {
    const [row] = await db.query<{ id: string }>(
      `INSERT INTO hazard (reference, kind, status, geom, contamination, source) VALUES ($1, 'cha', $2, ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON($3::text), 4326)), $4, 'test') RETURNING id`,
      [reference, status, JSON.stringify(geometry), contamination],
    );
    ids[reference] = row!.id;
  };
  await hazard('H1', box(30, 45, 30.001, 45.001), ['ap_mine']);
  await hazard('H2', box(30.04, 45, 30.042, 45.001), ['erw_uxo']);
  await hazard('H3', box(30.02, 45, 30.021, 45.001), ['ap_mine'], 'released');
  const [org] = await db.query<{ id: string }>("INSERT INTO organisation (name, kind) VALUES ('Priorities Test Operator', 'ngo') RETURNING id");
  const [activity] = await db.query<{ id: string }>("INSERT INTO activity (reference, kind, organisation_id, status, source) VALUES ('ACT-P1', 'clearance', $1, 'ongoing', 'test') RETURNING id", [org!.id]);
  await db.query(
    `INSERT INTO release_product (activity_id, hazard_id, method, clearance_depth_cm, geom, release_date, source)
     VALUES ($1, $2, 'cleared', 20, ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON($3::text), 4326)), '2026-01-10', 'test')`,
    [activity!.id, ids.H1, JSON.stringify(box(30, 45, 30.0005, 45.001))],
  );
  const accident = async (reference: string, lon: number, lat: number, on: string, victims: number) => {
    const [row] = await db.query<{ id: string }>(
      "INSERT INTO accident (reference, occurred_on, geom, source) VALUES ($1, $2, ST_SetSRID(ST_MakePoint($3, $4), 4326), 'test') RETURNING id",
      [reference, on, lon, lat],
    );
    for (let v = 0; v < victims; v++) await db.query("INSERT INTO victim (accident_id, outcome, victim_group) VALUES ($1, 'injured', 'civilian')", [row!.id]);
  };
  await accident('A1', 30.0005, 45.002, '2025-06-01', 2);
  await accident('A2', 30.0005, 45.002, '2019-01-01', 1);
  await accident('A3', 30.2, 45.2, '2025-06-01', 3);
  const settlement = async (name: string, lon: number, lat: number, population: number, displaced: number, planned: boolean, on: string | null) => {
    const [row] = await db.query<{ id: string }>(
      `INSERT INTO settlement (geom, population, displaced_population, return_planned, return_planned_on, source) VALUES (ST_SetSRID(ST_MakePoint($1, $2), 4326), $3, $4, $5, $6, 'test') RETURNING id`,
      [lon, lat, population, displaced, planned, on],
    );
    await db.query("INSERT INTO place_name (settlement_id, name, language, kind, source) VALUES ($1, $2, 'en', 'official', 'test')", [row!.id, name]);
  };
  await settlement('Southfield', 30.0005, 44.995, 3000, 800, true, '2027-06-01');
  await settlement('Northbrook', 30.041, 45.006, 100, 1500, true, null);
  await settlement('Eastholm', 30.041, 44.994, 50, 700, false, null);

  const roads = join(dir, 'roads.geojson');
  writeFileSync(roads, JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: { name: 'R1' }, geometry: { type: 'LineString', coordinates: [[30.039, 45.0005], [30.043, 45.0005]] } }] }));
  await importLayer(db, roads, { layer: 'roads', kind: 'road', replace: false, actorId: null });
  const water = join(dir, 'water.csv');
  writeFileSync(water, 'name,latitude,longitude\nWell 1,45.0037,30.0005\n');
  await importLayer(db, water, { layer: 'water', kind: 'well', replace: false, actorId: null });
  const farmland = join(dir, 'farmland.geojson');
  writeFileSync(farmland, JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: {}, geometry: box(30.0005, 45, 30.002, 45.001) }] }));
  await importLayer(db, farmland, { layer: 'farmland', kind: 'cropland', replace: false, actorId: null });
  return ids;
}

const byCriterion = (h: ScoredHazard) => Object.fromEntries(h.breakdown.map((b) => [b.criterion, b]));
const close = (actual: number | null, expected: number, tolerance: number, what: string) =>
  assert.ok(actual !== null && Math.abs(actual - expected) <= tolerance, `${what}: ${actual} is not within ${tolerance} of ${expected}`);

for (const backend of testBackends()) {
  describe(`priorities on ${backend.name}`, () => {
    let db: Db;
    let app: FastifyInstance;
    let actors: Actors;
    let dir: string;
    before(async () => {
      ({ db, actors } = await openTestStore(backend));
      dir = mkdtempSync(join(tmpdir(), 'safeground-priorities-'));
      await seed(db, dir);
      app = await buildServer({ db });
    });
    after(async () => {
      await app.close();
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const get = (url: string, who: Parameters<Actors['auth']>[0] = 'analyst') => app.inject({ method: 'GET', url, headers: actors.auth(who) });
    const put = (url: string, payload: object, who: Parameters<Actors['auth']>[0] = 'national_information_officer') => app.inject({ method: 'PUT', url, payload, headers: actors.auth(who) });

    const all = 'casualties:1,population:1,plannedReturn:1,roads:1,farmland:1,water:1,contamination:1,cost:1,lisRecentVictims:1,lisBlockedResources:1,lisMines:1';

    test('every criterion of every active hazard equals the hand calculation', async () => {
      const response = await get(`/api/priorities?preset=${all}&asOf=${AS_OF}`);
      assert.equal(response.statusCode, 200, response.body);
      const hazards = response.json().hazards as ScoredHazard[];
      assert.deepEqual(hazards.map((h) => h.reference).sort(), ['H1', 'H2'], 'released hazards are not ranked');
      const h1 = byCriterion(hazards.find((h) => h.reference === 'H1')!);
      const h2 = byCriterion(hazards.find((h) => h.reference === 'H2')!);
      // Counts: 2 victims in the 5-year window (the 2019 accident is older, the third one is 30 km off).
      assert.deepEqual([h1.casualties!.raw, h2.casualties!.raw, h1.lisRecentVictims!.raw, h2.lisRecentVictims!.raw], [2, 0, 2, 0]);
      assert.equal(h1.casualties!.normalised, 0.4);
      assert.deepEqual([h1.population!.raw, h2.population!.raw], [3000, 150]);
      // Return planned within 24 months of 2026-06-01 (and the undated one); Eastholm plans none.
      assert.deepEqual([h1.plannedReturn!.raw, h2.plannedReturn!.raw], [800, 1500]);
      assert.deepEqual([h1.contamination!.raw, h2.contamination!.raw, h1.lisMines!.raw, h2.lisMines!.raw], [1, 0.5, 2, 1]);
      // Geodesic figures, against GeographicLib.
      const remaining = ringArea(30.0005, 45, 30.001, 45.001);
      close(hazards.find((h) => h.reference === 'H1')!.remainingAreaM2, remaining, 0.05, 'H1 remaining area');
      close(h1.cost!.raw, remaining / 500, 1e-3, 'H1 team-days (manual, 500 m²/day)');
      close(h2.cost!.raw, ringArea(30.04, 45, 30.042, 45.001) / 10_000, 1e-3, 'H2 team-days (battle area clearance, 10 000 m²/day)');
      close(h1.water!.raw, inverse({ lat: 45.001, lon: 30.0005 }, { lat: 45.0037, lon: 30.0005 }).distanceM, 0.5, 'H1 water distance');
      close(h1.water!.normalised, 1 - h1.water!.raw! / 1000, 1e-12, 'H1 water normalised');
      assert.ok(h2.water!.raw! > 3000 && h2.water!.normalised === 0, 'the well is 3 km from H2: too far to count');
      assert.equal(h2.roads!.raw, 0);
      close(h1.roads!.raw, inverse({ lat: 45.0005, lon: 30.001 }, { lat: 45.0005, lon: 30.039 }).distanceM, 1, 'H1 road distance');
      assert.equal(h1.roads!.normalised, 0);
      close(h1.farmland!.raw, ringArea(30.0005, 45, 30.001, 45.001), 0.05, 'farmland inside H1');
      // Blocked: H1 agricultural land (farmland) only (water is 300 m off); H2 roads.
      assert.deepEqual([h1.lisBlockedResources!.raw, h2.lisBlockedResources!.raw], [1, 1]);
      const h2Details = hazards.find((h) => h.reference === 'H2')!.details;
      close(h2Details.roadLengthInsideM, inverse({ lat: 45.0005, lon: 30.04 }, { lat: 45.0005, lon: 30.042 }).distanceM, 0.5, 'road length inside H2');
      for (const h of hazards) close(h.score, h.breakdown.reduce((s, b) => s + b.weight * b.normalised, 0), 1e-12, `${h.reference} score`);
    });

    test('presets rank as their purpose says, and a weight change reorders', async () => {
      const threat = (await get(`/api/priorities?preset=threat&asOf=${AS_OF}`)).json();
      assert.deepEqual(threat.hazards.map((h: ScoredHazard) => h.reference), ['H1', 'H2']);
      const lis = (await get(`/api/priorities?preset=lis&asOf=${AS_OF}&top=1`)).json();
      // H1: 2·2 + 1 + 2 = 7; H2: 0 + 1 + 1 = 2.
      assert.deepEqual(lis.hazards.map((h: ScoredHazard) => [h.reference, h.score]), [['H1', 7]]);
      assert.equal(lis.total, 2);
      const ret = (await get(`/api/priorities?preset=plannedReturn:1&asOf=${AS_OF}`)).json();
      assert.deepEqual(ret.hazards.map((h: ScoredHazard) => h.reference), ['H2', 'H1']);
      const compare = (await get(`/api/priorities/compare?a=casualties:1&b=plannedReturn:1&asOf=${AS_OF}`)).json();
      assert.equal(compare.moved, 2);
      const h2 = compare.hazards.find((m: { reference: string }) => m.reference === 'H2');
      assert.deepEqual([h2.rankA, h2.rankB, h2.move], [2, 1, 1]);
      // H2 rises because casualties, where it is 0.2 below the mean, lose all weight (+0.2), and return,
      // where it is (0.75 − 0.575) above, gains it (+0.175).
      assert.deepEqual(h2.drivers.map((d: { criterion: string }) => d.criterion), ['casualties', 'plannedReturn']);
      close(h2.drivers[0].effect, 0.2, 1e-9, 'casualties effect');
      close(h2.drivers[1].effect, 0.175, 1e-9, 'return effect');
    });

    test('weights are settings with history; only settings.write may change them', async () => {
      const refused = await put('/api/priorities/settings/priority_presets', { value: {}, reason: 'x' }, 'analyst');
      assert.equal(refused.statusCode, 403);
      const first = await put('/api/priorities/settings/priority_presets', { value: { threat: { label: 'threat to life first', weights: { plannedReturn: 1 } } }, reason: 'national policy 2026' });
      assert.equal(first.statusCode, 200, first.body);
      assert.equal(first.json().version, 1);
      const moved = (await get(`/api/priorities?preset=threat&asOf=${AS_OF}`)).json();
      assert.deepEqual(moved.hazards.map((h: ScoredHazard) => h.reference), ['H2', 'H1'], 'the instance preset replaces the built-in one');
      const stale = await put('/api/priorities/settings/priority_presets', { value: {}, reason: 'reset' });
      assert.equal(stale.statusCode, 409, 'a write that did not read version 1 is refused');
      const bad = await put('/api/priorities/settings/priority_presets', { value: { threat: { label: 't', weights: { bananas: 1 } } }, reason: 'x', version: 1 });
      assert.equal(bad.statusCode, 400);
      const second = await put('/api/priorities/settings/priority_presets', { value: {}, reason: 'back to the built-in presets', version: 1 });
      assert.equal(second.json().version, 2);
      const history = (await get('/api/priorities/settings/priority_presets/history')).json();
      assert.deepEqual(history.versions.map((v: { version: number; reason: string; changedBy: string }) => [v.version, v.reason, v.changedBy]), [
        [1, 'national policy 2026', 'test_national_information_officer'],
        [2, 'back to the built-in presets', 'test_national_information_officer'],
      ]);
      assert.equal(history.versions[0].validTo !== null, true);
      const productivity = await put('/api/priorities/settings/clearance_productivity', { value: { manual: 250, mechanical: 3000, bac: 10_000 }, reason: 'operators’ 2026 figures' });
      assert.equal(productivity.statusCode, 200, productivity.body);
    });

    test('the plan schedules by productivity and dates each settlement by its last hazard', async () => {
      const response = await get(`/api/priorities/plan?preset=threat&teams=manual=1,bac=1&start=2027-01-01&asOf=${AS_OF}`);
      assert.equal(response.statusCode, 200, response.body);
      const plan = response.json();
      const settings = (await get('/api/priorities/settings')).json();
      const expected = ringArea(30.0005, 45, 30.001, 45.001) / settings.productivity.manual + ringArea(30.04, 45, 30.042, 45.001) / settings.productivity.bac;
      close(plan.totalTeamDays, expected, 1e-3, 'total team-days');
      const southfield = plan.settlements.find((s: { name: string }) => s.name === 'Southfield');
      const h1 = plan.hazards.find((h: { reference: string }) => h.reference === 'H1');
      assert.deepEqual([southfield.releaseDate, southfield.lastHazard], [h1.releaseDate, 'H1']);
      assert.equal(plan.settlements.length, 3);
    });

    test('layers list and features', async () => {
      const layers = (await get('/api/layers')).json().layers;
      assert.deepEqual(layers.map((l: { layer: string; kind: string; features: number }) => [l.layer, l.kind, l.features]), [['farmland', 'cropland', 1], ['roads', 'road', 1], ['water', 'well', 1]]);
      const roads = (await get('/api/layers/roads/features?bbox=30.03,44.99,30.05,45.01')).json();
      assert.equal(roads.features[0].properties.name, 'R1');
      assert.equal((await get('/api/layers/roads/features?bbox=31,44,31.1,44.1')).json().features.length, 0);
    });

    test('a layer file with an invalid geometry is refused whole, naming the row', async () => {
      const file = join(dir, 'bad.geojson');
      const bowtie = { type: 'Polygon', coordinates: [[[30, 45], [30.01, 45.01], [30.01, 45], [30, 45.01], [30, 45]]] };
      writeFileSync(file, JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: {}, geometry: box(30, 45, 30.1, 45.1) }, { type: 'Feature', properties: {}, geometry: bowtie }] }));
      await assert.rejects(importLayer(db, file, { layer: 'reconstruction', kind: 'school', replace: false, actorId: null }), /bad\.geojson: invalid geometry at row 2/);
      const [row] = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM reference_feature WHERE layer = 'reconstruction'");
      assert.equal(row!.n, 0);
    });
  });
}
