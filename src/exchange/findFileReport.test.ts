import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Actor, permissionsOf, type Role } from '../access/permissions.ts';
import { seedOrdnanceCatalogue } from '../catalogue/store.ts';
import { approveReport, getReport, reportJson, undoApproval, verifyReport } from '../reports/workflow.ts';
import type { Db } from '../store/db.ts';
import { openTestStore } from '../../test/support/store.ts';
import { testBackends } from '../../test/support/backends.ts';
import type { Actors } from '../../test/support/actors.ts';
import { reportFindImport } from './findFileReport.ts';
import { importFinds } from './findImporter.ts';

const HEADER = 'externalId,category,ordnanceModel,foundOn,latitude,longitude,organisation,activity';

for (const backend of testBackends()) {
  describe(`a file of finds sent as a report (${backend.name})`, () => {
    let db: Db;
    let actors: Actors;
    let dir: string;
    let n = 0;
    const actor = (who: 'field_user' | 'field_user_b' | 'organisation_manager' | 'national_information_officer', role: Role, organisationId: string): Actor => ({
      userId: actors.userIds[who],
      username: who,
      organisationId,
      roles: [role],
      permissions: permissionsOf([role]),
      via: 'token',
    });
    const fieldUser = () => actor('field_user', 'field_user', actors.organisationA);
    const national = () => actor('national_information_officer', 'national_information_officer', actors.organisationA);
    const file = (lines: string[]) => {
      const path = join(dir, `finds-${++n}.csv`);
      writeFileSync(path, [HEADER, ...lines].join('\n'));
      return path;
    };
    const count = async (sql: string) => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`))[0]!.n;

    before(async () => {
      ({ db, actors } = await openTestStore(backend));
      await seedOrdnanceCatalogue(db);
      await db.query(
        "INSERT INTO activity (reference, kind, organisation_id, status, source) VALUES ('CLR-A', 'clearance', $1, 'ongoing', 'test'), ('CLR-B', 'clearance', $2, 'ongoing', 'test')",
        [actors.organisationA, actors.organisationB],
      );
      dir = mkdtempSync(join(tmpdir(), 'safeground-find-import-'));
    });
    after(async () => {
      rmSync(dir, { recursive: true, force: true });
      await db.close();
    });

    test('an operator sends a file, nothing is written until a national officer approves, then every find names the report', async () => {
      const path = file(['R-1,ap_mine,PMN-2,2024-05-01,48.1,37.1,,CLR-A', 'R-2,at_mine,TM-62M,2024-05-02,48.2,37.2,,', 'R-3,uxo,,2024-05-03,48.3,37.3,,']);
      const { import: checked, report } = await reportFindImport(db, fieldUser(), { path, file: 'team-3.csv' });
      assert.equal(checked.problemCount, 0);
      assert.equal(checked.created, 3);
      assert.equal(report?.state, 'submitted');
      assert.equal(await count("find WHERE external_id LIKE 'R-%'"), 0);

      await verifyReport(db, actor('organisation_manager', 'organisation_manager', actors.organisationA), report.id, null);
      const approved = await approveReport(db, national(), report.id, null);
      const finds = await db.query<{ external_id: string; organisation_id: string | null; report_id: string; activity_id: string | null }>(
        `SELECT f.external_id, f.organisation_id, v.report_id, f.activity_id FROM find f JOIN record_version v ON v.entity_type = 'find' AND v.entity_id = f.id
         WHERE f.external_id LIKE 'R-%' ORDER BY f.external_id`,
      );
      assert.deepEqual(
        finds.map((f) => [f.external_id, f.report_id, f.organisation_id]),
        [
          ['R-1', report.id, null],
          ['R-2', report.id, actors.organisationA],
          ['R-3', report.id, actors.organisationA],
        ],
      );
      const [batch] = await db.query<{ file: string; row_count: number; created: number; organisation_id: string }>('SELECT * FROM find_import WHERE id = $1', [approved.entity_id]);
      assert.deepEqual({ ...batch }, { ...batch, file: 'team-3.csv', row_count: 3, created: 3, organisation_id: actors.organisationA });
      await assert.rejects(undoApproval(db, national(), report.id, 'wrong file'), /not changed or undone as a whole/);
    });

    test('a file with problems sends nothing and lists them like a dry run', async () => {
      const reports = await count('report');
      const path = file(['P-1,ap_mine,PMN-2,2024-05-01,48.15,37.15,,', 'P-2,ap_mine,PMN-22,2091-05-02,48.2,37.2,,']);
      const { import: checked, report } = await reportFindImport(db, fieldUser(), { path });
      assert.equal(report, null);
      assert.deepEqual(
        checked.problems.map((p) => [p.row, p.field]),
        [
          [3, 'ordnanceModel'],
          [3, 'foundOn'],
        ],
      );
      assert.equal(await count('report'), reports);
    });

    test("an operator cannot give finds to another organisation, by name or through its activity", async () => {
      const reports = await count('report');
      for (const line of ['O-1,ap_mine,PMN-2,2024-05-01,48.5,37.5,Test Operator B,', 'O-2,ap_mine,PMN-2,2024-05-01,48.6,37.6,,CLR-B']) {
        await assert.rejects(reportFindImport(db, fieldUser(), { path: file([line]) }), /another organisation's/);
      }
      assert.equal(await count('report'), reports);
    });

    test('approval checks the file again against the database as it is then, and writes nothing when it fails', async () => {
      const { report } = await reportFindImport(db, fieldUser(), { path: file(['D-1,ap_mine,PMN-2,2024-06-01,48.9,37.9,,']) });
      // Meanwhile a national officer imports the same find under another id.
      const direct = await importFinds(db, { path: file(['X-1,ap_mine,PMN-2,2024-06-01,48.9,37.9,,']), dryRun: false, actor: national() });
      assert.equal(direct.committed, true);
      const finds = await count('find');
      await verifyReport(db, actor('organisation_manager', 'organisation_manager', actors.organisationA), report!.id, null);
      await assert.rejects(approveReport(db, national(), report!.id, null), /within 0.5 m of find X-1/);
      assert.equal(await count('find'), finds);
      assert.equal((await getReport(db, national(), report!.id)).state, 'verified');
    });

    test('a report shows a sample of its rows and their count, not all of them', async () => {
      const lines = Array.from({ length: 30 }, (_, i) => `S-${i},uxo,,2024-07-01,${(47 + i * 0.01).toFixed(2)},36.5,,`);
      const { report } = await reportFindImport(db, fieldUser(), { path: file(lines) });
      const shown = reportJson(report!, fieldUser()).payload as { rows: unknown[]; rowCount: number };
      assert.equal(shown.rowCount, 30);
      assert.equal(shown.rows.length, 20);
    });
  });
}
