/**
 * Maximum-cardinality bipartite matching (Hopcroft–Karp, O(E·√V)).
 *
 * Completeness asks how many recorded mines can each be paired with a distinct find within τ.
 * That is exactly the size of a maximum matching in the graph of (mine, find) pairs closer than
 * τ; a greedy nearest-first pairing can undercount it (one find taken by the wrong neighbour
 * leaves a mine unmatched), so the optimum is computed.
 */

/**
 * @param leftCount number of left vertices (e.g. recorded mines), 0..leftCount-1
 * @param rightCount number of right vertices (e.g. finds)
 * @param adjacency adjacency[l] lists the right vertices l may pair with
 * @returns matchOfLeft[l] = matched right vertex, or -1
 */
export function maximumMatching(leftCount: number, rightCount: number, adjacency: ReadonlyArray<readonly number[]>): Int32Array {
  const matchLeft = new Int32Array(leftCount).fill(-1);
  const matchRight = new Int32Array(rightCount).fill(-1);
  const layer = new Int32Array(leftCount);
  const INF = 0x7fffffff;

  const bfs = (): boolean => {
    const queue: number[] = [];
    for (let l = 0; l < leftCount; l++) {
      if (matchLeft[l] === -1) {
        layer[l] = 0;
        queue.push(l);
      } else layer[l] = INF;
    }
    let reachesFree = false;
    for (let q = 0; q < queue.length; q++) {
      const l = queue[q] as number;
      for (const r of adjacency[l] ?? []) {
        const next = matchRight[r] as number;
        if (next === -1) reachesFree = true;
        else if (layer[next] === INF) {
          layer[next] = (layer[l] as number) + 1;
          queue.push(next);
        }
      }
    }
    return reachesFree;
  };

  // Iterative DFS along the BFS layers, so long augmenting paths cannot overflow the stack.
  const augment = (start: number): boolean => {
    const stack = [start];
    const edge = [0];
    while (stack.length > 0) {
      const depth = stack.length - 1;
      const l = stack[depth] as number;
      const neighbours = adjacency[l] ?? [];
      const e = edge[depth] as number;
      if (e >= neighbours.length) {
        layer[l] = INF;
        stack.pop();
        edge.pop();
        continue;
      }
      edge[depth] = e + 1;
      const r = neighbours[e] as number;
      const next = matchRight[r] as number;
      if (next === -1) {
        for (let d = depth; d >= 0; d--) {
          const left = stack[d] as number;
          const right = (adjacency[left] ?? [])[(edge[d] as number) - 1] as number;
          matchLeft[left] = right;
          matchRight[right] = left;
        }
        return true;
      }
      if (layer[next] === (layer[l] as number) + 1) {
        stack.push(next);
        edge.push(0);
      }
    }
    return false;
  };

  while (bfs()) {
    for (let l = 0; l < leftCount; l++) if (matchLeft[l] === -1) augment(l);
  }
  return matchLeft;
}
