/**
 * Explosive ordnance finds, generated as a stream: a national dataset has over a million, so
 * they are drawn record by record and product by product from derived random streams and never
 * held in memory together.
 */
import { MODELS_BY_CONTAMINATION, ordnanceModel } from './catalogue.ts';
import { isoDate, timestamp } from './dates.ts';
import { add, ewktPoint, pointInConvexRing, ringArea, scale, unitFromAzimuth, type LonLat, type Vec } from './geometry.ts';
import type { Contamination, HazardPlan } from './land.ts';
import { recordFinds, type RecordPlan } from './minefields.ts';
import type { Random } from './randomStreams.ts';
import type { ActivityPlan, ProductPlan } from './release.ts';

export const FIND_COLUMNS = [
  'id', 'external_id', 'activity_id', 'category', 'ordnance_model_id', 'quantity', 'geom', 'depth_cm', 'condition', 'disposal_method',
  'found_on', 'source', 'created_at', 'updated_at',
] as const;

/** How often each contamination type shows up among a hazard's finds. */
const CONTAMINATION_WEIGHT: Record<Contamination, number> = { ap_mine: 5, at_mine: 1, erw_uxo: 3, cluster_munition: 2, ied: 1 };

/** A random point in one of the rings, picked by area (rings are convex). */
function pointIn(rng: Random, rings: readonly Vec[][]): Vec {
  const ring = rng.weighted(rings.map((r) => [r, ringArea(r)] as const));
  const xs = ring.map((p) => p[0]);
  const ys = ring.map((p) => p[1]);
  for (;;) {
    const p: Vec = [rng.between(Math.min(...xs), Math.max(...xs)), rng.between(Math.min(...ys), Math.max(...ys))];
    if (pointInConvexRing(ring, p)) return p;
  }
}

/**
 * Finds outside any minefield record, inside one cleared product: mines in small clusters (the
 * way nuisance mines and scattered PFM-1 lie), other ordnance spread out. In record hazards only
 * unexploded ordnance is scattered; their mines come from the record's truth.
 */
export function* scatteredFinds(rng: Random, product: ProductPlan, hazard: HazardPlan): Generator<{ position: LonLat; model: string }> {
  const contamination: Contamination[] = hazard.recordIndex === null ? hazard.contamination : ['erw_uxo'];
  const clusterCount = Math.max(1, Math.round(product.scatteredFinds / 10));
  const clusters = Array.from({ length: clusterCount }, () => pointIn(rng, product.parts));
  for (let i = 0; i < product.scatteredFinds; i++) {
    const kind = rng.weighted(contamination.map((c) => [c, CONTAMINATION_WEIGHT[c]] as const));
    const model = rng.weighted(MODELS_BY_CONTAMINATION[kind] ?? []);
    let position: Vec;
    if (kind === 'ap_mine' || kind === 'at_mine') {
      const centre = rng.pick(clusters);
      position = centre;
      for (let attempt = 0; attempt < 8; attempt++) {
        const candidate = add(centre, scale(unitFromAzimuth(rng.between(0, 360)), rng.halfNormal(8)));
        if (product.parts.some((ring) => pointInConvexRing(ring, candidate))) {
          position = candidate;
          break;
        }
      }
    } else {
      position = pointIn(rng, product.parts);
    }
    yield { position: hazard.frame.toLonLat(position), model };
  }
}

export function countRecordFinds(rng: Random, plan: RecordPlan): number {
  let n = 0;
  for (const _ of recordFinds(plan, rng)) n++;
  return n;
}

/** Turns find positions into rows, drawing the details from `rng` and numbering from `serial`. */
export function* findRows(
  rng: Random,
  finds: Iterable<{ position: LonLat; model: string }>,
  activity: ActivityPlan,
  modelIds: ReadonlyMap<string, string>,
  serial: { next: number },
  source: string,
): Generator<unknown[]> {
  const start = activity.startDay as number;
  const end = activity.endDay as number;
  for (const { position, model } of finds) {
    const m = ordnanceModel(model);
    const foundOn = rng.int(start, end);
    const condition = rng.weighted([['armed', 55], ['unarmed', 5], ['damaged', 10], ['deteriorated', 25], ['unknown', 5]] as const);
    const disposal = m.category === 'axo' ? 'removed_and_destroyed' : rng.weighted([['destroyed_in_situ', 70], ['removed_and_destroyed', 25], ['rendered_safe', 5]] as const);
    yield [
      rng.uuid(),
      `DEMO-F-${String(serial.next++).padStart(7, '0')}`,
      activity.id,
      m.category,
      modelIds.get(model) ?? null,
      m.category === 'axo' ? rng.int(5, 60) : 1,
      ewktPoint(position),
      rng.int(m.depthCm[0], m.depthCm[1]),
      condition,
      disposal,
      isoDate(foundOn),
      source,
      timestamp(foundOn, 17),
      timestamp(foundOn, 17),
    ];
  }
}
