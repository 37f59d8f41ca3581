/**
 * A report of an explosive ordnance risk education session: when, where (a position from GPS or
 * the map, or the settlement), which organisation, how it was delivered, and how many girls,
 * boys, women and men it reached. The form judges the draft by the rules the server's handler
 * shares (src/ops/riskEducation.ts), so a phone with no connection refuses what the server would;
 * offline the report waits in the outbox.
 */
import { useState } from 'preact/hooks';
import { api, query } from '../api.ts';
import { messageOf, useAction } from '../data.ts';
import { formatDate, formatNumber, type MessageKey, t } from '../i18n/index.ts';
import { can, useSession } from '../session.ts';
import { codeOptions, ErrorMessage, Field, Select } from '../ui.tsx';
import { sendOrKeep } from '../field/outbox.ts';
import { newestPackage } from '../field/packages.ts';
import { matchSettlements } from '../field/SettlementFinder.tsx';
import { BENEFICIARY_GROUPS, type BeneficiaryGroup, RISK_EDUCATION_METHODS, type RiskEducationMethod, type SessionProblem, sessionProblems } from '../../../src/ops/riskEducation.ts';
import { DATE_PROBLEMS, type Errors, GeometryField, OrganisationSelect, ReportForm, todayUtc, unreadableMessage, useReportForm, withoutErrors } from './form.tsx';
import { readPoints } from './geometryInput.ts';

interface Settlement {
  id: string;
  name: string;
}

interface Draft extends Record<BeneficiaryGroup, string> {
  heldOn: string;
  organisationId: string;
  method: '' | RiskEducationMethod;
  placeText: string;
  settlement: Settlement | null;
  source: string;
}

const LABELS: Record<string, MessageKey> = {
  heldOn: 'field.heldOn',
  organisationId: 'field.organisation',
  method: 'field.method',
  girls: 'field.girls',
  boys: 'field.boys',
  women: 'field.women',
  men: 'field.men',
  place: 'report.sessionPlace',
  source: 'field.source',
};

const PROBLEMS: Record<SessionProblem, MessageKey> = { ...DATE_PROBLEMS, not_method: 'validation.chooseFromList', not_count: 'validation.wholeNumber', no_place: 'validation.noPlace' };

/** A count as typed: empty is none (0); anything not a number reads NaN, which the rules refuse. */
function countOf(text: string): number {
  return text.trim() ? Number(text) : 0;
}

/** The draft's one position, when its text reads as exactly one point. */
function positionOf(placeText: string) {
  const reading = placeText.trim() ? readPoints(placeText) : null;
  return reading && 'points' in reading && reading.points.length === 1 ? reading.points[0]! : null;
}

function validate(draft: Draft): Errors {
  const errors: Errors = {};
  const reading = draft.placeText.trim() ? readPoints(draft.placeText) : null;
  if (reading && 'problem' in reading) errors.place = unreadableMessage(reading, 'points');
  else if (reading && reading.points.length > 1) errors.place = t('validation.onePlace', { count: reading.points.length });
  const problems = sessionProblems(
    {
      heldOn: draft.heldOn,
      organisationId: draft.organisationId,
      method: draft.method,
      source: draft.source,
      beneficiaries: { girls: countOf(draft.girls), boys: countOf(draft.boys), women: countOf(draft.women), men: countOf(draft.men) },
      position: positionOf(draft.placeText) !== null,
      settlementId: draft.settlement?.id ?? null,
    },
    todayUtc(),
  );
  for (const [field, problem] of Object.entries(problems)) errors[field] ??= t(PROBLEMS[problem], { min: 0 });
  return errors;
}

export function RiskEducationReportPage() {
  const { actor } = useSession();
  const national = can(actor, 'report.approve');
  const { draft, set, errors, setErrors, state, send, setSent, input, choice, shape } = useReportForm<Draft>('riskEducation', {
    heldOn: todayUtc(),
    organisationId: actor.organisationId ?? '',
    method: '',
    girls: '',
    boys: '',
    women: '',
    men: '',
    placeText: '',
    settlement: null,
    source: '',
  });
  const point = positionOf(draft.placeText);
  const total = BENEFICIARY_GROUPS.reduce((sum, group) => sum + (countOf(draft[group]) || 0), 0);

  const submit = () =>
    send(validate(draft), async () => {
      const result = await sendOrKeep(
        {
          entityType: 'risk_education_session',
          action: 'create',
          photos: state.photos,
          organisationId: draft.organisationId,
          payload: {
            heldOn: draft.heldOn,
            geometry: point,
            settlementId: draft.settlement?.id ?? null,
            organisationId: draft.organisationId,
            method: draft.method,
            girls: countOf(draft.girls),
            boys: countOf(draft.boys),
            women: countOf(draft.women),
            men: countOf(draft.men),
            source: draft.source.trim(),
          },
        },
        actor.username,
      );
      const date = formatDate(draft.heldOn);
      setSent({ message: result.kept ? t('fieldApp.sessionKept', { date }) : t('report.sessionSubmitted', { date }), kept: result.kept });
    });

  return (
    <ReportForm
      intro={t('report.riskEducationIntro')}
      form={state}
      label={(field) => t(LABELS[field] ?? 'report.sessionPlace')}
      onSubmit={submit}
      shape={
        <GeometryField {...shape('placeText')} preview={null}>
          {point ? <p class="hint">{t('report.pointRead', { lat: point.coordinates[1] ?? '', lon: point.coordinates[0] ?? '' })}</p> : null}
          <SettlementField
            chosen={draft.settlement}
            onChoose={(settlement) => {
              set({ settlement });
              // A settlement places the session as a position does.
              setErrors((e) => withoutErrors(e, ['place']));
            }}
          />
        </GeometryField>
      }
    >
      <Field label={t('field.heldOn')} type="date" max={todayUtc()} {...input('heldOn')} required />
      <OrganisationSelect {...choice('organisationId')} required none={national || !draft.organisationId ? t('report.choose') : undefined} />
      <Select<'' | RiskEducationMethod> label={t('field.method')} {...choice('method')} required options={codeOptions(RISK_EDUCATION_METHODS, (m) => t(`riskEducationMethod.${m}`), t('report.choose'))} />
      <fieldset>
        <legend>{t('report.beneficiaries')}</legend>
        <p class="hint">{t('report.beneficiariesHint')}</p>
        <div class="inline two">
          {BENEFICIARY_GROUPS.map((group) => (
            <Field key={group} label={t(LABELS[group]!)} type="number" min="0" step="1" value={draft[group]} error={errors[group]} onInput={(value) => set({ [group]: value })} />
          ))}
        </div>
        <p role="status">{t('report.beneficiariesTotal', { count: formatNumber(total) })}</p>
      </fieldset>
      <Field label={t('field.source')} {...input('source')} required hint={t('report.sessionSourceHint')} />
    </ReportForm>
  );
}

/**
 * The settlement where the session was held, found by any of its names (GET /api/places), or
 * with no connection among the settlements of the newest area package on the device.
 */
function SettlementField({ chosen, onChoose }: { chosen: Settlement | null; onChoose: (settlement: Settlement | null) => void }) {
  const [search, setSearch] = useState('');
  const [found, setFound] = useState<Settlement[] | null>(null);
  const { busy, error, setError, run } = useAction();
  const find = () =>
    run(async () => {
      try {
        const places = (await api.get<{ places: (Settlement & { kind: string })[] }>(`/api/places${query({ q: search.trim(), limit: 20 })}`)).places;
        setFound(places.filter((p) => p.kind === 'settlement').map(({ id, name }) => ({ id, name })));
      } catch (caught) {
        if (!(caught instanceof TypeError)) {
          setFound(null);
          setError(messageOf(caught));
          return;
        }
        // No link: the settlements of the newest area package on the device.
        const settlements = (await newestPackage())?.settlements;
        setFound(settlements ? matchSettlements(settlements, search).map(({ id, name }) => ({ id, name })) : null);
        if (!settlements) setError(t('report.settlementOffline'));
      }
    });
  if (chosen) {
    return (
      <div class="settlement">
        <p role="status">{t('report.settlementChosen', { name: chosen.name })}</p>
        <button type="button" onClick={() => onChoose(null)}>
          {t('report.settlementClear')}
        </button>
      </div>
    );
  }
  return (
    <div class="settlement">
      <Field label={t('report.settlementSearch')} type="search" value={search} onInput={setSearch} />
      <button type="button" disabled={busy || !search.trim()} onClick={() => void find()}>
        {t('report.settlementFind')}
      </button>
      {error ? <ErrorMessage message={error} /> : null}
      {found && found.length === 0 ? <p class="hint">{t('report.settlementNone')}</p> : null}
      {found && found.length > 0 ? (
        <ul class="settlement-choices">
          {found.map((s) => (
            <li key={s.id}>
              <button type="button" onClick={() => onChoose(s)}>
                {s.name}
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
