/**
 * Dashboards: land released per month by method and remaining contamination by area (the land
 * statistics, public), the hazard register by status, and casualties (signed-in users only,
 * from the server's casualty statistics, which carry no identities).
 */
import { api, query } from '../api.ts';
import { useLoad } from '../data.ts';
import { areaIn, areaUnitLabel, formatArea, formatMonth, formatNumber, t } from '../i18n/index.ts';
import { METHOD_COLOURS } from '../map/layers.ts';
import { useSession } from '../session.ts';
import { HAZARD_STATUSES, type Hazard, type HazardStatus, RELEASE_METHODS, type ReleaseMethod } from '../types.ts';
import { Show, Table } from '../ui.tsx';
import { AGE_GROUPS, casualtyFigures, type CasualtyStatistics, DASHBOARD_GROUPINGS, SEXES, VICTIM_GROUPS } from './casualties.ts';
import { Bars, FiguresTable, StackedBars } from './charts.tsx';

interface LandStatistics {
  released: { period?: string; method: ReleaseMethod; areaM2: number; admin1?: { name: string } | null }[];
  remaining: { admin1?: { id: string; name: string } | null; areaM2: number; hazards: number }[];
  totals: { releasedM2: Record<ReleaseMethod, number>; remainingM2: number; hazardsWithRemainingArea: number };
}

/** Every month from the first to the last given (YYYY-MM), so a chart's axis runs evenly in time. */
function everyMonth(months: readonly string[]): string[] {
  const sorted = [...months].sort();
  const first = sorted[0];
  const last = sorted.at(-1);
  if (!first || !last) return [];
  const all: string[] = [];
  for (let [year, month] = first.split('-').map(Number) as [number, number]; `${year}-${String(month).padStart(2, '0')}` <= last; month === 12 ? ((year += 1), (month = 1)) : (month += 1)) {
    all.push(`${year}-${String(month).padStart(2, '0')}`);
  }
  return all;
}

function everyYear(years: readonly string[]): string[] {
  const numbers = years.map(Number);
  if (numbers.length === 0) return [];
  const all: string[] = [];
  for (let year = Math.min(...numbers); year <= Math.max(...numbers); year++) all.push(String(year));
  return all;
}

export function DashboardsPage() {
  const { actor } = useSession();
  const signedIn = actor.userId !== null;
  const [monthly] = useLoad(() => api.get<LandStatistics>('/api/statistics/land?by=none&period=month'), []);
  const [byArea] = useLoad(() => api.get<LandStatistics>('/api/statistics/land?by=admin1&period=none'), []);
  return (
    <section class="page dashboards">
      <h1>{t('dashboards.title')}</h1>
      <section aria-labelledby="released-per-month">
        <h2 id="released-per-month">{t('dashboards.releasedPerMonth')}</h2>
        <Show loaded={monthly}>
          {(stats) => {
            const months = everyMonth(stats.released.map((r) => r.period ?? '').filter(Boolean));
            const value = (month: string, method: string) => areaIn(stats.released.filter((r) => r.period === month && r.method === method).reduce((s, r) => s + r.areaM2, 0));
            return (
              <>
                <p>
                  {RELEASE_METHODS.map((m) => `${t(`method.${m}`)}: ${formatArea(stats.totals.releasedM2[m] ?? 0)}`).join(' · ')}
                </p>
                <StackedBars
                  label={t('dashboards.releasedPerMonth')}
                  categories={months}
                  series={RELEASE_METHODS.map((m) => ({ key: m, label: t(`method.${m}`), colour: METHOD_COLOURS[m] }))}
                  value={value}
                  unit={areaUnitLabel()}
                  categoryLabel={formatMonth}
                />
                <FiguresTable
                  caption={t('dashboards.releasedPerMonth')}
                  head={[t('dashboards.month'), ...RELEASE_METHODS.map((m) => `${t(`method.${m}`)} (${areaUnitLabel()})`)]}
                  rows={months.map((month) => [formatMonth(month), ...RELEASE_METHODS.map((m) => formatNumber(value(month, m), 2))])}
                />
              </>
            );
          }}
        </Show>
      </section>
      <section aria-labelledby="remaining-by-area">
        <h2 id="remaining-by-area">{t('dashboards.remainingByArea')}</h2>
        <Show loaded={byArea}>
          {(stats) =>
            stats.remaining.length === 0 ? (
              <p class="muted">{t('dashboards.noRemaining')}</p>
            ) : (
              <>
                <p>{t('dashboards.remainingTotal', { area: formatArea(stats.totals.remainingM2), count: stats.totals.hazardsWithRemainingArea })}</p>
                <Bars
                  label={t('dashboards.remainingByArea')}
                  unit={areaUnitLabel()}
                  digits={2}
                  rows={stats.remaining.map((r) => ({ key: r.admin1?.id ?? 'none', label: r.admin1?.name ?? t('dashboards.noArea'), value: areaIn(r.areaM2) }))}
                />
              </>
            )
          }
        </Show>
      </section>
      {signedIn ? <RegisterSummary /> : null}
      {signedIn ? <Casualties /> : <p class="muted">{t('dashboards.signInForMore')}</p>}
    </section>
  );
}

/** The register now, by status: how many hazards and how much land. */
function RegisterSummary() {
  const [register] = useLoad(() => api.get<{ hazards: Hazard[] }>('/api/hazards?limit=10000').then((a) => a.hazards), []);
  return (
    <section aria-labelledby="register-by-status">
      <h2 id="register-by-status">{t('dashboards.registerByStatus')}</h2>
      <Show loaded={register}>
        {(hazards) => {
          const some = (status: HazardStatus) => hazards.filter((h) => h.status === status);
          return (
            <Table
              class="figures"
              testId="register-by-status"
              rows={HAZARD_STATUSES}
              rowKey={(status) => status}
              columns={[
                { heading: t('field.status'), cell: (status) => t(`status.${status}`) },
                { heading: t('dashboards.hazards'), cell: (status) => formatNumber(some(status).length), testId: (status) => `hazards-${status}` },
                { heading: t('field.area'), cell: (status) => formatArea(some(status).reduce((s, h) => s + h.areaM2, 0)) },
              ]}
            />
          );
        }}
      </Show>
    </section>
  );
}

function Casualties() {
  const [statistics] = useLoad(() => api.get<CasualtyStatistics>(`/api/statistics/casualties${query({ by: DASHBOARD_GROUPINGS, period: 'year' })}`), []);
  const people = t('dashboards.people');
  return (
    <section aria-labelledby="casualties">
      <h2 id="casualties">{t('dashboards.casualties')}</h2>
      <Show loaded={statistics}>
        {(stats) => {
          const figures = casualtyFigures(stats);
          const years = everyYear([...figures.byYear.keys()]);
          return (
            <>
              <p>{t('dashboards.casualtiesTotal', { count: figures.total, accidents: figures.accidents })}</p>
              <h3>{t('dashboards.byYear')}</h3>
              <StackedBars
                label={t('dashboards.casualtiesByYear')}
                categories={years}
                series={[
                  { key: 'killed', label: t('outcome.killed'), colour: '#7f1d1d' },
                  { key: 'injured', label: t('outcome.injured'), colour: '#ea580c' },
                ]}
                value={(year, key) => figures.byYear.get(year)?.[key as 'killed' | 'injured'] ?? 0}
                unit={people}
                categoryLabel={(year) => year}
              />
              <div class="three-columns">
                <div>
                  <h3>{t('dashboards.bySex')}</h3>
                  <Bars label={t('dashboards.bySex')} unit={people} rows={SEXES.map((s) => ({ key: s, label: t(`sex.${s}`), value: figures.bySex.get(s) ?? 0 }))} />
                </div>
                <div>
                  <h3>{t('dashboards.byAgeGroup')}</h3>
                  <Bars label={t('dashboards.byAgeGroup')} unit={people} rows={AGE_GROUPS.map((a) => ({ key: a, label: t(`ageGroup.${a}`), value: figures.byAgeGroup.get(a) ?? 0 }))} />
                </div>
                <div>
                  <h3>{t('dashboards.byVictimGroup')}</h3>
                  <Bars label={t('dashboards.byVictimGroup')} unit={people} rows={VICTIM_GROUPS.map((g) => ({ key: g, label: t(`victimGroup.${g}`), value: figures.byVictimGroup.get(g) ?? 0 }))} />
                </div>
              </div>
            </>
          );
        }}
      </Show>
    </section>
  );
}
