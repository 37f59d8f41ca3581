/**
 * The approval queue: submitted and verified reports, each with what it will change shown field
 * by field and on a sketch (before in grey, after in red), the photos it came with, and the next
 * step its reviewer may take.
 */
import { useState } from 'preact/hooks';
import { api, query } from '../api.ts';
import { useAction, useLoad } from '../data.ts';
import type { Geometry } from '../geojson.ts';
import { formatDateTime, t } from '../i18n/index.ts';
import { href } from '../router.ts';
import { can, useSession } from '../session.ts';
import type { Hazard, Organisation, Report } from '../types.ts';
import { Badge, ErrorMessage, Show, Sketch, Table, TextArea } from '../ui.tsx';
import { ConflictResolution } from './ConflictResolution.tsx';
import { ReportPhotos } from './Photos.tsx';
import { fieldLabel, fieldValue, inReadingOrder, reportTitle } from './fields.ts';

/** Entity types with a name of their own in the queue; the others are "record". */
const ENTITY_TYPES = ['hazard', 'activity', 'progress_report', 'release_product', 'find', 'accident', 'risk_education_session', 'find_import'] as const;

async function queue(): Promise<Report[]> {
  const [submitted, verified] = await Promise.all(
    (['submitted', 'verified'] as const).map((state) => api.get<{ reports: Report[] }>(`/api/reports${query({ state, limit: 200 })}`).then((a) => a.reports)),
  );
  return [...(verified ?? []), ...(submitted ?? [])];
}

/** The record as it is now, for updates and deletes; nothing for a new record. */
async function currentRecord(report: Report): Promise<Record<string, unknown> | null> {
  if (!report.entityId || report.entityType !== 'hazard') return null;
  return (await api.get<Hazard>(`/api/hazards/${report.entityId}`)) as unknown as Record<string, unknown>;
}

export function ApprovalsPage() {
  const [reports, reload] = useLoad(queue, []);
  const [organisations] = useLoad(() => api.get<{ organisations: Organisation[] }>('/api/organisations').then((a) => new Map(a.organisations.map((o) => [o.id, o.name]))), []);
  const names = organisations.state === 'ready' ? organisations.value : new Map<string, string>();
  return (
    <section class="page">
      <h1>{t('approvals.title')}</h1>
      <p class="muted">{t('approvals.intro')}</p>
      <Show loaded={reports}>
        {(list) =>
          list.length === 0 ? (
            <p role="status">{t('approvals.empty')}</p>
          ) : (
            <ul class="plain queue">
              {list.map((report) => (
                <li key={report.id}>
                  <ReportReview report={report} organisations={names} onDecided={reload} />
                </li>
              ))}
            </ul>
          )
        }
      </Show>
    </section>
  );
}

function ReportReview({ report, organisations, onDecided }: { report: Report; organisations: ReadonlyMap<string, string>; onDecided: () => void }) {
  const { actor } = useSession();
  const [current] = useLoad(() => currentRecord(report), [report.id]);
  const [note, setNote] = useState('');
  const { busy, error, setError, run } = useAction();
  const reference = reportTitle(report.entityType, report.payload) ?? String((current.state === 'ready' ? current.value?.reference : null) ?? report.id.slice(0, 8));
  const headingId = `report-${report.id}`;
  const inConflict = report.conflict !== null && report.conflict.resolvedAt === null;

  async function step(action: 'verify' | 'approve' | 'reject') {
    if (action === 'reject' && !note.trim()) {
      setError(t('approvals.rejectNeedsNote'));
      return;
    }
    await run(async () => {
      await api.post(`/api/reports/${report.id}/${action}`, note.trim() ? { note: note.trim() } : {});
      onDecided();
    });
  }

  return (
    <article class="card" aria-labelledby={headingId}>
      <h2 id={headingId}>
        {t(`action.${report.action}`)} · {t(`entity.${ENTITY_TYPES.find((e) => e === report.entityType) ?? 'other'}`)} {reference} <Badge tone={report.state}>{t(`reportState.${report.state}`)}</Badge>
        {inConflict ? <Badge tone="conflict">{t('approvals.conflictBadge')}</Badge> : null}
      </h2>
      <p class="muted">
        {t('approvals.submittedAt', { when: formatDateTime(report.submittedAt ?? report.createdAt) })} · {report.organisationId ? (organisations.get(report.organisationId) ?? report.organisationId) : t('common.none')}
        {report.reason ? ` · ${t('hazard.reason', { reason: report.reason })}` : ''}
      </p>
      {inConflict && can(actor, 'report.approve') ? (
        <ConflictResolution report={report} reference={reference} organisations={organisations} note={note} onResolved={onDecided} />
      ) : (
        <Show loaded={current}>{(before) => <Changes report={report} before={before} organisations={organisations} />}</Show>
      )}
      <ReportPhotos reportId={report.id} />
      <TextArea label={t('approvals.note')} rows={2} value={note} onInput={setNote} hint={t('approvals.noteHint')} />
      {error ? <ErrorMessage message={error} /> : null}
      <div class="inline">
        {report.state === 'submitted' && can(actor, 'report.verify') ? (
          <button type="button" disabled={busy} onClick={() => void step('verify')}>
            {t('approvals.verify', { reference })}
          </button>
        ) : null}
        {report.state === 'verified' && !inConflict && can(actor, 'report.approve') ? (
          <button type="button" class="primary" disabled={busy} onClick={() => void step('approve')}>
            {t('approvals.approve', { reference })}
          </button>
        ) : null}
        {can(actor, 'report.approve') ? (
          <button type="button" class="danger" disabled={busy} onClick={() => void step('reject')}>
            {t('approvals.reject', { reference })}
          </button>
        ) : null}
        {report.entityId && report.entityType === 'hazard' ? <a href={href(`/hazards/${report.entityId}`)}>{t('approvals.openRecord')}</a> : null}
      </div>
    </article>
  );
}

function Changes({ report, before, organisations }: { report: Report; before: Record<string, unknown> | null; organisations: ReadonlyMap<string, string> }) {
  const after = report.action === 'delete' ? null : report.action === 'update' && before ? { ...before, ...report.payload } : report.payload;
  const keys = inReadingOrder([...new Set([...Object.keys(report.payload), ...(report.action === 'delete' && before ? Object.keys(before) : [])])].filter((k) => k !== 'geometry' && k !== 'id' && k !== 'version'));
  const changed = (key: string) => JSON.stringify(before?.[key] ?? null) !== JSON.stringify(after?.[key] ?? null);
  const beforeGeometry = (before?.geometry ?? null) as Geometry | null;
  const afterGeometry = (after?.geometry ?? null) as Geometry | null;
  return (
    <div class="changes two-columns">
      <Table
        caption={t('approvals.whatChanges')}
        rows={keys}
        rowKey={(key) => key}
        rowClass={(key) => (changed(key) ? 'changed' : undefined)}
        columns={[
          { heading: t('approvals.field'), cell: (key) => fieldLabel(key, report.entityType) },
          { heading: t('approvals.before'), cell: (key) => (before ? fieldValue(key, before[key], organisations, report.entityType) : '—') },
          {
            heading: t('approvals.after'),
            cell: (key) => (
              <>
                {after ? fieldValue(key, after[key], organisations, report.entityType) : t('approvals.deleted')}
                {changed(key) ? <span class="visually-hidden"> ({t('approvals.changed')})</span> : null}
              </>
            ),
          },
        ]}
      />
      <figure>
        <Sketch
          label={t('approvals.sketchLabel')}
          width={320}
          height={220}
          layers={[
            { geometry: beforeGeometry, className: 'sketch-before' },
            { geometry: afterGeometry, className: 'sketch-after' },
          ]}
        />
        <figcaption class="hint">
          <span class="swatch sketch-before-swatch" /> {t('approvals.before')} <span class="swatch sketch-after-swatch" /> {t('approvals.after')}
        </figcaption>
      </figure>
    </div>
  );
}
