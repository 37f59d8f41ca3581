/**
 * A report of an activity: survey, clearance, EOD, BAC or inspection work of one organisation,
 * linked to the hazardous areas it works on, with its own area where it has one. The form checks
 * what the API would refuse (dates in order, no future dates for work done, a readable polygon)
 * before sending; the server then checks the shape as it checks a release product's.
 */
import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { useLoad } from '../data.ts';
import { t } from '../i18n/index.ts';
import { useSession } from '../session.ts';
import { ACTIVITY_KINDS, ACTIVITY_STATUSES, type ActivityKind, type ActivityStatus, type Hazard } from '../types.ts';
import { Checkboxes, codeOptions, Field, Select } from '../ui.tsx';
import { type Errors, CheckedGeometryField, OrganisationSelect, ReportForm, todayUtc, unreadableMessage, useReportForm, useShapeCheck } from './form.tsx';
import { readGeometry } from './geometryInput.ts';

interface Draft {
  reference: string;
  kind: ActivityKind;
  status: ActivityStatus;
  organisationId: string;
  team: string;
  startDate: string;
  endDate: string;
  hazardIds: string[];
  source: string;
  geometryText: string;
}

const LABELS: Record<string, Parameters<typeof t>[0]> = {
  reference: 'field.reference',
  organisationId: 'field.organisation',
  startDate: 'field.startDate',
  endDate: 'field.endDate',
  source: 'field.source',
  geometry: 'report.activityArea',
};

function validate(draft: Draft): Errors {
  const errors: Errors = {};
  const today = todayUtc();
  if (!draft.reference.trim()) errors.reference = t('validation.required');
  if (!draft.organisationId) errors.organisationId = t('validation.required');
  if (!draft.source.trim()) errors.source = t('validation.required');
  const done = draft.status === 'completed';
  if ((done || draft.status === 'ongoing') && draft.startDate > today) errors.startDate = t('validation.futureWork');
  else if (done && !draft.startDate) errors.startDate = t('validation.required');
  if (draft.startDate && draft.endDate && draft.endDate < draft.startDate) errors.endDate = t('validation.endBeforeStart');
  else if (done && draft.endDate > today) errors.endDate = t('validation.futureWork');
  else if (done && !draft.endDate) errors.endDate = t('validation.required');
  if (draft.geometryText.trim()) {
    const reading = readGeometry(draft.geometryText);
    if ('problem' in reading) errors.geometry = unreadableMessage(reading, 'polygon');
  }
  return errors;
}

export function ActivityReportPage() {
  const { actor } = useSession();
  const { draft, set, state, send, setSent, input, choice, shape } = useReportForm<Draft>('activity', {
    reference: '',
    kind: 'clearance',
    status: 'planned',
    organisationId: actor.organisationId ?? '',
    team: '',
    startDate: '',
    endDate: '',
    hazardIds: [],
    source: '',
    geometryText: '',
  });
  const shapeCheck = useShapeCheck('release_product');
  const reading = draft.geometryText.trim() ? readGeometry(draft.geometryText) : null;
  const geometry = reading && 'geometry' in reading ? reading.geometry : null;

  const submit = () =>
    send(validate(draft), async () => {
      const payload = {
        reference: draft.reference.trim(),
        kind: draft.kind,
        status: draft.status,
        organisationId: draft.organisationId,
        team: draft.team.trim() || null,
        startDate: draft.startDate || null,
        endDate: draft.endDate || null,
        hazardIds: draft.hazardIds,
        source: draft.source.trim(),
        geometry,
      };
      const result = await shapeCheck.send({ entityType: 'activity', action: 'create', organisationId: draft.organisationId, payload, photos: state.photos }, geometry, actor.username);
      setSent({ message: t('report.submitted', { reference: String(result.payload.reference) }), kept: result.kept });
    });

  return (
    <ReportForm
      form={state}
      label={(field) => t(LABELS[field] ?? 'report.geometry')}
      onSubmit={submit}
      shape={<CheckedGeometryField {...shape('geometryText')} preview={geometry} shapeCheck={shapeCheck} />}
    >
      <Field label={t('field.reference')} {...input('reference')} required hint={t('report.activityReferenceHint')} />
      <Select<ActivityKind> label={t('field.activityKind')} {...choice('kind')} options={codeOptions(ACTIVITY_KINDS, (k) => t(`activity.${k}`))} />
      <Select<ActivityStatus> label={t('field.status')} {...choice('status')} options={codeOptions(ACTIVITY_STATUSES, (s) => t(`activityStatus.${s}`))} />
      <OrganisationSelect {...choice('organisationId')} required none={t('report.choose')} />
      <Field label={t('field.team')} {...input('team')} />
      <div class="inline two">
        <Field label={t('field.startDate')} type="date" {...input('startDate')} />
        <Field label={t('field.endDate')} type="date" {...input('endDate')} />
      </div>
      <p class="hint">{t('report.activityDatesHint')}</p>
      <HazardPicker chosen={draft.hazardIds} onChange={(hazardIds) => set({ hazardIds })} />
      <Field label={t('field.source')} {...input('source')} required hint={t('report.sourceHint')} />
    </ReportForm>
  );
}

/**
 * The hazardous areas an activity works on, found by reference: the chosen ones stay listed, and
 * at most twenty others match the search at a time, so a national register stays usable.
 */
function HazardPicker({ chosen, onChange }: { chosen: string[]; onChange: (ids: string[]) => void }) {
  const [register] = useLoad(() => api.get<{ hazards: Hazard[] }>('/api/hazards?limit=10000').then((a) => a.hazards.filter((h) => h.status !== 'released')), []);
  const [search, setSearch] = useState('');
  const hazards = register.state === 'ready' ? register.value : [];
  const byId = new Map(hazards.map((h) => [h.id, h]));
  const needle = search.trim().toLowerCase();
  const matching = needle ? hazards.filter((h) => h.reference.toLowerCase().includes(needle)) : [];
  const matches = matching.filter((h) => !chosen.includes(h.id)).slice(0, 20);
  return (
    <fieldset>
      <legend>{t('report.hazardsWorked')}</legend>
      <Field label={t('report.hazardSearch')} type="search" value={search} hint={t('report.hazardSearchHint')} onInput={setSearch} />
      {needle && matching.length === 0 ? <p class="hint">{t('report.noHazardMatches')}</p> : null}
      {chosen.length + matches.length > 0 ? (
        <Checkboxes
          legend={t('report.hazardsChosen', { count: chosen.length })}
          values={[...chosen, ...matches.map((h) => h.id)]}
          chosen={chosen}
          label={(id) => {
            const h = byId.get(id);
            return h ? `${h.reference} (${t(`kind.${h.kind}`)}, ${t(`status.${h.status}`)})` : id;
          }}
          onChange={onChange}
        />
      ) : null}
    </fieldset>
  );
}
