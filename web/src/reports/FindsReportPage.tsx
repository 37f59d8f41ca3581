/**
 * A report of explosive ordnance finds: what a team found, where, when and what became of it.
 * A clearance team finds several items in a day, so the form takes several points at once with
 * the facts they share; each point becomes a report of its own, because a report changes one
 * record and each find is approved (or refused) on its own.
 */
import { useState } from 'preact/hooks';
import type { MultiPoint } from '../geojson.ts';
import { formatNumber, t } from '../i18n/index.ts';
import { can, useSession } from '../session.ts';
import { DISPOSAL_METHODS, type DisposalMethod, FIND_CATEGORIES, FIND_CONDITIONS, type FindCategory, type FindCondition, type OrdnanceModel } from '../types.ts';
import { codeOptions, Field, Select } from '../ui.tsx';
import { sendOrKeep } from '../field/outbox.ts';
import { ActivitySelect, type Errors, GeometryField, OrganisationSelect, pastDateProblem, refusalMessage, ReportForm, todayUtc, unreadableMessage, useActivities, useReportForm, wholeNumberProblem } from './form.tsx';
import { OrdnanceModelField, ordnanceProblems, useOrdnanceModels } from './ordnance.tsx';
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
  Object.assign(errors, ordnanceProblems(draft.ordnanceModel, draft.category, models));
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
  const activities = useActivities(actor);
  const models = useOrdnanceModels();
  const { draft, set, state, send, setSent, input, choice, shape } = useReportForm<Draft>('finds', {
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
  const [sentSoFar, setSentSoFar] = useState(0);
  const [keptSoFar, setKeptSoFar] = useState(0);
  const reading = readPoints(draft.pointsText);
  const points = 'points' in reading ? reading.points : [];
  const preview: MultiPoint | null = points.length > 0 ? { type: 'MultiPoint', coordinates: points.map((p) => p.coordinates) } : null;

  /**
   * One report per point, in order. A point the server refuses stops the run; the points sent
   * so far leave the form, so that sending again after a correction sends none of them twice.
   */
  function submit() {
    let index = 0;
    let sent = sentSoFar;
    let kept = keptSoFar;
    const sendEach = async () => {
      for (; index < points.length; index++) {
        const result = await sendOrKeep({
          entityType: 'find',
          action: 'create',
          photos: state.photos,
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
        if (result.kept) kept += 1;
        else sent += 1;
        setKeptSoFar(kept);
        setSentSoFar(sent);
      }
      setSent({ message: kept > 0 ? t('fieldApp.findsKept', { count: formatNumber(kept) }) : t('report.findsSubmitted', { count: formatNumber(sent) }), kept: kept > 0 });
    };
    const refused = (caught: unknown) => {
      const left = points.slice(index).map((p) => p.coordinates);
      set({ pointsText: JSON.stringify(left.length === 1 ? { type: 'Point', coordinates: left[0] } : { type: 'MultiPoint', coordinates: left }) });
      return t('report.findRefused', { point: index + 1, message: refusalMessage(caught) });
    };
    return send(validate(draft, models), sendEach, refused);
  }

  const chosenActivity = activities.find((a) => a.id === draft.activityId);
  return (
    <ReportForm
      intro={t('report.findsIntro')}
      form={state}
      label={(field) => t(LABELS[field] ?? 'report.findPoints')}
      onSubmit={submit}
      submitLabel={points.length > 1 ? t('report.submitFinds', { count: formatNumber(points.length) }) : t('report.submit')}
      status={
        sentSoFar > 0 ? (
          <p role="status" class="success">
            {t('report.findsSentSoFar', { count: formatNumber(sentSoFar) })}
          </p>
        ) : null
      }
      shape={
        <GeometryField {...shape('pointsText')} required preview={preview}>
          {points.length > 0 ? <p class="hint">{t('report.findPointsRead', { count: formatNumber(points.length) })}</p> : null}
        </GeometryField>
      }
    >
      <ActivitySelect activities={activities} {...choice('activityId')} hint={t('report.findActivityHint')} />
      <OrganisationSelect
        label={t('field.reportingOrganisation')}
        {...choice('organisationId')}
        none={national ? t('common.none') : undefined}
        hint={chosenActivity ? t('report.organisationFromActivity', { organisation: chosenActivity.organisation }) : t('report.organisationWithoutActivity')}
      />
      <Select<'' | FindCategory> label={t('field.category')} {...choice('category')} options={codeOptions(FIND_CATEGORIES, (c) => t(`findCategory.${c}`), t('report.categoryFromModel'))} />
      <OrdnanceModelField {...input('ordnanceModel')} models={models} />
      <div class="inline two">
        <Field label={t('field.quantity')} type="number" min="1" step="1" {...input('quantity')} required />
        <Field label={t('field.depthCm')} type="number" min="0" step="1" {...input('depthCm')} />
      </div>
      <Select<'' | FindCondition> label={t('field.condition')} {...choice('condition')} options={codeOptions(FIND_CONDITIONS, (c) => t(`condition.${c}`), t('report.notRecorded'))} />
      <Select<'' | DisposalMethod> label={t('field.disposalMethod')} {...choice('disposalMethod')} options={codeOptions(DISPOSAL_METHODS, (d) => t(`disposal.${d}`), t('report.notRecorded'))} />
      <Field label={t('field.foundOn')} type="date" max={todayUtc()} {...input('foundOn')} required />
      <Field label={t('field.source')} {...input('source')} required hint={t('report.sourceHint')} />
    </ReportForm>
  );
}
