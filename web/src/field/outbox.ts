/**
 * The outbox: reports made on the device wait here, each under the id the device gave it, until
 * a connection takes them to the server through the sync protocol (POST /api/sync/reports). The
 * id makes sending again safe, so a report is marked sent only on the server's answer.
 */
import { api, ApiError } from '../api.ts';
import { openIdentities, sealIdentities, wipeIdentities } from './identities.ts';
import { joinIdentities, refuseIdentities, splitIdentities } from './identityRules.ts';
import { photosToDrop } from './photoRules.ts';
import { uploadAttachment } from './photos.ts';
import { type DevicePhoto, deviceId, fieldStore, type OutboxReport, type OutboxState, type SealedIdentities } from './store.ts';

/** A report as the forms write it for POST /api/reports. */
export interface ReportInput {
  entityType: string;
  action: 'create' | 'update' | 'delete';
  entityId?: string | null;
  baseVersion?: number | null;
  organisationId?: string | null;
  reason?: string | null;
  acceptedWarnings?: string[];
  payload: Record<string, unknown>;
  /** Photos of the report (Photos.tsx): they travel as its attachments. */
  photos?: readonly DevicePhoto[];
}

/** Whether a failure is the link's (keep the report for later) rather than the server's answer. */
export function isOffline(caught: unknown): boolean {
  return !navigator.onLine || caught instanceof TypeError;
}

/**
 * Keeps a report in the outbox, with its photos. Victims' identities are sealed apart from the
 * payload, so the stored record holds none in plain text; a person without restricted.read may
 * not keep any.
 */
export async function keepReport(input: ReportInput, author: string, permissions: readonly string[] = []): Promise<OutboxReport> {
  const now = new Date().toISOString();
  const id = crypto.randomUUID();
  const { payload, identities } = splitIdentities(input.entityType, input.payload);
  const refusal = refuseIdentities(identities, author, permissions);
  if (refusal) throw new Error(refusal);
  const sealedIdentities: SealedIdentities | null = Object.keys(identities).length > 0 ? await sealIdentities(id, identities, author) : null;
  const report: OutboxReport = {
    id,
    entityType: input.entityType,
    action: input.action,
    entityId: input.entityId ?? null,
    baseVersion: input.baseVersion ?? null,
    payload,
    reason: input.reason ?? null,
    organisationId: input.organisationId ?? null,
    acceptedWarnings: input.acceptedWarnings ?? [],
    author,
    createdAt: now,
    submittedAt: now,
    state: 'device',
    message: null,
    sealedIdentities,
    identitiesRemoved: false,
    attachments: (input.photos ?? []).map((photo) => photo.sha256),
  };
  const tx = (await fieldStore()).transaction(['outbox', 'photos'], 'readwrite');
  await Promise.all([tx.objectStore('outbox').put(report), ...(input.photos ?? []).map((photo) => tx.objectStore('photos').put(photo)), tx.done]);
  return report;
}

/** A report after sendOrKeep: submitted to the server, or kept on the device for later. */
export interface SentOrKept {
  kept: boolean;
  payload: Record<string, unknown>;
}

/**
 * Submits a report to the server now. Its photos go first; the report is then written as a
 * draft, they are linked to it, and it is submitted: it reaches the approvals queue with them.
 */
async function submitNow({ photos = [], ...input }: ReportInput): Promise<Record<string, unknown>> {
  if (photos.length === 0) return (await api.post<{ payload: Record<string, unknown> }>('/api/reports', { ...input, submit: true })).payload;
  for (const photo of photos) await uploadAttachment(photo.sha256, photo.bytes);
  const draft = await api.post<{ id: string }>('/api/reports', input);
  await api.post(`/api/sync/reports/${draft.id}/attachments`, { attachments: photos.map((photo) => photo.sha256) });
  return (await api.post<{ payload: Record<string, unknown> }>(`/api/reports/${draft.id}/submit`)).payload;
}

/**
 * Submits a report now when the link allows, else keeps it in the outbox; a refusal by the
 * server is thrown as before, so the form shows it and nothing is kept.
 */
export async function sendOrKeep(input: ReportInput, author: string, permissions: readonly string[] = []): Promise<SentOrKept> {
  if (navigator.onLine) {
    try {
      return { kept: false, payload: await submitNow(input) };
    } catch (caught) {
      if (!isOffline(caught)) throw caught;
    }
  }
  const kept = await keepReport(input, author, permissions);
  return { kept: true, payload: kept.payload };
}

export async function outbox(): Promise<OutboxReport[]> {
  const all = await (await fieldStore()).getAll('outbox');
  return all.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

interface SyncResult {
  id: string;
  outcome: 'accepted' | 'duplicate' | 'conflict' | 'refused';
  state?: string;
  message?: string;
}

/** The outbox state a server report state stands for. */
function fromServer(state: string | undefined, conflict: boolean): OutboxState {
  if (conflict) return 'conflict';
  if (state === 'verified' || state === 'approved' || state === 'rejected') return state;
  return 'sent';
}

/**
 * A kept report as the protocol takes it: its victims' identities opened and put back in the
 * payload, in memory only, just before the request. Wiped identities are not there to put back.
 */
async function onTheWire(kept: OutboxReport): Promise<Record<string, unknown>> {
  const { state: _state, message: _message, sealedIdentities, identitiesRemoved: _removed, ...report } = kept;
  const identities = sealedIdentities ? await openIdentities(kept.id, sealedIdentities) : null;
  return identities ? { ...report, payload: joinIdentities(report.payload, identities) } : report;
}

/** The server no longer knows the session (signed out elsewhere, revoked): identities on the device go. */
async function wipeOnRevocation(caught: unknown): Promise<void> {
  if (caught instanceof ApiError && caught.status === 401) await wipeIdentities();
}

/** Uploads what the server lacks of a kept report's photos; one already let go, the server has whole. */
async function sendPhotos(report: OutboxReport): Promise<void> {
  const store = await fieldStore();
  for (const sha256 of report.attachments ?? []) {
    const photo = await store.get('photos', sha256);
    if (photo) await uploadAttachment(sha256, photo.bytes);
  }
}

/**
 * Pushes every report still on the device, up to 500 a request (the protocol's limit), each
 * after its photos. Once the server has answered for a report, its photos leave the device
 * (unless a report still waiting names them): a phone's storage is small.
 */
export async function sendOutbox(): Promise<number> {
  const store = await fieldStore();
  const waiting = await store.getAllFromIndex('outbox', 'state', 'device');
  let sent = 0;
  for (let start = 0; start < waiting.length; start += 500) {
    const batch = waiting.slice(start, start + 500);
    for (const report of batch) await sendPhotos(report);
    const reports = await Promise.all(batch.map(onTheWire));
    const answer = await api.post<{ results: SyncResult[] }>('/api/sync/reports', { origin: deviceId(), reports }).catch(async (caught: unknown) => {
      await wipeOnRevocation(caught);
      throw caught;
    });
    for (const result of answer.results) {
      const report = batch.find((r) => r.id === result.id);
      if (!report) continue;
      const state: OutboxState = result.outcome === 'refused' ? 'refused' : fromServer(result.state, result.outcome === 'conflict');
      // Answered, the report is not sent again, so its identities have no use left on the device.
      await store.put('outbox', { ...report, state, message: result.message ?? null, sealedIdentities: null });
      if (result.outcome !== 'refused') sent++;
    }
    const answered = batch.filter((report) => answer.results.some((result) => result.id === report.id));
    const dropped = photosToDrop(answered, await store.getAllFromIndex('outbox', 'state', 'device'));
    if (dropped.length > 0) await Promise.all(dropped.map((sha256) => store.delete('photos', sha256)));
  }
  return sent;
}

/** Asks the server how far each sent report got (verified, approved, rejected, in conflict). */
export async function updateStates(): Promise<void> {
  const store = await fieldStore();
  for (const report of await store.getAll('outbox')) {
    if (report.state === 'device' || report.state === 'approved' || report.state === 'rejected' || report.state === 'refused') continue;
    try {
      const current = await api.get<{ state: string; conflict: { resolvedAt: string | null } | null }>(`/api/reports/${report.id}`);
      const state = fromServer(current.state, current.conflict !== null && current.conflict.resolvedAt === null && current.state === 'submitted');
      if (state !== report.state) await store.put('outbox', { ...report, state });
    } catch (caught) {
      if (!(caught instanceof ApiError)) throw caught;
      await wipeOnRevocation(caught);
    }
  }
}

/** Sends what waits and brings the states up to date; what fails for the link waits for the next try. */
export async function syncOutbox(): Promise<void> {
  await sendOutbox();
  await updateStates();
}
