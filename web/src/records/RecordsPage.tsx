/** Minefield records, with the pooled accuracy audit of their handover batches. */
import { api } from '../api.ts';
import { useLoad } from '../data.ts';
import { formatArea, formatDate, formatNumber, formatPercent, t } from '../i18n/index.ts';
import { href } from '../router.ts';
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
}

interface AuditSummary {
  id: string;
  reference: string;
  accuracy: { toleranceM: number; share: number | null }[];
  systematic: { shiftM: number; significant: boolean } | null;
  counts: { found: number; stated: number | null };
}

export function RecordsPage() {
  const [records] = useLoad(() => api.get<{ total: number; records: RecordListing[] }>('/api/minefield-records?limit=1000'), []);
  const [audits] = useLoad(() => api.get<{ records: AuditSummary[] }>('/api/minefield-records/audit').then((a) => new Map(a.records.map((r) => [r.id, r]))), []);
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
                const audit = audits.state === 'ready' ? audits.value.get(r.id) : undefined;
                const at5 = audit?.accuracy.find((a) => a.toleranceM === 5)?.share;
                return (
                  <tr key={r.id}>
                    <th scope="row">
                      <a href={href(`/records/${r.id}`)}>{r.reference}</a>
                    </th>
                    <td>{r.handoverBatch ?? '—'}</td>
                    <td>{formatDate(r.handoverDate)}</td>
                    <td>{r.statedMineTotal === null ? '—' : formatNumber(r.statedMineTotal)}</td>
                    <td>{formatArea(r.perimeterAreaM2)}</td>
                    <td>{at5 === undefined || at5 === null ? '—' : formatPercent(at5)}</td>
                    <td>{audit?.systematic?.significant ? t('records.shiftBy', { metres: formatNumber(audit.systematic.shiftM, 1) }) : '—'}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </Show>
    </section>
  );
}
