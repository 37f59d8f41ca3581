/**
 * A report written against an older version of a record than the current one (it came from a
 * field office that synced late): never applied as it is. Base, theirs and current side by side,
 * and a choice per field where theirs and current differ; resolving approves the chosen record as
 * a new version (docs/sync.md).
 */
import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { useAction, useLoad } from '../data.ts';
import { t } from '../i18n/index.ts';
import type { Report } from '../types.ts';
import { ErrorMessage, Show, Table } from '../ui.tsx';
import { fieldLabel, fieldValue, inReadingOrder } from './fields.ts';

type Side = 'base' | 'theirs' | 'current';
const SIDES: readonly Side[] = ['base', 'theirs', 'current'];

interface Conflict {
  baseVersion: number;
  currentVersion: number;
  fields: string[];
  base: Record<string, unknown>;
  theirs: Record<string, unknown>;
  current: Record<string, unknown>;
}

export function ConflictResolution({ report, reference, organisations, note, onResolved }: { report: Report; reference: string; organisations: ReadonlyMap<string, string>; note: string; onResolved: () => void }) {
  const [conflict] = useLoad(() => api.get<Conflict>(`/api/sync/conflicts/${report.id}`), [report.id]);
  return <Show loaded={conflict}>{(c) => <Sides report={report} reference={reference} conflict={c} organisations={organisations} note={note} onResolved={onResolved} />}</Show>;
}

function Sides({ report, reference, conflict, organisations, note, onResolved }: { report: Report; reference: string; conflict: Conflict; organisations: ReadonlyMap<string, string>; note: string; onResolved: () => void }) {
  const [choices, setChoices] = useState<Record<string, Side>>({});
  const { busy, error, setError, run } = useAction();
  const keys = inReadingOrder([...new Set([...Object.keys(conflict.theirs), ...Object.keys(conflict.current)])].filter((k) => k !== 'geometry' && k !== 'id' && k !== 'version'));
  const conflicting = new Set(conflict.fields);
  const show = (side: Record<string, unknown>, key: string) => fieldValue(key, side[key], organisations, report.entityType);

  async function resolve() {
    if (conflict.fields.some((f) => !choices[f])) {
      setError(t('conflict.chooseAll'));
      return;
    }
    await run(async () => {
      await api.post(`/api/sync/conflicts/${report.id}/resolve`, { currentVersion: conflict.currentVersion, choices, ...(note.trim() ? { note: note.trim() } : {}) });
      onResolved();
    });
  }

  return (
    <div class="conflict">
      <p role="note">{t('conflict.intro', { base: conflict.baseVersion, current: conflict.currentVersion })}</p>
      <Table
        caption={t('conflict.sides')}
        rows={keys}
        rowKey={(key) => key}
        rowClass={(key) => (conflicting.has(key) ? 'changed' : undefined)}
        columns={[
          { heading: t('approvals.field'), cell: (key) => fieldLabel(key, report.entityType) },
          { heading: t('conflict.base', { version: conflict.baseVersion }), cell: (key) => show(conflict.base, key) },
          { heading: t('conflict.theirs'), cell: (key) => show(conflict.theirs, key) },
          { heading: t('conflict.current', { version: conflict.currentVersion }), cell: (key) => show(conflict.current, key) },
          {
            heading: t('conflict.keep'),
            cell: (key) =>
              conflicting.has(key) ? (
                <fieldset class="inline">
                  <legend class="visually-hidden">{t('conflict.keepFor', { field: fieldLabel(key, report.entityType) })}</legend>
                  {SIDES.map((side) => (
                    <label key={side}>
                      <input type="radio" name={`${report.id}-${key}`} value={side} checked={choices[key] === side} onChange={() => setChoices({ ...choices, [key]: side })} />{' '}
                      {t(`conflict.side.${side}`)}
                    </label>
                  ))}
                </fieldset>
              ) : (
                <span class="muted">{t('conflict.same')}</span>
              ),
          },
        ]}
      />
      {error ? <ErrorMessage message={error} /> : null}
      <button type="button" class="primary" disabled={busy} onClick={() => void resolve()}>
        {t('conflict.resolve', { reference })}
      </button>
    </div>
  );
}
