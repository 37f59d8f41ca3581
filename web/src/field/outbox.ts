/**
 * The outbox: reports made on the device wait here, each under the id the device gave it, until
 * a connection takes them to the server through the sync protocol (POST /api/sync/reports). The
 * id makes sending again safe, so a report is marked sent only on the server's answer.
 */
import { api, ApiError } from '../api.ts';
import { deviceId, fieldStore, type OutboxReport, type OutboxState } from './store.ts';

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
}

/** Whether a failure is the link's (keep the report for later) rather than the server's answer. */
export function isOffline(caught: unknown): boolean {
  return !navigator.onLine || caught instanceof TypeError;
}

export async function keepReport(input: ReportInput, author: string): Promise<OutboxReport> {
  const now = new Date().toISOString();
  const report: OutboxReport = {
    id: crypto.randomUUID(),
    entityType: input.entityType,
    action: input.action,
    entityId: input.entityId ?? null,
    baseVersion: input.baseVersion ?? null,
    payload: input.payload,
    reason: input.reason ?? null,
    organisationId: input.organisationId ?? null,
    acceptedWarnings: input.acceptedWarnings ?? [],
    author,
    createdAt: now,
    submittedAt: now,
    state: 'device',
    message: null,
  };
  await (await fieldStore()).put('outbox', report);
  return report;
}

/** A report after sendOrKeep: submitted to the server, or kept on the device for later. */
export interface SentOrKept {
  kept: boolean;
  payload: Record<string, unknown>;
}

/**
 * Submits a report now when the link allows, else keeps it in the outbox; a refusal by the
 * server is thrown as before, so the form shows it and nothing is kept.
 */
export async function sendOrKeep(input: ReportInput, author: string): Promise<SentOrKept> {
  if (navigator.onLine) {
    try {
      const report = await api.post<{ payload: Record<string, unknown> }>('/api/reports', { ...input, submit: true });
      return { kept: false, payload: report.payload };
    } catch (caught) {
      if (!isOffline(caught)) throw caught;
    }
  }
  const kept = await keepReport(input, author);
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

/** Pushes every report still on the device, up to 500 a request (the protocol's limit). */
export async function sendOutbox(): Promise<number> {
  const store = await fieldStore();
  const waiting = await store.getAllFromIndex('outbox', 'state', 'device');
  let sent = 0;
  for (let start = 0; start < waiting.length; start += 500) {
    const batch = waiting.slice(start, start + 500);
    const answer = await api.post<{ results: SyncResult[] }>('/api/sync/reports', {
      origin: deviceId(),
      reports: batch.map(({ state: _state, message: _message, ...report }) => report),
    });
    for (const result of answer.results) {
      const report = batch.find((r) => r.id === result.id);
      if (!report) continue;
      const state: OutboxState = result.outcome === 'refused' ? 'refused' : fromServer(result.state, result.outcome === 'conflict');
      await store.put('outbox', { ...report, state, message: result.message ?? null });
      if (result.outcome !== 'refused') sent++;
    }
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
    }
  }
}

/** Sends what waits and brings the states up to date; what fails for the link waits for the next try. */
export async function syncOutbox(): Promise<void> {
  await sendOutbox();
  await updateStates();
}
