/** Minefield records, with the pooled accuracy audit of their handover batches. */
import { api } from '../api.ts';
import { useLoad } from '../data.ts';
import { formatArea, formatDate, formatNumber, t } from '../i18n/index.ts';
import { href } from '../router.ts';
import { type Count, shareOf } from './share.ts';
import { Show } from '../ui.tsx';

interface RecordListing {
  id: string;
  reference: string;
  handoverBatch: string | null;
  handoverDate: string | null;
  statedMineTotal: number | null;
  rowCount: number;
  minePositions: number;
  perimeterAreaM2: number | null;
  reconstructionErrors: number;
}

interface AuditSummary {
  id: string;
  reference: string;
  positionalAccuracy: Array<Count & { toleranceM: number }>;
  systematicError: { shiftM: number; significant: boolean } | null;
}

interface BatchSummary {
  key: string;
  audited: number;
  skipped: Array<{ reference: string; reason: string }>;
  positionalAccuracy: Array<Count & { toleranceM: number }>;
  completeness: Count;
}

interface BatchAudit {
  toleranceM: number;
  records: AuditSummary[];
  batches: BatchSummary[];
}

export function RecordsPage() {
  const [records] = useLoad(() => api.get<{ total: number; records: RecordListing[] }>('/api/minefield-records?limit=1000'), []);
  const [audit] = useLoad(() => api.get<BatchAudit>('/api/minefield-records/audit'), []);
  const audits = audit.state === 'ready' ? new Map(audit.value.records.map((r) => [r.id, r])) : new Map<string, AuditSummary>();
  return (
    <section class="page">
      <h1>{t('records.title')}</h1>
      <p class="muted">{t('records.intro')}</p>
      <Show loaded={records}>
        {({ records: list }) => (
          <table>
            <thead>
              <tr>
                <th scope="col">{t('field.reference')}</th>
                <th scope="col">{t('records.batch')}</th>
                <th scope="col">{t('records.handoverDate')}</th>
                <th scope="col">{t('records.stated')}</th>
                <th scope="col">{t('records.perimeterArea')}</th>
                <th scope="col">{t('records.accuracyAt5')}</th>
                <th scope="col">{t('records.shift')}</th>
              </tr>
            </thead>
            <tbody>
              {list.map((r) => {
                const found = audits.get(r.id);
                const at5 = found?.positionalAccuracy.find((a) => a.toleranceM === 5);
                return (
                  <tr key={r.id}>
                    <th scope="row">
                      <a href={href(`/records/${r.id}`)}>{r.reference}</a>
                      {r.reconstructionErrors > 0 ? <div class="error">{t('records.withErrors', { count: r.reconstructionErrors })}</div> : null}
                    </th>
                    <td>{r.handoverBatch ?? '—'}</td>
                    <td>{formatDate(r.handoverDate)}</td>
                    <td>{r.statedMineTotal === null ? '—' : formatNumber(r.statedMineTotal)}</td>
                    <td>{formatArea(r.perimeterAreaM2)}</td>
                    <td>{shareOf(at5)}</td>
                    <td>{found?.systematicError?.significant ? t('records.shiftBy', { metres: formatNumber(found.systematicError.shiftM, 1) }) : '—'}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </Show>
      <Show loaded={audit}>
        {(a) => (
          <table>
            <caption>{t('records.batches')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('records.batch')}</th>
                <th scope="col">{t('records.audited')}</th>
                <th scope="col">{t('records.accuracyAt', { tolerance: formatNumber(a.toleranceM) })}</th>
                <th scope="col">{t('records.completeness')}</th>
                <th scope="col">{t('records.skipped')}</th>
              </tr>
            </thead>
            <tbody>
              {a.batches.map((b) => (
                <tr key={b.key}>
                  <th scope="row">{b.key}</th>
                  <td>{t('records.auditedOf', { audited: formatNumber(b.audited), total: formatNumber(b.audited + b.skipped.length) })}</td>
                  <td>{shareOf(b.positionalAccuracy.find((p) => p.toleranceM === a.toleranceM))}</td>
                  <td>{shareOf(b.completeness)}</td>
                  <td>{b.skipped.length === 0 ? '—' : b.skipped.map((s) => `${s.reference} (${s.reason})`).join(', ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Show>
    </section>
  );
}
