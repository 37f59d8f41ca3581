/**
 * Photos of reports on the device: made smaller as they are taken, and uploaded chunk by chunk
 * through the sync protocol (PUT /api/sync/attachments/{sha256}, docs/sync.md), resuming from
 * what the server already has after a broken link.
 */
import { api, ApiError } from '../api.ts';
import { fitWithin, hexOf, nextChunk, PHOTO_QUALITY } from './photoRules.ts';
import type { DevicePhoto } from './store.ts';

const JPEG = 'image/jpeg';

/**
 * A picture from the camera or the device made into a photo of a report: at most 1,600 px on its
 * longest side, as JPEG, turned upright as the camera recorded it. Drawing it anew leaves the
 * camera's metadata (the place it was taken among it) behind: the report says where it is.
 */
export async function resizePhoto(file: Blob): Promise<DevicePhoto> {
  const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  try {
    const { width, height } = fitWithin(bitmap.width, bitmap.height);
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const context = canvas.getContext('2d');
    if (!context) throw new Error('This browser cannot draw a picture');
    context.imageSmoothingQuality = 'high';
    context.drawImage(bitmap, 0, 0, width, height);
    const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, JPEG, PHOTO_QUALITY));
    if (!blob) throw new Error('This browser could not make the photo smaller');
    const bytes = await blob.arrayBuffer();
    return { sha256: hexOf(await crypto.subtle.digest('SHA-256', bytes)), bytes, type: JPEG, width, height };
  } finally {
    bitmap.close();
  }
}

interface UploadStatus {
  received: number;
}

/** How many bytes of an attachment the server has: none when it has never heard of it. */
async function receivedBytes(path: string): Promise<number> {
  try {
    return (await api.get<UploadStatus>(path)).received;
  } catch (caught) {
    if (caught instanceof ApiError && caught.status === 404) return 0;
    throw caught;
  }
}

/**
 * Sends the server what it lacks of an attachment: asks how much arrived, then sends the rest in
 * chunks. A broken link is thrown (the outbox tries again later, from what arrived); a photo the
 * server has whole costs one request.
 */
export async function uploadAttachment(sha256: string, bytes: ArrayBuffer): Promise<void> {
  const path = `/api/sync/attachments/${sha256}`;
  let received = await receivedBytes(path);
  for (let chunk = nextChunk(received, bytes.byteLength); chunk; chunk = nextChunk(received, bytes.byteLength)) {
    const status = await api.putBytes<UploadStatus>(path, bytes.slice(chunk.start, chunk.end + 1), { 'content-type': 'application/octet-stream', 'content-range': chunk.contentRange });
    if (status.received <= chunk.start) throw new Error(`${path}: the server kept nothing of bytes ${chunk.start}-${chunk.end}`);
    received = status.received;
  }
}
