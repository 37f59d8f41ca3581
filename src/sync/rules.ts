/**
 * The pure rules of sync: the feed's cursor and the cutting of a byte stream into complete NDJSON
 * lines (the three sides of a conflict are in reports/conflict.ts). No I/O here.
 */
import { UserError } from '../errors.ts';

/**
 * The feed's cursor is opaque to clients: `c1.` and the change sequence number of the last change
 * the client holds. The prefix lets a later format be told apart from this one.
 */
const CURSOR = /^c1\.(0|[1-9][0-9]{0,17})$/;

export function encodeCursor(seq: bigint | number | string): string {
  return `c1.${BigInt(seq).toString()}`;
}

/** The change sequence number a cursor stands for; no cursor is the start of the feed (0). */
export function decodeCursor(cursor: string | undefined | null): bigint {
  if (cursor === undefined || cursor === null || cursor === '') return 0n;
  const match = CURSOR.exec(cursor);
  if (!match) throw new UserError(`query.since: ${JSON.stringify(cursor)} is not a cursor of this server's changes feed (want the cursor of a change line or of the end line)`, 'bad_input', { field: 'since' });
  return BigInt(match[1]!);
}

/**
 * Cuts a stream of bytes into complete lines. What follows the last newline is kept until more
 * arrives; when the stream breaks, it is an incomplete line and is dropped, so a client resumes
 * from the last complete one.
 */
export class LineSplitter {
  private rest = '';
  private readonly decoder = new TextDecoder('utf-8');

  push(chunk: Uint8Array): string[] {
    const text = this.rest + this.decoder.decode(chunk, { stream: true });
    const lines = text.split('\n');
    this.rest = lines.pop()!;
    return lines.filter((l) => l.length > 0);
  }

  /** Text after the last newline when the stream ended: a line cut short. */
  get incomplete(): string {
    return this.rest;
  }
}

export interface ContentRange {
  start: number;
  end: number;
  total: number;
}

/** `Content-Range: bytes 0-1048575/3145728` of a chunk upload (RFC 9110, 14.4). */
export function parseContentRange(value: string | undefined): ContentRange {
  const match = /^bytes (\d{1,15})-(\d{1,15})\/(\d{1,15})$/.exec(value?.trim() ?? '');
  if (!match) throw new UserError(`Content-Range: want "bytes START-END/TOTAL", got ${JSON.stringify(value ?? null)}`, 'bad_input', { field: 'Content-Range' });
  const [start, end, total] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (start > end || end >= total) throw new UserError(`Content-Range: ${value} is not a range inside the file (START ≤ END < TOTAL)`, 'bad_input', { field: 'Content-Range' });
  return { start, end, total };
}

export const SHA256 = /^[0-9a-f]{64}$/;

/**
 * The media type of an attachment, read from its first bytes: attachments are named by content
 * alone, and an answer labelled by what it is (never text/html) cannot become a page of this
 * origin. Photos are JPEG (the field app's), scans PNG or PDF; anything else is bytes.
 */
export function mediaTypeOf(bytes: Uint8Array): string {
  const starts = (...magic: number[]) => magic.every((byte, index) => bytes[index] === byte);
  if (starts(0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  if (starts(0x52, 0x49, 0x46, 0x46) && bytes[8] === 0x57 && bytes[9] === 0x45 && bytes[10] === 0x42 && bytes[11] === 0x50) return 'image/webp';
  if (starts(0x25, 0x50, 0x44, 0x46, 0x2d)) return 'application/pdf';
  return 'application/octet-stream';
}
