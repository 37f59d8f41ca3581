import { createReadStream } from 'node:fs';
import type { Mapping } from './mapping.ts';
import type { SourceFeature } from './validate.ts';

/** What a format reader gives the import: rows or features one at a time, never the whole file. */
export interface Source {
  /** What the format calls one item, for messages: row, feature, placemark, record. */
  rowLabel: string;
  /** The attribute names when the format declares them up front (a header, a table); else null. */
  columns: string[] | null;
  /** Each feature may carry a problem the reader found (a short row); the import records it. */
  features: AsyncIterable<SourceFeature & { problem?: string }>;
}

export interface ReadOptions {
  /** The name shown in messages (the upload's name, or the path given). */
  file: string;
  /** Only what the readers need of a mapping file, whichever record type it maps. */
  mapping: Pick<Mapping, 'encoding' | 'layer'>;
  /** Called with the bytes read so far, for the progress bar. */
  onBytes?: (bytes: number) => void;
}

/** The file's bytes in chunks, reporting how far the reading has got. */
export async function* fileBytes(path: string, onBytes?: (bytes: number) => void): AsyncGenerator<Buffer> {
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 })) {
    bytes += (chunk as Buffer).length;
    onBytes?.(bytes);
    yield chunk as Buffer;
  }
}
