import { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { decodeText } from './encoding.ts';
import { FileProblem, fileProblem } from './problems.ts';
import { fileBytes, type ReadOptions, type Source } from './source.ts';
import type { SourceFeature } from './validate.ts';

/** No field data row is anywhere near this long; a longer one is a broken file, not a find. */
export const MAX_RECORD_BYTES = 1024 * 1024;

/** KoBo exports with semicolons by default, Excel in many locales too: the header line says which. */
function delimiterOf(headerLine: string): string {
  const counts = [',', ';', '\t'].map((d) => [d, headerLine.split(d).length - 1] as const);
  return counts.reduce((best, c) => (c[1] > best[1] ? c : best))[0];
}

async function* rejoin(first: string, rest: AsyncIterator<string>): AsyncGenerator<string> {
  yield first;
  for (;;) {
    const next = await rest.next();
    if (next.done) return;
    yield next.value;
  }
}

/**
 * Reads a CSV file as KoBo, ODK Central and spreadsheets export it: a header row, then one find
 * per row. Rows are numbered as a spreadsheet shows them (the header is row 1).
 */
export async function readCsv(path: string, options: ReadOptions): Promise<Source> {
  const { file } = options;
  const text = decodeText(fileBytes(path, options.onBytes), file, options.mapping.encoding)[Symbol.asyncIterator]();
  const first = await text.next();
  if (first.done || first.value.trim() === '') throw fileProblem(`${file} is empty`);
  const headerLine = first.value.slice(0, first.value.search(/\r?\n|$/));
  const parser = parse({ delimiter: delimiterOf(headerLine), relax_column_count: true, skip_empty_lines: true, max_record_size: MAX_RECORD_BYTES, bom: true });
  Readable.from(rejoin(first.value, text)).on('error', (error) => parser.destroy(error)).pipe(parser);
  const records = parser[Symbol.asyncIterator]() as AsyncIterator<string[]>;
  let row = 1;

  const next = async (): Promise<IteratorResult<string[]>> => {
    try {
      return await records.next();
    } catch (error) {
      if (error instanceof FileProblem) throw error;
      const e = error as Error & { code?: string; lines?: number };
      const message = e.code === 'CSV_MAX_RECORD_SIZE' ? `is longer than ${MAX_RECORD_BYTES / 1024 / 1024} MB; the file is not a CSV of finds, or a quote is not closed` : e.message;
      throw fileProblem(`${file} row ${row + 1}${e.lines ? ` (line ${e.lines})` : ''}: ${message}`, row + 1);
    }
  };

  const header = await next();
  if (header.done) throw fileProblem(`${file} is empty`);
  const columns = header.value.map((c) => c.trim());
  const seen = new Set<string>();
  for (const column of columns) {
    if (column === '') throw fileProblem(`${file} row 1: a column has no name`, 1);
    if (seen.has(column)) throw fileProblem(`${file} row 1: column ${JSON.stringify(column)} appears twice`, 1, column);
    seen.add(column);
  }

  async function* features(): AsyncGenerator<SourceFeature & { problem?: string }> {
    for (;;) {
      const record = await next();
      if (record.done) return;
      row++;
      const properties: Record<string, string> = {};
      columns.forEach((column, i) => (properties[column] = record.value[i] ?? ''));
      const problem = record.value.length !== columns.length ? `has ${record.value.length} values but the header has ${columns.length} columns` : undefined;
      yield problem ? { row, properties, problem } : { row, properties };
    }
  }
  return { rowLabel: 'row', columns, features: features() };
}

function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

/** CSV lines (UTF-8, comma, CRLF as RFC 4180 says), the header first. */
export async function* csvLines(columns: readonly string[], rows: AsyncIterable<Record<string, unknown>>): AsyncGenerator<string> {
  yield columns.map(csvField).join(',') + '\r\n';
  let chunk = '';
  for await (const row of rows) {
    chunk += columns.map((c) => csvField(row[c])).join(',') + '\r\n';
    if (chunk.length > 64 * 1024) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}
