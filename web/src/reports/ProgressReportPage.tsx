/**
 * A report of a day's progress of an activity: the area the team processed (searched, cleared
 * or surveyed) and, when it drew it, the ground worked. Land released that day is a report of its
 * own (its outline and method), and so is each item found: the day's figures are not a second
 * count of either. The draft is judged by the rules the server's handler shares
 * (src/land/progress.ts), the activity's dates included, so a phone with no connection refuses
 * what the server would; offline the activities come from the newest area package and the report
 * waits in the outbox.
 */
import { areaUnitLabel, currentAreaUnit, formatDate, type MessageKey, t } from '../i18n/index.ts';
import { useSession } from '../session.ts';
import { Field, TextArea } from '../ui.tsx';
import { href } from '../router.ts';
import type { ActivitySummary } from '../types.ts';
import { type ProgressProblem, progressProblems } from '../../../src/land/progress.ts';
import { ActivitySelect, DATE_PROBLEMS, type Errors, CheckedGeometryField, ReportForm, todayUtc, unreadableMessage, useActivities, useReportForm, useShapeCheck } from './form.tsx';
import { readGeometry } from './geometryInput.ts';

const AREA_FACTOR = { m2: 1, ha: 10_000, km2: 1_000_000 } as const;

interface Draft {
  activityId: string;
  reportDate: string;
  areaProcessed: string;
  notes: string;
  source: string;
  groundText: string;
}

const LABELS: Record<string, MessageKey> = {
  activityId: 'field.activity',
  reportDate: 'field.reportDate',
  areaProcessed: 'field.areaProcessed',
  source: 'field.source',
  ground: 'report.progressGround',
};

const PROBLEMS: Record<ProgressProblem, MessageKey> = { ...DATE_PROBLEMS, before_start: 'validation.beforeStart', after_end: 'validation.afterEnd', not_area: 'validation.number' };

/** The area typed, in the unit of the setting, as square metres; NaN when it is not a number. */
function areaM2(text: string): number {
  return text.trim() ? Number(text) * AREA_FACTOR[currentAreaUnit()] : Number.NaN;
}

function validate(draft: Draft, activity: ActivitySummary | undefined): Errors {
  const errors: Errors = {};
  const problems = progressProblems({ activityId: draft.activityId, reportDate: draft.reportDate, areaProcessedM2: areaM2(draft.areaProcessed), source: draft.source }, activity ?? null, todayUtc());
  for (const [field, problem] of Object.entries(problems)) {
    if (field === 'areaProcessedM2') errors.areaProcessed = draft.areaProcessed.trim() ? t(PROBLEMS[problem]) : t('validation.required');
    else errors[field] = t(PROBLEMS[problem], { date: formatDate(problem === 'before_start' ? (activity?.startDate ?? null) : (activity?.endDate ?? null)) });
  }
  if (draft.groundText.trim()) {
    const reading = readGeometry(draft.groundText);
    if ('problem' in reading) errors.ground = unreadableMessage(reading, 'polygon');
  }
  return errors;
}

export function ProgressReportPage() {
  const { actor } = useSession();
  const activities = useActivities(actor);
  const { draft, state, send, setSent, input, choice, shape } = useReportForm<Draft>('progress', { activityId: '', reportDate: todayUtc(), areaProcessed: '', notes: '', source: '', groundText: '' });
  const shapeCheck = useShapeCheck('release_product');
  const reading = draft.groundText.trim() ? readGeometry(draft.groundText) : null;
  const ground = reading && 'geometry' in reading ? reading.geometry : null;
  const activity = activities.find((a) => a.id === draft.activityId);

  const submit = () =>
    send(validate(draft, activity), async () => {
      const payload = {
        activityId: draft.activityId,
        reportDate: draft.reportDate,
        areaProcessedM2: areaM2(draft.areaProcessed),
        notes: draft.notes.trim() || null,
        source: draft.source.trim(),
        geometry: ground,
      };
      const result = await shapeCheck.send({ entityType: 'progress_report', action: 'create', organisationId: activity?.organisationId ?? null, payload, photos: state.photos }, ground, actor.username);
      const words = { activity: activity?.reference ?? draft.activityId, date: formatDate(draft.reportDate) };
      setSent({ message: result.kept ? t('fieldApp.progressKept', words) : t('report.progressSubmitted', words), kept: result.kept });
    });

  return (
    <ReportForm
      intro={t('report.progressIntro')}
      form={state}
      label={(field) => t(LABELS[field] ?? 'report.progressGround')}
      onSubmit={submit}
      shape={<CheckedGeometryField {...shape('groundText')} preview={ground} shapeCheck={shapeCheck} />}
      below={
        <p>
          <a href={href('/reports/new/finds')}>{t('report.progressFinds')}</a> · <a href={href('/reports/new/release')}>{t('report.progressRelease')}</a>
        </p>
      }
    >
      <ActivitySelect activities={activities} {...choice('activityId')} required hint={activities.length > 0 ? t('report.progressActivityHint') : t('report.noActivities')} />
      <Field label={t('field.reportDate')} type="date" max={todayUtc()} {...input('reportDate')} required />
      <Field label={`${t('field.areaProcessed')} (${areaUnitLabel()})`} type="number" min="0" step="any" {...input('areaProcessed')} required hint={t('report.areaProcessedHint')} />
      <TextArea label={t('field.notes')} rows={3} {...input('notes')} />
      <Field label={t('field.source')} {...input('source')} required hint={t('report.sourceHint')} />
    </ReportForm>
  );
}
