/**
 * National progress for the public, without sign-in: remaining contamination, land released per
 * year by method, and casualties per year with small counts withheld (threshold: the national
 * setting `public_suppression_threshold`, default 5), as JSON, CSV and a printable page.
 */
import { landStatistics } from '../land/statistics.ts';
import { RELEASE_METHODS, type ReleaseMethod } from '../land/rules.ts';
import { escapeHtml as e } from '../records/report.ts';
import { type CasualtyDimension, suppressionThreshold } from '../statistics/casualtiesStore.ts';
import { casualtyStatistics, type PublicCasualtyStatistics, suppressCasualtyStatistics } from '../statistics/casualties.ts';
import { DEFAULT_SUPPRESSION_THRESHOLD } from '../statistics/suppression.ts';
import type { Queryable } from '../store/db.ts';

/** Public casualty figures: exact counts never leave; every grouping is suppressed as a partition of the national total. */
export async function publicCasualties(db: Queryable, groupings: readonly (readonly CasualtyDimension[])[]): Promise<PublicCasualtyStatistics> {
  const threshold = await suppressionThreshold(db, DEFAULT_SUPPRESSION_THRESHOLD);
  return suppressCasualtyStatistics(await casualtyStatistics(db, { groupings, period: 'year' }), threshold);
}

export async function nationalProgress(db: Queryable) {
  const byArea = await landStatistics(db, { by: ['admin1'], period: 'none' });
  const perYear = await landStatistics(db, { by: [], period: 'year' });
  const casualties = await publicCasualties(db, [['period']]);
  const years = new Map<string, Record<ReleaseMethod, number>>();
  for (const r of perYear.released) {
    const row = years.get(r.period ?? '') ?? { cancelled: 0, reduced: 0, cleared: 0 };
    row[r.method] += r.areaM2;
    years.set(r.period ?? '', row);
  }
  return {
    unit: 'm2' as const,
    remaining: {
      totalM2: byArea.totals.remainingM2,
      hazards: byArea.totals.hazardsWithRemainingArea,
      byAdmin1: byArea.remaining.map((r) => ({ admin1: r.admin1?.name ?? null, areaM2: r.areaM2, hazards: r.hazards })),
    },
    releasedPerYear: [...years].sort(([a], [b]) => (a < b ? -1 : 1)).map(([year, m]) => ({ year, ...m })),
    releasedTotalM2: perYear.totals.releasedM2,
    casualtiesPerYear: casualties.rows.map((r) => ({ year: r.period ?? null, killed: r.killed, injured: r.injured, victims: r.victims })),
    casualtiesTotal: casualties.total,
    suppression: { threshold: casualties.threshold, rule: `counts from 1 to ${casualties.threshold - 1} are withheld (null), with the cells they could be worked out from` },
    sources: {
      land: '/api/statistics/land?by=admin1&period=year',
      casualties: '/api/public/casualties?by=period&format=csv',
    },
  };
}
export type NationalProgress = Awaited<ReturnType<typeof nationalProgress>>;

const fmt = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });
const ha = (m2: number) => fmt.format(m2 / 10_000);
const count = (n: number | null, threshold: number) => (n === null ? `<span class="withheld" title="fewer than ${threshold}, withheld">&lt;${threshold}</span>` : fmt.format(n));

/** Bars of land released per year, stacked by method, as static SVG. */
function releasedChart(p: NationalProgress): string {
  const colours: Record<ReleaseMethod, string> = { cancelled: '#9ecae1', reduced: '#3182bd', cleared: '#31a354' };
  const max = Math.max(1, ...p.releasedPerYear.map((y) => RELEASE_METHODS.reduce((s, m) => s + y[m], 0)));
  const width = 24;
  const bars = p.releasedPerYear
    .map((y, i) => {
      let top = 200;
      const parts = RELEASE_METHODS.map((m) => {
        const h = (y[m] / max) * 180;
        top -= h;
        return `<rect x="${40 + i * (width + 6)}" y="${top.toFixed(1)}" width="${width}" height="${h.toFixed(1)}" fill="${colours[m]}"><title>${e(y.year)} ${m}: ${ha(y[m])} ha</title></rect>`;
      }).join('');
      return `${parts}<text x="${40 + i * (width + 6) + width / 2}" y="215" font-size="9" text-anchor="middle">${e(y.year.slice(2))}</text>`;
    })
    .join('');
  const legend = RELEASE_METHODS.map((m, i) => `<rect x="${40 + i * 90}" y="228" width="10" height="10" fill="${colours[m]}"/><text x="${54 + i * 90}" y="237" font-size="10">${m}</text>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${Math.max(300, 50 + p.releasedPerYear.length * (width + 6))} 245" width="100%" role="img" aria-label="Land released per year by method">
<text x="4" y="14" font-size="10">${ha(max)} ha</text><line x1="36" y1="200" x2="100%" y2="200" stroke="#999"/>${bars}${legend}</svg>`;
}

export function progressHtml(p: NationalProgress): string {
  const t = p.suppression.threshold;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Mine action: national progress</title>
<style>
body { font: 15px/1.5 system-ui, sans-serif; max-width: 60em; margin: 2em auto; padding: 0 1em; color: #111; }
h1 { font-size: 1.6em; } h2 { font-size: 1.2em; margin-top: 1.8em; border-bottom: 1px solid #ccc; }
.big { font-size: 2em; font-weight: bold; margin: 0.2em 0; } table { border-collapse: collapse; } td, th { border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; } .withheld { color: #666; } .note { color: #444; font-size: 0.9em; }
</style>
</head>
<body>
<h1>National progress in mine action</h1>
<p class="note">Aggregate figures from the national register, with no personal data. Areas in hectares (1 ha = 10,000 m²).</p>
<h2 id="remaining">Remaining contamination</h2>
<p class="big" data-figure="remaining-ha">${ha(p.remaining.totalM2)} ha</p>
<p>in ${fmt.format(p.remaining.hazards)} hazardous areas.</p>
<table><thead><tr><th scope="col">Region</th><th scope="col">Remaining (ha)</th><th scope="col">Hazardous areas</th></tr></thead><tbody>
${p.remaining.byAdmin1.map((r) => `<tr><th scope="row">${e(r.admin1 ?? '(no region)')}</th><td class="n">${ha(r.areaM2)}</td><td class="n">${fmt.format(r.hazards)}</td></tr>`).join('\n')}
</tbody></table>
<h2 id="released">Land released per year, by method</h2>
${releasedChart(p)}
<table><thead><tr><th scope="col">Year</th>${RELEASE_METHODS.map((m) => `<th scope="col">${m} (ha)</th>`).join('')}</tr></thead><tbody>
${p.releasedPerYear.map((y) => `<tr><th scope="row">${e(y.year)}</th>${RELEASE_METHODS.map((m) => `<td class="n">${ha(y[m])}</td>`).join('')}</tr>`).join('\n')}
</tbody></table>
<h2 id="casualties">Casualties per year</h2>
<p class="note">So that no victim can be singled out, counts below ${t} are withheld (shown as &lt;${t}), and so are the counts they could be worked out from.</p>
<table><thead><tr><th scope="col">Year</th><th scope="col">Killed</th><th scope="col">Injured</th><th scope="col">Casualties</th></tr></thead><tbody>
${p.casualtiesPerYear.map((r) => `<tr><th scope="row">${e(r.year ?? '')}</th><td class="n">${count(r.killed, t)}</td><td class="n">${count(r.injured, t)}</td><td class="n">${count(r.victims, t)}</td></tr>`).join('\n')}
<tr><th scope="row">All years</th><td class="n">${count(p.casualtiesTotal.killed, t)}</td><td class="n">${count(p.casualtiesTotal.injured, t)}</td><td class="n">${count(p.casualtiesTotal.victims, t)}</td></tr>
</tbody></table>
<h2 id="downloads">Open data</h2>
<ul>
<li><a href="/api/public/progress">These figures (JSON)</a></li>
<li><a href="/api/public/casualties?by=period&amp;format=csv">Casualties per year (CSV, small counts withheld)</a></li>
<li><a href="/api/public/casualties?by=period;sex;ageGroup;victimGroup;deviceCategory&amp;format=csv">Casualties by sex, age group, group and device (CSV, small counts withheld)</a></li>
<li><a href="/api/public/land?format=csv">Land released by region, year and method, and remaining (CSV)</a></li>
</ul>
</body>
</html>
`;
}
