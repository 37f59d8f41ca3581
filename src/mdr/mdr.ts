/**
 * Exports of the GICHD minimum data requirements (MDR) for mine action: the data every programme
 * should hold so that treaty (APMBC, CCM) and IMAS reporting can be answered, drafted by the GICHD
 * to accompany IMSMA Core (github.com/GICHD/mdr, "Minimum Data Requirements 0.0.1", 2018). Two of
 * its record types are exported here, one row per record: the land release product (its
 * perimeter and benchmark, method, clearance depth, the activity and organisation that released
 * it, the devices found in it) and the explosive ordnance device (its coordinates, category and
 * model, condition, depth, and whether it was destroyed). The draft names data, not columns, so
 * the columns are named after Safeground's domain words (docs/reporting.md lists each column
 * with the requirement it answers).
 */
import { PassThrough, Readable } from 'node:stream';
import { csvLines } from '../exchange/csv.ts';
import { writeXlsx } from '../exchange/xlsx.ts';
import type { Queryable } from '../store/db.ts';
import { explosiveOrdnanceRows, landReleaseRows, type MdrFilter } from './store.ts';

export const MDR_KINDS = ['land-release', 'explosive-ordnance'] as const;
export type MdrKind = (typeof MDR_KINDS)[number];
export const MDR_FORMATS = ['csv', 'xlsx'] as const;
export type MdrFormat = (typeof MDR_FORMATS)[number];

/** The columns of each export, in order: what the MDR asks for, as Safeground holds it. */
export const MDR_COLUMNS: Record<MdrKind, readonly string[]> = {
  'land-release': [
    'release_product_id',
    'hazard_reference',
    'hazard_type',
    'contamination',
    'activity_reference',
    'activity_type',
    'implementing_organisation',
    'activity_start_date',
    'activity_end_date',
    'activity_status',
    'release_method',
    'technical_assets',
    'clearance_depth_cm',
    'release_date',
    'product_area_m2',
    'released_area_m2',
    'outside_hazard_m2',
    'items_found',
    'benchmark_latitude',
    'benchmark_longitude',
    'perimeter_wkt',
  ],
  'explosive-ordnance': [
    'find_id',
    'category',
    'ordnance_model',
    'quantity',
    'condition',
    'depth_cm',
    'disposal_method',
    'destroyed',
    'found_on',
    'activity_reference',
    'activity_type',
    'implementing_organisation',
    'hazard_reference',
    'release_product_id',
    'latitude',
    'longitude',
  ],
};

export function mdrRows(db: Queryable, kind: MdrKind, filter: MdrFilter): AsyncIterable<Record<string, unknown>> {
  return (kind === 'land-release' ? landReleaseRows(db, filter) : explosiveOrdnanceRows(db, filter)) as AsyncIterable<Record<string, unknown>>;
}

/** The export as a byte stream: CSV (UTF-8, CRLF, a header row) or a one-sheet XLSX workbook, written as the rows are read. */
export function mdrStream(db: Queryable, kind: MdrKind, format: MdrFormat, filter: MdrFilter): Readable {
  const rows = mdrRows(db, kind, filter);
  if (format === 'csv') return Readable.from(csvLines(MDR_COLUMNS[kind], rows));
  const out = new PassThrough();
  writeXlsx(out, kind, MDR_COLUMNS[kind], rows).catch((error: unknown) => out.destroy(error instanceof Error ? error : new Error(String(error))));
  return out;
}

export const MDR_MEDIA_TYPES: Record<MdrFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};
