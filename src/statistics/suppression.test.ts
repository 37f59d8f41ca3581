import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SUPPRESSION_THRESHOLD, suppressSmallCounts } from './suppression.ts';

const rule = { threshold: DEFAULT_SUPPRESSION_THRESHOLD, total: 'victims', parts: ['killed', 'injured'] } as const;
const row = (partition: string, victims: number, killed: number, injured: number) => ({ partition, counts: { victims, killed, injured } });

test('a small count is withheld, with the cells it could be worked out from (threshold 5, counted by hand)', () => {
  // 2023 is small (3 = 1 + 2): withheld. Alone in its column it could be had as the national total minus 2024 and 2025,
  // so the smallest other year (2025, 8) is withheld too, and with its total its parts. 2024 stays.
  const out = suppressSmallCounts([row('year', 3, 1, 2), row('year', 12, 7, 5), row('year', 8, 0, 8)], rule);
  assert.deepEqual(
    out.map((r) => r.counts),
    [
      { victims: null, killed: null, injured: null },
      { victims: 12, killed: 7, injured: 5 },
      { victims: null, killed: null, injured: null },
    ],
  );
});

test('a small part beside a published total withholds the other part, which would give it away', () => {
  const [national] = suppressSmallCounts([row('total', 20, 3, 17)], rule);
  assert.deepEqual(national!.counts, { victims: 20, killed: null, injured: null });
});

test('zeros and counts at the threshold are published; partitions are independent', () => {
  const out = suppressSmallCounts([row('sex', 5, 0, 5), row('sex', 9, 4, 5), row('year', 14, 4, 10), row('year', 0, 0, 0)], rule);
  // sex: 9 = 4 + 5 has killed 4 withheld; the row rule withholds injured 5 too, and the killed column (4 alone
  // withheld) takes the 0 of the other row: a withheld 4 beside a published 0 and a published total of 4 would be plain.
  assert.deepEqual(out[0]!.counts, { victims: 5, killed: null, injured: null });
  assert.deepEqual(out[1]!.counts, { victims: 9, killed: null, injured: null });
  // year: 14 = 4 + 10, killed 4 withheld and injured with it; the other year is all zeros, withheld as the only other cell.
  assert.deepEqual(out[2]!.counts, { victims: 14, killed: null, injured: null });
  assert.deepEqual(out[3]!.counts, { victims: 0, killed: null, injured: null });
});

test('threshold 1 withholds nothing; a threshold below 1 is refused by name', () => {
  const rows = [row('year', 1, 1, 0), row('year', 2, 0, 2)];
  assert.deepEqual(suppressSmallCounts(rows, { ...rule, threshold: 1 }).map((r) => r.counts), rows.map((r) => r.counts));
  assert.throws(() => suppressSmallCounts(rows, { ...rule, threshold: 0 }), /Unexpected suppression threshold: 0/);
});
