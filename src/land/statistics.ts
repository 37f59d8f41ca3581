/**
 * National land-release statistics: released area by method × administrative area × period ×
 * organisation, and remaining contamination by area. Every figure is a sum of the same
 * per-product pieces (store.ts), so any grouping adds up to the national total. The pieces are
 * stored (docs/land-release.md, "Stored pieces"); those of hazards changed since they were
 * computed are computed again first, so the figures are always those of the rows as they are.
 */
import type { Db, Queryable } from '../store/db.ts';
import { RELEASE_METHODS, type ReleaseMethod } from './rules.ts';
import { landPiecesStale, rebuildLandPieces, type RefreshResult, refreshStaleLandPieces } from './piecesStore.ts';
import { labels, type Period, releasedArea, remainingArea, type StatisticsDimension } from './statisticsStore.ts';

export interface StatisticsOptions {
  by: readonly StatisticsDimension[];
  period: Period;
  from?: string | null;
  to?: string | null;
}

type Label = { id: string; code: string | null; name: string } | null;

const isDb = (q: Queryable): q is Db => typeof (q as Partial<Db>).transaction === 'function';

/**
 * Brings the stored pieces up to date with the hazards and products: nothing to do (one cheap
 * check) after changes made through approvals, which refresh their hazards themselves; rows
 * loaded or changed outside the workflow (demo generator, bulk imports) are computed here. Given
 * a database, in a transaction of its own under the refresh lock; given a transaction, in it.
 */
export async function ensureLandPieces(q: Queryable): Promise<RefreshResult> {
  if (!(await landPiecesStale(q))) return { hazards: 0, pieces: 0, removed: 0 };
  return isDb(q) ? q.transaction((tx) => refreshStaleLandPieces(tx)) : refreshStaleLandPieces(q);
}

/** `safeground report land --refresh`: every stored piece thrown away and computed again. */
export async function rebuildLandStatistics(q: Queryable): Promise<RefreshResult> {
  return isDb(q) ? q.transaction((tx) => rebuildLandPieces(tx)) : rebuildLandPieces(q);
}

export async function landStatistics(tx: Queryable, options: StatisticsOptions) {
  await ensureLandPieces(tx);
  const released = await releasedArea(tx, options);
  const remaining = await remainingArea(tx, options);
  const areaIds = new Set<string>();
  const organisationIds = new Set<string>();
  for (const r of [...released, ...remaining]) {
    if (r.admin1Id) areaIds.add(r.admin1Id);
    if (r.admin2Id) areaIds.add(r.admin2Id);
  }
  for (const r of released) if (r.organisationId) organisationIds.add(r.organisationId);
  const names = await labels(tx, [...areaIds], [...organisationIds]);
  const label = (id: string | null): Label => (id ? { id, ...(names.get(id) ?? { code: null, name: id }) } : null);
  const dims = (r: { admin1Id: string | null; admin2Id: string | null; organisationId?: string | null }) => ({
    ...(options.by.includes('admin1') ? { admin1: label(r.admin1Id) } : {}),
    ...(options.by.includes('admin2') ? { admin2: label(r.admin2Id) } : {}),
    ...(options.by.includes('organisation') ? { organisation: label(r.organisationId ?? null) } : {}),
  });
  const totalReleased = Object.fromEntries(RELEASE_METHODS.map((m) => [m, 0])) as Record<ReleaseMethod, number>;
  for (const r of released) if (r.total) totalReleased[r.method] = r.areaM2;
  return {
    by: options.by,
    period: options.period,
    from: options.from ?? null,
    to: options.to ?? null,
    unit: 'm2' as const,
    released: released
      .filter((r) => !r.total)
      .map((r) => ({ ...dims(r), ...(options.period === 'none' ? {} : { period: r.period }), method: r.method, areaM2: r.areaM2, products: r.products })),
    remaining: remaining.filter((r) => !r.total).map((r) => ({ ...dims(r), areaM2: r.areaM2, hazards: r.hazards })),
    totals: {
      releasedM2: totalReleased,
      remainingM2: remaining.find((r) => r.total)?.areaM2 ?? 0,
      hazardsWithRemainingArea: remaining.find((r) => r.total)?.hazards ?? 0,
    },
  };
}
export type LandStatistics = Awaited<ReturnType<typeof landStatistics>>;

function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One table for spreadsheets: released rows by method, then remaining rows, then national totals. */
export function statisticsCsv(stats: LandStatistics): string {
  const areaColumns = stats.by.filter((d) => d !== 'organisation');
  const header = ['measure', 'method', ...areaColumns.flatMap((d) => [`${d}_code`, `${d}_name`]), 'period', 'organisation', 'area_m2'];
  const lines = [header.join(',')];
  type Row = { method?: string; period?: string | null; areaM2: number } & Partial<Record<StatisticsDimension, Label>>;
  const line = (measure: string, r: Row) =>
    [
      measure,
      r.method ?? '',
      ...areaColumns.flatMap((d) => [r[d]?.code ?? '', r[d]?.name ?? '']),
      r.period ?? '',
      r.organisation?.name ?? '',
      r.areaM2.toFixed(4),
    ]
      .map(csvField)
      .join(',');
  for (const r of stats.released) lines.push(line('released', r));
  for (const r of stats.remaining) lines.push(line('remaining', r));
  for (const method of RELEASE_METHODS) lines.push(line('released_total', { method, areaM2: stats.totals.releasedM2[method] }));
  lines.push(line('remaining_total', { areaM2: stats.totals.remainingM2 }));
  return lines.join('\n') + '\n';
}
