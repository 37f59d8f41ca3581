/**
 * Land-release accounting of one hazard (domain primer, "Land-release accounting"): PostGIS
 * cuts the shapes and measures them on the ellipsoid (store.ts); this turns those measures into
 * the figures, flags and reconciliation the authority reports.
 */
import type { Queryable } from '../store/db.ts';
import { isReleased, reconcile, RELEASE_TOLERANCE_M2, type ReleaseMethod, releaseDateOf } from './rules.ts';
import { type HazardAccountingFacts, hazardAccountingFacts } from './piecesStore.ts';

export type AccountingFlag =
  | { code: 'outside_hazard'; productId: string; areaM2: number; message: string }
  | { code: 'overlap'; productIds: [string, string]; countedFor: string; areaM2: number; message: string };

export function accountingOf(facts: HazardAccountingFacts) {
  const releasedM2: Record<ReleaseMethod, number> = { cleared: 0, reduced: 0, cancelled: 0 };
  for (const piece of facts.pieces) releasedM2[piece.method] += piece.countedM2;
  const reconciliation = reconcile(facts.areaM2, { ...releasedM2, remaining: facts.remainingM2 });
  const precedence = new Map(facts.pieces.map((p, i) => [p.productId, i]));
  const flags: AccountingFlag[] = [
    ...facts.pieces
      .filter((p) => p.outsideM2 >= RELEASE_TOLERANCE_M2)
      .map((p) => ({
        code: 'outside_hazard' as const,
        productId: p.productId,
        areaM2: p.outsideM2,
        message: `${p.outsideM2.toFixed(2)} m² of ${p.method} product ${p.productId} lie outside hazard ${facts.reference} and are not counted`,
      })),
    ...facts.overlaps
      .filter((o) => o.areaM2 >= RELEASE_TOLERANCE_M2)
      .map((o) => {
        const countedFor = (precedence.get(o.productId) ?? 0) <= (precedence.get(o.otherProductId) ?? 0) ? o.productId : o.otherProductId;
        return {
          code: 'overlap' as const,
          productIds: [o.productId, o.otherProductId] as [string, string],
          countedFor,
          areaM2: o.areaM2,
          message: `products ${o.productId} and ${o.otherProductId} overlap on ${o.areaM2.toFixed(2)} m² inside the hazard; counted once, for ${countedFor}`,
        };
      }),
  ];
  const released = facts.pieces.length > 0 && isReleased(facts.remainingM2);
  return {
    hazardId: facts.hazardId,
    reference: facts.reference,
    status: facts.status,
    releaseDate: facts.releaseDate,
    areaM2: facts.areaM2,
    estimatedAreaM2: facts.estimatedAreaM2,
    /** Stated estimate minus drawn area, where an estimate was stated. */
    estimatedDifferenceM2: facts.estimatedAreaM2 === null ? null : facts.estimatedAreaM2 - facts.areaM2,
    releasedM2,
    remainingM2: facts.remainingM2,
    remainingGeometry: facts.remainingGeometry,
    reconciliation,
    released,
    releaseDateFromProducts: released ? releaseDateOf(facts.pieces.map((p) => p.releaseDate)) : null,
    products: facts.pieces,
    flags,
  };
}
export type HazardAccounting = ReturnType<typeof accountingOf>;

export async function hazardAccounting(tx: Queryable, hazardId: string): Promise<HazardAccounting | null> {
  const facts = await hazardAccountingFacts(tx, hazardId);
  return facts ? accountingOf(facts) : null;
}
