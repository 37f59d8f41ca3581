import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import type { FastifyInstance } from 'fastify';
import type { Db } from '../store/db.ts';
import { testBackends } from '../../test/support/backends.ts';
import type { Actors } from '../../test/support/actors.ts';
import { openTestServer } from '../../test/support/server.ts';
import { closeTestServer } from '../../test/support/store.ts';
import { describeReport } from './findImporter.ts';
import { importActivities, importHazards } from './landImporter.ts';
import { describeProblem } from './problems.ts';

/**
 * Hazards and activities from files: polygons as they are, points and lines with an estimated
 * area as position-only suspected hazards, all or nothing, with problems named by file, row,
 * field and value; QGIS-style shapefiles (ten-character names, MultiPoint) and GeoPackages.
 */
const square = (lon: number, lat: number, d: number) => ({ type: 'Polygon', coordinates: [[[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]] });
const feature = (geometry: unknown, properties: Record<string, unknown>) => ({ type: 'Feature', geometry, properties });
const HAZARDS = {
  type: 'FeatureCollection',
  features: [
    feature(square(37.5, 48.5, 0.002), { reference: 'H-1', kind: 'CHA', evidence: 'ordnance_seen; signs_or_fences', contamination: 'AP mine', blockages: 'cropland', comentario: 'x' }),
    feature({ type: 'Point', coordinates: [37.52, 48.52] }, { reference: 'H-2', estimatedAreaM2: 10000, evidence: 'former_front_line', comentario: 'y' }),
    feature({ type: 'LineString', coordinates: [[37.54, 48.54], [37.545, 48.54]] }, { reference: 'H-3', kind: 'sha', estimatedAreaM2: 5000, evidence: 'old_survey' }),
  ],
};

for (const backend of testBackends()) {
  describe(`hazards and activities imported from files (${backend.name})`, () => {
    let db: Db;
    let app: FastifyInstance;
    let actors: Actors;
    let work: string;
    before(async () => {
      const seed = async (seeded: Db) => {
        await seeded.query("UPDATE organisation SET acronym = 'TOA' WHERE name = 'Test Operator A'");
      };
      ({ db, actors, app } = await openTestServer(backend, { seed }));
      work = mkdtempSync(join(tmpdir(), 'safeground-land-import-'));
    });
    after(async () => {
      rmSync(work, { recursive: true, force: true });
      await closeTestServer({ db, app });
    });
    const hazards = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM hazard'))[0]!.n;
    const lines = (report: { file: string; rowLabel: string; problems: Parameters<typeof describeProblem>[2][] }) => report.problems.map((p) => describeProblem(report.file, report.rowLabel, p));

    test('a GeoJSON layer: a polygon, and a point and a line with estimated areas as position-only suspected hazards', async () => {
      const path = join(work, 'hazards.geojson');
      writeFileSync(path, JSON.stringify(HAZARDS));
      const dry = await importHazards(db, { path, file: 'hazards.geojson', dryRun: true, actor: null });
      assert.deepEqual([dry.problemCount, dry.rows, dry.created, dry.positionOnly, dry.committed], [0, 3, 3, 2, false], describeReport(dry).join('\n'));
      assert.deepEqual(dry.ignoredColumns, ['comentario']);
      assert.equal(await hazards(), 0, 'a dry run writes nothing');

      const report = await importHazards(db, { path, file: 'hazards.geojson', dryRun: false, actor: null });
      assert.deepEqual([report.problemCount, report.created, report.positionOnly, report.committed], [0, 3, 2, true], describeReport(report).join('\n'));
      const rows = await db.query<{ reference: string; kind: string; position_only: boolean; contamination: string[]; area: number; reason: string }>(
        `SELECT h.reference, h.kind, h.position_only, h.contamination, ST_Area(h.geom::geography) AS area, v.change_reason AS reason
         FROM hazard h JOIN record_version v ON v.entity_type = 'hazard' AND v.entity_id = h.id ORDER BY h.reference`,
      );
      assert.deepEqual(rows.map((r) => [r.reference, r.kind, r.position_only, r.contamination]), [
        ['H-1', 'cha', false, ['ap_mine']],
        ['H-2', 'sha', true, []],
        ['H-3', 'sha', true, []],
      ]);
      // The drawn shapes have the estimated areas, to the polygon's approximation of a circle.
      assert.ok(Math.abs(rows[1]!.area - 10000) < 50, `H-2 is ${rows[1]!.area} m²`);
      assert.ok(Math.abs(rows[2]!.area - 5000) < 50, `H-3 is ${rows[2]!.area} m²`);
      assert.equal(rows[1]!.reason, 'import of hazards.geojson; position only: the estimated area drawn around the point given, not surveyed');
      assert.equal(rows[0]!.reason, 'import of hazards.geojson');

      const again = await importHazards(db, { path, file: 'hazards.geojson', dryRun: false, actor: null });
      assert.equal(again.problemCount, 3);
      assert.match(lines(again)[0]!, /^hazards\.geojson feature 1, reference: hazard [0-9a-f-]{36} already has the reference H-1$/);
      assert.equal(await hazards(), 3, 'nothing written');
    });

    test('a table with problems is refused whole, each named by row, field and value', async () => {
      const path = join(work, 'bad.csv');
      writeFileSync(path, 'reference,kind,latitude,longitude,estimatedAreaM2,evidence\nB-1,sha,48.6,37.6,,old_survey\nB-2,cha,48.6,37.7,2000,old_survey\nB-3,shx,48.6,37.8,2000,rumour\nB-4,sha,48.6,37.9,2 ha,\nB-5,sha,48.61,37.61,1500,local_report\n');
      const report = await importHazards(db, { path, file: 'bad.csv', dryRun: false, actor: null });
      assert.deepEqual(lines(report), [
        'bad.csv row 2, estimatedAreaM2: is missing: a Point makes a hazard only with its estimated area (drawn around it, flagged position-only)',
        'bad.csv row 3, evidence: A confirmed hazardous area (cha) needs direct evidence (detonation, accident_known_location, high_reliability_record, signs_or_fences, ordnance_seen); with only old_survey it is suspected (sha)',
        'bad.csv row 4, kind "shx": is not one of sha, cha',
        'bad.csv row 4, evidence "rumour": is not one of old_survey, former_front_line, low_reliability_record, accident_unknown_location, unused_productive_land, local_report, detonation, accident_known_location, high_reliability_record, signs_or_fences, ordnance_seen',
        'bad.csv row 5, estimatedAreaM2 "2 ha": is not an area of 0 or more (m2)',
      ]);
      assert.deepEqual([report.committed, await hazards()], [false, 3]);
      const hectares = join(work, 'hectares.csv');
      writeFileSync(hectares, 'ref,lat,lon,area\nB-6,48.62,37.62,1.5\n');
      const inHectares = await importHazards(db, { path: hectares, dryRun: true, actor: null, mapping: { ...(await import('./landMapping.ts')).HazardMapping.parse({ fields: { ref: 'reference' }, units: { area: 'ha' } }) } });
      assert.deepEqual([inHectares.problemCount, inHectares.created, inHectares.positionOnly], [0, 1, 1], describeReport(inHectares).join('\n'));
    });

    test('QGIS-style layers: a MultiPoint shapefile with ten-character names and a MultiPoint GeoPackage, no mapping', async () => {
      const geojson = join(work, 'puntos.geojson');
      writeFileSync(geojson, JSON.stringify({
        type: 'FeatureCollection',
        features: [
          feature({ type: 'Point', coordinates: [37.6, 48.7] }, { reference: 'Q-1', estimatedAreaM2: 2500, contamination: 'at_mine', blockages: 'road; pasture', evidence: 'local_report' }),
          feature({ type: 'Point', coordinates: [37.61, 48.71] }, { reference: 'Q-2', estimatedAreaM2: 400, contamination: 'erw_uxo', blockages: 'housing', evidence: 'old_survey' }),
        ],
      }));
      const folder = mkdtempSync(join(work, 'shp-'));
      execFileSync('ogr2ogr', ['-f', 'ESRI Shapefile', '-lco', 'ENCODING=UTF-8', '-nlt', 'MULTIPOINT', join(folder, 'puntos.shp'), geojson]);
      assert.match(readFileSync(join(folder, 'puntos.dbf')).toString('latin1'), /estimatedA.*contaminat/s, 'the shapefile has cut names');
      const zip = join(work, 'puntos.zip');
      writeFileSync(zip, zipSync(Object.fromEntries(readdirSync(folder).map((name) => [name, readFileSync(join(folder, name))]))));
      const gpkg = join(work, 'puntos.gpkg');
      execFileSync('ogr2ogr', ['-f', 'GPKG', '-nlt', 'MULTIPOINT', gpkg, geojson]);
      for (const path of [zip, gpkg]) {
        const report = await importHazards(db, { path, dryRun: true, actor: null });
        assert.deepEqual([report.problemCount, report.rows, report.created, report.positionOnly], [0, 2, 2, 2], `${path}: ${describeReport(report).join('\n')}`);
        assert.deepEqual(report.ignoredColumns, [], path);
      }
      const report = await importHazards(db, { path: zip, dryRun: false, actor: null });
      assert.equal(report.committed, true, describeReport(report).join('\n'));
      const [q1] = await db.query<{ blockages: string[]; contamination: string[]; position_only: boolean }>("SELECT blockages, contamination, position_only FROM hazard WHERE reference = 'Q-1'");
      assert.deepEqual(q1, { blockages: ['road', 'pasture'], contamination: ['at_mine'], position_only: true });
      // The polygons of a GeoPackage (WKB) import as they are.
      const polygons = join(work, 'poligonos.gpkg');
      execFileSync('ogr2ogr', ['-f', 'GPKG', '-nlt', 'MULTIPOLYGON', polygons, '/vsistdin/'], { input: JSON.stringify({ type: 'FeatureCollection', features: [feature(square(37.7, 48.8, 0.001), { reference: 'G-1', kind: 'sha', evidence: 'old_survey' })] }) });
      const fromGpkg = await importHazards(db, { path: polygons, dryRun: true, actor: null });
      assert.deepEqual([fromGpkg.problemCount, fromGpkg.created, fromGpkg.positionOnly], [0, 1, 0], describeReport(fromGpkg).join('\n'));
    });

    test('activities with the hazards they work on, by reference', async () => {
      const path = join(work, 'activities.csv');
      writeFileSync(path, 'reference,kind,organisation,team,startDate,endDate,status,hazards,supervisor\nNTS-1,nts,TOA,Team 1,2024-01-10,2024-01-20,completed,H-2;H-3,Ana\nCLR-1,clearance,Test Operator A,Team 2,2024-02-01,,ongoing,H-1,Luis\n');
      const report = await importActivities(db, { path, dryRun: false, actor: null });
      assert.deepEqual([report.problemCount, report.rows, report.created, report.committed], [0, 2, 2, true], describeReport(report).join('\n'));
      assert.deepEqual(report.ignoredColumns, ['supervisor']);
      const links = await db.query<{ reference: string; hazards: string }>(
        `SELECT a.reference, string_agg(h.reference, ',' ORDER BY h.reference) AS hazards FROM activity a JOIN activity_hazard ah ON ah.activity_id = a.id JOIN hazard h ON h.id = ah.hazard_id GROUP BY a.reference ORDER BY a.reference`,
      );
      assert.deepEqual(links.map((l) => [l.reference, l.hazards]), [['CLR-1', 'H-1'], ['NTS-1', 'H-2,H-3']]);

      const bad = join(work, 'activities-bad.csv');
      writeFileSync(bad, 'reference,kind,organisation,hazards\nTS-1,ts,No Such Operator,H-1\nTS-2,survey,TOA,H-9\n');
      const refused = await importActivities(db, { path: bad, file: 'activities-bad.csv', dryRun: false, actor: null });
      assert.deepEqual(lines(refused), [
        'activities-bad.csv row 2, organisation "No Such Operator": is not the name of any organisation',
        'activities-bad.csv row 3, kind "survey": is not one of nts, ts, clearance, eod_spot_task, bac, post_clearance_inspection',
      ]);
    });

    test('through the API: anyone who reports may dry-run, only national roles commit', async () => {
      const csv = 'reference,latitude,longitude,estimatedAreaM2,evidence,notes\nAPI-1,48.9,37.9,900,local_report,seen from the road\n';
      const post = (query: string, who: Parameters<Actors['auth']>[0]) =>
        app.inject({ method: 'POST', url: `/api/imports/hazards?${query}`, headers: { ...actors.auth(who), 'content-type': 'text/csv' }, payload: csv });
      const dry = await post('dryRun=true&name=api.csv', 'field_user');
      assert.equal(dry.statusCode, 200, dry.body);
      assert.deepEqual([dry.json().created, dry.json().positionOnly, dry.json().committed], [1, 1, false]);
      assert.equal((await post('name=api.csv', 'field_user')).statusCode, 403);
      const committed = await post('name=api.csv', 'national_information_officer');
      assert.equal(committed.statusCode, 200, committed.body);
      const [hazard] = await db.query<{ created_by: string; description: string; position_only: boolean }>("SELECT created_by, description, position_only FROM hazard WHERE reference = 'API-1'");
      assert.deepEqual(hazard, { created_by: actors.userIds.national_information_officer, description: 'seen from the road', position_only: true });
    });
  });
}
