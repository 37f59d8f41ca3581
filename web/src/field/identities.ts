/**
 * Victims' identifying details (restricted personal data) in the outbox: encrypted on the device
 * with AES-GCM under a key bound to one person's sign-in, and wiped with that key at sign-out or
 * when the server no longer knows the session. Why this key and what it protects against is in
 * docs/field-app.md ("Victims' identities on the device").
 *
 * The key is a non-extractable CryptoKey, made at sign-in for a user with restricted.read and kept
 * in an IndexedDB database of its own (`safeground-keys`), so that no script can read its bytes
 * out, and deleting it makes every identity sealed under it unreadable, wherever copies of the
 * ciphertext are left. Each sealed blob names its report in the AES-GCM additional data, so a blob
 * moved to another report does not open.
 */
import { type DBSchema, type IDBPDatabase, openDB } from 'idb';
import type { ActorSummary } from '../types.ts';
import { RESTRICTED_READ, type VictimIdentity } from './identityRules.ts';
import { fieldStore, type SealedIdentities } from './store.ts';

interface IdentityKey {
  id: 'identities';
  /** Whose sign-in made the key: identities sealed under it are opened for this person only. */
  username: string;
  key: CryptoKey;
  createdAt: string;
}

interface KeySchema extends DBSchema {
  keys: { key: string; value: IdentityKey };
}

let opened: Promise<IDBPDatabase<KeySchema>> | null = null;

function keyStore(): Promise<IDBPDatabase<KeySchema>> {
  opened ??= openDB<KeySchema>('safeground-keys', 1, {
    upgrade(db) {
      db.createObjectStore('keys', { keyPath: 'id' });
    },
  });
  return opened;
}

async function currentKey(): Promise<IdentityKey | undefined> {
  return (await keyStore()).get('keys', 'identities');
}

async function makeKey(username: string): Promise<IdentityKey> {
  const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
  const record: IdentityKey = { id: 'identities', username, key, createdAt: new Date().toISOString() };
  await (await keyStore()).put('keys', record);
  return record;
}

/**
 * Deletes the key and every sealed identity in the outbox. The reports stay, without their
 * victims' identities and marked so: they still count the accident and its victims, and the
 * identities are entered again on the server by someone who may read them.
 */
export async function wipeIdentities(): Promise<void> {
  await (await keyStore()).delete('keys', 'identities');
  const store = await fieldStore();
  for (const report of await store.getAll('outbox')) {
    if (report.sealedIdentities) await store.put('outbox', { ...report, sealedIdentities: null, identitiesRemoved: true });
  }
}

/**
 * Binds the key to who the server says is signed in, at sign-in and at every answer of
 * GET /api/session: a key of anyone else (a session ended elsewhere, the public after a
 * revocation) or of a person who lost restricted.read is wiped with its identities; a person who
 * may read identities gets a key if there is none.
 */
export async function bindIdentityKey(actor: ActorSummary): Promise<void> {
  const kept = await currentKey();
  const allowed = actor.userId !== null && actor.permissions.includes(RESTRICTED_READ);
  if (kept && (!allowed || kept.username !== actor.username)) await wipeIdentities();
  if (allowed && (!kept || kept.username !== actor.username)) await makeKey(actor.username);
}

const encoder = new TextEncoder();

/** Seals the identities of one report (by victim index) under the signed-in person's key. */
export async function sealIdentities(reportId: string, identities: Record<number, VictimIdentity>, username: string): Promise<SealedIdentities> {
  const kept = await currentKey();
  if (kept && kept.username !== username) throw new Error(`The identity key on this device is not ${username}'s: sign in again`);
  const { key } = kept ?? (await makeKey(username));
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: encoder.encode(reportId) }, key, encoder.encode(JSON.stringify(identities)));
  return { iv: iv.buffer, data };
}

/**
 * Opens a report's sealed identities, just before it is sent. Null when the key is gone, or when
 * the ciphertext does not open under the key there is (left by a wipe cut short after the key
 * went): either way the identities are lost to this device, and the report goes without them.
 */
export async function openIdentities(reportId: string, sealed: SealedIdentities): Promise<Record<number, VictimIdentity> | null> {
  const kept = await currentKey();
  if (!kept) return null;
  try {
    const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: sealed.iv, additionalData: encoder.encode(reportId) }, kept.key, sealed.data);
    return JSON.parse(new TextDecoder().decode(plain)) as Record<number, VictimIdentity>;
  } catch (caught) {
    if (caught instanceof DOMException && caught.name === 'OperationError') return null;
    throw caught;
  }
}
