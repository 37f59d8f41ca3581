/**
 * A static uniform-grid index over points and line segments in the local plane, so that the
 * audit's nearest-feature searches touch a handful of cells instead of every feature
 * (flatbush/kdbush would do, but a grid is enough when features are metres apart and queries
 * are bounded by a tolerance).
 *
 * Segments are cut into pieces no longer than a cell and filed under the cell of each piece's
 * midpoint; searches widen by half a piece to stay exact.
 */
import type { PlanePoint } from '../geodesy/localPlane.ts';

export interface NearestHit {
  /** The id given when the feature was added. */
  id: number;
  distance: number;
  /** The closest point of the feature. */
  x: number;
  y: number;
}

export interface GridIndexInput {
  points?: ReadonlyArray<PlanePoint & { id: number }>;
  segments?: ReadonlyArray<{ a: PlanePoint; b: PlanePoint; id: number }>;
}

export class GridIndex {
  private readonly ax: Float64Array;
  private readonly ay: Float64Array;
  private readonly bx: Float64Array;
  private readonly by: Float64Array;
  private readonly ids: Int32Array;
  private readonly cellStart: Int32Array;
  private readonly cellItems: Int32Array;
  private readonly minX: number;
  private readonly minY: number;
  private readonly columns: number;
  private readonly rows: number;
  private readonly slack: number;
  private readonly reach: number;
  readonly size: number;

  /**
   * @param cellSize metres; about the usual query radius works best
   * @param reach the largest distance queries will ask for: the grid covers the features plus this
   */
  constructor(input: GridIndexInput, readonly cellSize: number, reach: number) {
    if (!(cellSize > 0)) throw new Error(`GridIndex: cellSize must be > 0, got ${cellSize}`);
    const pieces: Array<[number, number, number, number, number]> = [];
    for (const p of input.points ?? []) pieces.push([p.x, p.y, p.x, p.y, p.id]);
    let slack = 0;
    for (const s of input.segments ?? []) {
      const length = Math.hypot(s.b.x - s.a.x, s.b.y - s.a.y);
      const n = Math.max(1, Math.ceil(length / cellSize));
      for (let k = 0; k < n; k++) {
        const t0 = k / n;
        const t1 = (k + 1) / n;
        pieces.push([s.a.x + (s.b.x - s.a.x) * t0, s.a.y + (s.b.y - s.a.y) * t0, s.a.x + (s.b.x - s.a.x) * t1, s.a.y + (s.b.y - s.a.y) * t1, s.id]);
      }
      slack = Math.max(slack, length / n / 2);
    }
    this.slack = slack;
    this.reach = reach;
    this.size = pieces.length;
    this.ax = new Float64Array(pieces.map((p) => p[0]));
    this.ay = new Float64Array(pieces.map((p) => p[1]));
    this.bx = new Float64Array(pieces.map((p) => p[2]));
    this.by = new Float64Array(pieces.map((p) => p[3]));
    this.ids = new Int32Array(pieces.map((p) => p[4]));

    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    for (let i = 0; i < this.size; i++) {
      const mx = ((this.ax[i] as number) + (this.bx[i] as number)) / 2;
      const my = ((this.ay[i] as number) + (this.by[i] as number)) / 2;
      minX = Math.min(minX, mx);
      minY = Math.min(minY, my);
      maxX = Math.max(maxX, mx);
      maxY = Math.max(maxY, my);
    }
    if (this.size === 0) minX = minY = maxX = maxY = 0;
    const margin = reach + slack + cellSize;
    this.minX = minX - margin;
    this.minY = minY - margin;
    this.columns = Math.max(1, Math.ceil((maxX - minX + 2 * margin) / cellSize));
    this.rows = Math.max(1, Math.ceil((maxY - minY + 2 * margin) / cellSize));
    if (this.columns * this.rows > 50_000_000) {
      throw new Error(`GridIndex: ${this.columns}×${this.rows} cells at ${cellSize} m is too large; features span too wide an area for this cell size`);
    }

    const cellOf = new Int32Array(this.size);
    const counts = new Int32Array(this.columns * this.rows + 1);
    for (let i = 0; i < this.size; i++) {
      const c = this.cellIndex(((this.ax[i] as number) + (this.bx[i] as number)) / 2, ((this.ay[i] as number) + (this.by[i] as number)) / 2);
      cellOf[i] = c;
      counts[c + 1] = (counts[c + 1] as number) + 1;
    }
    for (let c = 0; c < this.columns * this.rows; c++) counts[c + 1] = (counts[c + 1] as number) + (counts[c] as number);
    this.cellStart = counts;
    this.cellItems = new Int32Array(this.size);
    const fill = counts.slice(0, -1);
    for (let i = 0; i < this.size; i++) {
      const c = cellOf[i] as number;
      this.cellItems[fill[c] as number] = i;
      fill[c] = (fill[c] as number) + 1;
    }
  }

  private cellIndex(x: number, y: number): number {
    const cx = Math.min(this.columns - 1, Math.max(0, Math.floor((x - this.minX) / this.cellSize)));
    const cy = Math.min(this.rows - 1, Math.max(0, Math.floor((y - this.minY) / this.cellSize)));
    return cy * this.columns + cx;
  }

  /** The nearest feature within `maxDistance`, or null. */
  nearest(x: number, y: number, maxDistance: number): NearestHit | null {
    return this.search(x, y, maxDistance) ? { id: this.ids[this.hit] as number, distance: this.best, x: this.hitX, y: this.hitY } : null;
  }

  /** Distance to the nearest feature within `maxDistance`, else Infinity; allocates nothing, for the audit's hot loops. */
  nearestDistance(x: number, y: number, maxDistance: number): number {
    return this.search(x, y, maxDistance) ? this.best : Infinity;
  }

  private search(x: number, y: number, maxDistance: number): boolean {
    const cx = Math.floor((x - this.minX) / this.cellSize);
    const cy = Math.floor((y - this.minY) / this.cellSize);
    // The grid extends `reach` beyond every feature: a query off the grid has nothing that close.
    if (maxDistance <= this.reach && (cx < 0 || cy < 0 || cx >= this.columns || cy >= this.rows)) return false;
    this.best = maxDistance;
    this.hit = -1;
    const r = maxDistance + this.slack;
    if (r <= 2 * this.cellSize) {
      // A short search: the cells under the search square are few, scan them all.
      const x0 = Math.max(0, Math.floor((x - r - this.minX) / this.cellSize));
      const x1 = Math.min(this.columns - 1, Math.floor((x + r - this.minX) / this.cellSize));
      const y0 = Math.max(0, Math.floor((y - r - this.minY) / this.cellSize));
      const y1 = Math.min(this.rows - 1, Math.floor((y + r - this.minY) / this.cellSize));
      for (let gy = y0; gy <= y1; gy++) for (let gx = x0; gx <= x1; gx++) this.scanCell(gy * this.columns + gx, x, y);
    } else {
      // A long search: widen ring by ring and stop once no farther ring can hold anything closer.
      const lastRing = Math.floor(r / this.cellSize) + 1;
      for (let ring = 0; ring <= lastRing; ring++) {
        // Anything filed in ring `ring` lies at least (ring - 1) cells from the query, less the slack.
        if ((ring - 1) * this.cellSize - this.slack > this.best) break;
        for (let gy = cy - ring; gy <= cy + ring; gy++) {
          if (gy < 0 || gy >= this.rows) continue;
          const step = gy === cy - ring || gy === cy + ring ? 1 : 2 * ring;
          for (let gx = cx - ring; gx <= cx + ring; gx += step) {
            if (gx >= 0 && gx < this.columns) this.scanCell(gy * this.columns + gx, x, y);
          }
        }
      }
    }
    return this.hit >= 0;
  }

  // Scratch state of the running `nearest` search (kept on the instance to avoid a closure per query).
  private best = 0;
  private hit = -1;
  private hitX = 0;
  private hitY = 0;

  private scanCell(c: number, x: number, y: number): void {
    for (let k = this.cellStart[c] as number; k < (this.cellStart[c + 1] as number); k++) {
      const i = this.cellItems[k] as number;
      const t = this.closestT(i, x, y);
      const px = (this.ax[i] as number) + t * ((this.bx[i] as number) - (this.ax[i] as number));
      const py = (this.ay[i] as number) + t * ((this.by[i] as number) - (this.ay[i] as number));
      const d2 = (x - px) * (x - px) + (y - py) * (y - py);
      if (d2 <= this.best * this.best) {
        this.best = Math.sqrt(d2);
        this.hit = i;
        this.hitX = px;
        this.hitY = py;
      }
    }
  }

  /** Calls `visit` for every feature piece within `radius` (a segment may be visited once per piece). */
  within(x: number, y: number, radius: number, visit: (id: number, distance: number, px: number, py: number) => void): void {
    const r = radius + this.slack;
    const x0 = Math.max(0, Math.floor((x - r - this.minX) / this.cellSize));
    const x1 = Math.min(this.columns - 1, Math.floor((x + r - this.minX) / this.cellSize));
    const y0 = Math.max(0, Math.floor((y - r - this.minY) / this.cellSize));
    const y1 = Math.min(this.rows - 1, Math.floor((y + r - this.minY) / this.cellSize));
    for (let gy = y0; gy <= y1; gy++) {
      for (let gx = x0; gx <= x1; gx++) {
        const c = gy * this.columns + gx;
        for (let k = this.cellStart[c] as number; k < (this.cellStart[c + 1] as number); k++) {
          const i = this.cellItems[k] as number;
          const t = this.closestT(i, x, y);
          const px = (this.ax[i] as number) + t * ((this.bx[i] as number) - (this.ax[i] as number));
          const py = (this.ay[i] as number) + t * ((this.by[i] as number) - (this.ay[i] as number));
          const d = Math.sqrt((x - px) * (x - px) + (y - py) * (y - py));
          if (d <= radius) visit(this.ids[i] as number, d, px, py);
        }
      }
    }
  }

  /** Position (0..1) along piece i of the point closest to (x, y); 0 for a point feature. */
  private closestT(i: number, x: number, y: number): number {
    const ax = this.ax[i] as number;
    const ay = this.ay[i] as number;
    const dx = (this.bx[i] as number) - ax;
    const dy = (this.by[i] as number) - ay;
    const len2 = dx * dx + dy * dy;
    return len2 === 0 ? 0 : Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / len2));
  }
}
