import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Db } from '../store/db.ts';
import { openTestServer } from '../../test/support/server.ts';
import { closeTestServer } from '../../test/support/store.ts';
import { testBackends } from '../../test/support/backends.ts';
import type { Actors } from '../../test/support/actors.ts';
import { seedOrdnanceCatalogue } from '../catalogue/store.ts';
import { describeReport, importFinds } from './findImporter.ts';
import { describeProblem } from './problems.ts';

/**
 * A flagged duplicate (within 0.5 m, found the same day) is refused until a person accepts it
 * with a reason; the reason is then in the find's history and the import's audit row. Row 3 of
 * the file is 0.3 m from row 2; row 4 is 1 km away.
 */
const TODAY = '2025-06-30';
const FILE = 'externalId,category,ordnanceModel,foundOn,latitude,longitude\nP1,ap_mine,PMN-2,2024-03-01,48.500000,37.500000\nP2,ap_mine,PMN-2,2024-03-01,48.5000027,37.500000\nP3,ap_mine,PMN-2,2024-03-01,48.51,37.50\n';
const PAIR = 'two PMN-2 laid as a pair, both found by team 2';

for (const backend of testBackends()) {
  describe(`accepting a flagged duplicate with a reason (${backend.name})`, () => {
    let db: Db;
    let app: FastifyInstance;
    let actors: Actors;
    let work: string;
    let path: string;
    before(async () => {
      ({ db, actors, app } = await openTestServer(backend, { seed: async (seeded) => {
        await seedOrdnanceCatalogue(seeded);
      } }));
      work = mkdtempSync(join(tmpdir(), 'safeground-accept-'));
      path = join(work, 'pair.csv');
      writeFileSync(path, FILE);
    });
    after(async () => {
      rmSync(work, { recursive: true, force: true });
      await closeTestServer({ db, app });
    });
    const finds = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM find'))[0]!.n;
    const run = (acceptDuplicates?: { rows: (number | string)[]; reason: string }, dryRun = false) =>
      importFinds(db, { path, file: 'pair.csv', dryRun, actor: null, today: TODAY, ...(acceptDuplicates ? { acceptDuplicates } : {}) });

    test('refused without acceptance; an accept list naming an unflagged or missing row is refused too', async () => {
      const plain = await run();
      assert.deepEqual(plain.problems.map((p) => describeProblem('pair.csv', 'row', p)), [
        'pair.csv row 3, latitude/longitude "2024-03-01": is within 0.5 m of the find at row 2, found the same day: a duplicate? Report one find with a quantity, correct the position, or accept it with a reason',
      ]);
      const wrong = await run({ rows: [4, 'P9'], reason: PAIR });
      assert.deepEqual(wrong.problems.map((p) => describeProblem('pair.csv', 'row', p)), [
        'pair.csv, acceptDuplicates "P9": names no row of the file (a row number or an externalId)',
        'pair.csv row 3, latitude/longitude "2024-03-01": is within 0.5 m of the find at row 2, found the same day: a duplicate? Report one find with a quantity, correct the position, or accept it with a reason',
        'pair.csv row 4, acceptDuplicates: is accepted as a duplicate, but is not flagged as one; accept only the rows the dry run flags',
      ]);
      assert.equal(await finds(), 0);
    });

    test('accepted by externalId: 3 finds, the reason in the kept find\'s history and in the audit', async () => {
      const dry = await run({ rows: ['P2'], reason: PAIR }, true);
      assert.deepEqual([dry.problemCount, dry.created, dry.acceptedDuplicates, dry.committed], [0, 3, 1, false], describeReport(dry).join('\n'));
      const report = await run({ rows: ['P2'], reason: PAIR });
      assert.deepEqual([report.problemCount, report.created, report.acceptedDuplicates, report.committed], [0, 3, 1, true], describeReport(report).join('\n'));
      assert.match(describeReport(report).join('\n'), /1 flagged duplicate\(s\) kept with the reason given/);
      const reasons = await db.query<{ external_id: string; change_reason: string }>(
        "SELECT f.external_id, v.change_reason FROM find f JOIN record_version v ON v.entity_type = 'find' AND v.entity_id = f.id ORDER BY f.external_id",
      );
      assert.deepEqual(reasons.map((r) => [r.external_id, r.change_reason]), [
        ['P1', 'import of pair.csv'],
        ['P2', `import of pair.csv; kept although within 0.5 m of row 2, found the same day: ${PAIR}`],
        ['P3', 'import of pair.csv'],
      ]);
      const [audit] = await db.query<{ details: Record<string, unknown> }>("SELECT details FROM audit_log WHERE action = 'import' AND entity_type = 'find'");
      assert.deepEqual([audit!.details.acceptedDuplicates, audit!.details.reason], [1, PAIR]);
    });

    test('through the API: a duplicate of a find in the database, accepted by row number, shows its reason in the find\'s history', async () => {
      const csv = 'externalId,category,ordnanceModel,foundOn,latitude,longitude\nP4,ap_mine,PMN-2,2024-03-01,48.500001,37.500001\n';
      const post = (query: string) =>
        app.inject({ method: 'POST', url: `/api/imports/finds?${query}`, headers: { ...actors.auth('national_information_officer'), 'content-type': 'text/csv' }, payload: csv });
      const refused = await post('name=again.csv');
      assert.equal(refused.statusCode, 400);
      assert.match(refused.json().error.details.problems[0].message, /^is within 0\.5 m of find P1 already in the database, found the same day/);
      const unreasoned = await post('acceptDuplicates=2');
      assert.equal(unreasoned.statusCode, 400);
      assert.match(unreasoned.body, /acceptDuplicates and reason go together/);
      const accepted = await post(`name=again.csv&acceptDuplicates=2&reason=${encodeURIComponent('a second mine under the first (booby-trapped)')}`);
      assert.equal(accepted.statusCode, 200, accepted.body);
      assert.deepEqual([accepted.json().created, accepted.json().acceptedDuplicates], [1, 1]);
      const [p4] = await db.query<{ id: string }>("SELECT id FROM find WHERE external_id = 'P4'");
      const history = await app.inject({ method: 'GET', url: `/api/finds/${p4!.id}/history`, headers: actors.auth('analyst') });
      assert.equal(history.statusCode, 200, history.body);
      assert.deepEqual(
        history.json().versions.map((v: { reason: string }) => v.reason),
        ['import of again.csv; kept although within 0.5 m of find P1, found the same day: a second mine under the first (booby-trapped)'],
      );
      assert.equal(await finds(), 4);
    });
  });
}
