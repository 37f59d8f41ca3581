/**
 * A static packed R-tree over axis-aligned boxes (sort-tile-recursive order), so that a search
 * for the boxes overlapping one box touches O(log n) nodes instead of every box. It is what
 * flatbush does, in the few lines the polygon checks need.
 */
export class BoxIndex {
  /** minX, minY, maxX, maxY of each entry: the n items in packed order, then the nodes level by level. */
  private readonly boxes: Float64Array;
  /** For an item, its index as given; for a node, its first child entry. */
  private readonly first: Uint32Array;
  /** For a node, one past its last child entry. */
  private readonly end: Uint32Array;
  private readonly items: number;

  /** `input` holds minX, minY, maxX, maxY of each box in turn. */
  constructor(input: Float64Array, nodeSize = 16) {
    const n = input.length / 4;
    if (!Number.isInteger(n) || n === 0) throw new Error(`Unexpected box count: ${input.length / 4}`);
    this.items = n;
    let total = n;
    for (let count = n; count > 1; ) {
      count = Math.ceil(count / nodeSize);
      total += count;
    }
    this.boxes = new Float64Array(total * 4);
    this.first = new Uint32Array(total);
    this.end = new Uint32Array(total);

    const cx = (i: number) => input[4 * i]! + input[4 * i + 2]!;
    const cy = (i: number) => input[4 * i + 1]! + input[4 * i + 3]!;
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => cx(a) - cx(b));
    const slice = Math.ceil(Math.sqrt(Math.ceil(n / nodeSize))) * nodeSize;
    for (let s = 0; s < n; s += slice) {
      const sorted = order.slice(s, s + slice).sort((a, b) => cy(a) - cy(b));
      for (let k = 0; k < sorted.length; k++) order[s + k] = sorted[k]!;
    }
    order.forEach((i, entry) => {
      this.boxes.set(input.subarray(4 * i, 4 * i + 4), 4 * entry);
      this.first[entry] = i;
    });

    let levelStart = 0;
    let levelEnd = n;
    let next = n;
    while (levelEnd - levelStart > 1) {
      for (let child = levelStart; child < levelEnd; child += nodeSize) {
        const last = Math.min(child + nodeSize, levelEnd);
        let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
        for (let c = child; c < last; c++) {
          minX = Math.min(minX, this.boxes[4 * c]!);
          minY = Math.min(minY, this.boxes[4 * c + 1]!);
          maxX = Math.max(maxX, this.boxes[4 * c + 2]!);
          maxY = Math.max(maxY, this.boxes[4 * c + 3]!);
        }
        this.boxes.set([minX, minY, maxX, maxY], 4 * next);
        this.first[next] = child;
        this.end[next] = last;
        next++;
      }
      levelStart = levelEnd;
      levelEnd = next;
    }
  }

  /** Calls `visit` with the index (as given) of every box that overlaps or touches the one asked for. */
  search(minX: number, minY: number, maxX: number, maxY: number, visit: (index: number) => void): void {
    const overlaps = (e: number) => this.boxes[4 * e]! <= maxX && this.boxes[4 * e + 1]! <= maxY && this.boxes[4 * e + 2]! >= minX && this.boxes[4 * e + 3]! >= minY;
    const root = this.boxes.length / 4 - 1;
    if (!overlaps(root)) return;
    if (root < this.items) {
      visit(this.first[root]!);
      return;
    }
    const stack = [root];
    while (stack.length > 0) {
      const node = stack.pop()!;
      for (let e = this.first[node]!; e < this.end[node]!; e++) {
        if (!overlaps(e)) continue;
        if (e < this.items) visit(this.first[e]!);
        else stack.push(e);
      }
    }
  }
}
