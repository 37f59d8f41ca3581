import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { type Actor, permissionsOf, type Role } from '../access/permissions.ts';
import type { Db, Queryable } from '../store/db.ts';
import { testBackends } from '../../test/support/backends.ts';
import { seedOrdnanceCatalogue } from '../catalogue/store.ts';
import { accidentHandler } from './handlers.ts';
import { exportAccidents, type IdentityReader } from './store.ts';
import { exportAccidentsToFile } from './export.ts';
import { EXPORT_FORMATS, FILE_EXTENSIONS } from '../exchange/formats.ts';
import { type AccidentImportReport, describeAccidentReport, importAccidents } from './import.ts';
import { AccidentMapping, parseMappingWith } from '../exchange/mapping.ts';
import { describeProblem } from '../exchange/problems.ts';

/**
 * Accidents with their victims through every format: export, import into an empty database, the
 * same accidents, victims and identities; re-imports make versions and never duplicates;
 * malformed files are refused whole; identities move only for readers who may see them.
 */
const TODAY = '2025-06-30';
/** The command line: it has the database itself, so it may move identities (and its reads are logged). */
const CLI_READER: IdentityReader = { actor: null, purpose: 'test' };

function actorOf(role: Role): Actor {
  return { userId: null, username: role, organisationId: null, roles: [role], permissions: permissionsOf([role]), via: 'token' };
}

async function seedReference(db: Queryable): Promise<void> {
  await seedOrdnanceCatalogue(db);
  await db.query("INSERT INTO organisation (name, kind) VALUES ('Test Operator A', 'ngo')");
  await db.query("INSERT INTO activity (reference, kind, organisation_id, status, source) SELECT 'CLR-2024-001', 'clearance', id, 'ongoing', 'test' FROM organisation");
  await db.query("INSERT INTO admin_area (level, code, geom, source) VALUES (2, 'T-1', ST_Multi(ST_MakeEnvelope(37, 48, 38, 49, 4326)), 'test')");
}

async function seedAccidents(db: Queryable): Promise<void> {
  await db.query(
    `INSERT INTO accident (reference, occurred_on, occurred_on_precision, geom, location_precision_m, admin_area_id, device_category, ordnance_model_id, demining_related, activity_id, description, source)
     SELECT x.reference, x.occurred_on::date, x.occurred_on_precision, CASE WHEN x.lon IS NULL THEN NULL ELSE ST_SetSRID(ST_MakePoint(x.lon, x.lat), 4326) END, x.precision,
       (SELECT id FROM admin_area WHERE code = x.area), x.device, (SELECT id FROM ordnance_model WHERE name = x.model), x.demining,
       (SELECT id FROM activity WHERE reference = x.activity), x.description, 'test'
     FROM (VALUES
       ('ACC-1', '2024-03-01', 'day', 37.123456789012, 48.987654321098, 10.5, 'T-1', 'ap_mine', 'PMN-2', true, 'CLR-2024-001', 'with "quotes", commas & <tags>'),
       ('ACC-2', '1995-01-01', 'year', NULL, NULL, NULL, NULL, 'unknown', NULL, false, NULL, NULL),
       ('ACC-3', '2023-12-01', 'month', -72.5, -13.25, NULL, NULL, 'uxo', 'Mortar bomb', false, NULL, 'Грузовик; road')
     ) AS x(reference, occurred_on, occurred_on_precision, lon, lat, precision, area, device, model, demining, activity, description)`,
  );
  await db.query(
    `INSERT INTO victim (accident_id, outcome, sex, age, age_min, age_max, age_reported, victim_group, activity_at_time, injuries, displacement_status)
     SELECT (SELECT id FROM accident WHERE reference = v.reference), v.outcome, v.sex, v.age, v.age_min, v.age_max, v.reported, v.grp, v.doing, v.injuries::text[], v.displacement
     FROM (VALUES
       ('ACC-1', 'killed', 'male', 34, NULL, NULL, NULL, 'deminer', 'demining', '{"leg amputation","eye"}', 'resident'),
       ('ACC-1', 'injured', 'female', 12, NULL, NULL, NULL, 'civilian', NULL, '{}', 'idp'),
       ('ACC-3', 'injured', 'unknown', NULL, 18, 25, 'entre 18 y 25', 'military', 'herding', '{}', NULL)
     ) AS v(reference, outcome, sex, age, age_min, age_max, reported, grp, doing, injuries, displacement)`,
  );
  await db.query(
    `INSERT INTO victim_identity (victim_id, full_name, date_of_birth, address, contact)
     SELECT id, 'Иван Петров', '1990-05-01', 'Village 1', '+380 1234' FROM victim WHERE victim_group = 'deminer'`,
  );
}

async function accidentsOf(db: Queryable, reader: IdentityReader | null = CLI_READER) {
  const rows = [];
  for await (const { accidentId: _id, ...row } of exportAccidents(db, {}, reader)) rows.push(row);
  return rows.sort((a, b) => a.reference.localeCompare(b.reference));
}

async function counts(db: Queryable) {
  const [row] = await db.query<{ accidents: number; victims: number; identities: number; versions: number }>(
    `SELECT (SELECT count(*) FROM accident)::int AS accidents, (SELECT count(*) FROM victim)::int AS victims,
       (SELECT count(*) FROM victim_identity)::int AS identities, (SELECT count(*) FROM record_version WHERE entity_type = 'accident')::int AS versions`,
  );
  return row!;
}

function lines(report: AccidentImportReport): string[] {
  return report.problems.map((p) => describeProblem(report.file, report.rowLabel, p));
}

/** Shapefile field names stop at ten characters; a mapping names the cut ones. */
const SHAPEFILE_MAPPING = parseMappingWith(
  AccidentMapping,
  {
    fields: {
      locationPr: 'locationPrecisionM',
      deviceCate: 'deviceCategory',
      ordnanceMo: 'ordnanceModel',
      deminingRe: 'deminingRelated',
      descriptio: 'description',
      victimGrou: 'victimGroup',
      activityAt: 'activityAtTime',
      displaceme: 'displacementStatus',
      dateOfBirt: 'dateOfBirth',
    },
  },
  'test',
);

for (const backend of testBackends()) {
  describe(`accidents and victims through every format (${backend.name})`, () => {
    let source: Db;
    let work: string;
    let expected: Awaited<ReturnType<typeof accidentsOf>>;
    before(async () => {
      source = await backend.open();
      await seedReference(source);
      await seedAccidents(source);
      expected = await accidentsOf(source);
      work = mkdtempSync(join(tmpdir(), 'safeground-accidents-'));
    });
    after(async () => {
      rmSync(work, { recursive: true, force: true });
      await source.close();
    });

    test('the source holds what the round trips compare: one row per victim, an accident without victims or position', () => {
      assert.deepEqual(expected.map((r) => r.reference), ['ACC-1', 'ACC-1', 'ACC-2', 'ACC-3']);
      assert.equal(expected.find((r) => r.reference === 'ACC-2')!.victimId, null);
      assert.ok(expected.some((r) => r.fullName === 'Иван Петров' && r.injuries === 'leg amputation; eye' && r.adminArea === 'T-1'));
      assert.equal(expected.find((r) => r.reference === 'ACC-2')!.longitude, null);
      assert.deepEqual(expected.map((r) => r.occurredOn), ['2024-03-01', '2024-03-01', '1995', '2023-12'], 'dates as precisely as they are known');
      assert.deepEqual(
        expected.map((r) => [r.age, r.ageReported]).sort(),
        [['12', null], ['18-25', 'entre 18 y 25'], ['34', null], [null, null]].sort(),
        'ages exact or as ranges with their words',
      );
    });

    for (const format of EXPORT_FORMATS) {
      test(`${format}: export with identities, import into an empty database, same accidents, victims and identities; again changes nothing`, async () => {
        const path = join(work, `accidents.${FILE_EXTENSIONS[format]}`);
        await exportAccidentsToFile(source, format, {}, CLI_READER, path);
        const target = await backend.open();
        try {
          await seedReference(target);
          const first = await importAccidents(target, { path, dryRun: false, actor: null, today: TODAY });
          assert.equal(first.problemCount, 0, describeAccidentReport(first).join('\n'));
          assert.deepEqual([first.created, first.victims.created, first.victims.identities], [3, 3, 1]);
          assert.deepEqual(await accidentsOf(target), expected);
          const again = await importAccidents(target, { path, dryRun: false, actor: null, today: TODAY });
          assert.deepEqual([again.created, again.updated, again.unchanged, again.victims.unchanged], [0, 0, 3, 3], describeAccidentReport(again).join('\n'));
          assert.deepEqual(await counts(target), { accidents: 3, victims: 3, identities: 1, versions: 3 });
        } finally {
          await target.close();
        }
      });
    }

    test('shapefile (zipped, written by GDAL from the GeoJSON export): same accidents with a mapping for the cut field names', async () => {
      const geojson = join(work, 'for-shapefile.geojson');
      await exportAccidentsToFile(source, 'geojson', {}, CLI_READER, geojson);
      const folder = mkdtempSync(join(work, 'shp-'));
      execFileSync('ogr2ogr', ['-f', 'ESRI Shapefile', '-lco', 'ENCODING=UTF-8', '-nlt', 'POINT', join(folder, 'accidents.shp'), geojson]);
      const zip = join(work, 'accidents.zip');
      writeFileSync(zip, zipSync(Object.fromEntries(readdirSync(folder).map((name) => [`accidents/${name}`, readFileSync(join(folder, name))]))));
      const target = await backend.open();
      try {
        await seedReference(target);
        const report = await importAccidents(target, { path: zip, dryRun: false, actor: null, mapping: SHAPEFILE_MAPPING, today: TODAY });
        assert.equal(report.problemCount, 0, describeAccidentReport(report).join('\n'));
        assert.deepEqual(await accidentsOf(target), expected);
      } finally {
        await target.close();
      }
    });

    test('GDAL reads the GeoPackage export, the accident without a position included', () => {
      const path = join(work, 'gdal.gpkg');
      return exportAccidentsToFile(source, 'gpkg', {}, null, path).then(() => {
        const info = execFileSync('ogrinfo', ['-ro', '-so', path, 'accidents'], { encoding: 'utf8' });
        assert.match(info, /Geometry: Point/);
        assert.match(info, /Feature Count: 4/);
        assert.doesNotMatch(info, /fullName/, 'no identities unless asked for');
      });
    });

    test('a re-import with changes makes new versions, matches victims by position without ids, and never duplicates', async () => {
      const db = await backend.open();
      try {
        await seedReference(db);
        await seedAccidents(db);
        const path = join(work, 'change.csv');
        await exportAccidentsToFile(db, 'csv', {}, null, path);
        // ACC-3's victim without its id, so matched by its place among the accident's rows; ACC-1's female victim left out.
        const table = readFileSync(path, 'utf8').trimEnd().split('\r\n');
        const changed = table
          .map((line) => (line.startsWith('ACC-3,') ? line.replace(/,[0-9a-f]{8}-[0-9a-f-]{27},injured,unknown,18-25,entre 18 y 25,military,/, ',,injured,unknown,41,,military,') : line))
          .filter((line) => !(line.startsWith('ACC-1,') && line.includes(',injured,female,12,')));
        writeFileSync(path, `${changed.join('\r\n')}\r\n`);
        const idsBefore = await db.query<{ id: string }>("SELECT v.id FROM victim v JOIN accident x ON x.id = v.accident_id WHERE x.reference = 'ACC-3'");

        const dry = await importAccidents(db, { path, dryRun: true, actor: null, today: TODAY });
        assert.deepEqual([dry.created, dry.updated, dry.unchanged, dry.victims.updated, dry.victims.deleted, dry.committed], [0, 2, 1, 1, 1, false], describeAccidentReport(dry).join('\n'));
        assert.deepEqual(await counts(db), { accidents: 3, victims: 3, identities: 1, versions: 0 }, 'a dry run writes nothing');

        const report = await importAccidents(db, { path, dryRun: false, actor: null, today: TODAY });
        assert.deepEqual([report.updated, report.unchanged, report.victims.updated, report.victims.deleted, report.victims.unchanged], [2, 1, 1, 1, 1], describeAccidentReport(report).join('\n'));
        assert.deepEqual(await counts(db), { accidents: 3, victims: 2, identities: 1, versions: 4 }, 'the replaced states are recorded first, then the new ones');
        assert.deepEqual(await db.query<{ id: string }>("SELECT v.id FROM victim v JOIN accident x ON x.id = v.accident_id WHERE x.reference = 'ACC-3'"), idsBefore, 'the same victim, updated');

        const versions = await db.query<{ version: number; ages: number[]; closed: boolean }>(
          `SELECT v.version, (SELECT jsonb_agg(e->'age') FROM jsonb_array_elements(v.data->'victims') e) AS ages, v.valid_to IS NOT NULL AS closed
           FROM record_version v JOIN accident x ON x.id = v.entity_id WHERE v.entity_type = 'accident' AND x.reference = 'ACC-3' ORDER BY v.version`,
        );
        assert.deepEqual([...versions], [
          { version: 1, ages: [null], closed: true },
          { version: 2, ages: [41], closed: false },
        ]);

        // The history holds what the reports workflow would record: the accident handler's read without the geometry.
        const [open] = await db.query<{ id: string; data: Record<string, unknown> }>(
          "SELECT v.entity_id AS id, v.data FROM record_version v JOIN accident x ON x.id = v.entity_id WHERE x.reference = 'ACC-1' AND v.valid_to IS NULL",
        );
        const { geometry: _geometry, ...read } = (await accidentHandler.read(db, open!.id, { lock: false }))!.payload;
        assert.deepEqual(open!.data, read);

        const again = await importAccidents(db, { path, dryRun: false, actor: null, today: TODAY });
        assert.deepEqual([again.updated, again.unchanged], [0, 3], describeAccidentReport(again).join('\n'));
      } finally {
        await db.close();
      }
    });

    describe('refusals', () => {
      let db: Db;
      before(async () => {
        db = await backend.open();
        await seedReference(db);
        await seedAccidents(db);
      });
      after(() => db.close());

      async function refused(name: string, content: string, expected: RegExp[], options: { actor?: Actor | null; mapping?: unknown } = {}): Promise<AccidentImportReport> {
        const path = join(work, name);
        writeFileSync(path, content);
        const before = await counts(db);
        const report = await importAccidents(db, {
          path,
          file: name,
          dryRun: false,
          actor: options.actor ?? null,
          today: TODAY,
          ...(options.mapping ? { mapping: parseMappingWith(AccidentMapping, options.mapping, 'test') } : {}),
        });
        const text = lines(report);
        assert.equal(report.committed, false);
        for (const pattern of expected) assert.ok(text.some((line) => pattern.test(line)), `${pattern} not in:\n${text.join('\n')}`);
        assert.deepEqual(await counts(db), before, 'nothing written');
        return report;
      }

      test('every problem of a file, with its row, field and value, and nothing written', async () => {
        const report = await refused(
          'bad.csv',
          [
            'reference,occurredOn,latitude,longitude,activity,outcome,sex,age,victimGroup,deminingRelated',
            'M1,2091-01-01,48.5,37.5,,killed,male,30,civilian,no',
            'M2,1899-12-31,48.5,37.5,,killed,male,30,civilian,no',
            'M3,2024-01-01,95.5,37.5,,killed,male,30,civilian,no',
            'M4,2024-01-01,48.5,37.5,,killed,robot,130,alien,perhaps',
            'M5,2024-01-01,48.5,37.5,,,male,30,civilian,no',
            'M6,2024-01-01,48.5,37.5,CLR-9,killed,male,30,civilian,no',
            'M7,2024-01-01,48.5,37.5,,killed,male,30,civilian,no',
            'M7,2024-01-02,48.5,37.5,,injured,female,31,civilian,no',
            ',2024-01-01,48.5,37.5,,killed,male,30,civilian,no',
          ].join('\n'),
          [
            /^bad\.csv row 2, occurredOn "2091-01-01": is in the future$/,
            /^bad\.csv row 3, occurredOn "1899-12-31": is before 1900$/,
            /^bad\.csv row 4, latitude 95\.5: .*look swapped$/,
            /^bad\.csv row 5, sex "robot": is not one of female, male, unknown$/,
            /^bad\.csv row 5, age "130": is not an age/,
            /^bad\.csv row 5, victimGroup "alien": is not one of civilian, military, deminer, unknown$/,
            /^bad\.csv row 5, deminingRelated "perhaps": is not true or false/,
            /^bad\.csv row 6, outcome: is missing/,
            /^bad\.csv row 7, activity "CLR-9": is not the reference of any activity$/,
            /^bad\.csv row 9, reference "M7": differs in occurredOn from row 8, the accident's first/,
            /^bad\.csv row 10, reference: is missing/,
          ],
        );
        assert.equal(report.problemCount, 11, lines(report).join('\n'));
      });

      test('a file without the columns an accident needs is one clear message', async () => {
        await refused('no-date.csv', 'ref,when\nA,2024-01-01\n', [/^no-date\.csv: no column gives reference, occurredOn; columns are "ref", "when"/]);
      });

      test('a victim of another accident cannot be moved by its id', async () => {
        const [victim] = await db.query<{ id: string }>("SELECT v.id FROM victim v JOIN accident x ON x.id = v.accident_id WHERE x.reference = 'ACC-3'");
        await refused('moved.csv', `reference,occurredOn,victimId,outcome,victimGroup\nACC-2,1995-07-14,${victim!.id},killed,civilian\n`, [
          new RegExp(`^moved\\.csv row 2, victimId "${victim!.id}": is a victim of accident "ACC-3", not of this one$`),
        ]);
      });

      test('a truncated GeoJSON file is refused with where it broke', async () => {
        const geojson = join(work, 'whole.geojson');
        await exportAccidentsToFile(db, 'geojson', {}, null, geojson);
        const text = readFileSync(geojson, 'utf8');
        await refused('truncated.geojson', text.slice(0, Math.floor(text.length * 0.6)), [/^truncated\.geojson: the JSON is malformed or truncated after feature \d/]);
      });

      test("identifying details: refused for roles without restricted.read, column by column or feature by feature", async () => {
        const csv = 'reference,occurredOn,outcome,victimGroup,fullName,contact\nN1,2024-01-01,killed,civilian,Anna,+1 555\n';
        for (const role of ['field_user', 'organisation_manager', 'analyst'] as const) {
          await refused(`identity-${role}.csv`, csv, [/^identity-.*\.csv: columns "fullName", "contact" are victims' identifying details .*restricted\.read/], { actor: actorOf(role) });
        }
        const geojson = JSON.stringify({
          type: 'FeatureCollection',
          features: [
            { type: 'Feature', geometry: null, properties: { reference: 'N2', occurredOn: '2024-01-01', outcome: 'killed', victimGroup: 'civilian' } },
            { type: 'Feature', geometry: null, properties: { reference: 'N3', occurredOn: '2024-01-01', outcome: 'killed', victimGroup: 'civilian', dateOfBirth: '2001-01-01' } },
          ],
        });
        await refused('identity.geojson', geojson, [/^identity\.geojson feature 2, dateOfBirth: are victims' identifying details/], { actor: actorOf('field_user') });
      });

      test('identifying details import for a national information officer, into victim_identity only', async () => {
        const path = join(work, 'identity-ok.csv');
        writeFileSync(path, 'reference,occurredOn,outcome,victimGroup,fullName,dateOfBirth\nN4,2024-01-01,killed,civilian,Anna Smith,01/02/1980\n');
        const report = await importAccidents(db, { path, dryRun: false, actor: actorOf('national_information_officer'), today: TODAY, mapping: parseMappingWith(AccidentMapping, { dateFormat: 'DD/MM/YYYY' }, 'test') });
        assert.equal(report.problemCount, 0, describeAccidentReport(report).join('\n'));
        const [identity] = await db.query<{ full_name: string; date_of_birth: string }>(
          "SELECT i.full_name, i.date_of_birth::text AS date_of_birth FROM victim_identity i JOIN victim v ON v.id = i.victim_id JOIN accident x ON x.id = v.accident_id WHERE x.reference = 'N4'",
        );
        assert.deepEqual({ ...identity }, { full_name: 'Anna Smith', date_of_birth: '1980-02-01' });
        const [history] = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM record_version WHERE entity_type = 'accident' AND data::text LIKE '%Anna%'");
        assert.equal(history!.n, 0, 'identities never enter the history');
      });

      test('exports hold no identities unless asked for, and an identity export is logged per victim', async () => {
        const rows = await accidentsOf(db, null);
        assert.ok(rows.every((r) => !('fullName' in r)));
        const [before] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM restricted_access_log');
        const withIdentity = await accidentsOf(db, { actor: null, purpose: 'test export' });
        const victims = withIdentity.filter((r) => r.victimId).length;
        const [afterExport] = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM restricted_access_log WHERE purpose = 'test export'");
        assert.equal(afterExport!.n, victims);
        assert.ok(before!.n >= 0);
      });
    });
  });
}
