import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../store/db.ts';
import { closeTestServer, openTestStore } from '../../test/support/store.ts';
import { testBackends } from '../../test/support/backends.ts';
import type { Actors } from '../../test/support/actors.ts';
import { hazardAccounting } from './accounting.ts';
import { history } from '../reports/history.ts';
import { hazardsAsOf } from './registerStore.ts';
import { box, createActivity, createHazard, createProduct, geographicLibArea, type Grid } from './test-helpers.ts';

/**
 * Worked examples of the primer's accounting, each drawn on a grid of 0.001° cells so that the
 * expected pieces are rectangles found by hand and measured by GeographicLib, independently of
 * PostGIS. Run near the equator and at 60°N, where a degree of longitude is half as long, so a
 * planar or spherical shortcut would miss by far more than the 0.01% allowed.
 */
const RELATIVE = 1e-4;

function assertArea(actual: number, expected: number, what: string) {
  assert.ok(Math.abs(actual - expected) <= RELATIVE * expected, `${what}: ${actual} m² vs ${expected} m² expected (GeographicLib)`);
}

const grids: [string, Grid][] = [
  ['near the equator', { origin: { lon: 30.0, lat: 0.5 }, cell: 0.001 }],
  ['at 60°N', { origin: { lon: 25.0, lat: 60.0 }, cell: 0.001 }],
];

for (const backend of testBackends()) {
  describe(`land-release accounting worked examples (${backend.name})`, () => {
    let db: Db;
    let actors: Actors;
    before(async () => {
      ({ db, actors } = await openTestStore(backend));
    });
    after(() => closeTestServer({ db }));

    grids.forEach(([place, grid], g) => {
      // Each example gets its own patch of ground so the hazards are not duplicates of one another.
      const at = (dx: number): Grid => ({ origin: { lon: grid.origin.lon + dx * 0.01 + g * 0.1, lat: grid.origin.lat }, cell: grid.cell });

      test(`overlapping cleared and cancelled products: the overlap counts once, as cleared (${place})`, async () => {
        const grid0 = at(0);
        const hazard = box(grid0, 0, 0, 4, 2);
        const hazardId = await createHazard(db, actors, hazard);
        const activityId = await createActivity(db, actors, [hazardId]);
        const cancelledId = await createProduct(db, actors, { activityId, hazardId, method: 'cancelled', geometry: box(grid0, 1, 0, 3, 2), releaseDate: '2024-01-15' });
        const clearedId = await createProduct(db, actors, { activityId, hazardId, method: 'cleared', geometry: box(grid0, 0, 0, 2, 2), releaseDate: '2024-05-20' });

        const accounting = (await hazardAccounting(db, hazardId))!;
        // By hand: cleared keeps all of x 0–2; cancelled keeps only x 2–3 (x 1–2 is cleared too); x 3–4 remains.
        assertArea(accounting.areaM2, geographicLibArea(hazard), 'hazard area');
        const [postgis] = await db.query<{ area_m2: number }>('SELECT ST_Area(geom::geography) AS area_m2 FROM hazard WHERE id = $1', [hazardId]);
        assertArea(postgis!.area_m2, geographicLibArea(hazard), 'PostGIS ST_Area(geography) of the stored hazard');
        assertArea(accounting.areaM2, postgis!.area_m2, 'accounting area against PostGIS ST_Area(geography)');
        assertArea(accounting.releasedM2.cleared, geographicLibArea(box(grid0, 0, 0, 2, 2)), 'cleared');
        assertArea(accounting.releasedM2.cancelled, geographicLibArea(box(grid0, 2, 0, 3, 2)), 'cancelled');
        assert.equal(accounting.releasedM2.reduced, 0);
        assertArea(accounting.remainingM2, geographicLibArea(box(grid0, 3, 0, 4, 2)), 'remaining');
        assert.ok(accounting.reconciliation.balanced, JSON.stringify(accounting.reconciliation));
        const overlap = accounting.flags.find((f) => f.code === 'overlap');
        assert.ok(overlap && overlap.code === 'overlap', 'the overlap is flagged');
        assert.deepEqual(new Set(overlap.productIds), new Set([cancelledId, clearedId]));
        assert.equal(overlap.countedFor, clearedId);
        assertArea(overlap.areaM2, geographicLibArea(box(grid0, 1, 0, 2, 2)), 'overlap');
        const cancelled = accounting.products.find((p) => p.productId === cancelledId)!;
        assertArea(cancelled.overlapM2, geographicLibArea(box(grid0, 1, 0, 2, 2)), 'cancelled product counted elsewhere');
        assert.equal(accounting.released, false);
        assert.equal(accounting.status, 'active');
      });

      test(`a product partly outside its hazard: only the inside counts, the outside is flagged (${place})`, async () => {
        const grid1 = at(1);
        const hazard = box(grid1, 0, 0, 2, 2);
        const hazardId = await createHazard(db, actors, hazard, { estimatedAreaM2: 50_000 });
        const activityId = await createActivity(db, actors, [hazardId]);
        const reducedId = await createProduct(db, actors, { activityId, hazardId, method: 'reduced', geometry: box(grid1, 1, 0, 3, 1), releaseDate: '2024-02-01' });

        const accounting = (await hazardAccounting(db, hazardId))!;
        assertArea(accounting.releasedM2.reduced, geographicLibArea(box(grid1, 1, 0, 2, 1)), 'reduced');
        // The remaining L shape, by hand: the column x 0–1 and the cell x 1–2, y 1–2.
        assertArea(accounting.remainingM2, geographicLibArea(box(grid1, 0, 0, 1, 2)) + geographicLibArea(box(grid1, 1, 1, 2, 2)), 'remaining');
        const outside = accounting.flags.find((f) => f.code === 'outside_hazard');
        assert.ok(outside && outside.code === 'outside_hazard');
        assert.equal(outside.productId, reducedId);
        assertArea(outside.areaM2, geographicLibArea(box(grid1, 2, 0, 3, 1)), 'outside part');
        assert.ok(accounting.reconciliation.balanced, JSON.stringify(accounting.reconciliation));
        assertArea(accounting.estimatedDifferenceM2! + accounting.areaM2, 50_000, 'estimate minus drawn area');
      });

      test(`a hazard released in three steps, with its release date and history (${place})`, async () => {
        const grid2 = at(2);
        const hazard = box(grid2, 0, 0, 3, 1);
        const hazardId = await createHazard(db, actors, hazard);
        const activityId = await createActivity(db, actors, [hazardId]);
        const steps = [
          { method: 'cancelled' as const, geometry: box(grid2, 0, 0, 1, 1), releaseDate: '2024-01-10' },
          { method: 'reduced' as const, geometry: box(grid2, 1, 0, 2, 1), releaseDate: '2024-02-10' },
          { method: 'cleared' as const, geometry: box(grid2, 2, 0, 3, 1), releaseDate: '2024-03-10' },
        ];
        const afterStep: Date[] = [];
        for (const [i, step] of steps.entries()) {
          await createProduct(db, actors, { activityId, hazardId, ...step });
          afterStep.push(new Date());
          const accounting = (await hazardAccounting(db, hazardId))!;
          const remainingByHand = i < 2 ? geographicLibArea(box(grid2, i + 1, 0, 3, 1)) : 0;
          if (i < 2) {
            assertArea(accounting.remainingM2, remainingByHand, `remaining after step ${i + 1}`);
            assert.equal(accounting.status, 'active');
          } else {
            assert.ok(accounting.remainingM2 < 0.01, `nothing remains: ${accounting.remainingM2} m²`);
            assert.equal(accounting.status, 'released');
            assert.equal(accounting.releaseDate, '2024-03-10');
            assert.equal(accounting.released, true);
          }
        }
        const final = (await hazardAccounting(db, hazardId))!;
        for (const [i, step] of steps.entries()) assertArea(final.releasedM2[step.method], geographicLibArea(box(grid2, i, 0, i + 1, 1)), step.method);
        assert.ok(final.reconciliation.balanced);

        const versions = await history(db, 'hazard', hazardId);
        assert.deepEqual(
          versions.map((v) => [v.version, v.data.status]),
          [
            [1, 'active'],
            [2, 'released'],
          ],
        );
        assert.match(versions[1]!.reason!, /Released on 2024-03-10/);
        assert.ok(versions[1]!.report, 'the release is recorded under the report of the last product');
        const before = await hazardsAsOf(db, afterStep[1]!, { limit: 1000, offset: 0 });
        assert.equal(before.find((h) => h.id === hazardId)?.payload.status, 'active');
        const now = await hazardsAsOf(db, new Date(), { limit: 1000, offset: 0 });
        assert.equal(now.find((h) => h.id === hazardId)?.payload.status, 'released');
      });
    });
  });
}
