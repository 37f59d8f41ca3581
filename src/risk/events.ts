/**
 * Events for the risk map from a file of points with a type and a date (or a year): a national
 * database export, a casualty list, a survey's finds. Read with the exchange module's readers
 * (CSV with latitude/longitude or wkt columns, GeoJSON, shapefile, GeoPackage, KML), kept as one
 * dataset named after the file, replaced whole when the file is imported again.
 */
import { basename } from 'node:path';
import { UserError } from '../errors.ts';
import { readFileFeatures } from '../priorities/layers.ts';
import type { Db } from '../store/db.ts';
import { deleteEvents, type EventInput, insertEvents, nonPointEvents } from './store.ts';

/** Words that mark an accident; anything naming ordnance or a find is a find. */
const ACCIDENT = /accident|casualt|victim|incident|injur|kill/i;
const FIND = /find|found|mine|uxo|erw|ordnance|item|eo\b|submunition|ied|bomb|shell|grenade|clearance/i;

export function eventKind(value: unknown): 'find' | 'accident' | null {
  const text = String(value ?? '');
  if (ACCIDENT.test(text)) return 'accident';
  if (FIND.test(text)) return 'find';
  return null;
}

/**
 * A date (YYYY-MM-DD, or an ISO date-time) or a year alone, which stands for 1 July: evaluation
 * periods are whole years, so any day of the year gives the same result.
 */
export function eventDate(value: unknown): string | null {
  const text = value instanceof Date ? value.toISOString() : String(value ?? '').trim();
  if (/^\d{4}$/.test(text)) return `${text}-07-01`;
  const match = /^(\d{4}-\d{2}-\d{2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/.exec(text);
  if (!match) return null;
  const day = match[1]!;
  return new Date(`${day}T00:00:00Z`).toISOString().slice(0, 10) === day ? day : null;
}

const BATCH = 1000;

export async function importEvents(db: Db, path: string, options: { typeColumn: string; dateColumn: string; dataset?: string | undefined }): Promise<{ dataset: string; finds: number; accidents: number; replaced: number }> {
  const file = basename(path);
  const dataset = options.dataset ?? file;
  return db.transaction(async (tx) => {
    const replaced = await deleteEvents(tx, dataset);
    const counts = { find: 0, accident: 0 };
    let batch: EventInput[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      const wrong = await nonPointEvents(tx, batch);
      if (wrong.length > 0) throw new UserError(`${file} row ${wrong[0]!.row} is a ${wrong[0]!.type.toLowerCase()}; events are points`);
      await insertEvents(tx, dataset, batch);
      batch = [];
    };
    for await (const f of readFileFeatures(path)) {
      if (!(options.typeColumn in f.properties)) throw new UserError(`${file} row ${f.row} has no column ${JSON.stringify(options.typeColumn)}; name the type column with --type-column`);
      if (!(options.dateColumn in f.properties)) throw new UserError(`${file} row ${f.row} has no column ${JSON.stringify(options.dateColumn)}; name the date column with --date-column`);
      const kind = eventKind(f.properties[options.typeColumn]);
      if (!kind) throw new UserError(`${file} row ${f.row}: type ${JSON.stringify(f.properties[options.typeColumn])} is neither a find nor an accident`);
      const occurredOn = eventDate(f.properties[options.dateColumn]);
      if (!occurredOn) throw new UserError(`${file} row ${f.row}: ${JSON.stringify(f.properties[options.dateColumn])} is not a date (YYYY-MM-DD) or a year`);
      counts[kind]++;
      batch.push({ row: f.row, kind, occurredOn, geometry: f.geometry });
      if (batch.length >= BATCH) await flush();
    }
    await flush();
    if (counts.find + counts.accident === 0) throw new UserError(`${file} holds no events`);
    return { dataset, finds: counts.find, accidents: counts.accident, replaced };
  });
}
