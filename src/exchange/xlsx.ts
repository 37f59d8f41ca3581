import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import { FileProblem, fileProblem } from './problems.ts';
import type { ReadOptions, Source } from './source.ts';
import type { SourceFeature } from './validate.ts';
import { extractZip } from './zip.ts';

/** A cell as a plain value: rich text joined, formulas by their result, hyperlinks by their text. */
function cellValue(value: ExcelJS.CellValue): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'object' || value instanceof Date) return value;
  if ('richText' in value) return value.richText.map((part) => part.text).join('');
  if ('result' in value) return value.result instanceof Object && !(value.result instanceof Date) ? null : value.result;
  if ('text' in value) return value.text;
  if ('error' in value) return null;
  return null;
}

/**
 * Reads the first worksheet of an XLSX workbook row by row (the header is its first row). The
 * archive is inflated once first with the zip-bomb limits, since the workbook reader has none.
 */
export async function readXlsx(path: string, options: ReadOptions): Promise<Source> {
  const { file } = options;
  await extractZip(path, file, null);
  const workbook = new ExcelJS.stream.xlsx.WorkbookReader(path, { worksheets: 'emit', sharedStrings: 'cache', styles: 'cache', hyperlinks: 'ignore', entries: 'ignore' });
  const sheets = workbook[Symbol.asyncIterator]();
  let rows: AsyncIterator<ExcelJS.Row>;
  let header: ExcelJS.Row | undefined;
  try {
    const sheet = await sheets.next();
    if (sheet.done) throw fileProblem(`${file} has no worksheet`);
    rows = sheet.value[Symbol.asyncIterator]();
    const first = await rows.next();
    header = first.done ? undefined : first.value;
  } catch (error) {
    if (error instanceof FileProblem) throw error;
    throw fileProblem(`${file} is not a readable XLSX workbook (${(error as Error).message})`);
  }
  if (!header) throw fileProblem(`${file}: its first worksheet is empty`);
  const columns: string[] = [];
  (header.values as ExcelJS.CellValue[]).forEach((value, i) => (columns[i] = String(cellValue(value) ?? '').trim()));
  const named = columns.map((name, i) => [name, i] as const).filter(([name]) => name !== '');

  async function* features(): AsyncGenerator<SourceFeature & { problem?: string }> {
    let row = header!.number;
    try {
      for (;;) {
        const next = await rows.next();
        if (next.done) return;
        row = next.value.number;
        const values = next.value.values as ExcelJS.CellValue[];
        const properties: Record<string, unknown> = {};
        for (const [name, i] of named) properties[name] = cellValue(values[i]);
        yield { row, properties };
      }
    } catch (error) {
      throw fileProblem(`${file}: reading row ${row + 1} failed (${(error as Error).message})`, row + 1);
    }
  }
  return { rowLabel: 'row', columns: named.map(([name]) => name), features: features() };
}

/** A workbook with one sheet, written row by row to the stream (nothing held but the current row). */
export async function writeXlsx(out: Writable, sheetName: string, columns: readonly string[], rows: AsyncIterable<Record<string, unknown>>): Promise<void> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useSharedStrings: false, useStyles: false });
  const sheet = workbook.addWorksheet(sheetName);
  sheet.addRow([...columns]).commit();
  for await (const row of rows) sheet.addRow(columns.map((c) => row[c] ?? null)).commit();
  sheet.commit();
  await workbook.commit();
}
