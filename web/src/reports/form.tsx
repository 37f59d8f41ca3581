/**
 * What the report forms share: the draft and its problems, sending it, the list of report kinds,
 * the error summary that takes the focus when a report is refused, the shape input (draw, paste
 * or upload), the photos, the message after sending, the lists of organisations and activities
 * a reporter may choose from. The catalogue of ordnance models is ordnance.tsx.
 */
import type { ComponentChildren, RefObject } from 'preact';
import { useId, useRef, useState } from 'preact/hooks';
import { api, ApiError, query } from '../api.ts';
import { messageOf, useLoad } from '../data.ts';
import { GpsButton } from '../field/GpsButton.tsx';
import { type ReportInput, sendOrKeep } from '../field/outbox.ts';
import { packageActivities } from '../field/packageRecords.ts';
import { newestPackage, orFromPackage } from '../field/packages.ts';
import type { DevicePhoto } from '../field/store.ts';
import type { Geometry } from '../geojson.ts';
import { type MessageKey, t } from '../i18n/index.ts';
import { href, REPORT_KINDS, type ReportKind } from '../router.ts';
import { can, useSession } from '../session.ts';
import { pastDateProblem as datePastProblem } from '../../../src/land/rules.ts';
import type { ActivitySummary, ActorSummary, Organisation, Page } from '../types.ts';
import { Checkboxes, ErrorMessage, Select, Sketch, TextArea } from '../ui.tsx';
import { type DrawMode, DrawOnMap } from './DrawOnMap.tsx';
import type { Unreadable } from './geometryInput.ts';
import { Photos } from './Photos.tsx';

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

/** What became of a report once sent: the page after sending says it, and whether it was kept on the device (no connection). */
export interface Sent {
  message: string;
  kept: boolean;
}

/** Where a report form stands, as ReportForm shows it: its kind, its problems, the server's refusal, whether it is being sent, and once sent, what became of it. */
export interface FormState {
  kind: ReportKind;
  sent: Sent | null;
  errors: Errors;
  serverError: string | null;
  busy: boolean;
  /** The summary of problems, focused when there is something new to read in it. */
  summary: RefObject<HTMLDivElement | null>;
  /** The report's photos, sent with it: a form passes them on in its ReportInput. */
  photos: DevicePhoto[];
  setPhotos: (photos: DevicePhoto[]) => void;
}

/** A refusal in the server's words; a failure of another kind as it names itself. */
export function refusalMessage(caught: unknown): string {
  return caught instanceof ApiError ? caught.message : String(caught);
}

/** The draft's fields of free text: what a Field or a TextArea edits. */
type TextKey<D> = { [K in keyof D & string]-?: string extends D[K] ? (D[K] extends string ? K : never) : never }[keyof D & string];

/** The draft's fields holding one of a list of codes ('' for none chosen): what a Select edits. */
type ChoiceKey<D> = { [K in keyof D & string]-?: D[K] extends string ? K : never }[keyof D & string];

/** A draft's change of one field. */
function changeOf<D, K extends keyof D>(name: K, value: D[K]): Partial<D> {
  const change: Partial<D> = {};
  change[name] = value;
  return change;
}

/**
 * Binds controls to the fields of a draft (a report's, or a part of it such as a victim) by
 * name: each control is given its field's value, its problem and its edit.
 */
export function bindDraft<D extends object>(draft: D, problem: (field: string) => string | undefined, set: (change: Partial<D>) => void) {
  return {
    /** A text field, as a Field or a TextArea takes it. */
    input: <K extends keyof D & TextKey<D>>(name: K) => ({ value: draft[name], error: problem(name), onInput: (value: D[K]) => set(changeOf(name, value)) }),
    /** A field chosen from a list, as a Select takes it. */
    choice: <K extends keyof D & ChoiceKey<D>>(name: K) => ({ value: draft[name], error: problem(name), onChange: (value: D[K]) => set(changeOf(name, value)) }),
  };
}

/**
 * The state of a report form of a kind: the draft, the problems found in it (each gone once its
 * field is edited), the server's refusal, whether the report is being sent, and its photos. Its
 * binders give a control of the draft its value, its problem and its edit by the field's name.
 */
export function useReportForm<D extends object>(kind: ReportKind, initial: D) {
  const [draft, setDraft] = useState<D>(initial);
  const [errors, setErrors] = useState<Errors>({});
  const [serverError, setServerError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [photos, setPhotos] = useState<DevicePhoto[]>([]);
  const [sent, setSent] = useState<Sent | null>(null);
  const summary = useRef<HTMLDivElement>(null);
  const set = (change: Partial<D>) => {
    setDraft((d) => ({ ...d, ...change }));
    setErrors((e) => withoutErrors(e, Object.keys(change)));
  };
  /**
   * Sends the report when the draft has no `problems`. The problems, or the server's refusal
   * worded by `refused`, go to the summary, which takes the focus so a screen reader reads them.
   */
  async function send(problems: Errors, sending: () => Promise<void>, refused: (caught: unknown) => string = refusalMessage) {
    setErrors(problems);
    setServerError(null);
    if (Object.keys(problems).length > 0) {
      summary.current?.focus();
      return;
    }
    setBusy(true);
    try {
      await sending();
    } catch (caught) {
      setServerError(refused(caught));
      summary.current?.focus();
    } finally {
      setBusy(false);
    }
  }
  const state: FormState = { kind, sent, errors, serverError, busy, summary, photos, setPhotos };
  const { input, choice } = bindDraft(draft, (field) => errors[field], set);
  /** The text of the draft's shape, as a GeometryField takes it: its problem is under the name without "Text". */
  const shape = <K extends keyof D & TextKey<D> & `${string}Text`>(name: K) => ({ kind, text: draft[name], error: errors[name.replace(/Text$/, '')], onText: (text: D[K]) => set(changeOf(name, text)) });
  return { draft, set, setDraft, errors, setErrors, state, send, setSent, input, choice, shape };
}

/** Where a kind of report is made; #/reports/new is the hazardous area's form. */
function formPath(kind: ReportKind): string {
  return kind === 'hazard' ? '/reports/new' : `/reports/new/${kind}`;
}

function formTitle(kind: ReportKind): string {
  return t(`report.${kind}Title`);
}

export function ReportKinds({ current }: { current: ReportKind }) {
  return (
    <nav aria-label={t('report.kinds')} class="report-kinds">
      <ul>
        {REPORT_KINDS.map((kind) => (
          <li key={kind}>
            <a href={href(formPath(kind))} aria-current={kind === current ? 'page' : undefined}>
              {t(`reportKind.${kind}`)}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/**
 * What every report form shares: the kinds of report, the title and introduction, the summary of
 * problems (focused when a submission fails), the form itself in two columns (the facts, then the
 * place or shape), its photos and its submit button; once the report is sent, what became of it.
 */
export function ReportForm(props: {
  /** Above the form; by default, what a report becomes. */
  intro?: string;
  form: FormState;
  label: (field: string) => string;
  onSubmit: () => unknown;
  submitLabel?: string;
  /** Between the summary and the form (what was sent so far). */
  status?: ComponentChildren;
  /** The report's facts: the first column. */
  children: ComponentChildren;
  /** Where it is: the second column. */
  shape: ComponentChildren;
  /** Below both columns (an accident's victims). */
  below?: ComponentChildren;
}) {
  const title = formTitle(props.form.kind);
  if (props.form.sent) return <Submitted kind={props.form.kind} message={props.form.sent.message} kept={props.form.sent.kept} />;
  return (
    <section class="page">
      <ReportKinds current={props.form.kind} />
      <h1>{title}</h1>
      <p class="muted">{props.intro ?? t('report.intro')}</p>
      <ErrorSummary errors={props.form.errors} serverError={props.form.serverError} summary={props.form.summary} label={props.label} />
      {props.status}
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void props.onSubmit();
        }}
        noValidate
        aria-label={title}
      >
        <div class="two-columns">
          <div>{props.children}</div>
          <div>{props.shape}</div>
        </div>
        {props.below}
        <Photos photos={props.form.photos} onChange={props.form.setPhotos} />
        <button type="submit" class="primary" disabled={props.form.busy}>
          {props.submitLabel ?? t('report.submit')}
        </button>
      </form>
    </section>
  );
}

/** The problems of the last attempt, and the server's answer; focused so a screen reader reads them. */
function ErrorSummary({ errors, serverError, label, summary }: { errors: Errors; serverError: string | null; label: (field: string) => string; summary: RefObject<HTMLDivElement | null> }) {
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

/** How each form's place is given (an outline, points or one point), and the words around it. */
const SHAPES: Record<ReportKind, { mode: DrawMode; legend: MessageKey; hint: MessageKey; textLabel: MessageKey }> = {
  hazard: { mode: 'polygon', legend: 'report.geometry', hint: 'report.geometryHint', textLabel: 'report.geojson' },
  activity: { mode: 'polygon', legend: 'report.activityArea', hint: 'report.activityAreaHint', textLabel: 'report.activityAreaText' },
  finds: { mode: 'points', legend: 'report.findPoints', hint: 'report.findPointsHint', textLabel: 'report.findPointsText' },
  accident: { mode: 'point', legend: 'report.accidentPlace', hint: 'report.accidentPlaceHint', textLabel: 'report.accidentPlaceText' },
  progress: { mode: 'polygon', legend: 'report.progressGround', hint: 'report.progressGroundHint', textLabel: 'report.progressGroundText' },
  release: { mode: 'polygon', legend: 'report.releaseArea', hint: 'report.releaseAreaHint', textLabel: 'report.releaseAreaText' },
  riskEducation: { mode: 'point', legend: 'report.sessionPlace', hint: 'report.sessionPlaceHint', textLabel: 'report.sessionPlaceText' },
};

/**
 * The shape of a report as text (GeoJSON, WKT or coordinate lines), which drawing and uploading
 * fill in, with a preview of what was read.
 */
export function GeometryField(props: {
  kind: ReportKind;
  text: string;
  required?: boolean;
  error?: string | undefined;
  preview: Geometry | null;
  onText: (text: string) => void;
  children?: ComponentChildren;
}) {
  const [drawing, setDrawing] = useState(false);
  const fileId = useId();
  const shape = SHAPES[props.kind];
  async function upload(file: File | undefined) {
    if (file) props.onText(await file.text());
  }
  return (
    <fieldset>
      <legend>{t(shape.legend)}</legend>
      <p class="hint">{t(shape.hint)}</p>
      <button type="button" aria-expanded={drawing} onClick={() => setDrawing((d) => !d)}>
        {drawing ? t('report.stopDrawing') : t('report.draw')}
      </button>
      <GpsButton text={props.text} onText={props.onText} />
      {drawing ? <DrawOnMap mode={shape.mode} onDrawn={props.onText} /> : null}
      <TextArea label={t(shape.textLabel)} rows={6} value={props.text} required={props.required} error={props.error} onInput={props.onText} />
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
 * The geometry field of a form whose shape the server checks before it is sent: a new text drops
 * the last check, and the check's answer shows under the field.
 */
export function CheckedGeometryField({
  shapeCheck,
  labels = ['report.checkArea', 'report.areaNoProblems'],
  onText,
  ...field
}: Omit<Parameters<typeof GeometryField>[0], 'children'> & { shapeCheck: ReturnType<typeof useShapeCheck>; labels?: readonly [MessageKey, MessageKey] }) {
  return (
    <GeometryField
      {...field}
      onText={(text) => {
        onText(text);
        shapeCheck.reset();
      }}
    >
      {shapeCheck.view(field.preview, t(labels[0]), t(labels[1]))}
    </GeometryField>
  );
}

/**
 * After sending: what happens next, and the way to the queue or another report. A report kept on
 * the device (no connection) says so, and leads to the outbox instead.
 */
function Submitted({ kind, message, kept = false }: { kind: ReportKind; message: string; kept?: boolean }) {
  return (
    <section class="page narrow">
      <h1>{formTitle(kind)}</h1>
      <p role="status" class="success">
        {message}
      </p>
      {kept ? <p role="status">{t('fieldApp.keptOnDevice')}</p> : null}
      <p>
        {kept ? <a href={href('/field')}>{t('fieldApp.outbox')}</a> : <a href={href('/approvals')}>{t('nav.approvals')}</a>} · <a href={href(formPath(kind))} onClick={() => location.reload()}>{t('report.another')}</a>
      </p>
    </section>
  );
}

/** Organisations a reporter may report for: any for a national officer, else their own. */
function useOrganisations(actor: ActorSummary): Organisation[] {
  const national = can(actor, 'report.approve');
  const [organisations] = useLoad(() => orFromPackage(() => api.get<{ organisations: Organisation[] }>('/api/organisations').then((a) => a.organisations), 'organisations'), []);
  return organisations.state === 'ready' ? organisations.value.filter((o) => national || o.id === actor.organisationId) : [];
}

/**
 * Activities a report may name: an operator's own, or every one for a national officer (the API
 * pages them; the first thousand in reference order are offered). With no link, those of the
 * newest area package.
 */
export function useActivities(actor: ActorSummary): ActivitySummary[] {
  const national = can(actor, 'report.approve');
  const [activities] = useLoad(
    () =>
      api
        .get<Page<ActivitySummary>>(`/api/activities${query({ limit: 1000, organisation: national ? null : actor.organisationId })}`)
        .then((a) => a.items)
        .catch(async (caught: unknown) => {
          const pkg = caught instanceof TypeError ? await newestPackage() : null;
          if (!pkg) throw caught;
          return packageActivities(pkg).filter((a) => national || a.organisationId === actor.organisationId);
        }),
    [],
  );
  return activities.state === 'ready' ? activities.value : [];
}

/**
 * The organisation a report is for, from those the reporter may report for (useOrganisations);
 * `none` words the choice of none (or of none yet), where the form offers it.
 */
export function OrganisationSelect(props: { label?: string; value: string; none?: string | undefined; required?: boolean; hint?: string; error?: string | undefined; onChange: (organisationId: string) => void }) {
  const { actor } = useSession();
  const organisations = useOrganisations(actor);
  return (
    <Select
      label={props.label ?? t('field.organisation')}
      value={props.value}
      required={props.required}
      hint={props.hint}
      error={props.error}
      options={[...(props.none === undefined ? [] : [{ value: '', label: props.none }]), ...organisations.map((o) => ({ value: o.id, label: o.name }))]}
      onChange={props.onChange}
    />
  );
}

function activityLabel(activity: ActivitySummary): string {
  return `${activity.reference} · ${t(`activity.${activity.kind}`)} · ${activity.organisation}`;
}

/** The activity a report belongs to (if any, unless `required`), from those the reporter may name. */
export function ActivitySelect(props: { activities: readonly ActivitySummary[]; value: string; hint: string; required?: boolean; error?: string | undefined; onChange: (activityId: string) => void }) {
  const none = { value: '', label: props.required ? t('report.choose') : t('report.noActivity') };
  return (
    <Select
      label={t('field.activity')}
      value={props.value}
      hint={props.hint}
      required={props.required}
      error={props.error}
      options={[none, ...props.activities.map((a) => ({ value: a.id, label: activityLabel(a) }))]}
      onChange={props.onChange}
    />
  );
}

/** Today in UTC (YYYY-MM-DD): the server judges field dates by it. */
export function todayUtc(): string {
  return new Date().toISOString().slice(0, 10);
}

/** The words for a problem of a date, by the code of the rule the server shares (src/land/rules.ts). */
export const DATE_PROBLEMS = { required: 'validation.required', not_date: 'validation.date', future: 'validation.future', before_1900: 'validation.before1900' } as const satisfies Record<string, MessageKey>;

/** A date of something that happened, as the server checks it: given, not in the future, not before 1900. */
export function pastDateProblem(date: string, required: boolean): string | undefined {
  if (!date) return required ? t('validation.required') : undefined;
  const problem = datePastProblem(date, todayUtc());
  return problem ? t(DATE_PROBLEMS[problem]) : undefined;
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
 * other hazards too; a release product against its hazard (`hazardId`); an activity's area, like
 * a release product without its hazard, by its shape alone, as the activity's handler checks it.
 */
export function useShapeCheck(entityType: 'hazard' | 'release_product', hazardId?: string) {
  const [problems, setProblems] = useState<GeometryProblem[] | null>(null);
  const [accepted, setAccepted] = useState<string[]>([]);
  const [failure, setFailure] = useState<string | null>(null);
  async function check(geometry: Geometry) {
    try {
      setFailure(null);
      setProblems((await api.post<{ problems: GeometryProblem[] }>('/api/hazards/check-geometry', { geometry, entityType, ...(hazardId ? { hazardId } : {}) })).problems);
    } catch (caught) {
      setFailure(messageOf(caught));
    }
  }
  /**
   * Sends a report of the shape with the warnings accepted (or keeps it on the device); when the
   * server refuses it for its shape, its checks are shown, then the refusal is thrown as before.
   */
  async function send(report: Omit<ReportInput, 'acceptedWarnings'>, geometry: Geometry | null, author: string) {
    try {
      return await sendOrKeep({ ...report, acceptedWarnings: accepted }, author);
    } catch (caught) {
      if (caught instanceof ApiError && /warning|geometry/i.test(caught.message) && geometry) void check(geometry);
      throw caught;
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
  return { send, reset: () => setProblems(null), view };
}
