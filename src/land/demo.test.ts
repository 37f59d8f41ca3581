import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../store/db.ts';
import { closeTestServer } from '../../test/support/store.ts';
import { testBackends } from '../../test/support/backends.ts';
import { hazardAccounting } from './accounting.ts';
import { landStatistics } from './statistics.ts';

/**
 * Regression: on PGlite, ST_Difference of a hazard and products that tile it exactly lost the
 * whole row without an error, so such hazards had no accounting and the national remaining area
 * was empty. The demo's released hazards are tiled exactly by their products.
 */
for (const backend of testBackends()) {
  describe(`land release of the demo dataset on ${backend.name}`, () => {
    let db: Db;
    before(async () => {
      db = await backend.openDemo();
    });
    after(() => closeTestServer({ db }));

    test('every hazard with products has an accounting that reconciles, released ones with nothing left', async () => {
      const hazards = await db.query<{ id: string; reference: string; status: string }>(
        'SELECT id, reference, status FROM hazard h WHERE EXISTS (SELECT 1 FROM release_product p WHERE p.hazard_id = h.id) ORDER BY reference LIMIT 60',
      );
      assert.ok(hazards.some((h) => h.status === 'released'));
      for (const hazard of hazards) {
        const accounting = await hazardAccounting(db, hazard.id);
        assert.ok(accounting, `${hazard.reference} has no accounting`);
        assert.ok(accounting.reconciliation.balanced, `${hazard.reference}: off by ${accounting.reconciliation.differenceM2} m²`);
        if (hazard.status === 'released') assert.ok(accounting.remainingM2 < 0.01, `${hazard.reference} is released but ${accounting.remainingM2} m² remain`);
      }
    });

    test('national remaining area covers every hazard that is not released', async () => {
      const statistics = await landStatistics(db, { by: ['admin1'], period: 'year' });
      const [row] = await db.query<{ n: number }>("SELECT count(*) AS n FROM hazard WHERE status <> 'released'");
      assert.ok(statistics.remaining.length > 0);
      assert.equal(statistics.totals.hazardsWithRemainingArea, row!.n);
      const summed = statistics.remaining.reduce((sum, r) => sum + r.areaM2, 0);
      assert.ok(Math.abs(summed - statistics.totals.remainingM2) < 0.01);
    });
  });
}
