/**
 * The device's own store (IndexedDB through idb): area packages, the outbox of reports made on
 * the device, and their photos. It outlives reloads and browser restarts; signing out does not
 * clear it: the packages hold no victim identities, and the outbox holds them only encrypted,
 * under a key that signing out deletes (./identities.ts, docs/field-app.md).
 */
import { type DBSchema, type IDBPDatabase, openDB } from 'idb';
import type { Bbox, PackageRecord } from './area.ts';

export interface AreaPackage {
  id: string;
  name: string;
  bbox: Bbox;
  /** When the package last caught up with the server (download or refresh). */
  updatedAt: string;
  /** The feed's cursor after the last change applied: the next refresh asks from here. */
  cursor: string;
  records: PackageRecord[];
  /** The ordnance catalogue as the server had it, for the finds form offline. */
  ordnanceModels: unknown[];
  organisations: unknown[];
}

/** Where a report made on the device is: the outbox's states, then the server's. */
export const OUTBOX_STATES = ['device', 'sent', 'verified', 'approved', 'rejected', 'conflict', 'refused'] as const;
export type OutboxState = (typeof OUTBOX_STATES)[number];

/** Victims' identities of one report, encrypted with AES-GCM under the signed-in person's key (./identities.ts). */
export interface SealedIdentities {
  iv: ArrayBuffer;
  data: ArrayBuffer;
}

/** A report as POST /api/sync/reports takes it (docs/sync.md), and what became of it. */
export interface OutboxReport {
  id: string;
  entityType: string;
  action: 'create' | 'update' | 'delete';
  entityId: string | null;
  baseVersion: number | null;
  payload: Record<string, unknown>;
  reason: string | null;
  organisationId: string | null;
  acceptedWarnings: string[];
  author: string;
  createdAt: string;
  submittedAt: string;
  state: OutboxState;
  /** The server's message for a refused report. */
  message: string | null;
  /** Accidents: the victims' identities, kept apart from the payload and encrypted; put back just before sending. */
  sealedIdentities?: SealedIdentities | null;
  /** Accidents: the identities were wiped (sign-out, revoked session); the report goes without them. */
  identitiesRemoved?: boolean;
  /** SHA-256 of each photo (store `photos`), uploaded before the report; none in reports kept before photos. */
  attachments?: string[];
}

/**
 * A photo of a report, made smaller on the device (./photoRules.ts) and named by the SHA-256 of
 * its bytes, as the sync protocol names attachments. Kept as an ArrayBuffer, which every
 * browser's IndexedDB stores (older Safari lost Blobs), apart from the outbox so that listing the
 * outbox reads no photo.
 */
export interface DevicePhoto {
  sha256: string;
  bytes: ArrayBuffer;
  type: string;
  width: number;
  height: number;
}

interface FieldSchema extends DBSchema {
  packages: { key: string; value: AreaPackage };
  outbox: { key: string; value: OutboxReport; indexes: { state: string } };
  photos: { key: string; value: DevicePhoto };
}

let opened: Promise<IDBPDatabase<FieldSchema>> | null = null;

export function fieldStore(): Promise<IDBPDatabase<FieldSchema>> {
  // Each version adds to the one before, so a device keeps its packages and outbox across updates.
  opened ??= openDB<FieldSchema>('safeground-field', 2, {
    upgrade(db, oldVersion) {
      if (oldVersion < 1) {
        db.createObjectStore('packages', { keyPath: 'id' });
        db.createObjectStore('outbox', { keyPath: 'id' }).createIndex('state', 'state');
      }
      if (oldVersion < 2) db.createObjectStore('photos', { keyPath: 'sha256' });
    },
  });
  return opened;
}

const DEVICE_KEY = 'safeground.device';

/**
 * This device's instance id for the sync protocol's `origin`: made once, kept in the origin's
 * storage, so the server knows every report of this device as coming from one place.
 */
export function deviceId(): string {
  let id = localStorage.getItem(DEVICE_KEY);
  if (!id) {
    id = crypto.randomUUID();
    localStorage.setItem(DEVICE_KEY, id);
  }
  return id;
}
