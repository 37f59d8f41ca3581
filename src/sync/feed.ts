/**
 * The changes feed as NDJSON lines: a start line, one line per version in commit order, each with
 * the cursor that resumes after it, and an end line saying whether more follow. A client that
 * loses the link keeps the complete lines it has and asks again from the last cursor it applied.
 */
import type { Actor } from '../access/permissions.ts';
import type { Queryable } from '../store/db.ts';
import { decodeCursor, encodeCursor } from './rules.ts';
import * as store from './store.ts';

/** Rows read from the store at a time: memory stays flat however long the feed. */
const PAGE = 1000;

export interface ChangeLine {
  type: 'change';
  cursor: string;
  entityType: string;
  entityId: string;
  version: number;
  validFrom: string;
  deleted: boolean;
  /** The record at this version without its geometry, as the history keeps it. */
  data: Record<string, unknown>;
  /** GeoJSON, or null. */
  geometry: unknown;
  /** The instance the version was made on. */
  origin: string;
  reportId: string | null;
  reason: string | null;
  /** Accidents only, for readers with restricted.read: the victims' identifying details as they are now. */
  identities?: store.VictimIdentityRow[];
}

export type FeedLine =
  | { type: 'start'; instance: string; since: string }
  | ChangeLine
  | { type: 'end'; cursor: string; more: boolean };

export async function* changesFeed(db: Queryable, reader: Actor, since: string | undefined, limit: number, filter: store.FeedFilter = {}): AsyncGenerator<string> {
  let seq = decodeCursor(since);
  const instance = await store.instanceId(db);
  yield line({ type: 'start', instance, since: encodeCursor(seq) });
  let sent = 0;
  let more = false;
  while (sent < limit) {
    const want = Math.min(PAGE, limit - sent);
    const rows = await store.changesAfter(db, seq, want, filter);
    for (const row of rows) {
      seq = BigInt(row.change_seq);
      yield await changeLine(db, reader, row);
    }
    sent += rows.length;
    if (rows.length < want) break;
  }
  if (sent >= limit) more = (await store.changesAfter(db, seq, 1, filter)).length > 0;
  yield line({ type: 'end', cursor: encodeCursor(seq), more });
}

async function changeLine(db: Queryable, reader: Actor, row: store.ChangeRow): Promise<string> {
  if (row.entity_type !== 'accident' || !reader.permissions.has('restricted.read')) return `${row.line}\n`;
  const change = JSON.parse(row.line) as ChangeLine;
  if (Array.isArray(change.data.victims)) {
    const ids = change.data.victims.flatMap((v: unknown) => (v && typeof v === 'object' && typeof (v as { id?: unknown }).id === 'string' ? [(v as { id: string }).id] : []));
    change.identities = await store.victimIdentities(db, ids, reader, row.entity_id);
  }
  return line(change);
}

function line(value: FeedLine): string {
  return `${JSON.stringify(value)}\n`;
}
