import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Db } from '../store/db.ts';
import { closeTestServer, openTestStore } from '../../test/support/store.ts';
import { testBackends } from '../../test/support/backends.ts';
import type { Actors } from '../../test/support/actors.ts';
import * as workflow from '../reports/workflow.ts';
import { hazardAccounting } from './accounting.ts';
import { RELEASE_METHODS } from './rules.ts';
import { landStatistics, rebuildLandStatistics } from './statistics.ts';
import { landPiecesStale } from './piecesStore.ts';
import { actorOf, approved, box, createActivity, createHazard, createProduct, type Grid } from './test-helpers.ts';

/**
 * The stored pieces (docs/land-release.md, "Stored pieces") against the live accounting of each
 * hazard: after approvals and undos they are right without any statistics request; after rows
 * loaded outside the workflow they are stale until the next statistics request computes them.
 */
const grid: Grid = { origin: { lon: 31.0, lat: 12.0 }, cell: 0.001 };
const at = (i: number): Grid => ({ origin: { lon: grid.origin.lon + (i % 10) * 0.01, lat: grid.origin.lat + Math.floor(i / 10) * 0.01 }, cell: grid.cell });
const ewkt = (g: ReturnType<typeof box>) => `SRID=4326;MULTIPOLYGON(((${g.coordinates[0]!.map(([x, y]) => `${x} ${y}`).join(',')})))`;

async function stored(db: Db, hazardId: string) {
  const pieces = await db.query<{ product_id: string; method: string; counted_m2: number }>(
    'SELECT product_id, method, counted_m2 FROM land_release_piece WHERE hazard_id = $1 ORDER BY product_id',
    [hazardId],
  );
  const [remaining] = await db.query<{ remaining_m2: number }>('SELECT remaining_m2 FROM land_hazard_remaining WHERE hazard_id = $1', [hazardId]);
  return { pieces: pieces.map((p) => ({ ...p })), remainingM2: remaining?.remaining_m2 ?? null };
}

/** The stored pieces and remaining area of a hazard are exactly those the live accounting computes now. */
async function assertStoredMatchesLive(db: Db, hazardId: string, what: string) {
  const live = (await hazardAccounting(db, hazardId))!;
  const mine = await stored(db, hazardId);
  assert.equal(mine.remainingM2, live.remainingM2, `${what}: remaining`);
  const expected = live.products.map((p) => ({ product_id: p.productId, method: p.method, counted_m2: p.countedM2 })).sort((a, b) => a.product_id.localeCompare(b.product_id));
  assert.deepEqual(mine.pieces, expected, `${what}: pieces`);
}

async function version(db: Db, hazardId: string): Promise<number> {
  const [row] = await db.query<{ version: number }>('SELECT version FROM hazard WHERE id = $1', [hazardId]);
  return row!.version;
}

/** National totals equal the sum of every hazard's live accounting, to the rounding of the statistics. */
async function assertTotalsMatchLive(db: Db, what: string) {
  const stats = await landStatistics(db, { by: ['admin1', 'organisation'], period: 'month' });
  const hazardIds = (await db.query<{ id: string }>('SELECT id FROM hazard')).map((r) => r.id);
  const sums = { cleared: 0, reduced: 0, cancelled: 0, remaining: 0 };
  for (const id of hazardIds) {
    const a = (await hazardAccounting(db, id))!;
    for (const m of RELEASE_METHODS) sums[m] += a.releasedM2[m];
    sums.remaining += a.remainingM2;
  }
  for (const m of RELEASE_METHODS) assert.ok(Math.abs(stats.totals.releasedM2[m] - sums[m]) < 0.01, `${what}, ${m}: ${stats.totals.releasedM2[m]} vs ${sums[m]}`);
  assert.ok(Math.abs(stats.totals.remainingM2 - sums.remaining) < 0.01, `${what}, remaining: ${stats.totals.remainingM2} vs ${sums.remaining}`);
  return stats;
}

for (const backend of testBackends()) {
  describe(`stored land-release pieces (${backend.name})`, () => {
    let db: Db;
    let actors: Actors;
    before(async () => {
      ({ db, actors } = await openTestStore(backend));
    });
    after(() => closeTestServer({ db }));

    test('an approval stores the pieces of its hazard at once, and its undo takes them back', async () => {
      const g = at(0);
      const hazardId = await createHazard(db, actors, box(g, 0, 0, 4, 4));
      assert.equal(await landPiecesStale(db), false, 'a new hazard has its remaining area stored by its approval');
      await assertStoredMatchesLive(db, hazardId, 'new hazard');
      assert.equal((await stored(db, hazardId)).pieces.length, 0);

      const activityId = await createActivity(db, actors, [hazardId]);
      await createProduct(db, actors, { activityId, hazardId, method: 'reduced', geometry: box(g, 0, 0, 2, 4), releaseDate: '2024-03-01' });
      const clearance = await approved(db, actors, {
        entityType: 'release_product',
        action: 'create',
        payload: { activityId, hazardId, method: 'cleared', clearanceDepthCm: 20, geometry: box(g, 1, 0, 3, 4), releaseDate: '2024-05-01', source: 'test' },
      });
      assert.equal(await landPiecesStale(db), false);
      await assertStoredMatchesLive(db, hazardId, 'after two overlapping products');
      const afterTwo = await stored(db, hazardId);
      assert.equal(afterTwo.pieces.length, 2);

      await workflow.undoApproval(db, actorOf(actors, 'national_information_officer'), clearance.id, 'wrong hazard');
      assert.equal(await landPiecesStale(db), false, 'the undo refreshed its hazard');
      await assertStoredMatchesLive(db, hazardId, 'after the undo');
      const afterUndo = await stored(db, hazardId);
      assert.equal(afterUndo.pieces.length, 1);
      assert.ok(afterUndo.remainingM2! > afterTwo.remainingM2!);
      await assertTotalsMatchLive(db, 'after the undo');
    });

    test('a change of a hazard’s shape computes its pieces and remaining area again', async () => {
      const g = at(1);
      const hazardId = await createHazard(db, actors, box(g, 0, 0, 4, 4));
      const activityId = await createActivity(db, actors, [hazardId]);
      await createProduct(db, actors, { activityId, hazardId, method: 'cleared', geometry: box(g, 2, 0, 6, 4), releaseDate: '2024-02-01' });
      const before = await stored(db, hazardId);
      await approved(db, actors, {
        entityType: 'hazard',
        action: 'update',
        entityId: hazardId,
        baseVersion: await version(db, hazardId),
        reason: 'resurveyed',
        payload: { geometry: box(g, 0, 0, 5, 4) },
      });
      assert.equal(await landPiecesStale(db), false);
      await assertStoredMatchesLive(db, hazardId, 'after the new shape');
      const after = await stored(db, hazardId);
      assert.ok(after.pieces[0]!.counted_m2 > before.pieces[0]!.counted_m2 * 1.4, 'the product now counts three columns of cells, not two');
      await assertTotalsMatchLive(db, 'after the new shape');
    });

    test('rows loaded or changed outside the workflow are stale until statistics compute them', async () => {
      const g = at(2);
      const hazardId = await createHazard(db, actors, box(g, 0, 0, 4, 4));
      const activityId = await createActivity(db, actors, [hazardId]);
      await createProduct(db, actors, { activityId, hazardId, method: 'cancelled', geometry: box(g, 0, 0, 4, 1), releaseDate: '2023-01-10' });
      const bulkHazard = randomUUID();
      const bulkProduct = randomUUID();
      const [admin] = await db.query<{ id: string | null }>('SELECT admin_area_id AS id FROM hazard WHERE id = $1', [hazardId]);
      await db.bulkLoad('hazard', ['id', 'reference', 'kind', 'geom', 'admin_area_id', 'source'], [[bulkHazard, `BULK-${bulkHazard}`, 'sha', ewkt(box(at(3), 0, 0, 3, 3)), admin!.id, 'import']]);
      await db.query('INSERT INTO activity_hazard (activity_id, hazard_id) VALUES ($1, $2)', [activityId, bulkHazard]);
      await db.bulkLoad(
        'release_product',
        ['id', 'activity_id', 'hazard_id', 'method', 'clearance_depth_cm', 'geom', 'release_date', 'source'],
        [
          [bulkProduct, activityId, bulkHazard, 'cleared', 20, ewkt(box(at(3), 0, 0, 2, 3)), '2024-06-01', 'import'],
          [randomUUID(), activityId, hazardId, 'cleared', 20, ewkt(box(g, 0, 0, 2, 2)), '2024-06-01', 'import'],
        ],
      );
      assert.equal(await landPiecesStale(db), true);
      assert.equal((await stored(db, bulkHazard)).remainingM2, null, 'nothing stored yet for the bulk-loaded hazard');
      await assertTotalsMatchLive(db, 'after a bulk load');
      assert.equal(await landPiecesStale(db), false);
      await assertStoredMatchesLive(db, bulkHazard, 'bulk-loaded hazard');
      await assertStoredMatchesLive(db, hazardId, 'hazard with a bulk-loaded product');

      // An import that moves a product to another hazard and reshapes it, bumping its version.
      await db.query('UPDATE release_product SET hazard_id = $2, geom = $3, version = version + 1, updated_at = clock_timestamp() WHERE id = $1', [
        bulkProduct,
        hazardId,
        ewkt(box(g, 2, 2, 4, 4)),
      ]);
      assert.equal(await landPiecesStale(db), true);
      await assertTotalsMatchLive(db, 'after a product moved outside the workflow');
      await assertStoredMatchesLive(db, bulkHazard, 'hazard the product left');
      await assertStoredMatchesLive(db, hazardId, 'hazard the product joined');

      // A product deleted outside the workflow: its piece goes, the others of its hazard are computed again.
      await db.query('DELETE FROM release_product WHERE id = $1', [bulkProduct]);
      await assertTotalsMatchLive(db, 'after a delete outside the workflow');
      await assertStoredMatchesLive(db, hazardId, 'hazard that lost a product');
    });

    test('a full rebuild gives the same figures digit for digit', async () => {
      const stats = await landStatistics(db, { by: ['admin2', 'organisation'], period: 'quarter' });
      const result = await rebuildLandStatistics(db);
      const [counts] = await db.query<{ hazards: number; products: number }>('SELECT (SELECT count(*) FROM hazard)::int AS hazards, (SELECT count(*) FROM release_product)::int AS products');
      assert.deepEqual(result, { hazards: counts!.hazards, pieces: counts!.products, removed: 0 });
      assert.deepEqual(await landStatistics(db, { by: ['admin2', 'organisation'], period: 'quarter' }), stats);
    });
  });
}
