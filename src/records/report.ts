/**
 * A printable, self-contained HTML page for one record's accuracy audit: when and by which
 * version it was made, provenance, the reference point as recorded and as corrected, figures
 * with their method in plain words, the A(τ) curve, a sketch of the record against what was
 * found, and every find used or left out, so each figure can be checked by hand. No scripts,
 * fonts or images are fetched, so the page can be archived or mailed as is.
 */
import { formatDeg } from '../geodesy/angles.ts';
import { formatPosition, utmZoneOf } from '../geodesy/coordinates.ts';
import type { LatLon } from '../geodesy/geodesic.ts';
import { localPlane, planeBounds, type PlanePoint } from '../geodesy/localPlane.ts';
import type { Coordinates, MinefieldRecord } from './format.ts';
import type { Problem, Reconstruction } from './reconstruct.ts';
import { formatPValue, isMine, nullJitterM, type Accident, type AuditResult, type CurvePoint, type Find, type FindUse, type LeftOutFind, type Share } from './audit.ts';

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

/** One record's audit with everything the report lists (what `auditStoredRecord` returns). */
export interface AuditReportInput {
  record: MinefieldRecord;
  reconstruction: Reconstruction;
  audit: AuditResult;
  finds: readonly Find[];
  accidents: readonly Accident[];
  /** How each of `finds` was used, in the same order. */
  findUse: readonly FindUse[];
  /** Distances to the record were measured up to this, metres. */
  reachM: number;
  /** Finds and accidents within this of the record's hull were used, metres. */
  searchRadiusM: number;
  /** Finds beyond the search radius, within twice it. */
  leftOut: readonly LeftOutFind[];
  /** Errors of the record's reconstruction. */
  errors: readonly Problem[];
}

/**
 * @param context when the audit was made and by which Safeground (`safegroundVersion()`): a
 *   printed figure must say both, since either can change it
 * @example writeFileSync('audit.html', renderAuditReport(await auditStoredRecord(db, id, { tolerance: 5 }), { auditedAt: new Date(), version: safegroundVersion() }))
 */
export function renderAuditReport(input: AuditReportInput, context: { auditedAt: Date; version: string }): string {
  const { record, reconstruction, audit, finds, accidents } = input;
  const p = record.provenance;
  const tau = audit.toleranceM;
  const atTau = (curve: CurvePoint[]): CurvePoint | undefined => curve.find((c) => c.toleranceM === tau);
  const s = audit.systematicError;
  const corrected = s !== null && s.significant ? s : null;
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
  const auditedAt = context.auditedAt.toISOString();

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
table.finds { font-size: 0.85em; }
svg { border: 1px solid #ccc; background: #fff; } figure { margin: 1em 0; } figcaption { font-size: 0.9em; color: #444; }
@media print { body { margin: 0; max-width: none; } h2 { break-after: avoid; } figure { break-inside: avoid; } }
</style>
</head>
<body>
<h1>Accuracy audit of minefield record ${e(record.reference)}</h1>
<p class="stamp">Audited on ${auditedAt.slice(0, 10)} at ${auditedAt.slice(11, 16)} UTC by Safeground ${e(context.version)}.</p>
<p>Tolerance τ = ${tau} m. ${counted(audit.finds.mines, 'found mine')}${audit.finds.notMines > 0 ? ` (and ${counted(audit.finds.notMines, 'other find')})` : ''}, ${counted(accidents.length, 'accident')}, ${counted(reconstruction.predictedMines.length, 'recorded or predicted mine position')}, ${counted(reconstruction.rows.length, 'row')}.</p>
${
  input.errors.length === 0
    ? ''
    : `<p class="error"><b>The record's reconstruction has ${input.errors.length} error${input.errors.length === 1 ? '' : 's'}</b> (listed under Provenance), so only part of it is placed. These figures are for finding what is wrong with the transcription; they are not fit to publish, and batch audits leave this record out.</p>`
}
<h2>Provenance</h2>
<table>${provenanceRows
    .filter((r): r is [string, string] => r[1] !== undefined && r[1] !== '')
    .map(([k, v]) => `<tr><th>${e(k)}</th><td>${e(v)}</td></tr>`)
    .join('')}</table>
${problems.length === 0 ? '' : `<h3>Problems found in the record</h3><ul>${problems.map((q) => `<li class="${q.severity}">${e(q.severity)}: ${e(q.message)}</li>`).join('')}</ul>`}

<h2>Reference point</h2>
${referencePoints(record, reconstruction, corrected?.correctedOrigin ?? null, s)}

<h2>Figures</h2>
<table>
<tr><th>Positional accuracy A(${tau} m)</th><td class="n">${fraction(atTau(audit.positionalAccuracy) ?? { count: 0, of: 0, share: null })}</td></tr>
<tr><th>Completeness</th><td class="n">${fraction(audit.completeness)}</td></tr>
${
  audit.outsideShare === null
    ? '<tr><th>Outside share</th><td>the record has no perimeter</td></tr>'
    : `<tr><th>Outside share: finds outside the perimeter + ${tau} m</th><td class="n">${fraction(audit.outsideShare.finds)}</td></tr>
<tr><th>Outside share: accidents outside the perimeter + ${tau} m</th><td class="n">${fraction(audit.outsideShare.accidents)}</td></tr>
<tr><th>Outside share: finds and accidents together</th><td class="n">${fraction(audit.outsideShare.combined)}</td></tr>`
}
<tr><th>Count discrepancy: mines found / stated on the record</th><td class="n">${audit.countDiscrepancy.found} / ${audit.countDiscrepancy.stated ?? 'not stated'}${audit.countDiscrepancy.foundMinusStated === null ? '' : ` (${signed(audit.countDiscrepancy.foundMinusStated)})`}</td></tr>
<tr><th>Count discrepancy: mines found / implied by rows and mine entries</th><td class="n">${audit.countDiscrepancy.found} / ${audit.countDiscrepancy.recorded} (${signed(audit.countDiscrepancy.foundMinusRecorded)})</td></tr>
${
  s === null
    ? '<tr><th>Systematic error</th><td>not computed (no found mines or nothing recorded to fit)</td></tr>'
    : `<tr><th>Systematic error${s.significant ? '' : ' (best fit, not significant)'}</th><td>shift ${s.shiftM.toFixed(1)} m towards ${formatDeg(s.bearingDeg)} (east ${s.eastM.toFixed(1)} m, north ${s.northM.toFixed(1)} m), rotation ${formatDeg(s.rotationDeg, { decimals: 2, kind: 'signed' })} clockwise about ${e(reconstruction.origin?.name ?? 'the reference point')}</td></tr>
<tr><th>Significance</th><td>${e(significanceText(audit))}</td></tr>
<tr><th>Verdict</th><td class="verdict">${e(s.verdict)}</td></tr>
${corrected === null ? '' : `<tr><th>Positional accuracy A(${tau} m) after correction</th><td class="n">${fraction(atTau(corrected.positionalAccuracyAfter) ?? { count: 0, of: 0, share: null })}</td></tr>`}`
}
</table>
${s !== null && !s.significant ? '<p>The best-fitting shift is not significant, so no figures after correction are given: a correction that does not beat chance only fits noise.</p>' : ''}

<div class="method">
<p><b>How these figures are computed.</b> The record is reconstructed by walking its legs along geodesics on the WGS84 ellipsoid from its surveyed reference point, after turning every azimuth to true north (grid azimuths by the UTM grid convergence, magnetic ones by the declination${reconstruction.magnetic?.source === 'wmm' ? ` from ${e(reconstruction.magnetic.model ?? 'the World Magnetic Model')} for ${e(reconstruction.magnetic.date ?? '')}` : ' stated on the record'}). Where a row states both its number of mines and their spacing, mines are predicted evenly from its start to its end point.</p>
<p><b>Which finds are used.</b> ${e(radiusRule(input))}</p>
<p><b>Positional accuracy A(τ)</b> is the share of found mines lying within τ metres of a recorded row line or a recorded or predicted mine position. <b>Completeness</b> is the share of recorded or predicted mine positions that can each be paired with a different found mine within τ (a maximum one-to-one matching, so no find is counted twice). The two differ where finds lie on a row's line between positions, where several finds crowd one position, or where the record lists mines that were not found (not laid, or not yet cleared): A(τ) asks whether what was found was where the record says; completeness, whether what the record says was found. <b>Outside share</b> counts finds (of every kind) and accidents lying outside the record's perimeter widened by τ. <b>Count discrepancy</b> compares found mines with the total the record states and with the mines its rows and entries imply.</p>
<p><b>Systematic error</b> is the rotation about the reference point and the shift that best lay the record onto the found mines, found by a coarse vote over shifts and small rotations and refined with a robust fit that ignores finds more than 2τ from the record. ${e(testRule(audit))}</p>
</div>

<h2>Positional accuracy A(τ): share of found mines within τ of the record</h2>
<table><tr><th>τ (m)</th>${audit.positionalAccuracy.map((c) => `<td class="n">${c.toleranceM}</td>`).join('')}</tr>
<tr><th>as recorded</th>${audit.positionalAccuracy.map((c) => `<td class="n">${percent(c)}</td>`).join('')}</tr>
${corrected === null ? '' : `<tr><th>after correction</th>${corrected.positionalAccuracyAfter.map((c) => `<td class="n">${percent(c)}</td>`).join('')}</tr>`}
</table>
<figure>${curveChart(audit.positionalAccuracy, corrected?.positionalAccuracyAfter ?? null)}<figcaption>A(τ) as recorded (solid)${corrected === null ? '' : ' and after the systematic correction (dashed)'}; τ on a logarithmic scale.</figcaption></figure>

<h2>Sketch: the record against what was found</h2>
<figure>${sketch(reconstruction, corrected, finds, accidents)}<figcaption>Perimeter (grey), rows (blue lines), recorded or predicted mines (blue circles), found mines (black dots), other finds (grey dots), accidents (red crosses), reference point (triangle).${corrected === null ? '' : ' The orange arrow is the systematic shift of the reference point.'} North is up.</figcaption></figure>

<h2>Finds used</h2>
${findsUsed(input)}
${accidentsUsed(input)}
<h2>Finds left out by the search radius</h2>
${findsLeftOut(input)}
</body>
</html>
`;
}

/** The radius rule in words, with its figures. */
function radiusRule(input: AuditReportInput): string {
  const { audit, searchRadiusM } = input;
  return `Finds and accidents are used when they lie within ${searchRadiusM} m of the record, measured geodesically on WGS84 from the convex hull of its perimeter, row lines and mine positions. ${searchRadiusM} m is the largest systematic shift the audit searches for (${audit.parameters.maxShiftM} m) plus τ (${audit.toleranceM} m): a find farther out cannot be brought within τ of the record by any correction the audit considers, so it cannot change positional accuracy, completeness or the shift. The outside share is therefore among the finds and accidents within that distance. Finds between ${searchRadiusM} m and ${2 * searchRadiusM} m are listed at the end as left out. A find of several items counts as that many.`;
}

/** The significance test in words: the rule, and its outcome here. */
function significanceText(audit: AuditResult): string {
  const s = audit.systematicError;
  if (s === null) return '';
  const gain = s.withinAfter - s.withinBefore;
  if (s.pValue === null) return `not tested: the correction brings ${gain} more found mine${gain === 1 ? '' : 's'} within τ, fewer than the ${s.minimumGain} required, so no null trials were run`;
  const trials = `${s.nullTrialsRun} of ${audit.parameters.nullTrials} null trials run`;
  return s.significant
    ? `p = ${formatPValue(s.pValue)} (no null trial gained as much; ${trials}); gain ${gain} ≥ ${s.minimumGain} required`
    : `p = ${formatPValue(s.pValue)} (null trial ${s.nullTrialsRun} gained as much; ${trials}); not significant`;
}

function testRule(audit: AuditResult): string {
  const trials = audit.parameters.nullTrials;
  const minimum = audit.systematicError?.minimumGain ?? 3;
  return `It is called significant only if it brings at least ${minimum} more found mines within τ (the larger of 3 and 5% of the found mines) and gains a larger share of finds than each of ${trials} copies of the finds jittered at random by up to ${nullJitterM(audit.toleranceM)} m, which keeps where the finds are but destroys their fine alignment. This is a one-sided Monte Carlo test, stopped at the first null trial that gains as much (Besag and Clifford's sequential p-value): p = 1/L if trial L was that trial, else 1/(${trials} + 1) = ${formatPValue(1 / (trials + 1))}. Only a significant correction gives a corrected reference point and figures after correction.`;
}

function writtenCoordinates(c: Coordinates): string {
  switch (c.system) {
    case 'latlon':
      return `lat ${c.lat}, lon ${c.lon}`;
    case 'utm':
      return `UTM zone ${c.zone}${c.hemisphere}, E ${c.easting}, N ${c.northing}`;
    case 'mgrs':
      return `MGRS ${c.mgrs}`;
  }
}

/** The reference point as recorded and, for a significant correction, where it would have to be: lat/lon, UTM (both in the recorded point's zone) and MGRS. */
function referencePoints(record: MinefieldRecord, r: Reconstruction, correctedOrigin: LatLon | null, s: AuditResult['systematicError']): string {
  const origin = r.origin;
  if (origin === null) return '<p>The record has no surveyed reference point.</p>';
  const zone = utmZoneOf(origin);
  const written = record.referencePoints.find((rp) => rp.name === origin.name)?.coordinates;
  const row = (label: string, at: LatLon): string => {
    const f = formatPosition(at, zone);
    return `<tr><th>${label}</th><td>${e(f.latLon)}</td><td>${e(f.utm)}</td><td>${e(f.mgrs)}</td></tr>`;
  };
  const correctedRow =
    correctedOrigin !== null
      ? row('Corrected reference point (after the significant shift and rotation)', correctedOrigin)
      : `<tr><th>Corrected reference point</th><td colspan="3">none: ${s === null ? 'no shift could be fitted' : 'the best-fitting shift is not significant'}</td></tr>`;
  return `<table>
<tr><th></th><th>latitude, longitude (WGS84)</th><th>UTM (WGS84)</th><th>MGRS</th></tr>
${row(`Reference point ${e(origin.name)} as recorded`, origin)}
${correctedRow}
</table>
${written === undefined ? '' : `<p>Written on the record as ${e(writtenCoordinates(written))}${written.system === 'mgrs' ? ' (the centre of the named square is used)' : ''}.</p>`}`;
}

function findsUsed(input: AuditReportInput): string {
  const { finds, findUse, audit, reachM } = input;
  if (finds.length === 0) return '<p>No finds lie within the search radius.</p>';
  const tau = audit.toleranceM;
  const yesNo = (b: boolean | null): string => (b === null ? '–' : b ? 'yes' : 'no');
  const rows = finds.map((f, i) => {
    const use = findUse[i];
    const distance = use === undefined || !use.mine ? 'not a mine' : use.distanceM === null ? `&gt; ${reachM} m` : `${use.distanceM.toFixed(2)} m`;
    return `<tr><td>${e(f.id)}</td><td>${e([f.category, f.model].filter(Boolean).join(', '))}</td><td>${e(formatPosition(f).latLon)}</td><td class="n">${distance}</td><td>${use?.mine ? yesNo(use.withinTolerance) : '–'}</td><td>${use?.mine ? yesNo(use.matched) : '–'}</td><td>${yesNo(use?.outside ?? null)}</td></tr>`;
  });
  return `<p>${finds.length} finds within the search radius, ${audit.finds.mines} of them mines. Distances are to the nearest recorded row line or mine position, measured up to ${reachM} m.</p>
<table class="finds"><tr><th>find</th><th>category, model</th><th>position</th><th>distance to the record</th><th>within ${tau} m (A)</th><th>paired (completeness)</th><th>outside perimeter + ${tau} m</th></tr>
${rows.join('\n')}
</table>`;
}

function accidentsUsed(input: AuditReportInput): string {
  const { accidents } = input;
  if (accidents.length === 0) return '';
  return `<p>${accidents.length} accident${accidents.length === 1 ? '' : 's'} within the search radius (counted in the outside share):</p>
<table class="finds"><tr><th>accident</th><th>position</th></tr>
${accidents.map((a) => `<tr><td>${e(a.id)}</td><td>${e(formatPosition(a).latLon)}</td></tr>`).join('\n')}
</table>`;
}

function findsLeftOut(input: AuditReportInput): string {
  const { leftOut, searchRadiusM } = input;
  const head = `<p>Finds beyond the search radius of ${searchRadiusM} m and within ${2 * searchRadiusM} m of the record's hull, nearest first. They are not counted in any figure above.</p>`;
  if (leftOut.length === 0) return `${head}<p>None.</p>`;
  return `${head}
<table class="finds"><tr><th>find</th><th>category, model</th><th>items</th><th>position</th><th>distance from the record's hull</th></tr>
${leftOut.map((f) => `<tr><td>${e(f.id)}</td><td>${e([f.category, f.model].filter(Boolean).join(', '))}</td><td class="n">${f.quantity}</td><td>${e(formatPosition(f).latLon)}</td><td class="n">${f.distanceM.toFixed(1)} m</td></tr>`).join('\n')}
</table>`;
}

function counted(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function signed(n: number): string {
  return n > 0 ? `+${n}` : `${n}`;
}

function northDetail(r: Reconstruction): string {
  const m = r.magnetic;
  if (m === null) return '';
  const declination = formatDeg(m.declinationDeg, { decimals: 2, kind: 'signed' });
  if (m.source === 'stated') return `; declination ${declination} as stated`;
  return `; declination ${declination} from ${m.model ?? 'WMM'} (epoch ${m.epoch ?? '?'}) for ${m.date ?? '?'}`;
}

function curveChart(recorded: CurvePoint[], afterCorrection: CurvePoint[] | null): string {
  const width = 420;
  const height = 220;
  const left = 44;
  const bottom = 30;
  const top = 10;
  const right = 14;
  const taus = recorded.map((c) => c.toleranceM);
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
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="A(τ) curve">${grid}${ticks}<text x="${width - right}" y="${height - 2}" text-anchor="end" font-size="11">τ (m)</text>${line(recorded, '')}${afterCorrection ? line(afterCorrection, 'stroke-dasharray="5,4"') : ''}</svg>`;
}

/** @param corrected the systematic error when it is significant: only then is the shift drawn */
function sketch(r: Reconstruction, corrected: AuditResult['systematicError'], finds: readonly Find[], accidents: readonly Accident[]): string {
  const origin = r.origin;
  if (origin === null) return '<p>The record could not be placed.</p>';
  const plane = localPlane(origin);
  const perimeter = (r.perimeter?.coordinates[0] ?? []).map(([lon = 0, lat = 0]) => plane.toLocal({ lat, lon }));
  const rows = r.rows.map((row) => [plane.toLocal(row.start), plane.toLocal(row.end)] as const);
  const mines = r.predictedMines.map((m) => plane.toLocal(m));
  const found = finds.map((f) => ({ ...plane.toLocal(f), mine: isMine(f) }));
  const hurt = accidents.map((a) => plane.toLocal(a));
  const shift = corrected ? { x: corrected.eastM, y: corrected.northM } : null;
  const all: PlanePoint[] = [{ x: 0, y: 0 }, ...perimeter, ...rows.flat(), ...mines, ...found, ...hurt, ...(shift ? [shift] : [])];
  const { minX, minY, maxX, maxY } = planeBounds(all);
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
