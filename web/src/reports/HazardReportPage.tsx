/**
 * A report of a new hazardous area. The form checks what it can before sending (required
 * fields, a readable polygon, direct evidence for a CHA); the server's geometry checks then say
 * what the shape's problems are, and warnings are accepted one by one, never silently.
 */
import { useRef, useState } from 'preact/hooks';
import { ApiError, api } from '../api.ts';
import { useLoad } from '../data.ts';
import { areaUnitLabel, currentAreaUnit, formatArea, t } from '../i18n/index.ts';
import { href } from '../router.ts';
import { can, useSession } from '../session.ts';
import {
  BLOCKAGES,
  type Blockage,
  CONTAMINATION,
  type Contamination,
  DIRECT_EVIDENCE,
  EVIDENCE,
  type Evidence,
  HAZARD_KINDS,
  type HazardKind,
  type Organisation,
  type Report,
} from '../types.ts';
import { Checkboxes, ErrorMessage, Field, Select, Sketch, TextArea } from '../ui.tsx';
import { DrawPolygon } from './DrawPolygon.tsx';
import { readGeometry } from './geometryInput.ts';

const AREA_FACTOR = { m2: 1, ha: 10_000, km2: 1_000_000 } as const;

interface GeometryProblem {
  code: string;
  severity: 'error' | 'warning';
  message: string;
}

interface Draft {
  reference: string;
  kind: HazardKind;
  organisationId: string;
  evidence: Evidence[];
  contamination: Contamination[];
  blockages: Blockage[];
  estimatedArea: string;
  description: string;
  source: string;
  geometryText: string;
}

type Errors = Partial<Record<'reference' | 'evidence' | 'source' | 'geometry' | 'estimatedArea', string>>;

function validate(draft: Draft): Errors {
  const errors: Errors = {};
  if (!draft.reference.trim()) errors.reference = t('validation.required');
  if (!draft.source.trim()) errors.source = t('validation.required');
  if (draft.kind === 'cha' && !draft.evidence.some((e) => DIRECT_EVIDENCE.has(e))) errors.evidence = t('validation.chaNeedsDirect');
  if (draft.estimatedArea && !(Number(draft.estimatedArea) >= 0)) errors.estimatedArea = t('validation.number');
  const reading = readGeometry(draft.geometryText);
  if ('problem' in reading) errors.geometry = reading.problem === 'empty' ? t('validation.geometryEmpty') : reading.problem === 'json' ? t('validation.geometryJson') : t('validation.geometryType', { found: reading.found ?? '' });
  return errors;
}

export function HazardReportPage() {
  const { actor } = useSession();
  const national = can(actor, 'report.approve');
  const [organisations] = useLoad(() => api.get<{ organisations: Organisation[] }>('/api/organisations').then((a) => a.organisations), []);
  const [draft, setDraft] = useState<Draft>({
    reference: '',
    kind: 'sha',
    organisationId: actor.organisationId ?? '',
    evidence: [],
    contamination: [],
    blockages: [],
    estimatedArea: '',
    description: '',
    source: '',
    geometryText: '',
  });
  const [errors, setErrors] = useState<Errors>({});
  const [drawing, setDrawing] = useState(false);
  const [problems, setProblems] = useState<GeometryProblem[] | null>(null);
  const [accepted, setAccepted] = useState<string[]>([]);
  const [serverError, setServerError] = useState<string | null>(null);
  const [submitted, setSubmitted] = useState<Report | null>(null);
  const [busy, setBusy] = useState(false);
  const summary = useRef<HTMLDivElement>(null);
  const set = (change: Partial<Draft>) => setDraft((d) => ({ ...d, ...change }));
  const reading = readGeometry(draft.geometryText);
  const geometry = 'geometry' in reading ? reading.geometry : null;

  async function upload(file: File | undefined) {
    if (!file) return;
    set({ geometryText: await file.text() });
    setProblems(null);
  }

  async function checkGeometry() {
    if (!geometry) return setErrors((e) => ({ ...e, geometry: validate(draft).geometry }));
    try {
      setProblems((await api.post<{ problems: GeometryProblem[] }>('/api/hazards/check-geometry', { geometry })).problems);
    } catch (caught) {
      setServerError(caught instanceof Error ? caught.message : String(caught));
    }
  }

  async function submit(event: Event) {
    event.preventDefault();
    const found = validate(draft);
    setErrors(found);
    setServerError(null);
    if (Object.keys(found).length > 0 || !geometry) {
      summary.current?.focus();
      return;
    }
    setBusy(true);
    try {
      const estimated = draft.estimatedArea ? Number(draft.estimatedArea) * AREA_FACTOR[currentAreaUnit()] : null;
      const report = await api.post<Report>('/api/reports', {
        entityType: 'hazard',
        action: 'create',
        organisationId: draft.organisationId || null,
        acceptedWarnings: accepted,
        submit: true,
        payload: {
          reference: draft.reference.trim(),
          kind: draft.kind,
          status: 'active',
          geometry,
          estimatedAreaM2: estimated,
          evidence: draft.evidence,
          contamination: draft.contamination,
          blockages: draft.blockages,
          organisationId: draft.organisationId || null,
          description: draft.description.trim() || null,
          source: draft.source.trim(),
        },
      });
      setSubmitted(report);
    } catch (caught) {
      setServerError(caught instanceof ApiError ? caught.message : String(caught));
      if (caught instanceof ApiError && /warning|geometry/i.test(caught.message)) void checkGeometry();
      summary.current?.focus();
    } finally {
      setBusy(false);
    }
  }

  if (submitted) {
    return (
      <section class="page narrow">
        <h1>{t('report.hazardTitle')}</h1>
        <p role="status" class="success">
          {t('report.submitted', { reference: String(submitted.payload.reference) })}
        </p>
        <p>
          <a href={href('/approvals')}>{t('nav.approvals')}</a> · <a href={href('/reports/new')} onClick={() => location.reload()}>{t('report.another')}</a>
        </p>
      </section>
    );
  }

  const errorList = Object.entries(errors).filter(([, message]) => message);
  const organisationOptions = organisations.state === 'ready' ? organisations.value.filter((o) => national || o.id === actor.organisationId) : [];
  const warnings = (problems ?? []).filter((p) => p.severity === 'warning');

  return (
    <section class="page">
      <h1>{t('report.hazardTitle')}</h1>
      <p class="muted">{t('report.intro')}</p>
      <div ref={summary} tabIndex={-1} aria-live="assertive">
        {errorList.length > 0 ? (
          <div class="error-summary" role="alert">
            <h2>{t('validation.summary', { count: errorList.length })}</h2>
            <ul>
              {errorList.map(([field, message]) => (
                <li key={field}>
                  {t(`report.field.${field as keyof Errors}`)}: {message}
                </li>
              ))}
            </ul>
          </div>
        ) : null}
        {serverError ? <ErrorMessage message={serverError} /> : null}
      </div>
      <form onSubmit={submit} noValidate aria-label={t('report.hazardTitle')}>
        <div class="two-columns">
          <div>
            <Field label={t('field.reference')} value={draft.reference} required error={errors.reference} hint={t('report.referenceHint')} onInput={(reference) => set({ reference })} />
            <Select<HazardKind> label={t('field.hazardKind')} value={draft.kind} options={HAZARD_KINDS.map((k) => ({ value: k, label: t(`kindLong.${k}`) }))} onChange={(kind) => set({ kind })} />
            <Select
              label={t('field.organisation')}
              value={draft.organisationId}
              options={[...(national ? [{ value: '', label: t('common.none') }] : []), ...organisationOptions.map((o) => ({ value: o.id, label: o.name }))]}
              onChange={(organisationId) => set({ organisationId })}
            />
            <Checkboxes legend={t('field.evidence')} values={EVIDENCE} chosen={draft.evidence} label={(e) => `${t(`evidence.${e}`)}${DIRECT_EVIDENCE.has(e) ? ` (${t('hazard.direct')})` : ''}`} error={errors.evidence} onChange={(evidence) => set({ evidence })} />
            <Checkboxes legend={t('field.contamination')} values={CONTAMINATION} chosen={draft.contamination} label={(c) => t(`contamination.${c}`)} onChange={(contamination) => set({ contamination })} />
            <Checkboxes legend={t('field.blockages')} values={BLOCKAGES} chosen={draft.blockages} label={(b) => t(`blockage.${b}`)} onChange={(blockages) => set({ blockages })} />
            <Field
              label={`${t('field.estimatedArea')} (${areaUnitLabel()})`}
              type="number"
              min="0"
              step="any"
              value={draft.estimatedArea}
              error={errors.estimatedArea}
              onInput={(estimatedArea) => set({ estimatedArea })}
            />
            <TextArea label={t('field.description')} value={draft.description} onInput={(description) => set({ description })} />
            <Field label={t('field.source')} value={draft.source} required error={errors.source} hint={t('report.sourceHint')} onInput={(source) => set({ source })} />
          </div>
          <div>
            <fieldset>
              <legend>{t('report.geometry')}</legend>
              <p class="hint">{t('report.geometryHint')}</p>
              <button type="button" aria-expanded={drawing} onClick={() => setDrawing((d) => !d)}>
                {drawing ? t('report.stopDrawing') : t('report.draw')}
              </button>
              {drawing ? <DrawPolygon onDrawn={(geometryText) => { set({ geometryText }); setProblems(null); }} /> : null}
              <TextArea
                label={t('report.geojson')}
                rows={6}
                value={draft.geometryText}
                required
                error={errors.geometry}
                onInput={(geometryText) => {
                  set({ geometryText });
                  setProblems(null);
                }}
              />
              <div class="field">
                <label for="hazard-file">{t('report.upload')}</label>
                <input id="hazard-file" type="file" accept=".geojson,.json,application/geo+json,application/json" onChange={(event) => void upload(event.currentTarget.files?.[0])} />
              </div>
              {geometry ? <Sketch label={t('report.preview')} layers={[{ geometry, className: 'sketch-after' }]} width={360} height={220} /> : null}
              <button type="button" onClick={() => void checkGeometry()} disabled={!geometry}>
                {t('report.check')}
              </button>
              {problems ? (
                problems.length === 0 ? (
                  <p role="status" class="success">
                    {t('report.noProblems')}
                  </p>
                ) : (
                  <ul class="problems" role="status">
                    {problems.map((p, index) => (
                      <li key={`${p.code}-${index}`} class={p.severity}>
                        <strong>{p.severity === 'error' ? t('report.problemError') : t('report.problemWarning')}</strong>: {p.message}
                      </li>
                    ))}
                  </ul>
                )
              ) : null}
              {warnings.length > 0 ? (
                <Checkboxes legend={t('report.acceptWarnings')} values={warnings.map((w) => w.code)} chosen={accepted} label={(code) => t('report.acceptWarning', { code })} onChange={setAccepted} />
              ) : null}
            </fieldset>
          </div>
        </div>
        {geometry && draft.estimatedArea ? <p class="hint">{t('report.estimatedIs', { area: formatArea(Number(draft.estimatedArea) * AREA_FACTOR[currentAreaUnit()]) })}</p> : null}
        <button type="submit" class="primary" disabled={busy}>
          {t('report.submit')}
        </button>
      </form>
    </section>
  );
}
