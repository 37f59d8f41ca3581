/**
 * Small-count suppression for figures that leave the authority (the public page and its
 * downloads): no published cell may let a reader single out a victim. Counts from 1 to
 * threshold − 1 are withheld (primary suppression), and so are the cells from which a withheld
 * one could be worked out by subtraction (secondary suppression):
 * - within a row, the parts add up to the row's total (killed + injured = victims): a withheld
 *   total withholds the whole row, and a part withheld alone beside a shown total withholds the
 *   smallest other part too;
 * - within a partition (the rows of one grouping, which add up to a published total): a cell
 *   withheld alone in its column withholds the smallest other cell of that column too.
 * Zeros are published: an empty cell singles out no one.
 */
export const DEFAULT_SUPPRESSION_THRESHOLD = 5;

export interface CountRow<M extends string> {
  /** Rows with the same partition add up to one published total (one grouping of the figures). */
  partition: string;
  counts: Record<M, number>;
}

export interface SuppressedRow<M extends string> {
  partition: string;
  /** A withheld count is null. */
  counts: Record<M, number | null>;
}

export interface SuppressionRule<M extends string> {
  threshold: number;
  /** The measure that is the sum of the parts (victims). */
  total: M;
  /** The measures that add up to it (killed, injured). */
  parts: readonly M[];
}

/**
 * @example suppressSmallCounts([{ partition: 'year', counts: { victims: 3, killed: 1, injured: 2 } }, ...],
 *            { threshold: 5, total: 'victims', parts: ['killed', 'injured'] })
 */
export function suppressSmallCounts<M extends string>(rows: readonly CountRow<M>[], rule: SuppressionRule<M>): SuppressedRow<M>[] {
  if (!Number.isInteger(rule.threshold) || rule.threshold < 1) throw new Error(`Unexpected suppression threshold: ${rule.threshold} (want a whole number, 1 or more)`);
  const measures = [rule.total, ...rule.parts];
  const withheld = rows.map((r) => new Set<M>(measures.filter((m) => r.counts[m] > 0 && r.counts[m] < rule.threshold)));
  const smallestShown = (candidates: { index: number; measure: M }[]) =>
    candidates.filter((c) => !withheld[c.index]!.has(c.measure)).sort((a, b) => rows[a.index]!.counts[a.measure] - rows[b.index]!.counts[b.measure])[0];
  const partitions = new Map<string, number[]>();
  rows.forEach((r, i) => partitions.set(r.partition, [...(partitions.get(r.partition) ?? []), i]));
  // One secondary cell at a time, the row rule before the partition rule, until nothing changes: which cell is
  // withheld next depends on what is withheld already, so the order is fixed and the result deterministic.
  const nextSecondary = (): { index: number; measure: M } | undefined => {
    for (let i = 0; i < rows.length; i++) {
      const cells = withheld[i]!;
      if (cells.has(rule.total)) {
        const part = rule.parts.find((m) => !cells.has(m));
        if (part) return { index: i, measure: part };
      } else if (rule.parts.filter((m) => cells.has(m)).length === 1) {
        const other = smallestShown(rule.parts.map((measure) => ({ index: i, measure })));
        if (other) return other;
      }
    }
    for (const indices of partitions.values()) {
      for (const measure of measures) {
        if (indices.filter((i) => withheld[i]!.has(measure)).length !== 1) continue;
        const other = smallestShown(indices.map((index) => ({ index, measure })));
        if (other) return other;
      }
    }
    return undefined;
  };
  for (let next = nextSecondary(); next; next = nextSecondary()) withheld[next.index]!.add(next.measure);
  return rows.map((r, i) => ({
    partition: r.partition,
    counts: Object.fromEntries(Object.entries(r.counts).map(([m, n]) => [m, withheld[i]!.has(m as M) ? null : n])) as Record<M, number | null>,
  }));
}
