/**
 * What a mapping file does to rows before their fields are read: fields composed from several
 * columns (a date from year, month and day columns, or from a date and a time; a reference from
 * a template, which may number groups of rows so that they make one accident), and rows kept or
 * skipped by the value of a column (one event type out of a mixed file). National files come so,
 * and a mapping alone must be able to import them, without a script deciding what is stored.
 */
import { z } from 'zod';
import { type ImportFormat, openSource } from './formats.ts';
import { FileProblem, type Problem } from './problems.ts';
import type { ReadOptions, Source } from './source.ts';
import type { SourceFeature } from './validate.ts';

/** A date from its parts: a year alone is known to the year, with a month to the month. */
const DateParts = z.strictObject({ year: z.string().min(1), month: z.string().min(1).optional(), day: z.string().min(1).optional() })
  .refine((d) => d.day === undefined || d.month !== undefined, { error: 'a day needs its month' });
/** A date and a time in two columns: the date is what is stored; the time is checked, then left. */
const DateAndTime = z.strictObject({ date: z.string().min(1), time: z.string().min(1) });
/**
 * Text from a template: `{column}` is that column's value, `{row}` the row's number, and with
 * `groupBy`, `{n}` the number of the row's group (rows with the same values in those columns),
 * counted in the order groups first appear in the file.
 */
const Template = z.strictObject({ template: z.string().min(1), groupBy: z.array(z.string().min(1)).min(1).optional() })
  .refine((t) => t.groupBy === undefined || t.template.includes('{n}'), { error: 'a template with groupBy numbers its groups with {n}' });

export const Composition = z.union([DateParts, DateAndTime, Template]);
export type Composition = z.infer<typeof Composition>;

/** Column -> values: a row is kept (or skipped) when that column holds one of them, compared without regard to case and surrounding spaces. */
export const RowFilter = z.record(z.string(), z.array(z.union([z.string(), z.number()])).min(1));
export type RowFilter = z.infer<typeof RowFilter>;

/** What compose needs of a mapping, whichever record type it maps. */
export interface Composing {
  compose: Partial<Record<string, Composition>>;
  keep?: RowFilter | undefined;
  skip?: RowFilter | undefined;
}

/** The column a composed field is given under: no file's column is named so. */
export const composedColumn = (field: string) => `{${field}}`;

/** The mapping's fields with each composed field's column, so that the field is read from it. */
export function withComposedFields<F extends string, M extends Composing & { fields: Record<string, F> }>(mapping: M): M {
  const composed = Object.fromEntries(Object.keys(mapping.compose).map((field) => [composedColumn(field), field as F]));
  return { ...mapping, fields: { ...mapping.fields, ...composed } };
}

const MONTHS: Record<string, number> = Object.fromEntries(
  [
    ['january', 'enero', 'jan', 'ene'],
    ['february', 'febrero', 'feb'],
    ['march', 'marzo', 'mar'],
    ['april', 'abril', 'apr', 'abr'],
    ['may', 'mayo'],
    ['june', 'junio', 'jun'],
    ['july', 'julio', 'jul'],
    ['august', 'agosto', 'aug', 'ago'],
    ['september', 'septiembre', 'setiembre', 'sep', 'sept'],
    ['october', 'octubre', 'oct'],
    ['november', 'noviembre', 'nov'],
    ['december', 'diciembre', 'dec', 'dic'],
  ].flatMap((names, i) => names.map((name) => [name, i + 1])),
);

function cell(properties: Record<string, unknown>, column: string): string | null {
  const value = properties[column];
  if (value === null || value === undefined) return null;
  const text = value instanceof Date ? value.toISOString().slice(0, 10) : String(value).trim();
  return text === '' ? null : text;
}

/** A month number or name (English or Spanish) as two digits; the text as it is when it is neither, for the date check to name. */
function monthOf(text: string): string {
  const n = /^\d{1,2}$/.test(text) ? Number(text) : MONTHS[text.toLowerCase()];
  return n === undefined ? text : String(n).padStart(2, '0');
}

export interface Skipped {
  total: number;
  /** `column = value` -> rows skipped for it. */
  by: Map<string, number>;
}

/**
 * The source as the mapping makes it: rows filtered by `keep` and `skip`, each composed field
 * added as a column (composedColumn). Gives a problem for the whole file when the mapping names
 * columns the file does not have, and the columns the composition reads (they are not ignored).
 */
export function composeSource(source: Source, mapping: Composing, file: string): { source: Source; skipped: Skipped; used: Set<string>; problem: string | null } {
  const compose = Object.entries(mapping.compose) as [string, Composition][];
  const skipped: Skipped = { total: 0, by: new Map() };
  const used = new Set<string>();
  const named: [string, string][] = [];
  for (const [field, spec] of compose) {
    if ('template' in spec) {
      for (const [, column] of spec.template.matchAll(/\{([^{}]+)\}/g)) if (column !== 'row' && column !== 'n') named.push([`compose.${field}.template`, column!]);
      for (const column of spec.groupBy ?? []) named.push([`compose.${field}.groupBy`, column]);
    } else for (const [part, column] of Object.entries(spec)) named.push([`compose.${field}.${part}`, column]);
  }
  for (const [which, filter] of [['keep', mapping.keep], ['skip', mapping.skip]] as const) for (const column of Object.keys(filter ?? {})) named.push([which, column]);
  for (const [, column] of named) used.add(column);
  if (compose.length === 0 && !mapping.keep && !mapping.skip) return { source, skipped, used, problem: null };
  const unknown = source.columns ? named.filter(([, column]) => !source.columns!.includes(column)) : [];
  const problem =
    unknown.length > 0
      ? `${file}: the mapping's ${unknown.map(([which, column]) => `${which} names column ${JSON.stringify(column)}`).join(', ')}, which the file does not have; columns are ${source.columns!.map((c) => JSON.stringify(c)).join(', ')}`
      : null;

  const lower = (values: readonly (string | number)[]) => new Set(values.map((v) => String(v).trim().toLowerCase()));
  const keep = Object.entries(mapping.keep ?? {}).map(([column, values]) => [column, lower(values)] as const);
  const skip = Object.entries(mapping.skip ?? {}).map(([column, values]) => [column, lower(values)] as const);
  const groups = new Map<string, Map<string, number>>();

  function skippedFor(properties: Record<string, unknown>): string | null {
    for (const [column, values] of keep) {
      const value = cell(properties, column) ?? '';
      if (!values.has(value.toLowerCase())) return `${column} = ${JSON.stringify(value)}`;
    }
    for (const [column, values] of skip) {
      const value = cell(properties, column) ?? '';
      if (values.has(value.toLowerCase())) return `${column} = ${JSON.stringify(value)}`;
    }
    return null;
  }

  function composed(feature: SourceFeature, field: string, spec: Composition): { value: string | null } | { problem: string } {
    const p = feature.properties;
    if ('year' in spec) {
      const year = cell(p, spec.year);
      if (year === null) return { value: null };
      const month = spec.month === undefined ? null : cell(p, spec.month);
      const day = spec.day === undefined || month === null ? null : cell(p, spec.day);
      return { value: [year, month === null ? null : monthOf(month), day === null ? null : day.padStart(2, '0')].filter((part) => part !== null).join('-') };
    }
    if ('date' in spec) {
      const time = cell(p, spec.time);
      if (time !== null && !/^([01]?\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?$/.test(time)) return { problem: `${field}: ${spec.time} ${JSON.stringify(time)} is not a time (hh:mm or hh:mm:ss)` };
      return { value: cell(p, spec.date) };
    }
    let n = '';
    if (spec.groupBy) {
      const key = JSON.stringify(spec.groupBy.map((column) => cell(p, column)));
      const numbers = groups.get(field) ?? new Map<string, number>();
      groups.set(field, numbers);
      n = String(numbers.get(key) ?? numbers.set(key, numbers.size + 1).size);
    }
    const missing: string[] = [];
    const value = spec.template.replace(/\{([^{}]+)\}/g, (_, column: string) => {
      if (column === 'row') return String(feature.row);
      if (column === 'n' && spec.groupBy) return n;
      const text = cell(p, column);
      if (text === null) missing.push(column);
      return text ?? '';
    });
    return missing.length > 0 ? { problem: `${field}: the template ${JSON.stringify(spec.template)} needs ${missing.map((c) => JSON.stringify(c)).join(', ')}, empty on this row` } : { value };
  }

  async function* features(): AsyncGenerator<SourceFeature & { problem?: string }> {
    for await (const feature of source.features) {
      if (feature.problem) {
        yield feature;
        continue;
      }
      const reason = skippedFor(feature.properties);
      if (reason !== null) {
        skipped.total++;
        skipped.by.set(reason, (skipped.by.get(reason) ?? 0) + 1);
        continue;
      }
      const properties = { ...feature.properties };
      const problems: string[] = [];
      for (const [field, spec] of compose) {
        const result = composed(feature, field, spec);
        if ('problem' in result) problems.push(result.problem);
        else properties[composedColumn(field)] = result.value;
      }
      yield problems.length > 0 ? { ...feature, properties, problem: problems.join('; ') } : { ...feature, properties };
    }
  }

  return {
    source: { rowLabel: source.rowLabel, columns: source.columns ? [...source.columns, ...compose.map(([field]) => composedColumn(field))] : null, features: features() },
    skipped,
    used,
    problem,
  };
}

/** The skipped rows as one line for a report: `12 rows skipped by the mapping (TIPO = "Incautación": 7, ...)`. */
export function describeSkipped(skipped: { total: number; by: Record<string, number> }, rowLabel: string): string | null {
  if (skipped.total === 0) return null;
  const by = Object.entries(skipped.by).sort((a, b) => b[1] - a[1]).map(([reason, n]) => `${reason}: ${n}`);
  return `${skipped.total} ${rowLabel}(s) skipped by the mapping's keep/skip (${by.join(', ')})`;
}

/** A file opened through its mapping, ready for its rows; or the problem that stops the whole file. */
export type MappedSource = { source: Source; skipped: Skipped; used: Set<string>; ignoredColumns: string[]; problem?: undefined } | { problem: Problem; rowLabel: string | null };

/**
 * Opens a file as every importer does: read by its format, composed and filtered by the mapping,
 * its columns checked by the importer's own `checkColumns` (the fields differ per record type).
 * Ignored columns are those neither mapped nor read by a composition.
 */
export async function openMapped(
  format: ImportFormat,
  path: string,
  options: ReadOptions & { file: string; mapping: Composing },
  checkColumns: (source: Source) => { ignored: string[]; problem: string | null },
): Promise<MappedSource> {
  let opened: Source;
  try {
    opened = await openSource(format, path, options);
  } catch (error) {
    if (!(error instanceof FileProblem)) throw error;
    return { problem: error.problem, rowLabel: null };
  }
  const composed = composeSource(opened, options.mapping, options.file);
  const columns = checkColumns(composed.source);
  const problem = composed.problem ?? columns.problem;
  if (problem) return { problem: { row: null, field: null, value: undefined, message: problem }, rowLabel: opened.rowLabel };
  return { source: composed.source, skipped: composed.skipped, used: composed.used, ignoredColumns: columns.ignored.filter((column) => !composed.used.has(column)) };
}
