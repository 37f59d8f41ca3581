/**
 * A report of an accident and its victims: where and when, the device, whether it was demining,
 * and per victim what the casualty figures count (outcome, sex, age, civilian or military,
 * displacement). Victims' identifying details are restricted personal data: the form asks for
 * them only from users who may read them (restricted.read), since a reporter who could not read
 * them back could not check or correct what they sent. With no connection the report is kept in
 * the outbox, its victims' identities encrypted on the device (web/src/field/identities.ts).
 */
import { t } from '../i18n/index.ts';
import { can, useSession } from '../session.ts';
import { parseAge } from '../../../src/casualties/age.ts';
import { DATE_PRECISIONS, dateAsKnown, type DatePrecision } from '../../../src/ops/datePrecision.ts';
import { DEVICE_CATEGORIES, DISPLACEMENT_STATUSES, type OrdnanceModel, VICTIM_GROUPS, VICTIM_OUTCOMES as OUTCOMES, VICTIM_SEXES as SEXES } from '../types.ts';
import { codeOptions, Field, Select, TextArea } from '../ui.tsx';
import { ActivitySelect, bindDraft, type Errors, GeometryField, pastDateProblem, ReportForm, todayUtc, unreadableMessage, useActivities, useReportForm, withoutErrors } from './form.tsx';
import { OrdnanceModelField, ordnanceProblems, useOrdnanceModels } from './ordnance.tsx';
import { readPoints } from './geometryInput.ts';
import { sendOrKeep } from '../field/outbox.ts';

type Outcome = (typeof OUTCOMES)[number];
type Sex = (typeof SEXES)[number];
type VictimGroup = (typeof VICTIM_GROUPS)[number];
type Displacement = (typeof DISPLACEMENT_STATUSES)[number];
type DeviceCategory = (typeof DEVICE_CATEGORIES)[number];

interface VictimDraft {
  outcome: '' | Outcome;
  sex: '' | Sex;
  age: string;
  victimGroup: '' | VictimGroup;
  activityAtTime: string;
  injuries: string;
  displacementStatus: '' | Displacement;
  fullName: string;
  dateOfBirth: string;
  address: string;
  contact: string;
}

interface Draft {
  reference: string;
  occurredOn: string;
  /** How much of occurredOn is known: a day picked in a month or year known only as such stands for it. */
  occurredOnPrecision: DatePrecision;
  pointText: string;
  locationPrecisionM: string;
  deviceCategory: '' | DeviceCategory;
  ordnanceModel: string;
  deminingRelated: boolean;
  activityId: string;
  description: string;
  source: string;
  victims: VictimDraft[];
}

const NEW_VICTIM: VictimDraft = { outcome: '', sex: '', age: '', victimGroup: '', activityAtTime: '', injuries: '', displacementStatus: '', fullName: '', dateOfBirth: '', address: '', contact: '' };

const LABELS: Record<string, Parameters<typeof t>[0]> = {
  reference: 'field.reference',
  occurredOn: 'field.occurredOn',
  point: 'report.accidentPlace',
  locationPrecisionM: 'field.locationPrecision',
  deviceCategory: 'field.deviceCategory',
  ordnanceModel: 'field.ordnanceModel',
  activityId: 'field.activity',
  source: 'field.source',
  outcome: 'field.outcome',
  age: 'field.age',
  victimGroup: 'field.victimGroup',
  dateOfBirth: 'field.dateOfBirth',
};

/** "victims.1.outcome" reads "Victim 2, outcome". */
function fieldLabel(field: string): string {
  const [first, index, name] = field.split('.');
  if (first === 'victims' && index !== undefined && name) return t('report.victimField', { n: Number(index) + 1, field: t(LABELS[name] ?? 'field.outcome') });
  return t(LABELS[field] ?? 'report.accidentPlace');
}

function validate(draft: Draft, models: ReadonlyMap<string, OrdnanceModel>): Errors {
  const errors: Errors = {};
  if (!draft.reference.trim()) errors.reference = t('validation.required');
  const occurredOn = pastDateProblem(draft.occurredOn, true);
  if (occurredOn) errors.occurredOn = occurredOn;
  if (draft.pointText.trim()) {
    const reading = readPoints(draft.pointText);
    if ('problem' in reading) errors.point = unreadableMessage(reading, 'points');
    else if (reading.points.length > 1) errors.point = t('validation.onePoint', { count: reading.points.length });
  }
  if (draft.locationPrecisionM.trim() && !(Number(draft.locationPrecisionM) >= 0)) errors.locationPrecisionM = t('validation.number');
  const ordnance = ordnanceProblems(draft.ordnanceModel, draft.deviceCategory, models);
  if (ordnance.ordnanceModel) errors.ordnanceModel = ordnance.ordnanceModel;
  if (ordnance.category) errors.deviceCategory = ordnance.category;
  if (!draft.source.trim()) errors.source = t('validation.required');
  draft.victims.forEach((v, i) => {
    if (!v.outcome) errors[`victims.${i}.outcome`] = t('validation.required');
    if (!v.victimGroup) errors[`victims.${i}.victimGroup`] = t('validation.required');
    if (v.age.trim() && !parseAge(v.age)) errors[`victims.${i}.age`] = t('validation.age');
    const born = pastDateProblem(v.dateOfBirth, false);
    if (born) errors[`victims.${i}.dateOfBirth`] = born;
  });
  return errors;
}

/** An exact age, or a range with the words it was written in ("under 18"). */
function agePayload(text: string): Record<string, unknown> {
  const range = text.trim() ? parseAge(text) : null;
  if (!range) return { age: null };
  if (range.min === range.max) return { age: range.min };
  return { age: null, ageMin: range.min, ageMax: range.max, ageReported: text.trim() };
}

function victimPayload(v: VictimDraft, withIdentity: boolean): Record<string, unknown> {
  const text = (value: string) => value.trim() || null;
  const identity = { fullName: text(v.fullName), dateOfBirth: v.dateOfBirth || null, address: text(v.address), contact: text(v.contact) };
  return {
    outcome: v.outcome,
    sex: v.sex || null,
    ...agePayload(v.age),
    victimGroup: v.victimGroup,
    activityAtTime: text(v.activityAtTime),
    injuries: v.injuries.split(/[,;\n]/).map((s) => s.trim()).filter(Boolean),
    displacementStatus: v.displacementStatus || null,
    // An identity with nothing in it is no identity: left out, the API records none.
    ...(withIdentity && Object.values(identity).some((value) => value !== null) ? { identity } : {}),
  };
}

export function AccidentReportPage() {
  const { actor } = useSession();
  const identities = can(actor, 'restricted.read');
  const activities = useActivities(actor);
  const models = useOrdnanceModels();
  const { draft, set, setDraft, errors, setErrors, state, send, setSent, input, choice, shape } = useReportForm<Draft>('accident', {
    reference: '',
    occurredOn: '',
    occurredOnPrecision: 'day',
    pointText: '',
    locationPrecisionM: '',
    deviceCategory: '',
    ordnanceModel: '',
    deminingRelated: false,
    activityId: '',
    description: '',
    source: '',
    victims: [{ ...NEW_VICTIM }],
  });
  const setVictim = (index: number, change: Partial<VictimDraft>) => {
    setDraft((d) => ({ ...d, victims: d.victims.map((v, i) => (i === index ? { ...v, ...change } : v)) }));
    setErrors((e) => withoutErrors(e, Object.keys(change), `victims.${index}.`));
  };
  /** The victims after the one removed move up a place, so no victim's problems are kept by number. */
  const removeVictim = (index: number) => {
    set({ victims: draft.victims.filter((_, j) => j !== index) });
    setErrors((e) => Object.fromEntries(Object.entries(e).filter(([field]) => !field.startsWith('victims.'))));
  };
  const reading = draft.pointText.trim() ? readPoints(draft.pointText) : null;
  const point = reading && 'points' in reading && reading.points.length === 1 ? reading.points[0]! : null;

  const submit = () =>
    send(validate(draft, models), async () => {
      const activity = activities.find((a) => a.id === draft.activityId);
      const reference = draft.reference.trim();
      const result = await sendOrKeep(
        {
          entityType: 'accident',
          action: 'create',
          photos: state.photos,
          // A demining accident belongs to its activity's operator; any other to the reporter's organisation.
          organisationId: activity?.organisationId ?? actor.organisationId,
          payload: {
            reference,
            occurredOn: dateAsKnown(draft.occurredOn, draft.occurredOnPrecision),
            geometry: point,
            locationPrecisionM: draft.locationPrecisionM.trim() ? Number(draft.locationPrecisionM) : null,
            deviceCategory: draft.deviceCategory || null,
            ordnanceModel: draft.ordnanceModel.trim() || null,
            deminingRelated: draft.deminingRelated,
            activityId: draft.activityId || null,
            description: draft.description.trim() || null,
            source: draft.source.trim(),
            victims: draft.victims.map((v) => victimPayload(v, identities)),
          },
        },
        actor.username,
        actor.permissions,
      );
      setSent({ message: result.kept ? t('fieldApp.accidentKept', { reference }) : t('report.submitted', { reference }), kept: result.kept });
    });

  return (
    <ReportForm
      form={state}
      label={fieldLabel}
      onSubmit={submit}
      shape={
        <GeometryField {...shape('pointText')} preview={null}>
          {point ? <p class="hint">{t('report.pointRead', { lat: point.coordinates[1] ?? '', lon: point.coordinates[0] ?? '' })}</p> : null}
          <Field label={t('field.locationPrecision')} type="number" min="0" step="any" {...input('locationPrecisionM')} />
        </GeometryField>
      }
      below={
        <>
          <h2>{t('report.victims')}</h2>
          <p class="hint">{identities ? t('report.victimsHintRestricted') : t('report.victimsHint')}</p>
          {draft.victims.map((victim, i) => (
            <VictimFields key={i} index={i} victim={victim} errors={errors} identities={identities} onChange={(change) => setVictim(i, change)} onRemove={() => removeVictim(i)} />
          ))}
          <p>
            <button type="button" onClick={() => set({ victims: [...draft.victims, { ...NEW_VICTIM }] })}>
              {t('report.addVictim')}
            </button>
          </p>
        </>
      }
    >
      <Field label={t('field.reference')} {...input('reference')} required hint={t('report.accidentReferenceHint')} />
      <Field label={t('field.occurredOn')} type="date" max={todayUtc()} {...input('occurredOn')} required />
      <Select<DatePrecision> label={t('field.datePrecision')} {...choice('occurredOnPrecision')} hint={t('report.datePrecisionHint')} options={codeOptions([...DATE_PRECISIONS].reverse(), (p) => t(`datePrecision.${p}`))} />
      <Select<'' | DeviceCategory> label={t('field.deviceCategory')} {...choice('deviceCategory')} options={codeOptions(DEVICE_CATEGORIES, (c) => t(`findCategory.${c}`), t('report.categoryFromModel'))} />
      <OrdnanceModelField {...input('ordnanceModel')} models={models} />
      <div class="field">
        <label class="checkbox">
          <input type="checkbox" checked={draft.deminingRelated} onChange={(event) => set({ deminingRelated: event.currentTarget.checked })} />
          {t('field.deminingRelated')}
        </label>
      </div>
      <ActivitySelect activities={activities} {...choice('activityId')} hint={t('report.accidentActivityHint')} />
      <TextArea label={t('field.description')} {...input('description')} />
      <Field label={t('field.source')} {...input('source')} required hint={t('report.sourceHint')} />
    </ReportForm>
  );
}

function VictimFields(props: { index: number; victim: VictimDraft; errors: Errors; identities: boolean; onChange: (change: Partial<VictimDraft>) => void; onRemove: () => void }) {
  const { index, victim, errors, onChange } = props;
  const n = index + 1;
  const { input, choice } = bindDraft(victim, (name) => errors[`victims.${index}.${name}`], onChange);
  const optional = t('report.notRecorded');
  return (
    <fieldset class="victim">
      <legend>{t('report.victim', { n })}</legend>
      <div class="inline">
        <Select<'' | Outcome> label={t('field.outcome')} {...choice('outcome')} required options={codeOptions(OUTCOMES, (o) => t(`outcome.${o}`), t('report.choose'))} />
        <Select<'' | VictimGroup> label={t('field.victimGroup')} {...choice('victimGroup')} required options={codeOptions(VICTIM_GROUPS, (g) => t(`victimGroup.${g}`), t('report.choose'))} />
        <Select<'' | Sex> label={t('field.sex')} {...choice('sex')} options={codeOptions(SEXES, (s) => t(`sex.${s}`), optional)} />
        <Field label={t('field.age')} {...input('age')} hint={t('report.ageHint')} />
        <Select<'' | Displacement> label={t('field.displacementStatus')} {...choice('displacementStatus')} options={codeOptions(DISPLACEMENT_STATUSES, (d) => t(`displacement.${d}`), optional)} />
      </div>
      <div class="inline">
        <Field label={t('field.activityAtTime')} {...input('activityAtTime')} />
        <Field label={t('field.injuries')} {...input('injuries')} hint={t('report.injuriesHint')} />
      </div>
      {props.identities ? (
        <fieldset>
          <legend>{t('report.identity')}</legend>
          <p class="hint">{t('report.identityHint')}</p>
          <div class="inline">
            <Field label={t('field.fullName')} {...input('fullName')} />
            <Field label={t('field.dateOfBirth')} type="date" {...input('dateOfBirth')} />
            <Field label={t('field.address')} {...input('address')} />
            <Field label={t('field.contact')} {...input('contact')} />
          </div>
        </fieldset>
      ) : null}
      <button type="button" class="danger" onClick={props.onRemove}>
        {t('report.removeVictim', { n })}
      </button>
    </fieldset>
  );
}
