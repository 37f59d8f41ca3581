import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { zipSync } from 'fflate';
import type { Db } from '../store/db.ts';
import { testBackends } from '../../test/support/backends.ts';
import { seedOrdnanceCatalogue } from '../catalogue/store.ts';
import { describeReport, importFinds, type ImportReport } from './findImporter.ts';
import { parseMapping } from './mapping.ts';
import { describeProblem } from './problems.ts';

/**
 * The malformed-input corpus (test/fixtures/exchange) and generated hostile files: each must be
 * refused with a message naming the file, the row, the field and the value, and must leave the
 * database exactly as it was.
 */
const fixtures = fileURLToPath(new URL('../../test/fixtures/exchange/', import.meta.url));
const TODAY = '2025-06-30';

async function counts(db: Db): Promise<{ finds: number; versions: number }> {
  const [row] = await db.query<{ finds: number; versions: number }>("SELECT (SELECT count(*) FROM find)::int AS finds, (SELECT count(*) FROM record_version WHERE entity_type = 'find')::int AS versions");
  return row!;
}

function lines(report: ImportReport): string[] {
  return report.problems.map((p) => describeProblem(report.file, report.rowLabel, p));
}

for (const backend of testBackends()) {
  describe(`malformed imports are refused whole (${backend.name})`, () => {
    let db: Db;
    let work: string;
    before(async () => {
      db = await backend.open();
      await seedOrdnanceCatalogue(db);
      await db.query("INSERT INTO organisation (name, kind) VALUES ('Test Operator A', 'ngo'), ('Société de Déminage', 'commercial'), ('Донбасское разминирование', 'ngo')");
      // One good find already there, so "nothing written" also means "nothing changed".
      await importFinds(db, { path: join(fixtures, 'windows-1251.csv'), dryRun: false, actor: null, today: TODAY });
      work = mkdtempSync(join(tmpdir(), 'safeground-malformed-'));
    });
    after(async () => {
      rmSync(work, { recursive: true, force: true });
      await db.close();
    });

    /** Imports for real (not a dry run) and checks the refusal and that nothing changed. */
    async function refused(path: string, expected: RegExp[], options: { mapping?: unknown; file?: string } = {}): Promise<ImportReport> {
      const before = await counts(db);
      const report = await importFinds(db, {
        path,
        file: options.file ?? path.split('/').at(-1)!,
        dryRun: false,
        actor: null,
        today: TODAY,
        ...(options.mapping ? { mapping: parseMapping(options.mapping, 'test') } : {}),
      });
      const text = lines(report);
      assert.equal(report.committed, false, text.join('\n'));
      assert.ok(report.problemCount > 0);
      for (const pattern of expected) assert.ok(text.some((line) => pattern.test(line)), `no problem matches ${pattern}:\n${text.join('\n')}`);
      assert.deepEqual(await counts(db), before);
      return report;
    }

    test('the good file before the corpus was imported (the baseline the others must not change)', async () => {
      assert.deepEqual(await counts(db), { finds: 2, versions: 2 });
    });

    test('a CSV without a date column is refused naming the missing field and the columns it has', async () => {
      const report = await refused(join(fixtures, 'missing-column.csv'), [/^missing-column\.csv: no column gives foundOn; columns are "externalId", "category", "ordnanceModel", "latitude", "longitude"/]);
      assert.equal(report.problemCount, 1);
    });

    test('values of the wrong type are listed row by row with field and value', async () => {
      const report = await refused(join(fixtures, 'wrong-types.csv'), [
        /^wrong-types\.csv row 2, category "mine": is not one of ap_mine/,
        /^wrong-types\.csv row 3, quantity "two": is not a whole number/,
        /^wrong-types\.csv row 4, depthCm "-3": is not a depth of 0 or more \(cm\)/,
        /^wrong-types\.csv row 5, foundOn "yesterday": is not a date/,
        /^wrong-types\.csv row 6, foundOn "2024-02-30": is not a date/,
        /^wrong-types\.csv row 7, latitude "north": is not a number/,
      ]);
      assert.equal(report.problemCount, 6);
    });

    test('a row with a missing value is reported, not shifted into the wrong columns', async () => {
      await refused(join(fixtures, 'short-row.csv'), [/^short-row\.csv row 3: has 5 values but the header has 6 columns/]);
    });

    test('coordinates out of range, swapped, at 0,0; dates before 1900; a category that contradicts the model', async () => {
      await refused(join(fixtures, 'coordinates.csv'), [
        /row 2, latitude 95\.5: is outside ±90 while longitude 37\.5 would be a latitude: latitude and longitude look swapped/,
        /row 3, longitude 190\.5: is outside ±180 degrees/,
        /row 4, latitude\/longitude "0, 0": is the point 0°, 0°/,
        /row 5, foundOn "1899-12-31": is before 1900/,
        /row 6, category "at_mine": does not match the ordnance model PMN-2, which is ap_mine/,
      ]);
    });

    test('an unclosed quote stops the file at the row where it starts', async () => {
      await refused(join(fixtures, 'unclosed-quote.csv'), [/^unclosed-quote\.csv row 2 \(line \d+\): Quote Not Closed/]);
    });

    test('duplicates within the file (0.5 m, same day), repeated external ids, and duplicates of finds in the database', async () => {
      await refused(join(fixtures, 'duplicates.csv'), [
        /row 3, latitude\/longitude "2024-03-01": is within 0\.5 m of the find at row 2, found the same day/,
        /row 5, externalId "D1": appears again; first at row 2/,
      ]);
      const [existing] = await db.query<{ lon: number; lat: number; found_on: string }>("SELECT ST_X(geom) AS lon, ST_Y(geom) AS lat, found_on::text FROM find WHERE external_id = 'R1'");
      const path = join(work, 'again.csv');
      writeFileSync(path, `category,ordnanceModel,foundOn,latitude,longitude\nap_mine,PMN-2,${existing!.found_on},${existing!.lat + 0.000002},${existing!.lon}\n`);
      await refused(path, [/again\.csv row 2, latitude\/longitude "2024-03-01": is within 0\.5 m of find R1 already in the database/]);
    });

    test('unknown ordnance models are refused with the nearest catalogue names', async () => {
      const path = join(work, 'models.csv');
      writeFileSync(path, 'category,ordnanceModel,foundOn,latitude,longitude\nap_mine,PMN-7,2024-03-01,48.5,37.5\nat_mine,TM-26,2024-03-01,48.6,37.6\n');
      await refused(path, [/row 2, ordnanceModel "PMN-7": is not in the ordnance catalogue; did you mean "PMN" or "PMN-2" or "PMN-4"\?/, /row 3, ordnanceModel "TM-26": is not in the ordnance catalogue; did you mean .*"TM-62M"/]);
    });

    test('unknown activities and organisations are refused', async () => {
      const path = join(work, 'references.csv');
      writeFileSync(path, 'category,foundOn,latitude,longitude,activity,organisation\nuxo,2024-03-01,48.5,37.5,NO-SUCH-ACTIVITY,No Such Operator\n');
      await refused(path, [/row 2, activity "NO-SUCH-ACTIVITY": is not the reference of any activity/, /row 2, organisation "No Such Operator": is not the name of any organisation/]);
    });

    test('a truncated GeoJSON file is refused, naming the feature where it breaks', async () => {
      await refused(join(fixtures, 'truncated.geojson'), [/^truncated\.geojson: the JSON is malformed or truncated after feature 1/]);
    });

    test('broken geometries: a line, text coordinates, none, one coordinate, a bare geometry', async () => {
      await refused(join(fixtures, 'broken-geometry.geojson'), [
        /feature 1, geometry "LineString": is not a point/,
        /feature 2, geometry \["37\.5","48\.5"\]: is not a point with two numeric coordinates/,
        /feature 3, geometry: is missing: the find has no position/,
        /feature 4, geometry \[37\.5\]: is not a point/,
        /feature 5: is not a GeoJSON Feature/,
      ]);
    });

    test('a truncated KML file is refused, naming the placemark where it breaks', async () => {
      await refused(join(fixtures, 'truncated.kml'), [/truncated\.kml: the XML is malformed or truncated after placemark 1/]);
    });

    test('a file that is not a GeoPackage', async () => {
      await refused(join(fixtures, 'not-a-geopackage.gpkg'), [/not-a-geopackage\.gpkg is not a readable GeoPackage/]);
    });

    test('a file that switches from UTF-8 to Windows-1252 is refused at the line where it does', async () => {
      await refused(join(fixtures, 'mixed-encoding.csv'), [/mixed-encoding\.csv line 4: byte 0xe9 at offset \d+ is not valid utf-8.*the file mixes encodings/]);
    });

    test('a zip bomb is stopped while inflating', async () => {
      const path = join(work, 'bomb.zip');
      writeFileSync(path, zipSync({ 'finds.shp': new Uint8Array(64 * 1024 * 1024), 'finds.dbf': new Uint8Array(64 * 1024 * 1024) }, { level: 9 }));
      await refused(path, [/bomb\.zip expands to more than \d+ MB from \d+ KB \(more than 100 times its size\): refused as a possible zip bomb/]);
    });

    test('a truncated zip is refused', async () => {
      const whole = zipSync({ 'finds.shp': new Uint8Array(200_000).map((_, i) => (i * 7919) % 251), 'finds.dbf': new Uint8Array(10) }, { level: 1 });
      const path = join(work, 'cut.zip');
      writeFileSync(path, whole.subarray(0, whole.length / 2));
      await refused(path, [/cut\.zip (is truncated|is not a readable zip|: entry)/]);
    });

    test('a 10 MB line is refused without reading it into a find', async () => {
      const path = join(work, 'long-line.csv');
      writeFileSync(path, `externalId,category,foundOn,latitude,longitude\n"${'x'.repeat(10 * 1024 * 1024)}",uxo,2024-03-01,48.5,37.5\n`);
      await refused(path, [/long-line\.csv row 2 \(line \d+\): is longer than 1 MB/]);
    });

    test('an empty file and a file of another kind', async () => {
      const empty = join(work, 'empty.csv');
      writeFileSync(empty, '');
      await refused(empty, [/empty\.csv is empty/]);
      const binary = join(work, 'binary.csv');
      writeFileSync(binary, readFileSync(join(fixtures, 'utf-16-bom.csv')).subarray(2));
      const report = await importFinds(db, { path: binary, dryRun: true, actor: null, today: TODAY });
      assert.equal(report.problemCount, 0, 'UTF-16 without a byte-order mark is still recognised by its zero bytes');
    });

    test('a point far outside the instance country, and one inside it only when swapped', async () => {
      await db.query(
        `WITH a AS (INSERT INTO admin_area (level, code, geom, source) VALUES (0, '999', ST_Multi(ST_MakeEnvelope(30, 44, 41, 53, 4326)), 'test') RETURNING id)
         INSERT INTO place_name (admin_area_id, name, language, kind, source) SELECT id, 'Testland', 'en', 'conventional', 'test' FROM a`,
      );
      await db.query(`INSERT INTO setting (key, value) VALUES ('country', '"Testland"'::jsonb)`);
      try {
        const path = join(work, 'country.csv');
        writeFileSync(path, 'category,foundOn,latitude,longitude\nuxo,2024-03-01,48.7,37.7\nuxo,2024-03-01,37.8,48.8\nuxo,2024-03-01,10.5,10.5\n');
        const report = await refused(path, [/row 3, latitude\/longitude "37\.8, 48\.8": lies \d+ km outside Testland, but inside it with latitude and longitude swapped/, /row 4, latitude\/longitude "10\.5, 10\.5": lies \d+ km outside Testland, the instance's country/]);
        assert.equal(report.problemCount, 2, describeReport(report).join('\n'));
      } finally {
        await db.query("DELETE FROM setting WHERE key = 'country'");
      }
    });
  });
}
