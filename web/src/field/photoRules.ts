/**
 * The pure rules of photos attached to reports: the size a photo is made on the device, the
 * chunks of its upload, its name (the SHA-256 of its bytes, as the sync protocol names
 * attachments) and when the device may let it go. No browser here, so they are tested as such.
 */

/**
 * The longest side of a photo as it is kept and sent: a fuze, a marking or a warning sign is
 * still legible, and a photo is a few hundred kilobytes as JPEG rather than the camera's several
 * megabytes, which a phone's storage and a weak link both feel.
 */
export const PHOTO_LONGEST_SIDE = 1600;

/** JPEG quality of a resized photo. */
export const PHOTO_QUALITY = 0.8;

/** The sync protocol's limit of attachments to one report (src/sync/routes.ts). */
export const MAX_PHOTOS = 100;

/**
 * Bytes per chunk of an upload. On a weak mobile link (EDGE, about 100 kbit/s) a chunk takes
 * five seconds or so, and a broken link costs at most the chunk under way.
 */
export const CHUNK_BYTES = 64 * 1024;

/** The size of a photo made to fit `longest` on its longest side, proportions kept; never enlarged. */
export function fitWithin(width: number, height: number, longest = PHOTO_LONGEST_SIDE): { width: number; height: number } {
  if (!(width > 0 && height > 0)) throw new Error(`A photo of ${width} × ${height} pixels has nothing to show`);
  const scale = Math.min(1, longest / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/**
 * The next chunk of an upload of `size` bytes of which the server has `received`: its first and
 * last byte (inclusive) and its Content-Range; none when everything has arrived.
 */
export function nextChunk(received: number, size: number, chunkBytes = CHUNK_BYTES): { start: number; end: number; contentRange: string } | null {
  if (received >= size) return null;
  const end = Math.min(size, received + chunkBytes) - 1;
  return { start: received, end, contentRange: `bytes ${received}-${end}/${size}` };
}

/** A digest as the protocol names attachments: 64 lower-case hex digits. */
export function hexOf(digest: ArrayBuffer): string {
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * The photos the device may let go once the server has answered for some reports: those of the
 * answered reports that no report still waiting on the device names (a photo may be attached to
 * several reports, the finds of one form). The server has them whole: they were uploaded before
 * the reports that name them.
 */
export function photosToDrop(answered: readonly { attachments?: readonly string[] | undefined }[], waiting: readonly { attachments?: readonly string[] | undefined }[]): string[] {
  const needed = new Set(waiting.flatMap((r) => r.attachments ?? []));
  return [...new Set(answered.flatMap((r) => r.attachments ?? []))].filter((sha256) => !needed.has(sha256));
}
