/**
 * National casualty statistics: victims (killed, injured) and accidents by any groupings of
 * administrative area, period, sex, age group, victim group (civilian, military, deminer),
 * device category and activity at the time, with the national total, from one set-based query
 * (casualtiesStore.ts). Every grouping adds up to the same total.
 */
import { labels } from '../land/statisticsStore.ts';
import type { Queryable } from '../store/db.ts';
import { suppressSmallCounts } from './suppression.ts';
import { CASUALTY_DIMENSIONS, type CasualtyDimension, type CasualtyPeriod, casualtyCounts, casualtyStatisticsSql } from './casualtiesStore.ts';

export interface CasualtyOptions {
  groupings: readonly (readonly CasualtyDimension[])[];
  period: CasualtyPeriod;
  from?: string | null;
  to?: string | null;
}

type Label = { id: string; code: string | null; name: string } | null;

export interface CasualtyFigureRow {
  grouping: CasualtyDimension[];
  admin1?: Label;
  admin2?: Label;
  period?: string | null;
  sex?: string | null;
  ageGroup?: string | null;
  victimGroup?: string | null;
  deviceCategory?: string | null;
  activityAtTime?: string | null;
  victims: number;
  killed: number;
  injured: number;
  accidents: number;
}

/**
 * Parses groupings written as the API and CLI take them: sets separated by `;`, dimensions of a
 * set by `,` ("period;sex;admin1,ageGroup"); "none" or nothing is the national total alone.
 */
export function parseGroupings(text: string): CasualtyDimension[][] {
  if (text.trim() === '' || text.trim() === 'none') return [];
  return text.split(';').map((set) => {
    const parts = set.split(',').map((p) => p.trim()).filter(Boolean);
    const unknown = parts.filter((p) => !(CASUALTY_DIMENSIONS as readonly string[]).includes(p));
    if (unknown.length > 0) throw new Error(`unknown grouping ${unknown.join(', ')}; use ${CASUALTY_DIMENSIONS.join(', ')} (a set comma-separated, sets separated by ;) or none`);
    return [...new Set(parts)] as CasualtyDimension[];
  });
}

export async function casualtyStatistics(db: Queryable, options: CasualtyOptions) {
  const rows = await casualtyCounts(db, options);
  const areaIds = new Set<string>();
  for (const r of rows) for (const d of ['admin1', 'admin2'] as const) if (r.values[d]) areaIds.add(r.values[d]);
  const names = areaIds.size > 0 ? await labels(db, [...areaIds], []) : new Map<string, { code: string | null; name: string }>();
  const label = (id: string | null | undefined): Label => (id ? { id, ...(names.get(id) ?? { code: null, name: id }) } : null);
  const figures: CasualtyFigureRow[] = rows.map((r) => {
    const values: Partial<Record<CasualtyDimension, Label | string | null>> = {};
    for (const d of r.grouping) values[d] = d === 'admin1' || d === 'admin2' ? label(r.values[d]) : (r.values[d] ?? null);
    return { grouping: r.grouping, ...(values as Omit<CasualtyFigureRow, 'grouping' | 'victims' | 'killed' | 'injured' | 'accidents'>), victims: r.victims, killed: r.killed, injured: r.injured, accidents: r.accidents };
  });
  const national = figures.find((r) => r.grouping.length === 0);
  // Rows in the order the groupings were asked for, then by code or value, unrecorded values last.
  const setOrder = new Map(options.groupings.map((g, i) => [g.join(','), i] as const));
  const sortKey = (r: CasualtyFigureRow, d: CasualtyDimension) => {
    const v = r[d];
    return v === null || v === undefined ? null : typeof v === 'object' ? (v.code ?? v.name) : v;
  };
  const compare = (a: CasualtyFigureRow, b: CasualtyFigureRow) => {
    const bySet = (setOrder.get(a.grouping.join(',')) ?? 0) - (setOrder.get(b.grouping.join(',')) ?? 0);
    if (bySet !== 0) return bySet;
    for (const d of a.grouping) {
      const [x, y] = [sortKey(a, d), sortKey(b, d)];
      if (x === y) continue;
      if (x === null) return 1;
      if (y === null) return -1;
      return x < y ? -1 : 1;
    }
    return 0;
  };
  return {
    groupings: options.groupings,
    period: options.period,
    from: options.from ?? null,
    to: options.to ?? null,
    rows: figures.filter((r) => r.grouping.length > 0).sort(compare),
    total: { victims: national?.victims ?? 0, killed: national?.killed ?? 0, injured: national?.injured ?? 0, accidents: national?.accidents ?? 0 },
    /** The statement that produced every figure above ($1 = from, $2 = to), so any figure can be checked against the register. */
    query: casualtyStatisticsSql(options),
  };
}
export type CasualtyStatistics = Awaited<ReturnType<typeof casualtyStatistics>>;

function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * One table for spreadsheets: a row per figure, the columns of every dimension used, blank where a
 * row's grouping leaves it out; a withheld count (public figures) is written as `withheld`.
 */
export function casualtyCsv(stats: { rows: readonly ({ grouping: readonly string[] } & object)[]; total: Record<'victims' | 'killed' | 'injured' | 'accidents', SuppressedCount> }, withheld = 'withheld'): string {
  const used = CASUALTY_DIMENSIONS.filter((d) => stats.rows.some((r) => r.grouping.includes(d)));
  const columns = used.flatMap((d) => (d === 'admin1' || d === 'admin2' ? [`${d}_code`, `${d}_name`] : [d]));
  const lines = [['grouping', ...columns, 'victims', 'killed', 'injured', 'accidents'].join(',')];
  type Row = { grouping: readonly string[]; victims: number | null; killed: number | null; injured: number | null; accidents: number | null } & Record<string, unknown>;
  const line = (r: Row) =>
    [
      r.grouping.length > 0 ? r.grouping.join('+') : 'total',
      ...used.flatMap((d) => {
        const v = r[d];
        if (d === 'admin1' || d === 'admin2') return r.grouping.includes(d) ? [(v as Label)?.code ?? '', (v as Label)?.name ?? '(no area)'] : ['', ''];
        return [r.grouping.includes(d) ? ((v as string | null) ?? '(not recorded)') : ''];
      }),
      ...[r.victims, r.killed, r.injured, r.accidents].map((n) => n ?? withheld),
    ]
      .map((f) => csvField(f))
      .join(',');
  for (const r of stats.rows) lines.push(line(r as unknown as Row));
  lines.push(line({ grouping: [], ...stats.total }));
  return lines.join('\n') + '\n';
}

/** A figure of the public statistics: a withheld count is null (see suppression.ts). */
export type SuppressedCount = number | null;

/**
 * The statistics as they may leave the authority: each grouping is a partition adding up to the
 * national total, which is a partition of its own; a row's accidents are withheld with its victims.
 */
export function suppressCasualtyStatistics(stats: CasualtyStatistics, threshold: number) {
  const all = [...stats.rows, { grouping: [] as CasualtyDimension[], ...stats.total }];
  const suppressed = suppressSmallCounts(
    all.map((r) => ({ partition: r.grouping.join(','), counts: { victims: r.victims, killed: r.killed, injured: r.injured } })),
    { threshold, total: 'victims', parts: ['killed', 'injured'] },
  );
  const withCounts = all.map((r, i) => {
    const counts = suppressed[i]!.counts;
    return { ...r, victims: counts.victims, killed: counts.killed, injured: counts.injured, accidents: counts.victims === null ? null : r.accidents };
  });
  const total = withCounts.at(-1)!;
  return {
    ...stats,
    threshold,
    rows: withCounts.slice(0, -1),
    total: { victims: total.victims, killed: total.killed, injured: total.injured, accidents: total.accidents },
  };
}
export type PublicCasualtyStatistics = ReturnType<typeof suppressCasualtyStatistics>;
