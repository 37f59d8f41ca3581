import { fileProblem } from './problems.ts';

/**
 * Text encodings met in field data: UTF-8 (KoBo, ODK, QGIS), UTF-16 with a byte-order mark
 * (Excel's "Unicode text"), and the Windows code pages older office software writes, Cyrillic
 * (1251) and Western (1252).
 */
export const ENCODINGS = ['utf-8', 'utf-16le', 'utf-16be', 'windows-1251', 'windows-1252'] as const;
export type Encoding = (typeof ENCODINGS)[number];

const SAMPLE_BYTES = 64 * 1024;

export interface Detected {
  encoding: Encoding;
  /** Bytes of byte-order mark to skip. */
  bom: number;
}

/** Index of the first byte that breaks UTF-8, or -1; a sequence cut by the sample's end is not an error. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const length = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (length === 0) return i;
    for (let k = 1; k < length; k++) {
      if (i + k >= bytes.length) return -1;
      if ((bytes[i + k]! & 0xc0) !== 0x80) return i;
    }
    i += length;
  }
  return -1;
}

/** Cyrillic letters of Windows-1251: А-я (0xC0-0xFF) and Ё ё Є є І і Ї ї Ґ ґ. */
function isCyrillic1251(b: number): boolean {
  return b >= 0xc0 || [0xa8, 0xb8, 0xaa, 0xba, 0xb2, 0xb3, 0xaf, 0xbf, 0xa5, 0xb4].includes(b);
}

/**
 * Tells the encoding from the first bytes: a byte-order mark wins; then valid UTF-8; then
 * UTF-16 without a mark (every other byte zero); then the code pages, told apart by how their
 * letters sit in words. In Cyrillic text nearly every letter of a word is a high byte, so high
 * bytes come in runs; in Western European text an accented letter sits alone among ASCII ones.
 * When neither picture is clear, or valid UTF-8 is followed by bytes that are not (a file
 * appended to by another program), the file is refused rather than read wrong.
 */
export function detectEncoding(sample: Uint8Array, file: string): Detected {
  if (sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf) return { encoding: 'utf-8', bom: 3 };
  if (sample[0] === 0xff && sample[1] === 0xfe) return { encoding: 'utf-16le', bom: 2 };
  if (sample[0] === 0xfe && sample[1] === 0xff) return { encoding: 'utf-16be', bom: 2 };
  const pairs = Math.floor(Math.min(sample.length, 4096) / 2);
  let zeroEven = 0;
  let zeroOdd = 0;
  for (let i = 0; i < pairs * 2; i += 2) {
    if (sample[i] === 0) zeroEven++;
    if (sample[i + 1] === 0) zeroOdd++;
  }
  if (pairs > 0 && zeroOdd > pairs * 0.3 && zeroEven < pairs * 0.05) return { encoding: 'utf-16le', bom: 0 };
  if (pairs > 0 && zeroEven > pairs * 0.3 && zeroOdd < pairs * 0.05) return { encoding: 'utf-16be', bom: 0 };
  if (zeroEven + zeroOdd > 0) throw fileProblem(`${file} holds NUL bytes: it is not a text file in any encoding Safeground reads (${ENCODINGS.join(', ')})`);
  const invalid = firstInvalidUtf8(sample);
  if (invalid < 0) return { encoding: 'utf-8', bom: 0 };
  if (/[\u0080-\u{10ffff}]/u.test(new TextDecoder().decode(sample.subarray(0, invalid)))) {
    const line = 1 + sample.subarray(0, invalid).filter((b) => b === 0x0a).length;
    throw fileProblem(
      `${file} line ${line}: byte 0x${sample[invalid]!.toString(16)} at offset ${invalid} is not valid utf-8 although the text before it is; ` +
        'the file mixes encodings. Save it as UTF-8, or name its encoding in the mapping file ("encoding")',
    );
  }

  let high = 0;
  let inRuns = 0;
  for (let i = 0; i < sample.length; i++) {
    const b = sample[i]!;
    if (b < 0x80) continue;
    high++;
    if (isCyrillic1251(b) && ((i > 0 && isCyrillic1251(sample[i - 1]!)) || (i + 1 < sample.length && isCyrillic1251(sample[i + 1]!)))) inRuns++;
  }
  const share = inRuns / high;
  if (share >= 0.6) return { encoding: 'windows-1251', bom: 0 };
  if (share <= 0.25) return { encoding: 'windows-1252', bom: 0 };
  throw fileProblem(
    `${file} is not UTF-8 (byte 0x${sample[invalid]!.toString(16)} at offset ${invalid}) and Safeground cannot tell whether it is Windows-1251 or Windows-1252; ` +
      'save it as UTF-8, or name its encoding in the mapping file ("encoding")',
  );
}

/**
 * Decodes a byte stream to text, detecting the encoding from the first 64 KB unless one is
 * given. Decoding is strict: a byte that is not valid in the encoding (a file that mixes
 * encodings, or a wrong guess) stops the import at that line rather than importing mojibake.
 */
export async function* decodeText(chunks: AsyncIterable<Uint8Array>, file: string, given?: Encoding): AsyncGenerator<string> {
  const iterator = chunks[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let headBytes = 0;
  let ended = false;
  while (headBytes < SAMPLE_BYTES) {
    const next = await iterator.next();
    if (next.done) {
      ended = true;
      break;
    }
    head.push(next.value);
    headBytes += next.value.length;
  }
  const sample = Buffer.concat(head);
  const { encoding, bom } = given ? { encoding: given, bom: hasBom(sample, given) } : detectEncoding(sample.subarray(0, SAMPLE_BYTES), file);
  const decoder = new TextDecoder(encoding, { fatal: true });
  let line = 1;
  let offset = 0;
  const decode = (bytes: Uint8Array, stream: boolean): string => {
    try {
      const text = decoder.decode(bytes, { stream });
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) line++;
      offset += bytes.length;
      return text;
    } catch {
      const at = encoding === 'utf-8' ? firstInvalidUtf8(bytes) : -1;
      const where = at >= 0 ? `byte 0x${bytes[at]!.toString(16)} at offset ${offset + at}` : `bytes after offset ${offset}`;
      const atLine = at >= 0 ? line + bytes.subarray(0, at).filter((b) => b === 0x0a).length : line;
      throw fileProblem(
        `${file} line ${atLine}: ${where} is not valid ${encoding}; the file mixes encodings or is not ${encoding}. Save it as UTF-8, or name its encoding in the mapping file ("encoding")`,
      );
    }
  };
  const first = decode(sample.subarray(bom), !ended);
  if (first) yield first;
  if (!ended) {
    for (;;) {
      const next = await iterator.next();
      if (next.done) break;
      const text = decode(next.value, true);
      if (text) yield text;
    }
    const rest = decode(new Uint8Array(0), false);
    if (rest) yield rest;
  }
}

function hasBom(sample: Uint8Array, encoding: Encoding): number {
  if (encoding === 'utf-8' && sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf) return 3;
  if (encoding === 'utf-16le' && sample[0] === 0xff && sample[1] === 0xfe) return 2;
  if (encoding === 'utf-16be' && sample[0] === 0xfe && sample[1] === 0xff) return 2;
  return 0;
}
