/**
 * Events for the risk map from a file of points with a type and a date: a national database
 * export, a casualty list, a survey's finds, in any language. Read with the exchange module's
 * readers (CSV, GeoJSON, shapefile, GeoPackage, KML, XLSX) and a mapping file of the exchange
 * module's kind: `fields` names the columns, `values.type` maps the file's types onto the code
 * list (features.ts), `defaults.type` gives a type to a file that has none, `dateFormat` and
 * `encoding` as for finds. Kept as one dataset named after the file, replaced whole when the file
 * is imported again; a file with any bad row is refused whole, naming every type it cannot map.
 * The mapping's `compose` (a date from year and month columns, say) and `keep`/`skip` (one event
 * type of a mixed file) work as for finds: the file is opened through the same openMapped.
 *
 * Dates may be a day, a month (YYYY-MM) or a year alone: an event is stored with the first and
 * last day it may have happened, and the risk map never places a year-only event on a day.
 */
import { basename } from 'node:path';
import { z } from 'zod';
import { UserError } from '../errors.ts';
import { openMapped, withComposedFields } from '../exchange/compose.ts';
import { formatOfFile } from '../exchange/formats.ts';
import { columnFieldsByName, mappingShape, mapValue, POSITION_ALIASES, readMappingWith } from '../exchange/mapping.ts';
import { describeProblem } from '../exchange/problems.ts';
import { codeOf, parseDate, pointOf } from '../exchange/validate.ts';
import type { Db } from '../store/db.ts';
import { EVENT_TYPE_CODES, type EventType } from './features.ts';
import { deleteEvents, type EventInput, insertEvents } from './store.ts';

export const EVENT_FIELDS = ['type', 'occurredOn', 'latitude', 'longitude', 'wkt'] as const;
type EventField = (typeof EVENT_FIELDS)[number];

export const EventMapping = z.strictObject(mappingShape(EVENT_FIELDS, ['type']));
export type EventMapping = z.infer<typeof EventMapping>;

const ALIASES: Readonly<Record<string, EventField>> = {
  type: 'type',
  eventtype: 'type',
  kind: 'type',
  occurredon: 'occurredOn',
  date: 'occurredOn',
  eventdate: 'occurredOn',
  year: 'occurredOn',
  ...POSITION_ALIASES,
};

export async function readEventMapping(path: string | undefined): Promise<EventMapping> {
  return path ? readMappingWith(EventMapping, path) : EventMapping.parse({});
}

/** The type code of a value after the mapping, or null. "Accident" and " ACCIDENT " are accident. */
export function eventType(value: unknown, mapping: EventMapping): EventType | null {
  const text = value === null || value === undefined ? '' : String(value).trim();
  if (text === '') return null;
  const code = codeOf(mapValue(mapping, 'type', text));
  return (EVENT_TYPE_CODES as string[]).includes(code) ? (code as EventType) : null;
}

/**
 * The first and last day an event may have happened: a date (ISO, or the mapping's format) is
 * one day, YYYY-MM a month, a year alone (text or number) the whole year.
 */
export function eventPeriod(value: unknown, mapping: Pick<EventMapping, 'dateFormat'>): { from: string; to: string } | null {
  const text = value instanceof Date ? null : typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : null;
  if (text !== null && /^\d{4}$/.test(text)) return { from: `${text}-01-01`, to: `${text}-12-31` };
  const month = text === null ? null : /^(\d{4})-(\d{2})$/.exec(text);
  if (month) {
    const m = Number(month[2]);
    if (m < 1 || m > 12) return null;
    const last = new Date(Date.UTC(Number(month[1]), m, 0)).toISOString().slice(0, 10);
    return { from: `${text}-01`, to: last };
  }
  const day = parseDate(value, mapping.dateFormat);
  return day ? { from: day, to: day } : null;
}

const BATCH = 1000;

export interface EventImport {
  dataset: string;
  events: number;
  byType: Partial<Record<EventType, number>>;
  /** Events dated to the day, to the month, to the year only. */
  byPrecision: { day: number; month: number; year: number };
  replaced: number;
  /** Rows left out by the mapping's keep and skip. */
  skipped: number;
}

function precision(p: { from: string; to: string }): 'day' | 'month' | 'year' {
  if (p.from === p.to) return 'day';
  return p.from.slice(5) === '01-01' && p.to.slice(5) === '12-31' ? 'year' : 'month';
}

export async function importEvents(db: Db, path: string, options: { mapping?: EventMapping | undefined; dataset?: string | undefined } = {}): Promise<EventImport> {
  const file = basename(path);
  const dataset = options.dataset ?? file;
  const mapping = withComposedFields(options.mapping ?? EventMapping.parse({}));
  const opened = await openMapped(formatOfFile(path), path, { file, mapping }, () => ({ ignored: [], problem: null }));
  if (opened.problem) throw new UserError(describeProblem(file, opened.rowLabel ?? 'row', opened.problem));
  const { source, skipped } = opened;
  return db.transaction(async (tx) => {
    const replaced = await deleteEvents(tx, dataset);
    const byType: Partial<Record<EventType, number>> = {};
    const byPrecision = { day: 0, month: 0, year: 0 };
    const unknownTypes = new Map<string, { row: number; rows: number }>();
    let columns: Map<string, EventField> | null = null;
    let batch: EventInput[] = [];
    let events = 0;
    for await (const feature of source.features) {
      const where = `${file} ${source.rowLabel} ${feature.row}`;
      if (feature.problem) throw new UserError(`${where} ${feature.problem}`);
      if (!columns) {
        const naming = columnFieldsByName(Object.keys(feature.properties), mapping, ALIASES);
        if (naming.clashes.length > 0) throw new UserError(`${file}: ${naming.clashes.join('; ')}; name one in the mapping file's fields`);
        columns = naming.fields;
        for (const field of ['type', 'occurredOn'] as const) {
          if (![...columns.values()].includes(field) && mapping.defaults[field] === undefined) {
            throw new UserError(`${file} has no ${field === 'type' ? 'type' : 'date'} column (columns: ${Object.keys(feature.properties).join(', ')}); name it in the mapping file's fields, e.g. {"fields": {"TIPO_EVENTO": "type", "AÑO": "occurredOn"}}`);
          }
        }
      }
      const values = new Map<EventField, unknown>();
      for (const [column, field] of columns) values.set(field, feature.properties[column]);
      const value = (field: EventField) => {
        const v = values.get(field);
        return v === undefined || v === null || v === '' ? mapping.defaults[field] : v;
      };
      const rawType = value('type');
      const type = eventType(rawType, mapping);
      if (!type) {
        const key = String(rawType ?? '').trim();
        const seen = unknownTypes.get(key);
        if (seen) seen.rows++;
        else unknownTypes.set(key, { row: feature.row, rows: 1 });
        continue;
      }
      const period = eventPeriod(value('occurredOn'), mapping);
      if (!period) throw new UserError(`${where}: occurredOn ${JSON.stringify(value('occurredOn'))} is not a date (YYYY-MM-DD${mapping.dateFormat === 'YYYY-MM-DD' ? '' : ` or ${mapping.dateFormat}`}), a month (YYYY-MM) or a year`);
      const position = new Map<string, unknown>(
        (['latitude', 'longitude', 'wkt'] as const).map((field) => [field, value(field)] as const).filter(([, v]) => v !== undefined && v !== null && v !== ''),
      );
      const problems: string[] = [];
      const point = pointOf(feature, position, (field, v, message) => problems.push(describeProblem(file, source.rowLabel, { row: feature.row, field, value: v, message })), { noun: 'event', required: true });
      if (!point) throw new UserError(problems.join('; '));
      byType[type] = (byType[type] ?? 0) + 1;
      byPrecision[precision(period)]++;
      events++;
      batch.push({ type, occurredOn: period.from, occurredTo: period.to, lon: point[0], lat: point[1] });
      if (batch.length >= BATCH) {
        await insertEvents(tx, dataset, batch);
        batch = [];
      }
    }
    if (unknownTypes.size > 0) {
      const listed = [...unknownTypes].slice(0, 10).map(([value, seen]) => `${JSON.stringify(value)} (row ${seen.row}${seen.rows > 1 ? ` and ${seen.rows - 1} more` : ''})`);
      throw new UserError(
        `${file}: ${unknownTypes.size} event type${unknownTypes.size > 1 ? 's are' : ' is'} not in the code list (${EVENT_TYPE_CODES.join(', ')}): ${listed.join(', ')}${unknownTypes.size > 10 ? ` and ${unknownTypes.size - 10} more` : ''}; map ${unknownTypes.size > 1 ? 'them' : 'it'} in the mapping file's values.type, e.g. {"values": {"type": {${JSON.stringify([...unknownTypes.keys()][0])}: "accident"}}}`,
      );
    }
    await insertEvents(tx, dataset, batch);
    if (events === 0) throw new UserError(`${file} holds no events`);
    return { dataset, events, byType, byPrecision, replaced, skipped: skipped.total };
  });
}
