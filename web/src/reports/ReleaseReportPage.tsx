/**
 * A report of land released: the outcome polygon of an activity in one of its hazardous areas,
 * by one method (the domain primer's land release product): cancelled by non-technical survey,
 * reduced by technical survey (saying whether technical assets were used), or cleared to a
 * depth. The land-release accounting counts these outlines, so the day's released land is
 * reported here, with its shape, and nowhere else. The form checks what the API would refuse
 * (a hazard the activity works on, the method's own facts, no future date, a readable polygon);
 * the server's shape check then compares the outline with the hazard.
 */
import { api } from '../api.ts';
import { useLoad } from '../data.ts';
import { type MessageKey, t } from '../i18n/index.ts';
import { useSession } from '../session.ts';
import { type Hazard, RELEASE_METHODS } from '../types.ts';
import { codeOptions, Field, Select } from '../ui.tsx';
import { packageHazards } from '../field/packageRecords.ts';
import { newestPackage } from '../field/packages.ts';
import type { ReleaseMethod } from '../../../src/land/rules.ts';
import { ActivitySelect, type Errors, CheckedGeometryField, pastDateProblem, ReportForm, todayUtc, unreadableMessage, useActivities, useReportForm, useShapeCheck, wholeNumberProblem } from './form.tsx';
import { readGeometry } from './geometryInput.ts';

interface Draft {
  activityId: string;
  hazardId: string;
  method: '' | ReleaseMethod;
  technicalAssets: '' | 'yes' | 'no';
  clearanceDepthCm: string;
  releaseDate: string;
  source: string;
  geometryText: string;
}

const LABELS: Record<string, MessageKey> = {
  activityId: 'field.activity',
  hazardId: 'field.hazard',
  method: 'field.method',
  technicalAssets: 'field.technicalAssets',
  clearanceDepthCm: 'field.clearanceDepthCm',
  releaseDate: 'field.releaseDate',
  source: 'field.source',
  geometry: 'report.releaseArea',
};

/** The deepest clearance the server takes, in centimetres. */
const MAX_DEPTH_CM = 10_000;

function validate(draft: Draft, hazardIds: readonly string[]): Errors {
  const errors: Errors = {};
  if (!draft.activityId) errors.activityId = t('validation.required');
  if (!draft.hazardId || !hazardIds.includes(draft.hazardId)) errors.hazardId = t('validation.required');
  if (!draft.method) errors.method = t('validation.required');
  if (draft.method === 'reduced' && !draft.technicalAssets) errors.technicalAssets = t('validation.required');
  if (draft.method === 'cleared') {
    const depth = draft.clearanceDepthCm.trim() ? wholeNumberProblem(draft.clearanceDepthCm, 1, MAX_DEPTH_CM) : t('validation.required');
    if (depth) errors.clearanceDepthCm = depth;
  }
  const date = pastDateProblem(draft.releaseDate, true);
  if (date) errors.releaseDate = date;
  if (!draft.source.trim()) errors.source = t('validation.required');
  const reading = readGeometry(draft.geometryText);
  if ('problem' in reading) errors.geometry = unreadableMessage(reading, 'polygon');
  return errors;
}

/** The hazardous areas an activity works on, by reference: from the newest package (no link needed), else from the server. */
function useHazardNames(ids: readonly string[]): ReadonlyMap<string, string> {
  const [names] = useLoad(async () => {
    const pkg = await newestPackage();
    const held = new Map((pkg ? packageHazards(pkg) : []).map((h) => [h.id, `${h.reference} (${t(`kind.${h.kind}`)})`]));
    const pairs = await Promise.all(
      ids.map(async (id): Promise<[string, string]> => {
        const known = held.get(id);
        if (known) return [id, known];
        const hazard = await api.get<Hazard>(`/api/hazards/${id}`).catch(() => null);
        return [id, hazard ? `${hazard.reference} (${t(`kind.${hazard.kind}`)})` : id];
      }),
    );
    return new Map(pairs);
  }, [ids.join(',')]);
  return names.state === 'ready' ? names.value : new Map();
}

export function ReleaseReportPage() {
  const { actor } = useSession();
  const activities = useActivities(actor);
  const { draft, set, errors, state, send, setSent, input, choice, shape } = useReportForm<Draft>('release', {
    activityId: '',
    hazardId: '',
    method: '',
    technicalAssets: '',
    clearanceDepthCm: '',
    releaseDate: todayUtc(),
    source: '',
    geometryText: '',
  });
  const activity = activities.find((a) => a.id === draft.activityId);
  const hazardIds = activity?.hazardIds ?? [];
  const hazardNames = useHazardNames(hazardIds);
  const shapeCheck = useShapeCheck('release_product', draft.hazardId || undefined);
  const reading = readGeometry(draft.geometryText);
  const geometry = 'geometry' in reading ? reading.geometry : null;

  const submit = () =>
    send(validate(draft, hazardIds), async () => {
      const method = draft.method as ReleaseMethod;
      const payload = {
        activityId: draft.activityId,
        hazardId: draft.hazardId,
        method,
        technicalAssets: method === 'cancelled' || !draft.technicalAssets ? null : draft.technicalAssets === 'yes',
        clearanceDepthCm: method === 'cleared' ? Number(draft.clearanceDepthCm) : null,
        releaseDate: draft.releaseDate,
        source: draft.source.trim(),
        geometry,
      };
      const result = await shapeCheck.send({ entityType: 'release_product', action: 'create', organisationId: activity?.organisationId ?? null, payload, photos: state.photos }, geometry, actor.username);
      const words = { hazard: hazardNames.get(draft.hazardId) ?? draft.hazardId, method: t(`method.${method}`) };
      setSent({ message: result.kept ? t('fieldApp.releaseKept', words) : t('report.releaseSubmitted', words), kept: result.kept });
    });

  return (
    <ReportForm
      intro={t('report.releaseIntro')}
      form={state}
      label={(field) => t(LABELS[field] ?? 'report.releaseArea')}
      onSubmit={submit}
      shape={<CheckedGeometryField {...shape('geometryText')} required preview={geometry} shapeCheck={shapeCheck} />}
    >
      <ActivitySelect
        activities={activities}
        value={draft.activityId}
        required
        error={errors.activityId}
        hint={activities.length > 0 ? t('report.releaseActivityHint') : t('report.noActivities')}
        onChange={(activityId) => set({ activityId, hazardId: '' })}
      />
      <Select
        label={t('field.hazard')}
        value={draft.hazardId}
        required
        error={errors.hazardId}
        hint={activity && hazardIds.length === 0 ? t('report.noLinkedHazards') : t('report.releaseHazardHint')}
        options={[{ value: '', label: t('report.choose') }, ...hazardIds.map((id) => ({ value: id, label: hazardNames.get(id) ?? id }))]}
        onChange={(hazardId) => {
          set({ hazardId });
          shapeCheck.reset();
        }}
      />
      <Select<'' | ReleaseMethod>
        label={t('field.method')}
        {...choice('method')}
        required
        hint={t('report.releaseMethodHint')}
        options={codeOptions([...RELEASE_METHODS].reverse(), (m) => t(`method.${m}`), t('report.choose'))}
      />
      {draft.method === 'reduced' || draft.method === 'cleared' ? (
        <Select<'' | 'yes' | 'no'>
          label={t('field.technicalAssets')}
          {...choice('technicalAssets')}
          required={draft.method === 'reduced'}
          options={[{ value: '', label: draft.method === 'reduced' ? t('report.choose') : t('report.notRecorded') }, { value: 'yes', label: t('common.yes') }, { value: 'no', label: t('common.no') }]}
        />
      ) : null}
      {draft.method === 'cleared' ? <Field label={t('field.clearanceDepthCm')} type="number" min="1" max={String(MAX_DEPTH_CM)} step="1" {...input('clearanceDepthCm')} required /> : null}
      <Field label={t('field.releaseDate')} type="date" max={todayUtc()} {...input('releaseDate')} required />
      <Field label={t('field.source')} {...input('source')} required hint={t('report.sourceHint')} />
    </ReportForm>
  );
}
