import { DEVICE_CATEGORIES, DISPLACEMENT_STATUSES, VICTIM_GROUPS, VICTIM_OUTCOMES, VICTIM_SEXES } from './accident.ts';
import { type AccidentField, type AccidentMapping, ACCIDENT_ALIASES, IDENTITY_FIELDS } from '../exchange/mapping.ts';
import type { Problems } from '../exchange/problems.ts';
import type { Catalogue } from '../catalogue/match.ts';
import { codeOf, MappedRowValidator, parseNumber, pastDate, pastDateAsKnown, pointOf, type ProblemSink, type SourceFeature } from '../exchange/validate.ts';
import type { DateAsKnown, DatePrecision } from '../ops/datePrecision.ts';
import { parseAge } from './age.ts';


/** The fields that describe a victim; a row with none of them is an accident without victims. */
const VICTIM_FIELDS = ['victimId', 'outcome', 'sex', 'age', 'ageReported', 'victimGroup', 'activityAtTime', 'injuries', 'displacementStatus', ...IDENTITY_FIELDS] as const satisfies readonly AccidentField[];

/** Injuries are a list; in a flat file they are one cell, separated by semicolons. */
const INJURY_SEPARATOR = ';';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One row of an accident file that passed the checks one row can make. */
export interface AccidentRow {
  row: number;
  reference: string;
  occurredOn: string;
  occurredOnPrecision: DatePrecision;
  longitude: number | null;
  latitude: number | null;
  locationPrecisionM: number | null;
  adminArea: string | null;
  deviceCategory: string | null;
  ordnanceModelId: string | null;
  deminingRelated: boolean;
  activity: string | null;
  description: string | null;
  victim: VictimRow | null;
}

export interface VictimRow {
  victimId: string | null;
  outcome: string;
  sex: string | null;
  /** An exact age: then ageMin and ageMax are both it. */
  age: number | null;
  ageMin: number | null;
  ageMax: number | null;
  /** The age as the source wrote it, when it was not a whole number of years. */
  ageReported: string | null;
  victimGroup: string;
  activityAtTime: string | null;
  injuries: string[];
  displacementStatus: string | null;
  /** Null when the row carries no identifying details (the recorded ones then stay). */
  identity: { fullName: string | null; dateOfBirth: string | null; address: string | null; contact: string | null } | null;
}

function parseBoolean(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value === 1 ? true : value === 0 ? false : null;
  const text = String(value).trim().toLowerCase();
  if (['true', 'yes', 'y', '1', 't'].includes(text)) return true;
  if (['false', 'no', 'n', '0', 'f'].includes(text)) return false;
  return null;
}

/**
 * Checks one row of an accident file, as RowValidator does for finds: every problem with its row,
 * field and value, and null for a row with any problem, while the rest of the file is still read.
 */
export class AccidentRowValidator extends MappedRowValidator<AccidentField, AccidentMapping> {
  constructor(mapping: AccidentMapping, catalogue: Catalogue, today: string) {
    super(mapping, ACCIDENT_ALIASES, catalogue, today);
  }

  validate(feature: SourceFeature, problems: Problems): AccidentRow | null {
    // Victim defaults apply only to rows that describe a victim: else every accident would get one.
    const describesVictim = (values: ReadonlyMap<AccidentField, unknown>) => VICTIM_FIELDS.some((field) => values.has(field));
    const values = this.fields.values(feature.properties, (field, given) => describesVictim(given) || !(VICTIM_FIELDS as readonly string[]).includes(field));
    const hasVictim = describesVictim(values);

    const before = problems.count;
    const row = feature.row;
    const problem: ProblemSink = (field, value, message) => problems.add({ row, field, value, message });
    const text = (field: AccidentField): string | null => this.fields.text(values, field);
    const code = (field: AccidentField, allowed: readonly string[]): string | null => {
      const value = text(field);
      if (value === null) return null;
      const c = codeOf(value);
      if (allowed.includes(c)) return c;
      problem(field, value, `is not one of ${allowed.join(', ')}`);
      return null;
    };
    const limited = (field: AccidentField, max: number): string | null => {
      const value = text(field);
      if (value !== null && value.length > max) problem(field, value, `is longer than ${max} characters`);
      return value;
    };

    const reference = limited('reference', 64);
    if (reference === null) problem('reference', undefined, 'is missing; every accident needs its reference (its id in the source system)');

    let occurredOn: DateAsKnown | null = null;
    if (!values.has('occurredOn')) problem('occurredOn', undefined, 'is missing');
    else occurredOn = pastDateAsKnown('occurredOn', values.get('occurredOn'), this.mapping.dateFormat, this.today, problem);

    const point = pointOf(feature, values, problem, { noun: 'accident', required: false });

    let locationPrecisionM: number | null = null;
    if (values.has('locationPrecisionM')) {
      const n = parseNumber(values.get('locationPrecisionM'));
      if (n === null || Number.isNaN(n) || n < 0) problem('locationPrecisionM', values.get('locationPrecisionM'), 'is not a distance of 0 or more metres');
      else locationPrecisionM = n;
    }

    const modelName = text('ordnanceModel');
    const model = this.ordnanceModel(modelName, problem);
    const deviceCategory = code('deviceCategory', DEVICE_CATEGORIES);
    if (deviceCategory && model && deviceCategory !== 'unknown' && deviceCategory !== model.category) {
      problem('deviceCategory', deviceCategory, `does not match the ordnance model ${model.name}, which is ${model.category}`);
    }

    let deminingRelated = false;
    if (values.has('deminingRelated')) {
      const b = parseBoolean(text('deminingRelated'));
      if (b === null) problem('deminingRelated', values.get('deminingRelated'), 'is not true or false (yes/no, 1/0 are understood)');
      else deminingRelated = b;
    }

    const description = limited('description', 10_000);
    const victim = hasVictim ? this.victim(values, text, code, limited, problem) : null;

    if (problems.count > before || reference === null || occurredOn === null) return null;
    return {
      row,
      reference,
      occurredOn: occurredOn.date,
      occurredOnPrecision: occurredOn.precision,
      longitude: point?.[0] ?? null,
      latitude: point?.[1] ?? null,
      locationPrecisionM,
      adminArea: text('adminArea'),
      deviceCategory: deviceCategory ?? model?.category ?? null,
      ordnanceModelId: model?.id ?? null,
      deminingRelated,
      activity: text('activity'),
      description,
      victim,
    };
  }

  private victim(
    values: Map<AccidentField, unknown>,
    text: (field: AccidentField) => string | null,
    code: (field: AccidentField, allowed: readonly string[]) => string | null,
    limited: (field: AccidentField, max: number) => string | null,
    problem: ProblemSink,
  ): VictimRow | null {
    const victimId = text('victimId');
    if (victimId !== null && !UUID.test(victimId)) problem('victimId', victimId, 'is not a Safeground victim id (a UUID, as exports write it); leave it empty for a new victim');
    const outcome = code('outcome', VICTIM_OUTCOMES);
    if (!values.has('outcome')) problem('outcome', undefined, `is missing: a victim was ${VICTIM_OUTCOMES.join(' or ')}`);
    const victimGroup = code('victimGroup', VICTIM_GROUPS);
    if (!values.has('victimGroup')) problem('victimGroup', undefined, `is missing: one of ${VICTIM_GROUPS.join(', ')} (a mapping's "defaults" can give it)`);
    let age: number | null = null;
    let ageMin: number | null = null;
    let ageMax: number | null = null;
    let ageReported: string | null = null;
    const ageText = text('age');
    if (ageText !== null && ageText !== '') {
      const range = parseAge(ageText);
      const given = values.get('age');
      if (!range) problem('age', given, 'is not an age in whole years (0 to 120) nor a range ("18-25", "under 18", "60+"); a mapping\'s "values": {"age": {...}} can say which range a label is');
      else {
        [ageMin, ageMax] = [range.min, range.max];
        if (range.min === range.max) age = range.min;
        const written = String(given).trim();
        if (!/^\d+$/.test(written)) ageReported = written;
      }
    }
    ageReported = limited('ageReported', 100) ?? ageReported;
    if (ageReported !== null && ageReported.length > 100) problem('age', ageReported, 'is longer than 100 characters');
    const injuries = (text('injuries') ?? '')
      .split(INJURY_SEPARATOR)
      .map((injury) => injury.trim())
      .filter((injury) => injury !== '');
    if (injuries.length > 50) problem('injuries', text('injuries'), 'lists more than 50 injuries');
    for (const injury of injuries) if (injury.length > 200) problem('injuries', injury, 'is longer than 200 characters');

    const identityGiven = IDENTITY_FIELDS.some((field) => values.has(field));
    let dateOfBirth: string | null = null;
    if (values.has('dateOfBirth')) dateOfBirth = pastDate('dateOfBirth', values.get('dateOfBirth'), this.mapping.dateFormat, this.today, problem);
    const identity = identityGiven ? { fullName: limited('fullName', 500), dateOfBirth, address: limited('address', 2000), contact: limited('contact', 500) } : null;

    const sex = code('sex', VICTIM_SEXES);
    const displacementStatus = code('displacementStatus', DISPLACEMENT_STATUSES);
    const activityAtTime = limited('activityAtTime', 500);
    if (!outcome || !victimGroup) return null;
    return { victimId: victimId?.toLowerCase() ?? null, outcome, sex, age, ageMin, ageMax, ageReported, victimGroup, activityAtTime, injuries, displacementStatus, identity };
  }
}
