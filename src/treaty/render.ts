/**
 * A treaty report as a printable HTML page (self-contained: no script, font or image is fetched,
 * so it passes a strict Content-Security-Policy and can be archived or mailed as is) and as an
 * XLSX workbook (one sheet per table, the source of each table on its sheet).
 */
import ExcelJS from 'exceljs';
import { escapeHtml as e } from '../records/report.ts';
import type { Cell, TreatyReport, TreatyTable } from './report.ts';

const numberFormat = new Intl.NumberFormat('en', { maximumFractionDigits: 2 });
const cellHtml = (c: Cell) => (c === null ? '–' : typeof c === 'number' ? numberFormat.format(c) : e(c));

function tableHtml(t: TreatyTable): string {
  const last = t.rows.at(-1);
  const hasTotal = typeof last?.[0] === 'string' && last[0] === 'Total';
  return `<section id="${e(t.id)}">
<h2>${e(t.title)}</h2>
${t.note ? `<p class="note">${e(t.note)}</p>` : ''}
<table>
<thead><tr>${t.columns.map((c) => `<th scope="col">${e(c)}</th>`).join('')}</tr></thead>
<tbody>
${t.rows.map((r, i) => `<tr${hasTotal && i === t.rows.length - 1 ? ' class="total"' : ''}>${r.map((c, j) => (j === 0 ? `<th scope="row">${cellHtml(c)}</th>` : `<td class="n">${cellHtml(c)}</td>`)).join('')}</tr>`).join('\n')}
</tbody>
</table>
<details class="source"><summary>How these figures were produced</summary>
${t.source.api ? `<p>API: <code>${e(t.source.api)}</code></p>` : ''}
${t.source.cli ? `<p>Command: <code>${e(t.source.cli)}</code></p>` : ''}
${t.source.sql ? `<pre>${e(t.source.sql)}</pre>` : ''}
</details>
</section>`;
}

/** The hazardous areas with land remaining (red) over the level-1 areas, in degrees scaled by the cosine of the latitude. */
function mapSvg(report: TreatyReport): string {
  const { extent, outlines } = report.map;
  if (!extent) return '<p class="note">No hazardous areas are recorded, so there is no map.</p>';
  const [xmin, ymin, xmax, ymax] = extent;
  const k = Math.cos((((ymin + ymax) / 2) * Math.PI) / 180);
  const pad = Math.max(xmax - xmin, ymax - ymin) * 0.03;
  const viewBox = [(xmin - pad) * k, -(ymax + pad), (xmax - xmin + 2 * pad) * k, ymax - ymin + 2 * pad].map((n) => n.toFixed(5)).join(' ');
  const paths = (kind: 'area' | 'hazard') =>
    outlines
      .filter((o) => o.kind === kind)
      .map((o) => `<path d="${e(o.svg)}" vector-effect="non-scaling-stroke"/>`)
      .join('');
  return `<figure>
<svg xmlns="http://www.w3.org/2000/svg" viewBox="${viewBox}" width="100%" height="420" preserveAspectRatio="xMidYMid meet" role="img" aria-label="Map of the remaining areas">
<g transform="scale(${k.toFixed(6)} 1)">
<g fill="#f4f1ea" stroke="#777" stroke-width="1">${paths('area')}</g>
<g fill="#c0392b" stroke="#c0392b" stroke-width="3">${paths('hazard')}</g>
</g>
</svg>
<figcaption>Hazardous areas of this convention with land remaining (red), ${outlines.filter((o) => o.kind === 'hazard').length} in all, over the level-1 administrative areas.</figcaption>
</figure>`;
}

export function treatyReportHtml(report: TreatyReport, version: string): string {
  const agrees = report.reconciliation.every((r) => r.agrees);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${e(report.name)}: ${e(report.reportName)} ${report.year}</title>
<style>
body { font: 13px/1.45 system-ui, sans-serif; max-width: 62em; margin: 2em auto; padding: 0 1em; color: #111; }
h1 { font-size: 1.45em; margin-bottom: 0.2em; } h2 { font-size: 1.1em; margin-top: 1.6em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.5em 0; min-width: 50%; } td, th { border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: left; }
thead th { background: #f3f3f3; } td.n { text-align: right; font-variant-numeric: tabular-nums; } tr.total th, tr.total td { font-weight: bold; border-top: 2px solid #555; }
.note { color: #333; font-size: 0.95em; } pre { font-size: 0.75em; white-space: pre-wrap; background: #f7f7f7; padding: 0.5em; }
.verdict { font-weight: bold; } .verdict.bad { color: #a00; } svg { border: 1px solid #ccc; background: #dfeaf2; }
@media print { body { margin: 0; max-width: none; } details.source { display: none; } section { break-inside: avoid; } }
</style>
</head>
<body>
<h1>${e(report.name)}: ${e(report.reportName)}, ${report.year}</h1>
<p>Figures for the calendar year ${report.year} from the national register, made on ${report.generatedAt.slice(0, 10)} at ${report.generatedAt.slice(11, 16)} UTC by Safeground ${e(version)}.
Areas are geodesic on the WGS84 ellipsoid, in square metres.</p>
<p class="verdict${agrees ? '' : ' bad'}">${agrees ? 'Every national total agrees with the land-release and casualty statistics for the same year (last table).' : 'Some national totals do NOT agree with the land-release and casualty statistics (last table).'}</p>
<h2>Map</h2>
${mapSvg(report)}
${report.tables.map(tableHtml).join('\n')}
</body>
</html>
`;
}

export async function treatyReportXlsx(report: TreatyReport, version: string): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = `Safeground ${version}`;
  workbook.created = new Date(report.generatedAt);
  const about = workbook.addWorksheet('Report');
  about.addRows([
    [`${report.name}: ${report.reportName}, ${report.year}`],
    [`Made on ${report.generatedAt.slice(0, 10)} by Safeground ${version}; areas in m² (geodesic, WGS84).`],
    [],
    ['Table', 'Sheet'],
    ...report.tables.map((t) => [t.title, t.id]),
  ]);
  about.getRow(1).font = { bold: true, size: 14 };
  for (const t of report.tables) {
    const sheet = workbook.addWorksheet(t.id.slice(0, 31));
    sheet.addRow([t.title]).font = { bold: true };
    if (t.note) sheet.addRow([t.note]);
    sheet.addRow([]);
    sheet.addRow(t.columns).font = { bold: true };
    for (const r of t.rows) sheet.addRow(r);
    sheet.addRow([]);
    if (t.source.api) sheet.addRow(['API', t.source.api]);
    if (t.source.cli) sheet.addRow(['Command', t.source.cli]);
    if (t.source.sql) sheet.addRow(['SQL', t.source.sql]);
    sheet.getColumn(1).width = 40;
    for (let i = 2; i <= t.columns.length; i++) {
      sheet.getColumn(i).width = 22;
      sheet.getColumn(i).numFmt = '#,##0.####';
    }
  }
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
