/** Small pieces every page uses: loading and error states, labelled form fields, a sketch. */
import type { ComponentChildren } from 'preact';
import { useId } from 'preact/hooks';
import type { Loaded } from './data.ts';
import { bbox, type Geometry, type Position } from './geojson.ts';
import { t } from './i18n/index.ts';

export function Loading() {
  return (
    <p class="muted" role="status">
      {t('common.loading')}
    </p>
  );
}

export function ErrorMessage({ message }: { message: string }) {
  return (
    <p class="error" role="alert">
      {message}
    </p>
  );
}

/** Shows a loaded value, or the loading state, or the error. */
export function Show<T>({ loaded, children }: { loaded: Loaded<T>; children: (value: T) => ComponentChildren }) {
  if (loaded.state === 'loading') return <Loading />;
  if (loaded.state === 'error') return <ErrorMessage message={loaded.message} />;
  return <>{children(loaded.value)}</>;
}

/** What a labelled control gives its element: its id, and the hint and error that describe it. */
interface ControlAttributes {
  id: string;
  'aria-invalid': 'true' | undefined;
  'aria-describedby': string | undefined;
}

/**
 * The frame of every labelled control: the label (marked when required), then the control, then
 * its hint and its error, which the control names as its description so a screen reader reads them.
 */
function Labelled(props: { label: string; required?: boolean | undefined; hint?: string | undefined; error?: string | null | undefined; children: (control: ControlAttributes) => ComponentChildren }) {
  const id = useId();
  const describedBy = [props.hint ? `${id}-hint` : '', props.error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div class="field">
      <label for={id}>
        {props.label}
        {props.required ? <span aria-hidden="true"> *</span> : null}
      </label>
      {props.children({ id, 'aria-invalid': props.error ? 'true' : undefined, 'aria-describedby': describedBy })}
      {props.hint ? (
        <p id={`${id}-hint`} class="hint">
          {props.hint}
        </p>
      ) : null}
      <FieldError id={id} error={props.error} />
    </div>
  );
}

/** A control's error under it, with the id its aria-describedby names. */
function FieldError({ id, error }: { id: string; error?: string | null | undefined }) {
  return error ? (
    <p id={`${id}-error`} class="field-error">
      {error}
    </p>
  ) : null;
}

/** A text, number, date, password or file input with its label and an optional hint or error. */
export function Field(props: {
  label: string;
  value?: string;
  type?: 'text' | 'password' | 'number' | 'date' | 'search';
  required?: boolean;
  hint?: string;
  error?: string | null;
  autocomplete?: string;
  min?: string;
  max?: string;
  step?: string;
  name?: string;
  /** The id of a <datalist> of suggestions. */
  list?: string;
  onInput(value: string): void;
}) {
  return (
    <Labelled label={props.label} required={props.required} hint={props.hint} error={props.error}>
      {(control) => (
        <input
          {...control}
          name={props.name}
          /* Preact types each input type apart (password inputs take no role); any of ours takes these attributes. */
          // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- tsc -p web needs it; the linter's program resolves Preact's input types more loosely
          type={(props.type ?? 'text') as 'text'}
          value={props.value}
          required={props.required}
          autocomplete={props.autocomplete}
          min={props.min}
          max={props.max}
          step={props.step}
          list={props.list}
          onInput={(event) => props.onInput(event.currentTarget.value)}
        />
      )}
    </Labelled>
  );
}

export function TextArea(props: { label: string; value: string; rows?: number; hint?: string; error?: string | null; required?: boolean; onInput(value: string): void }) {
  return (
    <Labelled label={props.label} required={props.required} hint={props.hint} error={props.error}>
      {(control) => <textarea {...control} rows={props.rows ?? 3} value={props.value} required={props.required} onInput={(event) => props.onInput(event.currentTarget.value)} />}
    </Labelled>
  );
}

export function Select<V extends string>(props: { label: string; value: V; options: readonly { value: V; label: string }[]; onChange(value: V): void; hint?: string; required?: boolean; error?: string | null | undefined }) {
  return (
    <Labelled label={props.label} required={props.required} hint={props.hint} error={props.error}>
      {(control) => (
        <select {...control} value={props.value} required={props.required} onChange={(event) => props.onChange(event.currentTarget.value as V)}>
          {props.options.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      )}
    </Labelled>
  );
}

/** A list of codes as a Select's options, each in its words; first, when `none` words it, the choice of none (''). */
export function codeOptions<V extends string>(codes: readonly V[], words: (code: V) => string): { value: V; label: string }[];
export function codeOptions<V extends string>(codes: readonly V[], words: (code: V) => string, none: string): { value: '' | V; label: string }[];
export function codeOptions<V extends string>(codes: readonly V[], words: (code: V) => string, none?: string): { value: '' | V; label: string }[] {
  const options = codes.map((code) => ({ value: code, label: words(code) }));
  return none === undefined ? options : [{ value: '', label: none }, ...options];
}

/** A group of checkboxes with a legend, for the lists of a record (evidence, contamination, …). */
export function Checkboxes<V extends string>(props: { legend: string; values: readonly V[]; chosen: readonly V[]; label(value: V): string; onChange(chosen: V[]): void; error?: string | null }) {
  const id = useId();
  return (
    <fieldset class="checkboxes" aria-describedby={props.error ? `${id}-error` : undefined}>
      <legend>{props.legend}</legend>
      {props.values.map((value) => (
        <label key={value} class="checkbox">
          <input
            type="checkbox"
            checked={props.chosen.includes(value)}
            onChange={(event) => props.onChange(event.currentTarget.checked ? [...props.chosen, value] : props.chosen.filter((v) => v !== value))}
          />
          {props.label(value)}
        </label>
      ))}
      <FieldError id={id} error={props.error} />
    </fieldset>
  );
}

export interface SketchLayer {
  geometry: Geometry | null;
  /** A class of the stylesheet: sketch-hazard, sketch-remaining, sketch-before, … */
  className: string;
}

/**
 * A small drawing of some geometries in one frame (an equirectangular projection scaled by the
 * cosine of the latitude, true enough for a field-sized shape), with a scale bar. Used where a
 * whole map would be too much: a hazard's outline, a report's before and after, a record's audit.
 */
export function Sketch({ layers, label, width = 480, height = 320 }: { layers: readonly SketchLayer[]; label: string; width?: number; height?: number }) {
  const box = bbox(layers.map((l) => l.geometry));
  if (!box) return null;
  const [west, south, east, north] = box;
  const cos = Math.cos((((south + north) / 2) * Math.PI) / 180);
  const spanX = Math.max((east - west) * cos, 1e-6);
  const spanY = Math.max(north - south, 1e-6);
  const pad = 16;
  const scale = Math.min((width - 2 * pad) / spanX, (height - 2 * pad) / spanY);
  const project = ([x = 0, y = 0]: Position): [number, number] => [pad + (x - west) * cos * scale, height - pad - (y - south) * scale];
  const path = (rings: Position[][], close: boolean) =>
    rings.map((ring) => ring.map((p, i) => `${i === 0 ? 'M' : 'L'}${project(p).map((v) => v.toFixed(1)).join(',')}`).join('') + (close ? 'Z' : '')).join('');
  const metresPerPixel = 111_320 / scale;
  const barMetres = niceLength(metresPerPixel * width * 0.25);
  const barPixels = barMetres / metresPerPixel;
  return (
    <svg class="sketch" viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label}>
      {layers.map((layer, index) => {
        const g = layer.geometry;
        if (!g) return null;
        switch (g.type) {
          case 'Polygon':
            return <path key={index} class={layer.className} d={path(g.coordinates, true)} fill-rule="evenodd" />;
          case 'MultiPolygon':
            return <path key={index} class={layer.className} d={g.coordinates.map((p) => path(p, true)).join('')} fill-rule="evenodd" />;
          case 'LineString':
            return <path key={index} class={layer.className} d={path([g.coordinates], false)} />;
          case 'MultiLineString':
            return <path key={index} class={layer.className} d={path(g.coordinates, false)} />;
          case 'Point':
          case 'MultiPoint': {
            const points = g.type === 'Point' ? [g.coordinates] : g.coordinates;
            return (
              <g key={index} class={layer.className}>
                {points.map((p, i) => {
                  const [cx, cy] = project(p);
                  return <circle key={i} cx={cx} cy={cy} r={3} />;
                })}
              </g>
            );
          }
        }
      })}
      <g class="scale-bar">
        <line x1={pad} y1={height - 6} x2={pad + barPixels} y2={height - 6} />
        <text x={pad + barPixels + 4} y={height - 3}>
          {barMetres >= 1000 ? `${barMetres / 1000} km` : `${barMetres} m`}
        </text>
      </g>
    </svg>
  );
}

function niceLength(metres: number): number {
  const power = 10 ** Math.floor(Math.log10(metres));
  const first = metres / power;
  return (first >= 5 ? 5 : first >= 2 ? 2 : 1) * power;
}

export function Badge({ children, tone }: { children: ComponentChildren; tone: string }) {
  return <span class={`badge badge-${tone}`}>{children}</span>;
}

/** A column of a Table: its heading, and what it shows of each row. */
export interface Column<R> {
  heading: ComponentChildren;
  cell(row: R): ComponentChildren;
  /** The cell's data-testid, for a test to find one figure. */
  testId?(row: R): string;
}

/**
 * A table with a heading per column and a row per item. The first column names its row (a row
 * header, so a screen reader says which row a cell is in) unless `rowHeaders` is false.
 */
export function Table<R>(props: {
  columns: readonly Column<R>[];
  rows: readonly R[];
  rowKey(row: R, index: number): string | number;
  caption?: ComponentChildren;
  class?: string;
  testId?: string;
  rowHeaders?: boolean;
  /** A row's class: `changed` marks a row whose values differ. */
  rowClass?(row: R): string | undefined;
  /** Shown instead of the table when there are no rows; without it an empty table is shown. */
  empty?: ComponentChildren;
}) {
  const { columns, rowHeaders = true } = props;
  if (props.rows.length === 0 && props.empty !== undefined) return <>{props.empty}</>;
  return (
    <table class={props.class} data-testid={props.testId}>
      {props.caption ? <caption>{props.caption}</caption> : null}
      <thead>
        <tr>
          {columns.map((column, i) => (
            <th key={i} scope="col">
              {column.heading}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {props.rows.map((row, index) => (
          <tr key={props.rowKey(row, index)} class={props.rowClass?.(row)}>
            {columns.map((column, i) =>
              i === 0 && rowHeaders ? (
                <th key={i} scope="row" data-testid={column.testId?.(row)}>
                  {column.cell(row)}
                </th>
              ) : (
                <td key={i} data-testid={column.testId?.(row)}>
                  {column.cell(row)}
                </td>
              ),
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
