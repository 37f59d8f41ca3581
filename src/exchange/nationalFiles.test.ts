import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { zipSync } from 'fflate';
import { exportFindsToFile } from './exportFinds.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Db } from '../store/db.ts';
import { testBackends } from '../../test/support/backends.ts';
import { seedOrdnanceCatalogue } from '../catalogue/store.ts';
import { describeAccidentReport, importAccidents } from '../casualties/import.ts';
import { ageGroup } from '../casualties/age.ts';
import { describeReport, importFinds } from './findImporter.ts';
import { AccidentMapping, readMapping, readMappingWith } from './mapping.ts';
import { describeProblem } from './problems.ts';
import { countrySetting, setCountrySetting } from './store.ts';

/**
 * Files shaped like national ones, imported with a mapping file alone: a casualty file with
 * Spanish headers and values, one row per victim, no accident id, a year and often a month, ages
 * as ranges, many rows at a municipal seat's position and one longitude with its sign flipped;
 * and an events file whose event types are codes, split by value so that only finds are read.
 * Every count is the one the source gives, worked out by hand from the fixtures.
 */
const fixtures = fileURLToPath(new URL('../../test/fixtures/exchange/', import.meta.url));
const TODAY = '2025-06-30';

async function seedCountry(db: Db): Promise<void> {
  await db.query(
    `WITH a AS (INSERT INTO admin_area (level, code, geom, source) VALUES (0, '170', ST_Multi(ST_MakeEnvelope(-79, -4.3, -66.8, 12.5, 4326)), 'test') RETURNING id)
     INSERT INTO place_name (admin_area_id, name, language, kind, source) SELECT id, 'Colombia', 'es', 'conventional', 'test' FROM a`,
  );
  assert.equal((await db.transaction((tx) => setCountrySetting(tx, 'colombia', null))).name, 'Colombia');
  await assert.rejects(db.transaction((tx) => setCountrySetting(tx, 'Atlantis', null)), /The country setting "Atlantis" matches no country in the gazetteer/);
  assert.equal((await countrySetting(db))?.name, 'Colombia', 'a refused country leaves the setting as it was');
}

for (const backend of testBackends()) {
  describe(`national files imported with a mapping alone (${backend.name})`, () => {
    let db: Db;
    let work: string;
    before(async () => {
      db = await backend.open();
      await seedOrdnanceCatalogue(db);
      await db.query("INSERT INTO organisation (name, kind) VALUES ('Ejército', 'military')");
      await seedCountry(db);
      work = mkdtempSync(join(tmpdir(), 'safeground-national-'));
    });
    after(async () => {
      rmSync(work, { recursive: true, force: true });
      await db.close();
    });

    test('casualties: the sign-flipped longitude is named, then 7 accidents with 11 victims by year, precision and age group', async () => {
      const mapping = await readMappingWith(AccidentMapping, join(fixtures, 'victimas-espanol.mapping.json'));
      const original = join(fixtures, 'victimas-espanol.csv');
      const refused = await importAccidents(db, { path: original, dryRun: true, actor: null, mapping, today: TODAY });
      assert.deepEqual(
        refused.problems.map((p) => describeProblem('victimas.csv', refused.rowLabel, p)),
        [`victimas.csv row 8, longitude "6.4603, 71.7447": lies ${refused.problems[0]?.message.match(/\d+/)?.[0]} km outside Colombia, but inside it with the sign of the longitude flipped: the longitude looks sign-flipped (west is negative)`],
      );

      // The programme corrects its source; the mapping stays as it was.
      const corrected = join(work, 'victimas.csv');
      writeFileSync(corrected, readFileSync(original, 'utf8').replace('6.4603,71.7447', '6.4603,-71.7447'));
      const report = await importAccidents(db, { path: corrected, dryRun: false, actor: null, mapping, today: TODAY });
      assert.equal(report.problemCount, 0, describeAccidentReport(report).join('\n'));
      assert.deepEqual([report.rows, report.created, report.victims.created], [11, 7, 11]);
      assert.deepEqual(report.ignoredColumns, ['MUNICIPIO'], 'COD_MUNICIPIO and SITIO group the rows; MUNICIPIO feeds nothing');

      const byYear = await db.query<{ year: number; accidents: number; victims: number; killed: number }>(
        `SELECT extract(year FROM x.occurred_on)::int AS year, count(DISTINCT x.id)::int AS accidents, count(v.id)::int AS victims,
           count(v.id) FILTER (WHERE v.outcome = 'killed')::int AS killed
         FROM accident x JOIN victim v ON v.accident_id = x.id GROUP BY 1 ORDER BY 1`,
      );
      assert.deepEqual([...byYear], [
        { year: 2005, accidents: 3, victims: 4, killed: 1 },
        { year: 2007, accidents: 3, victims: 6, killed: 1 },
        { year: 2010, accidents: 1, victims: 1, killed: 1 },
      ]);
      const accidents = await db.query<{ reference: string; occurred_on: string; victims: number }>(
        `SELECT x.reference, date_as_known(x.occurred_on, x.occurred_on_precision) AS occurred_on, count(v.id)::int AS victims
         FROM accident x JOIN victim v ON v.accident_id = x.id GROUP BY x.id ORDER BY x.reference`,
      );
      assert.deepEqual([...accidents], [
        { reference: 'ACC-2005-1', occurred_on: '2005-03', victims: 2 },
        { reference: 'ACC-2005-2', occurred_on: '2005-03', victims: 1 },
        { reference: 'ACC-2005-3', occurred_on: '2005', victims: 1 },
        { reference: 'ACC-2007-4', occurred_on: '2007-11', victims: 3 },
        { reference: 'ACC-2007-5', occurred_on: '2007-11', victims: 1 },
        { reference: 'ACC-2007-6', occurred_on: '2007', victims: 2 },
        { reference: 'ACC-2010-7', occurred_on: '2010-06', victims: 1 },
      ]);
      const victims = await db.query<{ age_min: number | null; age_max: number | null; age_reported: string | null; sex: string; victim_group: string }>(
        'SELECT age_min, age_max, age_reported, sex, victim_group FROM victim',
      );
      const groups: Record<string, number> = {};
      for (const v of victims) groups[ageGroup(v.age_min, v.age_max)] = (groups[ageGroup(v.age_min, v.age_max)] ?? 0) + 1;
      assert.deepEqual(groups, { child: 4, adult: 6, unknown: 1 });
      assert.ok(victims.some((v) => v.age_reported === 'Adulto mayor' && v.age_min === 60 && v.age_max === null), 'the words of the source stay beside the range');
      assert.equal(victims.filter((v) => v.victim_group === 'military').length, 4, 'Militar and Fuerza Pública are both military');
      assert.equal(victims.filter((v) => v.sex === 'unknown').length, 1);

      const again = await importAccidents(db, { path: corrected, dryRun: true, actor: null, mapping, today: TODAY });
      assert.deepEqual([again.created, again.updated, again.unchanged, again.victims.unchanged], [0, 0, 7, 11], 'the same file again changes nothing: the group numbers are the same');
    });

    test('events: the event-type codes split the file, and finds of one year at a municipal seat are not duplicates', async () => {
      const mapping = await readMapping(join(fixtures, 'eventos-codigos.mapping.json'));
      const report = await importFinds(db, { path: join(fixtures, 'eventos-codigos.csv'), dryRun: false, actor: null, mapping, today: TODAY });
      assert.equal(report.problemCount, 0, describeReport(report).join('\n'));
      assert.deepEqual([report.rows, report.created, report.skipped.total], [12, 6, 6]);
      assert.deepEqual(report.skipped.by, { 'TIPO_EVENTO = "1"': 3, 'TIPO_EVENTO = "2"': 1, 'TIPO_EVENTO = "4"': 1, 'TIPO_EVENTO = "5"': 1 });
      assert.match(describeReport(report).join('\n'), /6 row\(s\) skipped by the mapping's keep\/skip \(TIPO_EVENTO = "1": 3, /);
      const finds = await db.query<{ external_id: string; category: string; found_on: string }>(
        'SELECT external_id, category, date_as_known(found_on, found_on_precision) AS found_on FROM find ORDER BY external_id',
      );
      assert.deepEqual([...finds], [
        { external_id: 'EV-1002', category: 'ap_mine', found_on: '2003' },
        { external_id: 'EV-1003', category: 'ap_mine', found_on: '2003' },
        { external_id: 'EV-1004', category: 'uxo', found_on: '2003' },
        { external_id: 'EV-1007', category: 'ied', found_on: '2004' },
        { external_id: 'EV-1010', category: 'uxo', found_on: '2006-05' },
        { external_id: 'EV-1011', category: 'ap_mine', found_on: '2006-05-17' },
      ]);
    });

    test('finds through QGIS-style files: a MultiPoint shapefile with ten-character names and a MultiPoint GeoPackage import back unchanged, no mapping', async () => {
      const geojson = join(work, 'finds.geojson');
      await exportFindsToFile(db, 'geojson', {}, geojson);
      const exported = JSON.parse(readFileSync(geojson, 'utf8')) as { features: { properties: Record<string, unknown> }[] };
      for (const feature of exported.features) feature.properties.comentario = 'de la base nacional';
      writeFileSync(geojson, JSON.stringify(exported));

      const folder = mkdtempSync(join(work, 'shp-'));
      execFileSync('ogr2ogr', ['-f', 'ESRI Shapefile', '-lco', 'ENCODING=UTF-8', '-nlt', 'MULTIPOINT', join(folder, 'hallazgos.shp'), geojson]);
      assert.match(readFileSync(join(folder, 'hallazgos.dbf')).toString('latin1'), /ordnanceMo/, 'the shapefile has cut names');
      const zip = join(work, 'hallazgos.zip');
      writeFileSync(zip, zipSync(Object.fromEntries(readdirSync(folder).map((name) => [name, readFileSync(join(folder, name))]))));
      const gpkg = join(work, 'hallazgos.gpkg');
      execFileSync('ogr2ogr', ['-f', 'GPKG', '-nlt', 'MULTIPOINT', gpkg, geojson]);

      for (const path of [zip, gpkg, geojson]) {
        const report = await importFinds(db, { path, dryRun: true, actor: null, today: TODAY });
        assert.equal(report.problemCount, 0, describeReport(report).join('\n'));
        assert.deepEqual([report.rows, report.created, report.updated, report.unchanged], [6, 0, 0, 6], `${path}: ${describeReport(report).join('\n')}`);
        assert.deepEqual(report.ignoredColumns, ['comentario'], `${path}: every column that feeds nothing is listed`);
      }
    });
  });
}
