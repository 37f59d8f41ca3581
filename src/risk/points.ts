/**
 * Nearest-point distances and counts within a radius, for every cell of a grid, from a bucket
 * index of points. The database's nearest-neighbour search cannot skip the events dated after a
 * cut-off without visiting them, once per cell; a pass in memory over the events of the period,
 * bucketed by cell, does the same work in milliseconds.
 *
 * Distances are equirectangular about the two points' mean latitude on a sphere of the WGS84 mean
 * radius: within 0.5% of the geodesic distance at the few-kilometre scales these features use.
 */

export interface WeightedPoint {
  lon: number;
  lat: number;
  /** Events at this point. */
  count: number;
}

const EARTH_RADIUS_M = 6_371_008.8;
const RAD = Math.PI / 180;

export function approximateDistanceM(a: { lon: number; lat: number }, b: { lon: number; lat: number }): number {
  const x = (b.lon - a.lon) * RAD * Math.cos(((a.lat + b.lat) / 2) * RAD);
  const y = (b.lat - a.lat) * RAD;
  return EARTH_RADIUS_M * Math.hypot(x, y);
}

/** Points bucketed in cells of `bucketLon` × `bucketLat` degrees. */
export class PointIndex {
  private readonly buckets = new Map<number, WeightedPoint[]>();
  private readonly minBucketM: number;
  private readonly bounds = { minI: Infinity, maxI: -Infinity, minJ: Infinity, maxJ: -Infinity };

  constructor(
    points: readonly WeightedPoint[],
    private readonly bucketLon: number,
    private readonly bucketLat: number,
    /** Latitude farthest from the equator among the points and queries, for a safe search bound. */
    maxAbsLat: number,
  ) {
    for (const p of points) {
      const i = Math.floor(p.lon / bucketLon);
      const j = Math.floor(p.lat / bucketLat);
      this.bounds.minI = Math.min(this.bounds.minI, i);
      this.bounds.maxI = Math.max(this.bounds.maxI, i);
      this.bounds.minJ = Math.min(this.bounds.minJ, j);
      this.bounds.maxJ = Math.max(this.bounds.maxJ, j);
      const key = this.key(i, j);
      const bucket = this.buckets.get(key);
      if (bucket) bucket.push(p);
      else this.buckets.set(key, [p]);
    }
    this.minBucketM = Math.min(bucketLat * RAD * EARTH_RADIUS_M, bucketLon * RAD * EARTH_RADIUS_M * Math.cos(Math.min(maxAbsLat + 1, 89.9) * RAD));
  }

  get size(): number {
    return this.buckets.size;
  }

  /** Bucket numbers as one integer: exact for any grid finer than a millionth of the sphere. */
  private key(i: number, j: number): number {
    return (i + 2 ** 24) * 2 ** 25 + (j + 2 ** 24);
  }

  private *ring(ci: number, cj: number, r: number): Generator<WeightedPoint[]> {
    const cells: Array<[number, number]> = [];
    if (r === 0) cells.push([ci, cj]);
    else {
      for (let i = ci - r; i <= ci + r; i++) cells.push([i, cj - r], [i, cj + r]);
      for (let j = cj - r + 1; j <= cj + r - 1; j++) cells.push([ci - r, j], [ci + r, j]);
    }
    for (const [i, j] of cells) {
      const bucket = this.buckets.get(this.key(i, j));
      if (bucket) yield bucket;
    }
  }

  /**
   * Distance to the nearest point, searching ring by ring of buckets until no farther ring can
   * hold a nearer one; `farM` when none is within it.
   */
  nearestM(q: { lon: number; lat: number }, farM: number): number {
    if (this.buckets.size === 0) return farM;
    const ci = Math.floor(q.lon / this.bucketLon);
    const cj = Math.floor(q.lat / this.bucketLat);
    let best = farM;
    const { minI, maxI, minJ, maxJ } = this.bounds;
    const lastRing = Math.max(ci - minI, maxI - ci, cj - minJ, maxJ - cj);
    for (let r = 0; ; r++) {
      // Every point in ring r is at least (r − 1) bucket widths away; no ring beyond the last holds any.
      if ((r - 1) * this.minBucketM > best || r > lastRing) return best;
      for (const bucket of this.ring(ci, cj, r)) for (const p of bucket) best = Math.min(best, approximateDistanceM(q, p));
    }
  }

  /** Events (point counts) within each radius, in the order given. */
  countWithin(q: { lon: number; lat: number }, radiiM: readonly number[]): number[] {
    const maxR = Math.max(...radiiM);
    const reach = Math.ceil(maxR / this.minBucketM) + 1;
    const ci = Math.floor(q.lon / this.bucketLon);
    const cj = Math.floor(q.lat / this.bucketLat);
    const counts = radiiM.map(() => 0);
    for (let i = ci - reach; i <= ci + reach; i++) {
      for (let j = cj - reach; j <= cj + reach; j++) {
        const bucket = this.buckets.get(this.key(i, j));
        if (!bucket) continue;
        for (const p of bucket) {
          const d = approximateDistanceM(q, p);
          radiiM.forEach((r, k) => {
            if (d <= r) counts[k]! += p.count;
          });
        }
      }
    }
    return counts;
  }
}
