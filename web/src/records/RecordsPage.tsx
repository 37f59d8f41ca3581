/** Minefield records, with the pooled accuracy audit of their handover batches. */
import { api } from '../api.ts';
import { useLoad } from '../data.ts';
import { formatArea, formatDate, formatNumber, t } from '../i18n/index.ts';
import { href } from '../router.ts';
import { type Count, shareOf } from './share.ts';
import { Show, Table } from '../ui.tsx';

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
          <Table
            rows={list}
            rowKey={(r) => r.id}
            columns={[
              {
                heading: t('field.reference'),
                cell: (r) => (
                  <>
                    <a href={href(`/records/${r.id}`)}>{r.reference}</a>
                    {r.reconstructionErrors > 0 ? <div class="error">{t('records.withErrors', { count: r.reconstructionErrors })}</div> : null}
                  </>
                ),
              },
              { heading: t('records.batch'), cell: (r) => r.handoverBatch ?? '—' },
              { heading: t('records.handoverDate'), cell: (r) => formatDate(r.handoverDate) },
              { heading: t('records.stated'), cell: (r) => (r.statedMineTotal === null ? '—' : formatNumber(r.statedMineTotal)) },
              { heading: t('records.perimeterArea'), cell: (r) => formatArea(r.perimeterAreaM2) },
              { heading: t('records.accuracyAt5'), cell: (r) => shareOf(audits.get(r.id)?.positionalAccuracy.find((a) => a.toleranceM === 5)) },
              {
                heading: t('records.shift'),
                cell: (r) => {
                  const shift = audits.get(r.id)?.systematicError;
                  return shift?.significant ? t('records.shiftBy', { metres: formatNumber(shift.shiftM, 1) }) : '—';
                },
              },
            ]}
          />
        )}
      </Show>
      <Show loaded={audit}>
        {(a) => (
          <Table
            caption={t('records.batches')}
            rows={a.batches}
            rowKey={(b) => b.key}
            columns={[
              { heading: t('records.batch'), cell: (b) => b.key },
              { heading: t('records.audited'), cell: (b) => t('records.auditedOf', { audited: formatNumber(b.audited), total: formatNumber(b.audited + b.skipped.length) }) },
              { heading: t('records.accuracyAt', { tolerance: formatNumber(a.toleranceM) }), cell: (b) => shareOf(b.positionalAccuracy.find((p) => p.toleranceM === a.toleranceM)) },
              { heading: t('records.completeness'), cell: (b) => shareOf(b.completeness) },
              { heading: t('records.skipped'), cell: (b) => (b.skipped.length === 0 ? '—' : b.skipped.map((s) => `${s.reference} (${s.reason})`).join(', ')) },
            ]}
          />
        )}
      </Show>
    </section>
  );
}
