/**
 * The JSON format of a minefield record (see docs/minefield-record-format.md).
 *
 * Validation here checks shape and types only, so that a transcription with mistakes can still
 * be stored and shown; what the numbers mean (legs from unknown points, distances ≤ 0,
 * azimuths beyond the circle, rows that cannot be placed) is judged by `reconstruct`, which
 * lists every problem instead of stopping at the first.
 */
import { z } from 'zod';

export const MINEFIELD_RECORD_FORMAT = 'safeground/minefield-record@1';

const pointName = z.string().trim().min(1, 'a point name must not be empty');
const isoDate = z.iso.date();
const angleUnit = z.enum(['degrees', 'mils']);
const northReference = z.enum(['true', 'grid', 'magnetic']);
const hemisphere = z.enum(['N', 'S']);

const coordinatesSchema = z.discriminatedUnion('system', [
  z.strictObject({
    system: z.literal('latlon'),
    lat: z.number().min(-90).max(90),
    lon: z.number().min(-180).max(180),
  }),
  z.strictObject({
    system: z.literal('utm'),
    zone: z.number().int().min(1).max(60),
    hemisphere,
    easting: z.number(),
    northing: z.number(),
  }),
  z.strictObject({
    system: z.literal('mgrs'),
    /** e.g. "34TCQ 12345 67890"; the centre of the named square is used. */
    mgrs: z.string().trim().min(1),
  }),
]);

const northSchema = z.strictObject({
  reference: northReference,
  /** Grid azimuths: the UTM zone whose grid they were read on, when not the point's own zone. */
  utmZone: z.strictObject({ zone: z.number().int().min(1).max(60), hemisphere }).optional(),
  /** Magnetic azimuths: the declination the record states, signed, east positive. */
  declination: z.strictObject({ value: z.number(), unit: angleUnit }).optional(),
  /**
   * Magnetic azimuths: the date the compass bearings were taken, when it differs from
   * `provenance.layingDate`; used for the World Magnetic Model when no declination is stated.
   */
  layingDate: isoDate.optional(),
});

const referencePointSchema = z.strictObject({
  name: pointName,
  description: z.string().optional(),
  /** Absent for a landmark that has no surveyed coordinate: a leg must then locate it. */
  coordinates: coordinatesSchema.optional(),
});

const legFields = {
  from: pointName,
  azimuth: z.number(),
  /** Metres along the ground (horizontal), > 0. */
  distance: z.number(),
  /** Overrides the record's angle unit for this leg. */
  unit: angleUnit.optional(),
  /** Overrides the record's north reference for this leg (e.g. a compass leg on a grid record). */
  north: northReference.optional(),
};

const legSchema = z.strictObject({
  ...legFields,
  to: pointName,
  /**
   * A check (closing) leg measures onto a point that is already located, e.g. the last leg of a
   * closed traverse back to the reference point. It defines nothing; it yields a closing error.
   */
  check: z.boolean().optional(),
});

const rowSchema = z.strictObject({
  name: z.string().trim().min(1),
  start: pointName,
  end: pointName,
  mineCount: z.number().int().min(0).optional(),
  mineModel: z.string().optional(),
  /** Metres between neighbouring mines. */
  spacing: z.number().optional(),
  /** As written on the record (e.g. "single row", "staggered"); prediction treats the row as one line. */
  pattern: z.string().optional(),
});

const mineSchema = z
  .strictObject({
    id: z.string().trim().min(1),
    model: z.string().optional(),
    leg: z.strictObject(legFields).optional(),
    coordinates: coordinatesSchema.optional(),
  })
  .refine((m) => (m.leg === undefined) !== (m.coordinates === undefined), {
    error: 'a mine needs exactly one of "leg" or "coordinates"',
  });

const provenanceSchema = z.strictObject({
  /** Who handed the record over, and in what form (e.g. "Army engineers, paper form 17"). */
  source: z.string().trim().min(1),
  handoverBatch: z.string().optional(),
  handoverDate: isoDate.optional(),
  layingDate: isoDate.optional(),
  documents: z.array(z.strictObject({ reference: z.string().trim().min(1), title: z.string().optional() })).default([]),
  /** The total number of mines the record states, as written. */
  statedMineTotal: z.number().int().min(0).optional(),
  notes: z.string().optional(),
});

export const minefieldRecordSchema = z.strictObject({
  format: z.literal(MINEFIELD_RECORD_FORMAT),
  /** Safeground's id, once stored. */
  id: z.string().optional(),
  /** The record's own reference as written on it (e.g. "MF 34-117/93"). */
  reference: z.string().trim().min(1),
  angleUnit,
  north: northSchema,
  referencePoints: z.array(referencePointSchema).min(1, 'a record needs at least one reference point'),
  legs: z.array(legSchema).default([]),
  /** Point names in order around the minefield; the ring is closed automatically. */
  perimeter: z.array(pointName).optional(),
  rows: z.array(rowSchema).default([]),
  mines: z.array(mineSchema).default([]),
  provenance: provenanceSchema,
});

export type MinefieldRecord = z.output<typeof minefieldRecordSchema>;
export type Coordinates = z.output<typeof coordinatesSchema>;
export type ReferencePoint = z.output<typeof referencePointSchema>;
export type Leg = z.output<typeof legSchema>;
export type MineLeg = NonNullable<z.output<typeof mineSchema>['leg']>;
export type Row = z.output<typeof rowSchema>;
export type Mine = z.output<typeof mineSchema>;
export type North = z.output<typeof northSchema>;
export type Provenance = z.output<typeof provenanceSchema>;

export interface FormatIssue {
  /** e.g. "legs[3].distance" */
  path: string;
  message: string;
  /** The offending value as received (undefined when the field is missing). */
  value: unknown;
}

export type ValidationResult =
  | { ok: true; record: MinefieldRecord }
  | { ok: false; reference: string; issues: FormatIssue[]; message: string };

/** Raised by `parseMinefieldRecord`; `issues` carries every problem, `message` lists them. */
export class MinefieldRecordFormatError extends Error {
  override name = 'MinefieldRecordFormatError';
  constructor(
    message: string,
    readonly reference: string,
    readonly issues: FormatIssue[],
  ) {
    super(message);
  }
}

/**
 * Check parsed JSON against the format. Never throws.
 *
 * @example validateMinefieldRecord(JSON.parse(text))
 */
export function validateMinefieldRecord(input: unknown): ValidationResult {
  const parsed = minefieldRecordSchema.safeParse(input);
  if (parsed.success) return { ok: true, record: parsed.data };
  const reference = recordLabel(input);
  const issues = parsed.error.issues.map((i) => ({
    path: formatPath(i.path),
    message: i.message,
    value: valueAt(input, i.path),
  }));
  const lines = issues.map((i) => `  ${i.path || '(record)'}: ${i.message} (got ${showValue(i.value)})`);
  const message = `minefield record ${reference}: ${issues.length} format problem${issues.length === 1 ? '' : 's'}\n${lines.join('\n')}`;
  return { ok: false, reference, issues, message };
}

/** Like `validateMinefieldRecord`, but throws `MinefieldRecordFormatError`. */
export function parseMinefieldRecord(input: unknown): MinefieldRecord {
  const r = validateMinefieldRecord(input);
  if (!r.ok) throw new MinefieldRecordFormatError(r.message, r.reference, r.issues);
  return r.record;
}

/** How messages name a record: its reference in quotes, else its id, else a placeholder. */
export function recordLabel(input: unknown): string {
  if (typeof input === 'object' && input !== null) {
    const { reference, id } = input as { reference?: unknown; id?: unknown };
    if (typeof reference === 'string' && reference.trim() !== '') return `"${reference}"`;
    if (typeof id === 'string' && id.trim() !== '') return `id ${id}`;
  }
  return '(no reference)';
}

/** ["legs", 3, "distance"] -> "legs[3].distance" */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

export function showValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const key of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

const LEG_COLUMNS = ['from', 'to', 'azimuth', 'distance', 'unit', 'north', 'check'] as const;
const REQUIRED_LEG_COLUMNS = ['from', 'to', 'azimuth', 'distance'];

/**
 * Legs typed into a spreadsheet, as CSV with a header row: `from,to,azimuth,distance` and
 * optionally `unit` (degrees|mils), `north` (true|grid|magnetic) and `check` (true|false).
 * Fields may be double-quoted; blank lines are skipped. Every problem is reported at once,
 * naming the record, the line (1 = header) and the column.
 *
 * @example parseLegsCsv('from,to,azimuth,distance\nRP1,TP1,1250,84.5', 'MF 34-117/93')
 */
export function parseLegsCsv(text: string, recordRef: string): Leg[] {
  const errors: string[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = splitCsvLine(lines[0] ?? '').map((h) => h.trim().toLowerCase());
  for (const [i, h] of header.entries()) {
    if (!(LEG_COLUMNS as readonly string[]).includes(h)) errors.push(`line 1, column ${i + 1}: unknown column "${h}" (expected ${LEG_COLUMNS.join(', ')})`);
  }
  for (const required of REQUIRED_LEG_COLUMNS) {
    if (!header.includes(required)) errors.push(`line 1: missing column "${required}"`);
  }
  const legs: Leg[] = [];
  if (errors.length === 0) {
    for (let n = 1; n < lines.length; n++) {
      const line = lines[n] ?? '';
      if (line.trim() === '') continue;
      const cells = splitCsvLine(line);
      const lineNo = n + 1;
      if (cells.length !== header.length) {
        errors.push(`line ${lineNo}: ${cells.length} fields, but the header has ${header.length}`);
        continue;
      }
      const cell = (column: string): string => (cells[header.indexOf(column)] ?? '').trim();
      const has = (column: string): boolean => header.includes(column) && cell(column) !== '';
      const fail = (column: string, why: string): void => {
        errors.push(`line ${lineNo}, column ${column}: ${why} (got ${JSON.stringify(cell(column))})`);
      };
      const number = (column: string): number => {
        const v = Number(cell(column));
        if (cell(column) === '' || !Number.isFinite(v)) fail(column, 'not a number');
        return v;
      };
      const leg: Leg = { from: cell('from'), to: cell('to'), azimuth: number('azimuth'), distance: number('distance') };
      if (leg.from === '') fail('from', 'a point name is required');
      if (leg.to === '') fail('to', 'a point name is required');
      if (has('unit')) {
        const unit = angleUnit.safeParse(cell('unit'));
        if (unit.success) leg.unit = unit.data;
        else fail('unit', 'expected degrees or mils');
      }
      if (has('north')) {
        const north = northReference.safeParse(cell('north'));
        if (north.success) leg.north = north.data;
        else fail('north', 'expected true, grid or magnetic');
      }
      if (has('check')) {
        const check = cell('check').toLowerCase();
        if (check === 'true' || check === 'false') leg.check = check === 'true';
        else fail('check', 'expected true or false');
      }
      legs.push(leg);
    }
  }
  if (errors.length > 0) {
    throw new Error(`minefield record "${recordRef}": legs CSV has ${errors.length} problem${errors.length === 1 ? '' : 's'}\n  ${errors.join('\n  ')}`);
  }
  return legs;
}

/** One CSV line (RFC 4180 quoting, no line breaks inside fields). */
function splitCsvLine(line: string): string[] {
  const cells: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line.charAt(i);
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        current += '"';
        i++;
      } else if (c === '"') quoted = false;
      else current += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      cells.push(current);
      current = '';
    } else current += c;
  }
  cells.push(current);
  return cells;
}
