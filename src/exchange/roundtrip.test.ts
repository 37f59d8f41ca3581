import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import type { Db, Queryable } from '../store/db.ts';
import { testBackends } from '../../test/support/backends.ts';
import { seedOrdnanceCatalogue } from '../catalogue/store.ts';
import { exportFindsToFile } from './exportFinds.ts';
import { EXPORT_FORMATS, FILE_EXTENSIONS } from './formats.ts';
import { describeReport, importFinds } from './findImporter.ts';
import { parseMapping } from './mapping.ts';
import { exportFinds } from './store.ts';

/**
 * Export, import into an empty database, export again: the same finds, for every format, on
 * every backend. The shapefile leg goes through GDAL (ogr2ogr), as users' shapefiles do.
 */
async function seedReference(db: Queryable): Promise<void> {
  await seedOrdnanceCatalogue(db);
  await db.query("INSERT INTO organisation (name, kind) VALUES ('Test Operator A', 'ngo'), ('Société de Déminage', 'commercial')");
  await db.query(
    "INSERT INTO activity (reference, kind, organisation_id, status, source) SELECT 'CLR-2024-001', 'clearance', id, 'ongoing', 'test' FROM organisation WHERE name = 'Test Operator A'",
  );
}

async function seedFinds(db: Queryable): Promise<void> {
  await db.query(
    `INSERT INTO find (external_id, activity_id, organisation_id, category, ordnance_model_id, quantity, geom, depth_cm, condition, disposal_method, found_on, source)
     SELECT f.external_id, a.id, o.id, f.category, m.id, f.quantity, ST_SetSRID(ST_MakePoint(f.lon, f.lat), 4326), f.depth_cm, f.condition, f.disposal_method, f.found_on::date, 'test'
     FROM (VALUES
       ('KOBO-1', 'CLR-2024-001', NULL, 'ap_mine', 'PMN-2', 1, 37.123456789012, 48.987654321098, 5, 'armed', 'destroyed_in_situ', '2024-03-01'),
       ('KOBO-2', 'CLR-2024-001', NULL, 'at_mine', 'TM-62M', 2, 37.2, 48.1, 25, 'unarmed', 'removed_and_destroyed', '2024-03-02'),
       (NULL, NULL, 'Société de Déminage', 'uxo', 'Mortar bomb', 1, -72.5, -13.25, NULL, NULL, NULL, '1995-07-14'),
       ('with "quotes", commas & <tags>', NULL, 'Société de Déminage', 'submunition', 'BLU-97/B', 7, 10.000001, 0.5, 0, 'deteriorated', 'rendered_safe', '2023-12-31'),
       ('no-model', NULL, NULL, 'ied', NULL, 1, 44.4, 33.3, NULL, 'unknown', NULL, '2020-02-29')
     ) AS f(external_id, activity, organisation, category, model, quantity, lon, lat, depth_cm, condition, disposal_method, found_on)
     LEFT JOIN activity a ON a.reference = f.activity
     LEFT JOIN organisation o ON o.name = f.organisation
     LEFT JOIN ordnance_model m ON m.name = f.model`,
  );
}

async function findsOf(db: Queryable) {
  const rows = [];
  for await (const { id: _id, ...row } of exportFinds(db, {})) rows.push(row);
  return rows.sort((a, b) => a.externalId.localeCompare(b.externalId));
}

/** Shapefile field names stop at ten characters; a mapping names the cut ones. */
const SHAPEFILE_MAPPING = parseMapping({ fields: { ordnanceMo: 'ordnanceModel', disposalMe: 'disposalMethod', organisati: 'organisation' } }, 'test');

for (const backend of testBackends()) {
  describe(`round trips through every format (${backend.name})`, () => {
    let source: Db;
    let work: string;
    let expected: Awaited<ReturnType<typeof findsOf>>;
    before(async () => {
      source = await backend.open();
      await seedReference(source);
      await seedFinds(source);
      expected = await findsOf(source);
      work = mkdtempSync(join(tmpdir(), 'safeground-roundtrip-'));
    });
    after(async () => {
      rmSync(work, { recursive: true, force: true });
      await source.close();
    });

    test('the source holds the finds the round trips compare', () => {
      assert.equal(expected.length, 5);
      assert.ok(expected.some((f) => f.organisation === 'Société de Déminage' && f.activity === null));
    });

    for (const format of EXPORT_FORMATS) {
      test(`${format}: export, import into an empty database, same finds; importing again changes nothing`, async () => {
        const path = join(work, `finds.${FILE_EXTENSIONS[format]}`);
        await exportFindsToFile(source, format, {}, path);
        const target = await backend.open();
        try {
          await seedReference(target);
          const first = await importFinds(target, { path, dryRun: false, actor: null });
          assert.equal(first.problemCount, 0, describeReport(first).join('\n'));
          assert.equal(first.created, 5);
          assert.deepEqual(await findsOf(target), expected);
          const again = await importFinds(target, { path, dryRun: false, actor: null });
          assert.deepEqual([again.created, again.updated, again.unchanged], [0, 0, 5], describeReport(again).join('\n'));
          assert.deepEqual(await findsOf(target), expected);
        } finally {
          await target.close();
        }
      });
    }

    test('GDAL reads the GeoPackage export', async () => {
      const path = join(work, 'gdal.gpkg');
      await exportFindsToFile(source, 'gpkg', {}, path);
      const info = execFileSync('ogrinfo', ['-ro', '-so', path, 'finds'], { encoding: 'utf8' });
      assert.match(info, /Geometry: Point/);
      assert.match(info, /Feature Count: 5/);
      assert.match(info, /GEOGCRS\["WGS 84"|GEOGCS\["WGS 84"/);
    });

    test('shapefile (zipped, written by GDAL from the GeoJSON export): same finds with a mapping for the cut field names', async () => {
      const geojson = join(work, 'for-shapefile.geojson');
      await exportFindsToFile(source, 'geojson', {}, geojson);
      const folder = mkdtempSync(join(work, 'shp-'));
      execFileSync('ogr2ogr', ['-f', 'ESRI Shapefile', '-lco', 'ENCODING=UTF-8', join(folder, 'finds.shp'), geojson]);
      const zip = join(work, 'finds.zip');
      writeFileSync(zip, zipSync(Object.fromEntries(readdirSync(folder).map((name) => [`finds/${name}`, readFileSync(join(folder, name))]))));
      const target = await backend.open();
      try {
        await seedReference(target);
        const report = await importFinds(target, { path: zip, dryRun: false, actor: null, mapping: SHAPEFILE_MAPPING });
        assert.equal(report.problemCount, 0, describeReport(report).join('\n'));
        assert.deepEqual(await findsOf(target), expected);
      } finally {
        await target.close();
      }
    });

    test('a re-import with a change makes a new version and closes the old one', async () => {
      const path = join(work, 'change.csv');
      await exportFindsToFile(source, 'csv', {}, path);
      writeFileSync(path, readFileSync(path, 'utf8').replace('KOBO-2,at_mine,TM-62M,2,25,', 'KOBO-2,at_mine,TM-62M,3,25,'));
      const report = await importFinds(source, { path, dryRun: false, actor: null });
      assert.deepEqual([report.created, report.updated, report.unchanged], [0, 1, 4], describeReport(report).join('\n'));
      const versions = await source.query<{ version: number; quantity: number; closed: boolean }>(
        `SELECT v.version, (v.data->>'quantity')::int AS quantity, v.valid_to IS NOT NULL AS closed
         FROM record_version v JOIN find f ON f.id = v.entity_id WHERE v.entity_type = 'find' AND f.external_id = 'KOBO-2' ORDER BY v.version`,
      );
      assert.deepEqual([...versions], [
        { version: 1, quantity: 2, closed: true },
        { version: 2, quantity: 3, closed: false },
      ]);
      const [count] = await source.query<{ n: number }>('SELECT count(*)::int AS n FROM find');
      assert.equal(count!.n, 5, 'no duplicates');
    });
  });
}
