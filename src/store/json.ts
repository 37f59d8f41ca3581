/**
 * Answers whose JSON text PostgreSQL builds. A list page read as rows is parsed into objects by
 * the driver (the geometry's GeoJSON too) and serialised again by the server; built in SQL
 * (`row_to_json`), it is one string per row that goes out as it came in.
 */

/** JSON text to send as it is, with the JSON content type (src/http/server.ts). */
export class JsonText {
  constructor(readonly text: string) {}
}

/**
 * A timestamptz as JSON gives a JavaScript Date (`2026-12-05T09:57:00.123Z`: UTC, milliseconds),
 * so an answer built in SQL says what one built from rows says. Both truncate to the millisecond.
 */
export function isoTimestamp(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}
