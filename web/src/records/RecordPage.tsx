/**
 * One minefield record: its reconstruction from the legs, and the accuracy audit against what
 * clearance found, with the best-fitting shift drawn so a wrongly anchored record shows as such.
 */
import { api, query } from '../api.ts';
import { useLoad } from '../data.ts';
import { bbox, type Feature, type FeatureCollection, type Geometry, type Position } from '../geojson.ts';
import { formatArea, formatDate, formatDegrees, formatNumber, t } from '../i18n/index.ts';
import { href } from '../router.ts';
import { type Count, shareOf } from './share.ts';
import type { Find, Page } from '../types.ts';
import { type Column, Show, Sketch, type SketchLayer, Table } from '../ui.tsx';

interface StoredRecord {
  id: string;
  version: number;
  hazards: string[];
  record: { reference: string; angleUnit: string; north: { reference: string }; provenance: { source: string; handoverBatch?: string; handoverDate?: string; layingDate?: string; statedMineTotal?: number } };
  reconstructionErrors: number;
  reconstruction: FeatureCollection & { problems: { code: string; severity: string; message: string }[]; perimeterAreaM2: number | null; predictedMineCount: number; statedMineTotal: number | null };
}

interface Share {
  toleranceM: number;
  count: number;
  of: number;
  share: number | null;
}

interface Audit {
  method: string;
  toleranceM: number;
  finds: { total: number; mines: number };
  positionalAccuracy: Share[];
  completeness: Count;
  outsideShare: { combined: Count } | null;
  countDiscrepancy: { found: number; stated: number | null; foundMinusStated: number | null };
  systematicError: {
    shiftM: number;
    bearingDeg: number;
    eastM: number;
    northM: number;
    rotationDeg: number;
    positionalAccuracyAfter: Share[];
    significant: boolean;
    verdict: string;
    correctedOrigin: { lat: number; lon: number };
  } | null;
  parameters: { maxShiftM: number };
}


const METRES_PER_DEGREE = 111_320;

/** Moves a geometry by metres east and north (small distances: a local flat approximation). */
function shifted(geometry: Geometry, eastM: number, northM: number): Geometry {
  const move = ([x = 0, y = 0]: Position): Position => [x + eastM / (METRES_PER_DEGREE * Math.cos((y * Math.PI) / 180)), y + northM / METRES_PER_DEGREE];
  switch (geometry.type) {
    case 'Point':
      return { type: 'Point', coordinates: move(geometry.coordinates) };
    case 'MultiPoint':
      return { type: 'MultiPoint', coordinates: geometry.coordinates.map(move) };
    case 'LineString':
      return { type: 'LineString', coordinates: geometry.coordinates.map(move) };
    case 'MultiLineString':
      return { type: 'MultiLineString', coordinates: geometry.coordinates.map((l) => l.map(move)) };
    case 'Polygon':
      return { type: 'Polygon', coordinates: geometry.coordinates.map((r) => r.map(move)) };
    case 'MultiPolygon':
      return { type: 'MultiPolygon', coordinates: geometry.coordinates.map((p) => p.map((r) => r.map(move))) };
  }
}

function ofKind(collection: FeatureCollection, kind: string): Feature[] {
  return collection.features.filter((f) => f.properties.kind === kind);
}

function merged(features: Feature[]): Geometry | null {
  const lines = features.flatMap((f) => (f.geometry?.type === 'LineString' ? [f.geometry.coordinates] : []));
  if (lines.length > 0) return { type: 'MultiLineString', coordinates: lines };
  const points = features.flatMap((f) => (f.geometry?.type === 'Point' ? [f.geometry.coordinates] : []));
  return points.length > 0 ? { type: 'MultiPoint', coordinates: points } : null;
}

async function nearbyFinds(record: StoredRecord, marginM: number): Promise<Find[]> {
  const box = bbox(record.reconstruction.features.map((f) => f.geometry));
  if (!box) return [];
  const dLat = marginM / METRES_PER_DEGREE;
  const dLon = marginM / (METRES_PER_DEGREE * Math.cos((((box[1] + box[3]) / 2) * Math.PI) / 180));
  const area = [box[0] - dLon, box[1] - dLat, box[2] + dLon, box[3] + dLat].map((v) => v.toFixed(6)).join(',');
  const finds: Find[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<Find> = await api.get<Page<Find>>(`/api/finds${query({ bbox: area, limit: 1000, cursor })}`);
    finds.push(...page.items);
    cursor = page.next;
  } while (cursor && finds.length < 5000);
  return finds;
}

export function RecordPage({ id }: { id: string }) {
  const [stored] = useLoad(() => api.get<StoredRecord>(`/api/minefield-records/${id}`), [id]);
  const [audit] = useLoad(() => api.get<Audit>(`/api/minefield-records/${id}/audit`), [id]);
  const [finds] = useLoad(async () => (stored.state === 'ready' && audit.state === 'ready' ? nearbyFinds(stored.value, audit.value.parameters.maxShiftM) : []), [stored.state, audit.state]);

  return (
    <Show loaded={stored}>
      {(r) => {
        const perimeter = ofKind(r.reconstruction, 'perimeter')[0]?.geometry ?? null;
        const rows = merged(ofKind(r.reconstruction, 'row'));
        const mines = merged(ofKind(r.reconstruction, 'predicted_mine').concat(ofKind(r.reconstruction, 'mine')));
        const p = r.record.provenance;
        return (
          <article class="page">
            <p>
              <a href={href('/records')}>← {t('nav.records')}</a>
            </p>
            <h1>{t('records.heading', { reference: r.record.reference })}</h1>
            <div class="two-columns">
              <section aria-labelledby="record-facts">
                <h2 id="record-facts">{t('records.reconstruction')}</h2>
                <dl class="facts">
                  <dt>{t('field.source')}</dt>
                  <dd>{p.source}</dd>
                  <dt>{t('records.batch')}</dt>
                  <dd>{p.handoverBatch ?? '—'}</dd>
                  <dt>{t('records.layingDate')}</dt>
                  <dd>{formatDate(p.layingDate ?? null)}</dd>
                  <dt>{t('records.handoverDate')}</dt>
                  <dd>{formatDate(p.handoverDate ?? null)}</dd>
                  <dt>{t('records.stated')}</dt>
                  <dd>{p.statedMineTotal === undefined ? '—' : formatNumber(p.statedMineTotal)}</dd>
                  <dt>{t('records.predicted')}</dt>
                  <dd>{formatNumber(r.reconstruction.predictedMineCount)}</dd>
                  <dt>{t('records.perimeterArea')}</dt>
                  <dd>{formatArea(r.reconstruction.perimeterAreaM2)}</dd>
                  <dt>{t('records.azimuths')}</dt>
                  <dd>{t('records.azimuthsValue', { unit: r.record.angleUnit, north: r.record.north.reference })}</dd>
                </dl>
                {r.reconstructionErrors > 0 ? <p class="error">{t('records.withErrors', { count: r.reconstructionErrors })}</p> : null}
                {r.reconstruction.problems.length > 0 ? (
                  <ul class="problems">
                    {r.reconstruction.problems.map((problem, i) => (
                      <li key={i} class={problem.severity}>
                        {problem.message}
                      </li>
                    ))}
                  </ul>
                ) : (
                  <p class="success">{t('records.noProblems')}</p>
                )}
                {r.hazards.length > 0 ? (
                  <p>
                    {t('records.hazards')}:{' '}
                    {r.hazards.map((h, i) => (
                      <>
                        {i > 0 ? ', ' : ''}
                        <a key={h} href={href(`/hazards/${h}`)}>
                          {t('records.hazardLink', { n: i + 1 })}
                        </a>
                      </>
                    ))}
                  </p>
                ) : null}
              </section>
              <section aria-labelledby="record-audit">
                <h2 id="record-audit">{t('records.audit')}</h2>
                <Show loaded={audit}>
                  {(a) => {
                    const s = a.systematicError;
                    // Figures after a correction that does not beat chance would only show a fit to noise.
                    const corrected = s?.significant ? s : null;
                    const findGeometry: Geometry | null = finds.state === 'ready' && finds.value.length > 0 ? { type: 'MultiPoint', coordinates: finds.value.map((f) => f.geometry.coordinates) } : null;
                    const layers: SketchLayer[] = [
                      { geometry: perimeter, className: 'sketch-record' },
                      { geometry: rows, className: 'sketch-rows' },
                      { geometry: mines, className: 'sketch-mines' },
                      { geometry: findGeometry, className: 'sketch-finds' },
                    ];
                    if (corrected) {
                      if (perimeter) layers.push({ geometry: shifted(perimeter, corrected.eastM, corrected.northM), className: 'sketch-shifted' });
                      if (rows) layers.push({ geometry: shifted(rows, corrected.eastM, corrected.northM), className: 'sketch-shifted' });
                    }
                    return (
                      <>
                        <Sketch label={t('records.sketchLabel', { reference: r.record.reference })} layers={layers} />
                        <p class="hint">
                          <span class="swatch sketch-record-swatch" /> {t('records.legendRecord')} <span class="swatch sketch-finds-swatch" /> {t('records.legendFinds')}{' '}
                          {corrected ? (
                            <>
                              <span class="swatch sketch-shifted-swatch" /> {t('records.legendShifted')}
                            </>
                          ) : null}
                        </p>
                        <Table
                          class="figures"
                          caption={t('records.accuracyCurve', { count: a.finds.mines })}
                          rows={a.positionalAccuracy}
                          rowKey={(row) => row.toleranceM}
                          columns={[
                            { heading: 'τ', cell: (row) => `${formatNumber(row.toleranceM)} m` },
                            { heading: t('records.asRecorded'), cell: (row) => shareOf(row) },
                            ...(corrected ? [{ heading: t('records.afterShift'), cell: (row) => shareOf(corrected.positionalAccuracyAfter.find((x) => x.toleranceM === row.toleranceM)) } satisfies Column<Share>] : []),
                          ]}
                        />
                        <dl class="facts">
                          <dt>{t('records.accuracyAt', { tolerance: formatNumber(a.toleranceM) })}</dt>
                          <dd>{shareOf(a.positionalAccuracy.find((x) => x.toleranceM === a.toleranceM))}</dd>
                          <dt>{t('records.completeness')}</dt>
                          <dd>{shareOf(a.completeness)}</dd>
                          <dt>{t('records.outside')}</dt>
                          <dd>{shareOf(a.outsideShare?.combined)}</dd>
                          <dt>{t('records.foundVsStated')}</dt>
                          <dd>
                            {formatNumber(a.countDiscrepancy.found)} / {a.countDiscrepancy.stated === null ? '—' : formatNumber(a.countDiscrepancy.stated)}
                          </dd>
                          <dt>{t('records.shift')}</dt>
                          <dd>
                            {s ? t('records.shiftValue', { metres: formatNumber(s.shiftM, 1), bearing: formatDegrees(s.bearingDeg, 0, 'bearing'), rotation: formatDegrees(s.rotationDeg, 2, 'signed') }) : '—'}
                          </dd>
                        </dl>
                        <p class="hint">{t('records.completenessHint')}</p>
                        {s ? <p>{s.significant ? t('records.significant') : t('records.notSignificant')}</p> : null}
                        <details>
                          <summary>{t('records.method')}</summary>
                          <p>{a.method}</p>
                        </details>
                        <p>
                          <a href={`/api/minefield-records/${id}/report`}>{t('records.printable')}</a>
                        </p>
                      </>
                    );
                  }}
                </Show>
              </section>
            </div>
          </article>
        );
      }}
    </Show>
  );
}
