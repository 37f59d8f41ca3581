/**
 * A report of explosive ordnance finds: what a team found, where, when and what became of it.
 * A clearance team finds several items in a day, so the form takes several points at once with
 * the facts they share; each point becomes a report of its own, because a report changes one
 * record and each find is approved (or refused) on its own.
 */
import { useRef, useState } from 'preact/hooks';
import { ApiError, api } from '../api.ts';
import { useLoad } from '../data.ts';
import type { MultiPoint } from '../geojson.ts';
import { formatNumber, t } from '../i18n/index.ts';
import { can, useSession } from '../session.ts';
import { DISPOSAL_METHODS, type DisposalMethod, FIND_CATEGORIES, FIND_CONDITIONS, type FindCategory, type FindCondition, type OrdnanceModel, type Page } from '../types.ts';
import { Field, Select } from '../ui.tsx';
import { sendOrKeep } from '../field/outbox.ts';
import { orFromPackage } from '../field/packages.ts';
import { activityLabel, type Errors, GeometryField, modelKey, pastDateProblem, ReportForm, Submitted, todayUtc, unreadableMessage, useActivities, useOrganisations, wholeNumberProblem, withoutErrors } from './form.tsx';
import { readPoints } from './geometryInput.ts';

interface Draft {
  activityId: string;
  organisationId: string;
  category: '' | FindCategory;
  ordnanceModel: string;
  quantity: string;
  depthCm: string;
  condition: '' | FindCondition;
  disposalMethod: '' | DisposalMethod;
  foundOn: string;
  source: string;
  pointsText: string;
}

const LABELS: Record<string, Parameters<typeof t>[0]> = {
  activityId: 'field.activity',
  organisationId: 'field.organisation',
  category: 'field.category',
  ordnanceModel: 'field.ordnanceModel',
  quantity: 'field.quantity',
  depthCm: 'field.depthCm',
  foundOn: 'field.foundOn',
  source: 'field.source',
  points: 'report.findPoints',
};

/** Each point is a request of its own; more finds than this are a batch for an import (safeground import finds). */
const MAX_POINTS = 200;

function validate(draft: Draft, models: ReadonlyMap<string, OrdnanceModel>): Errors {
  const errors: Errors = {};
  if (!draft.activityId && !draft.organisationId) errors.organisationId = t('validation.activityOrOrganisation');
  if (!draft.category && !draft.ordnanceModel.trim()) errors.category = t('validation.categoryOrModel');
  const model = models.get(modelKey(draft.ordnanceModel));
  if (draft.ordnanceModel.trim() && models.size > 0 && !model) errors.ordnanceModel = t('validation.notInCatalogue');
  if (draft.category && model && draft.category !== model.category) errors.category = t('validation.categoryNotModel', { model: model.name, category: t(`findCategory.${model.category}`) });
  const quantity = draft.quantity.trim() ? wholeNumberProblem(draft.quantity, 1) : t('validation.required');
  if (quantity) errors.quantity = quantity;
  const depth = wholeNumberProblem(draft.depthCm, 0);
  if (depth) errors.depthCm = depth;
  const foundOn = pastDateProblem(draft.foundOn, true);
  if (foundOn) errors.foundOn = foundOn;
  if (!draft.source.trim()) errors.source = t('validation.required');
  const reading = readPoints(draft.pointsText);
  if ('problem' in reading) errors.points = unreadableMessage(reading, 'points');
  else if (reading.points.length > MAX_POINTS) errors.points = t('validation.tooManyPoints', { max: MAX_POINTS });
  return errors;
}

export function FindsReportPage() {
  const { actor } = useSession();
  const national = can(actor, 'report.approve');
  const organisations = useOrganisations(actor);
  const activities = useActivities(actor);
  const [catalogue] = useLoad(() => orFromPackage(() => api.get<Page<OrdnanceModel>>('/api/ordnance-models?limit=1000').then((a) => a.items), 'ordnanceModels'), []);
  const models = new Map((catalogue.state === 'ready' ? catalogue.value : []).map((m) => [modelKey(m.name), m]));
  const [draft, setDraft] = useState<Draft>({
    activityId: '',
    organisationId: actor.organisationId ?? '',
    category: '',
    ordnanceModel: '',
    quantity: '1',
    depthCm: '',
    condition: '',
    disposalMethod: '',
    foundOn: todayUtc(),
    source: '',
    pointsText: '',
  });
  const [errors, setErrors] = useState<Errors>({});
  const [serverError, setServerError] = useState<string | null>(null);
  const [sent, setSent] = useState(0);
  const [kept, setKept] = useState(0);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);
  const summary = useRef<HTMLDivElement>(null);
  const set = (change: Partial<Draft>) => {
    setDraft((d) => ({ ...d, ...change }));
    setErrors((e) => withoutErrors(e, Object.keys(change)));
  };
  const reading = readPoints(draft.pointsText);
  const points = 'points' in reading ? reading.points : [];
  const preview: MultiPoint | null = points.length > 0 ? { type: 'MultiPoint', coordinates: points.map((p) => p.coordinates) } : null;

  /**
   * One report per point, in order. A point the server refuses stops the run; the points sent
   * so far leave the form, so that sending again after a correction sends none of them twice.
   */
  async function submit(event: Event) {
    event.preventDefault();
    const found = validate(draft, models);
    setErrors(found);
    setServerError(null);
    if (Object.keys(found).length > 0) {
      summary.current?.focus();
      return;
    }
    setBusy(true);
    let index = 0;
    try {
      for (; index < points.length; index++) {
        const result = await sendOrKeep({
          entityType: 'find',
          action: 'create',
          organisationId: draft.organisationId || null,
          payload: {
            activityId: draft.activityId || null,
            organisationId: draft.organisationId || null,
            category: draft.category || null,
            ordnanceModel: draft.ordnanceModel.trim() || null,
            quantity: Number(draft.quantity),
            depthCm: draft.depthCm.trim() ? Number(draft.depthCm) : null,
            condition: draft.condition || null,
            disposalMethod: draft.disposalMethod || null,
            foundOn: draft.foundOn,
            source: draft.source.trim(),
            geometry: points[index],
          },
        }, actor.username);
        if (result.kept) setKept((n) => n + 1);
        else setSent((n) => n + 1);
      }
      setDone(true);
    } catch (caught) {
      const message = caught instanceof ApiError ? caught.message : String(caught);
      setServerError(t('report.findRefused', { point: index + 1, message }));
      const left = points.slice(index).map((p) => p.coordinates);
      set({ pointsText: JSON.stringify(left.length === 1 ? { type: 'Point', coordinates: left[0] } : { type: 'MultiPoint', coordinates: left }) });
      summary.current?.focus();
    } finally {
      setBusy(false);
    }
  }

  if (done) {
    const message = kept > 0 ? t('fieldApp.findsKept', { count: formatNumber(kept) }) : t('report.findsSubmitted', { count: formatNumber(sent) });
    return <Submitted title={t('report.findsTitle')} message={message} kept={kept > 0} again="/reports/new/finds" />;
  }

  const chosenActivity = activities.find((a) => a.id === draft.activityId);
  return (
    <ReportForm
      kind="finds"
      title={t('report.findsTitle')}
      intro={t('report.findsIntro')}
      errors={errors}
      serverError={serverError}
      summary={summary}
      label={(field) => t(LABELS[field] ?? 'report.findPoints')}
      busy={busy}
      onSubmit={submit}
      submitLabel={points.length > 1 ? t('report.submitFinds', { count: formatNumber(points.length) }) : t('report.submit')}
      status={
        sent > 0 ? (
          <p role="status" class="success">
            {t('report.findsSentSoFar', { count: formatNumber(sent) })}
          </p>
        ) : null
      }
    >
      <div class="two-columns">
        <div>
          <Select
            label={t('field.activity')}
            value={draft.activityId}
            hint={t('report.findActivityHint')}
            options={[{ value: '', label: t('report.noActivity') }, ...activities.map((a) => ({ value: a.id, label: activityLabel(a) }))]}
            onChange={(activityId) => set({ activityId })}
          />
          <Select
            label={t('field.reportingOrganisation')}
            value={draft.organisationId}
            error={errors.organisationId}
            hint={chosenActivity ? t('report.organisationFromActivity', { organisation: chosenActivity.organisation }) : t('report.organisationWithoutActivity')}
            options={[...(national ? [{ value: '', label: t('common.none') }] : []), ...organisations.map((o) => ({ value: o.id, label: o.name }))]}
            onChange={(organisationId) => set({ organisationId })}
          />
          <Select<'' | FindCategory>
            label={t('field.category')}
            value={draft.category}
            error={errors.category}
            options={[{ value: '', label: t('report.categoryFromModel') }, ...FIND_CATEGORIES.map((c) => ({ value: c, label: t(`findCategory.${c}`) }))]}
            onChange={(category) => set({ category })}
          />
          <Field label={t('field.ordnanceModel')} value={draft.ordnanceModel} list="ordnance-models" error={errors.ordnanceModel} hint={t('report.ordnanceModelHint')} onInput={(ordnanceModel) => set({ ordnanceModel })} />
          <datalist id="ordnance-models">
            {[...models.values()].map((m) => (
              <option key={m.id} value={m.name} />
            ))}
          </datalist>
          <div class="inline two">
            <Field label={t('field.quantity')} type="number" min="1" step="1" value={draft.quantity} required error={errors.quantity} onInput={(quantity) => set({ quantity })} />
            <Field label={t('field.depthCm')} type="number" min="0" step="1" value={draft.depthCm} error={errors.depthCm} onInput={(depthCm) => set({ depthCm })} />
          </div>
          <Select<'' | FindCondition>
            label={t('field.condition')}
            value={draft.condition}
            options={[{ value: '', label: t('report.notRecorded') }, ...FIND_CONDITIONS.map((c) => ({ value: c, label: t(`condition.${c}`) }))]}
            onChange={(condition) => set({ condition })}
          />
          <Select<'' | DisposalMethod>
            label={t('field.disposalMethod')}
            value={draft.disposalMethod}
            options={[{ value: '', label: t('report.notRecorded') }, ...DISPOSAL_METHODS.map((d) => ({ value: d, label: t(`disposal.${d}`) }))]}
            onChange={(disposalMethod) => set({ disposalMethod })}
          />
          <Field label={t('field.foundOn')} type="date" max={todayUtc()} value={draft.foundOn} required error={errors.foundOn} onInput={(foundOn) => set({ foundOn })} />
          <Field label={t('field.source')} value={draft.source} required error={errors.source} hint={t('report.sourceHint')} onInput={(source) => set({ source })} />
        </div>
        <div>
          <GeometryField
            mode="points"
            legend={t('report.findPoints')}
            hint={t('report.findPointsHint')}
            textLabel={t('report.findPointsText')}
            text={draft.pointsText}
            required
            error={errors.points}
            preview={preview}
            onText={(pointsText) => set({ pointsText })}
          >
            {points.length > 0 ? <p class="hint">{t('report.findPointsRead', { count: formatNumber(points.length) })}</p> : null}
          </GeometryField>
        </div>
      </div>
    </ReportForm>
  );
}
