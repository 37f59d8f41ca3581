/**
 * A printable, self-contained HTML page for one record's accuracy audit: provenance, figures
 * with their method in plain words, the A(τ) curve and a sketch of the record against what was
 * found. No scripts, fonts or images are fetched, so the page can be archived or mailed as is.
 */
import { localPlane, type PlanePoint } from '../geodesy/localPlane.ts';
import type { MinefieldRecord } from './format.ts';
import type { Reconstruction } from './reconstruct.ts';
import { isMine, type Accident, type AuditResult, type CurvePoint, type Find, type Share } from './audit.ts';

/** Escape text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

const e = escapeHtml;

function percent(s: Share | CurvePoint | undefined): string {
  return s === undefined || s.share === null ? '–' : `${(s.share * 100).toFixed(1)}%`;
}

function fraction(s: Share): string {
  return `${percent(s)} (${s.count} of ${s.of})`;
}

/**
 * @example writeFileSync('audit.html', renderAuditReport(record, reconstruction, audit, finds, accidents))
 */
export function renderAuditReport(
  record: MinefieldRecord,
  reconstruction: Reconstruction,
  audit: AuditResult,
  finds: readonly Find[],
  accidents: readonly Accident[],
): string {
  const p = record.provenance;
  const tau = audit.toleranceM;
  const atTau = audit.accuracy.find((c) => c.toleranceM === tau);
  const s = audit.systematic;
  const provenanceRows: Array<[string, string | undefined]> = [
    ['Reference', record.reference],
    ['Safeground id', record.id],
    ['Source', p.source],
    ['Handover batch', p.handoverBatch],
    ['Handover date', p.handoverDate],
    ['Laying date', p.layingDate],
    ['Documents', p.documents.map((d) => (d.title ? `${d.reference} (${d.title})` : d.reference)).join('; ') || undefined],
    ['Stated mine total', p.statedMineTotal?.toString()],
    ['Angles', `${record.angleUnit}, from ${record.north.reference} north${northDetail(reconstruction)}`],
    ['Notes', p.notes],
  ];
  const problems = reconstruction.problems;

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Accuracy audit: ${e(record.reference)}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; max-width: 60em; margin: 2em auto; padding: 0 1em; color: #111; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; } h2 { font-size: 1.15em; margin-top: 1.6em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.5em 0; } td, th { border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
.method { color: #333; font-size: 0.95em; } .verdict { font-weight: bold; } .warning { color: #8a5300; } .error { color: #a00; }
svg { border: 1px solid #ccc; background: #fff; } figure { margin: 1em 0; } figcaption { font-size: 0.9em; color: #444; }
@media print { body { margin: 0; max-width: none; } h2 { break-after: avoid; } figure, table { break-inside: avoid; } }
</style>
</head>
<body>
<h1>Accuracy audit of minefield record ${e(record.reference)}</h1>
<p>Tolerance τ = ${tau} m. ${audit.finds.mines} found mines${audit.finds.notMines > 0 ? ` (and ${audit.finds.notMines} other finds)` : ''}, ${accidents.length} accidents, ${reconstruction.predictedMines.length} recorded or predicted mine positions, ${reconstruction.rows.length} rows.</p>

<h2>Provenance</h2>
<table>${provenanceRows
    .filter((r): r is [string, string] => r[1] !== undefined && r[1] !== '')
    .map(([k, v]) => `<tr><th>${e(k)}</th><td>${e(v)}</td></tr>`)
    .join('')}</table>
${problems.length === 0 ? '' : `<h3>Problems found in the record</h3><ul>${problems.map((q) => `<li class="${q.severity}">${e(q.severity)}: ${e(q.message)}</li>`).join('')}</ul>`}

<h2>Figures</h2>
<table>
<tr><th>Positional accuracy A(${tau} m)</th><td class="n">${atTau ? fraction(atTau) : '–'}</td></tr>
<tr><th>Completeness</th><td class="n">${fraction(audit.completeness)}</td></tr>
${
  audit.outside === null
    ? '<tr><th>Outside the perimeter</th><td>the record has no perimeter</td></tr>'
    : `<tr><th>Finds outside the perimeter + ${tau} m</th><td class="n">${fraction(audit.outside.finds)}</td></tr>
<tr><th>Accidents outside the perimeter + ${tau} m</th><td class="n">${fraction(audit.outside.accidents)}</td></tr>
<tr><th>Finds and accidents outside, together</th><td class="n">${fraction(audit.outside.combined)}</td></tr>`
}
<tr><th>Mines found / stated on the record</th><td class="n">${audit.counts.found} / ${audit.counts.stated ?? 'not stated'}${audit.counts.foundMinusStated === null ? '' : ` (${signed(audit.counts.foundMinusStated)})`}</td></tr>
<tr><th>Mines found / implied by rows and mine entries</th><td class="n">${audit.counts.found} / ${audit.counts.recorded} (${signed(audit.counts.foundMinusRecorded)})</td></tr>
${
  s === null
    ? '<tr><th>Systematic error</th><td>not computed (no found mines or nothing recorded to fit)</td></tr>'
    : `<tr><th>Systematic error</th><td>shift ${s.shiftM.toFixed(1)} m towards ${s.bearingDeg.toFixed(0)}° (east ${s.eastM.toFixed(1)} m, north ${s.northM.toFixed(1)} m), rotation ${s.rotationDeg.toFixed(2)}° clockwise about ${e(reconstruction.origin?.name ?? 'the reference point')}</td></tr>
<tr><th>A(${tau} m) after correction</th><td class="n">${percent(s.accuracyAfter.find((c) => c.toleranceM === tau))}</td></tr>
<tr><th>Verdict</th><td class="verdict">${e(s.verdict)}</td></tr>`
}
</table>

<div class="method">
<p><b>How these figures are computed.</b> The record is reconstructed by walking its legs along geodesics on the WGS84 ellipsoid from its surveyed reference point, after turning every azimuth to true north (grid azimuths by the UTM grid convergence, magnetic ones by the declination${reconstruction.magnetic?.source === 'wmm' ? ` from ${e(reconstruction.magnetic.model ?? 'the World Magnetic Model')} for ${e(reconstruction.magnetic.date ?? '')}` : ' stated on the record'}). Where a row states both its number of mines and their spacing, mines are predicted evenly from its start to its end point.</p>
<p><b>Positional accuracy A(τ)</b> is the share of found mines lying within τ metres of a recorded row line or a recorded or predicted mine position. <b>Completeness</b> is the share of recorded or predicted mine positions that can each be paired with a different found mine within τ (a maximum one-to-one matching, so no find is counted twice). <b>Outside</b> counts finds (of every kind) and accidents lying outside the record's perimeter widened by τ. Counts compare found mines with the total the record states and with the mines its rows and entries imply.</p>
<p><b>Systematic error</b> is the rotation about the reference point and the shift that best lay the record onto the found mines, found by a coarse vote over shifts and small rotations and refined with a robust fit that ignores finds more than 2τ from the record. It is called significant only if it brings at least ${s?.minimumGain ?? 3} more found mines within τ and gains more than every one of ${audit.parameters.nullTrials} trials on copies of the finds jittered at random by up to ${Math.max(25, 5 * tau)} m (a Monte Carlo test at 5%).</p>
</div>

<h2>A(τ): share of found mines within τ of the record</h2>
<table><tr><th>τ (m)</th>${audit.accuracy.map((c) => `<td class="n">${c.toleranceM}</td>`).join('')}</tr>
<tr><th>as recorded</th>${audit.accuracy.map((c) => `<td class="n">${percent(c)}</td>`).join('')}</tr>
${s === null ? '' : `<tr><th>after correction</th>${s.accuracyAfter.map((c) => `<td class="n">${percent(c)}</td>`).join('')}</tr>`}
</table>
<figure>${curveChart(audit)}<figcaption>A(τ) as recorded (solid) and after the systematic correction (dashed); τ on a logarithmic scale.</figcaption></figure>

<h2>Sketch: the record against what was found</h2>
<figure>${sketch(reconstruction, audit, finds, accidents)}<figcaption>Perimeter (grey), rows (blue lines), recorded or predicted mines (blue circles), found mines (black dots), other finds (grey dots), accidents (red crosses), reference point (triangle). The orange arrow is the systematic shift of the reference point. North is up.</figcaption></figure>
</body>
</html>
`;
}

function signed(n: number): string {
  return n > 0 ? `+${n}` : `${n}`;
}

function northDetail(r: Reconstruction): string {
  const m = r.magnetic;
  if (m === null) return '';
  if (m.source === 'stated') return `; declination ${m.declinationDeg.toFixed(2)}° as stated`;
  return `; declination ${m.declinationDeg.toFixed(2)}° from ${m.model ?? 'WMM'} (epoch ${m.epoch ?? '?'}) for ${m.date ?? '?'}`;
}

function curveChart(audit: AuditResult): string {
  const width = 420;
  const height = 220;
  const left = 44;
  const bottom = 30;
  const top = 10;
  const right = 14;
  const taus = audit.accuracy.map((c) => c.toleranceM);
  const lo = Math.log(Math.min(...taus));
  const hi = Math.log(Math.max(...taus));
  const x = (t: number): number => left + (hi === lo ? 0 : ((Math.log(t) - lo) / (hi - lo)) * (width - left - right));
  const y = (share: number): number => top + (1 - share) * (height - top - bottom);
  const line = (points: CurvePoint[], dash: string): string =>
    `<polyline fill="none" stroke="#1f4e99" stroke-width="2" ${dash} points="${points
      .filter((c) => c.share !== null)
      .map((c) => `${x(c.toleranceM).toFixed(1)},${y(c.share ?? 0).toFixed(1)}`)
      .join(' ')}"/>`;
  const grid = [0, 0.25, 0.5, 0.75, 1]
    .map((v) => `<line x1="${left}" x2="${width - right}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/><text x="${left - 6}" y="${y(v) + 4}" text-anchor="end" font-size="11">${v * 100}%</text>`)
    .join('');
  const ticks = taus.map((t) => `<text x="${x(t).toFixed(1)}" y="${height - bottom + 16}" text-anchor="middle" font-size="11">${t}</text>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="A(τ) curve">${grid}${ticks}<text x="${width - right}" y="${height - 2}" text-anchor="end" font-size="11">τ (m)</text>${line(audit.accuracy, '')}${audit.systematic ? line(audit.systematic.accuracyAfter, 'stroke-dasharray="5,4"') : ''}</svg>`;
}

function sketch(r: Reconstruction, audit: AuditResult, finds: readonly Find[], accidents: readonly Accident[]): string {
  const origin = r.origin;
  if (origin === null) return '<p>The record could not be placed.</p>';
  const plane = localPlane(origin);
  const perimeter = (r.perimeter?.coordinates[0] ?? []).map(([lon = 0, lat = 0]) => plane.toLocal({ lat, lon }));
  const rows = r.rows.map((row) => [plane.toLocal(row.start), plane.toLocal(row.end)] as const);
  const mines = r.predictedMines.map((m) => plane.toLocal(m));
  const found = finds.map((f) => ({ ...plane.toLocal(f), mine: isMine(f) }));
  const hurt = accidents.map((a) => plane.toLocal(a));
  const shift = audit.systematic ? { x: audit.systematic.eastM, y: audit.systematic.northM } : null;
  const all: PlanePoint[] = [{ x: 0, y: 0 }, ...perimeter, ...rows.flat(), ...mines, ...found, ...hurt, ...(shift ? [shift] : [])];
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  for (const p of all) {
    minX = Math.min(minX, p.x);
    maxX = Math.max(maxX, p.x);
    minY = Math.min(minY, p.y);
    maxY = Math.max(maxY, p.y);
  }
  const size = 640;
  const pad = 20;
  const span = Math.max(maxX - minX, maxY - minY, 10);
  const k = (size - 2 * pad) / span;
  const height = Math.ceil((maxY - minY) * k + 2 * pad + 24);
  const sx = (p: PlanePoint): string => (pad + (p.x - minX) * k).toFixed(1);
  const sy = (p: PlanePoint): string => (pad + (maxY - p.y) * k).toFixed(1);
  const parts: string[] = [];
  parts.push(
    '<defs><marker id="head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#e07b00"/></marker></defs>',
  );
  if (perimeter.length > 0) parts.push(`<polygon points="${perimeter.map((p) => `${sx(p)},${sy(p)}`).join(' ')}" fill="#f2f2f2" stroke="#888" stroke-width="1.5"/>`);
  for (const [a, b] of rows) parts.push(`<line x1="${sx(a)}" y1="${sy(a)}" x2="${sx(b)}" y2="${sy(b)}" stroke="#1f4e99" stroke-width="1.5"/>`);
  for (const m of mines) parts.push(`<circle cx="${sx(m)}" cy="${sy(m)}" r="3" fill="none" stroke="#1f4e99"/>`);
  for (const f of found) parts.push(`<circle cx="${sx(f)}" cy="${sy(f)}" r="1.8" fill="${f.mine ? '#000' : '#999'}"/>`);
  for (const a of hurt) {
    const x = Number(sx(a));
    const y = Number(sy(a));
    parts.push(`<path d="M${x - 4},${y - 4} L${x + 4},${y + 4} M${x - 4},${y + 4} L${x + 4},${y - 4}" stroke="#c00" stroke-width="2"/>`);
  }
  const o = { x: 0, y: 0 };
  parts.push(`<path d="M${sx(o)},${Number(sy(o)) - 6} l5,9 l-10,0 z" fill="#333"/>`);
  if (shift && Math.hypot(shift.x, shift.y) > 0.01) {
    parts.push(`<line x1="${sx(o)}" y1="${sy(o)}" x2="${sx(shift)}" y2="${sy(shift)}" stroke="#e07b00" stroke-width="2.5" marker-end="url(#head)"/>`);
  }
  const bar = niceLength(span / 4);
  parts.push(
    `<line x1="${pad}" y1="${height - 10}" x2="${(pad + bar * k).toFixed(1)}" y2="${height - 10}" stroke="#000" stroke-width="2"/><text x="${(pad + bar * k + 6).toFixed(1)}" y="${height - 6}" font-size="11">${bar} m</text>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${height}" viewBox="0 0 ${size} ${height}" role="img" aria-label="Sketch of the record and the finds">${parts.join('')}</svg>`;
}

/** 1, 2 or 5 times a power of ten, at most `length`. */
function niceLength(length: number): number {
  const power = 10 ** Math.floor(Math.log10(length));
  return [5, 2, 1].map((m) => m * power).find((v) => v <= length) ?? power;
}
