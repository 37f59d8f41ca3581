/**
 * What the report forms share: the list of report kinds, the error summary that takes the focus
 * when a report is refused, the shape input (draw, paste or upload), the message after sending,
 * and the lists of organisations and activities a reporter may report for.
 */
import type { ComponentChildren, RefObject } from 'preact';
import { useId, useState } from 'preact/hooks';
import { api, ApiError, query } from '../api.ts';
import { useLoad } from '../data.ts';
import { GpsButton } from '../field/GpsButton.tsx';
import { orFromPackage } from '../field/packages.ts';
import type { Geometry } from '../geojson.ts';
import { t } from '../i18n/index.ts';
import { href, REPORT_KINDS, type ReportKind } from '../router.ts';
import { can } from '../session.ts';
import type { ActivitySummary, ActorSummary, Organisation, Page } from '../types.ts';
import { Checkboxes, ErrorMessage, Sketch, TextArea } from '../ui.tsx';
import { type DrawMode, DrawOnMap } from './DrawOnMap.tsx';
import type { Unreadable } from './geometryInput.ts';

/** Problems of a form, by field (victims.0.outcome for a victim's field), each a sentence. */
export type Errors = Record<string, string>;

/**
 * The errors left once some fields were edited: a field's message goes as soon as it is changed
 * (the next submit judges it again), so what is shown is never stale. A draft's "…Text" field
 * is the text of the shape whose error is under the name without "Text".
 */
export function withoutErrors(errors: Errors, edited: readonly string[], prefix = ''): Errors {
  const gone = new Set(edited.map((key) => `${prefix}${key.replace(/Text$/, '')}`));
  return Object.fromEntries(Object.entries(errors).filter(([field]) => !gone.has(field)));
}

export function ReportKinds({ current }: { current: ReportKind }) {
  return (
    <nav aria-label={t('report.kinds')} class="report-kinds">
      <ul>
        {REPORT_KINDS.map((kind) => (
          <li key={kind}>
            <a href={href(kind === 'hazard' ? '/reports/new' : `/reports/new/${kind}`)} aria-current={kind === current ? 'page' : undefined}>
              {t(`reportKind.${kind}`)}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** The problems of the last attempt, and the server's answer; focused so a screen reader reads them. */
/**
 * What every report form shares: the kinds of report, the title and introduction, the summary of
 * problems (focused when a submission fails), the form itself and its submit button.
 */
export function ReportForm(props: {
  kind: ReportKind;
  title: string;
  intro: string;
  errors: Errors;
  serverError: string | null;
  summary: RefObject<HTMLDivElement | null>;
  label: (field: string) => string;
  busy: boolean;
  onSubmit: (event: Event) => unknown;
  submitLabel?: string;
  /** Between the summary and the form (what was sent so far). */
  status?: ComponentChildren;
  children: ComponentChildren;
}) {
  return (
    <section class="page">
      <ReportKinds current={props.kind} />
      <h1>{props.title}</h1>
      <p class="muted">{props.intro}</p>
      <ErrorSummary errors={props.errors} serverError={props.serverError} summary={props.summary} label={props.label} />
      {props.status}
      <form onSubmit={props.onSubmit} noValidate aria-label={props.title}>
        {props.children}
        <button type="submit" class="primary" disabled={props.busy}>
          {props.submitLabel ?? t('report.submit')}
        </button>
      </form>
    </section>
  );
}

/** A submission the server refused: its message in the summary, which takes the focus. */
export function showRefusal(caught: unknown, setServerError: (message: string) => void, summary: RefObject<HTMLDivElement | null>): void {
  setServerError(caught instanceof ApiError ? caught.message : String(caught));
  summary.current?.focus();
}

export function ErrorSummary({ errors, serverError, label, summary }: { errors: Errors; serverError: string | null; label: (field: string) => string; summary: RefObject<HTMLDivElement | null> }) {
  const list = Object.entries(errors).filter(([, message]) => message);
  return (
    <div ref={summary} tabIndex={-1} aria-live="assertive">
      {list.length > 0 ? (
        <div class="error-summary" role="alert">
          <h2>{t('validation.summary', { count: list.length })}</h2>
          <ul>
            {list.map(([field, message]) => (
              <li key={field}>
                {label(field)}: {message}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {serverError ? <ErrorMessage message={serverError} /> : null}
    </div>
  );
}

/** Why a pasted shape could not be read, in words. */
export function unreadableMessage(reading: Unreadable, expected: 'polygon' | 'points'): string {
  switch (reading.problem) {
    case 'empty':
      return expected === 'polygon' ? t('validation.geometryEmpty') : t('validation.pointsEmpty');
    case 'unreadable':
      return t('validation.geometryUnreadable');
    case 'range':
      return t('validation.pointRange', { point: reading.found ?? '' });
    case 'type':
      return expected === 'polygon' ? t('validation.geometryType', { found: reading.found ?? '' }) : t('validation.pointsType', { found: reading.found ?? '' });
  }
}

/**
 * The shape of a report as text (GeoJSON, WKT or coordinate lines), which drawing and uploading
 * fill in, with a preview of what was read.
 */
export function GeometryField(props: {
  mode: DrawMode;
  legend: string;
  hint: string;
  textLabel: string;
  text: string;
  required?: boolean;
  error?: string | undefined;
  preview: Geometry | null;
  onText: (text: string) => void;
  children?: ComponentChildren;
}) {
  const [drawing, setDrawing] = useState(false);
  const fileId = useId();
  async function upload(file: File | undefined) {
    if (file) props.onText(await file.text());
  }
  return (
    <fieldset>
      <legend>{props.legend}</legend>
      <p class="hint">{props.hint}</p>
      <button type="button" aria-expanded={drawing} onClick={() => setDrawing((d) => !d)}>
        {drawing ? t('report.stopDrawing') : t('report.draw')}
      </button>
      <GpsButton text={props.text} onText={props.onText} />
      {drawing ? <DrawOnMap mode={props.mode} onDrawn={props.onText} /> : null}
      <TextArea label={props.textLabel} rows={6} value={props.text} required={props.required} error={props.error} onInput={props.onText} />
      <div class="field">
        <label for={fileId}>{t('report.upload')}</label>
        <input id={fileId} type="file" accept=".geojson,.json,.wkt,.txt,.csv,application/geo+json,application/json,text/plain,text/csv" onChange={(event) => void upload(event.currentTarget.files?.[0])} />
      </div>
      {props.preview ? <Sketch label={t('report.preview')} layers={[{ geometry: props.preview, className: 'sketch-after' }]} width={360} height={220} /> : null}
      {props.children}
    </fieldset>
  );
}

/**
 * After sending: what happens next, and the way to the queue or another report. A report kept on
 * the device (no connection) says so, and leads to the outbox instead.
 */
export function Submitted({ title, message, again, kept = false }: { title: string; message: string; again: string; kept?: boolean }) {
  return (
    <section class="page narrow">
      <h1>{title}</h1>
      <p role="status" class="success">
        {message}
      </p>
      {kept ? <p role="status">{t('fieldApp.keptOnDevice')}</p> : null}
      <p>
        {kept ? <a href={href('/field')}>{t('fieldApp.outbox')}</a> : <a href={href('/approvals')}>{t('nav.approvals')}</a>} · <a href={href(again)} onClick={() => location.reload()}>{t('report.another')}</a>
      </p>
    </section>
  );
}

/** Organisations a reporter may report for: any for a national officer, else their own. */
export function useOrganisations(actor: ActorSummary): Organisation[] {
  const national = can(actor, 'report.approve');
  const [organisations] = useLoad(() => orFromPackage(() => api.get<{ organisations: Organisation[] }>('/api/organisations').then((a) => a.organisations), 'organisations'), []);
  return organisations.state === 'ready' ? organisations.value.filter((o) => national || o.id === actor.organisationId) : [];
}

/**
 * Activities a report may name: an operator's own, or every one for a national officer (the API
 * pages them; the first thousand in reference order are offered).
 */
export function useActivities(actor: ActorSummary): ActivitySummary[] {
  const national = can(actor, 'report.approve');
  const [activities] = useLoad(
    () => api.get<Page<ActivitySummary>>(`/api/activities${query({ limit: 1000, organisation: national ? null : actor.organisationId })}`).then((a) => a.items),
    [],
  );
  return activities.state === 'ready' ? activities.value : [];
}

export function activityLabel(activity: ActivitySummary): string {
  return `${activity.reference} · ${t(`activity.${activity.kind}`)} · ${activity.organisation}`;
}

/** A model's name as the server matches it (normaliseName of src/names.ts): ignoring case, spaces and punctuation. */
export function modelKey(name: string): string {
  return name.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');
}

/** Today in UTC (YYYY-MM-DD): the server judges field dates by it. */
export function todayUtc(): string {
  return new Date().toISOString().slice(0, 10);
}

/** A date of something that happened, as the server checks it: given, not in the future, not before 1900. */
export function pastDateProblem(date: string, required: boolean): string | undefined {
  if (!date) return required ? t('validation.required') : undefined;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return t('validation.date');
  if (date > todayUtc()) return t('validation.future');
  if (date < '1900-01-01') return t('validation.before1900');
  return undefined;
}

/** A whole number of `min` or more; '' is no number. */
export function wholeNumberProblem(value: string, min: number, max?: number): string | undefined {
  if (!value.trim()) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || (max !== undefined && n > max)) return max === undefined ? t('validation.wholeNumber', { min }) : t('validation.wholeNumberUpTo', { min, max });
  return undefined;
}

interface GeometryProblem {
  code: string;
  severity: 'error' | 'warning';
  message: string;
}

/**
 * The server's checks of a polygon before it is sent, and the warnings the reporter accepts one
 * by one (the server refuses a shape with a warning nobody accepted). A hazard is checked against
 * other hazards too; an activity's area, like a release product without its hazard, by its shape
 * alone, as the activity's handler checks it.
 */
export function useShapeCheck(entityType: 'hazard' | 'release_product') {
  const [problems, setProblems] = useState<GeometryProblem[] | null>(null);
  const [accepted, setAccepted] = useState<string[]>([]);
  const [failure, setFailure] = useState<string | null>(null);
  async function check(geometry: Geometry) {
    try {
      setFailure(null);
      setProblems((await api.post<{ problems: GeometryProblem[] }>('/api/hazards/check-geometry', { geometry, entityType })).problems);
    } catch (caught) {
      setFailure(caught instanceof Error ? caught.message : String(caught));
    }
  }
  const warnings = (problems ?? []).filter((p) => p.severity === 'warning');
  function view(geometry: Geometry | null, label: string, noProblems: string) {
    return (
      <>
        <button type="button" onClick={() => geometry && void check(geometry)} disabled={!geometry}>
          {label}
        </button>
        {failure ? <ErrorMessage message={failure} /> : null}
        {problems ? (
          problems.length === 0 ? (
            <p role="status" class="success">
              {noProblems}
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
      </>
    );
  }
  return { accepted, check, reset: () => setProblems(null), view };
}
