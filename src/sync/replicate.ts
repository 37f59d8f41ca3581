/**
 * Applies versions pulled from the server to this instance's store: the record's table through
 * its entity handler (as an approval would write it, without the rules, since the server approved
 * it), and the version itself with its origin. A version already held is skipped, so a batch
 * applied twice changes nothing.
 */
import type { Actor } from '../access/permissions.ts';
import { entityHandler } from '../reports/handlers.ts';
import type { Queryable } from '../store/db.ts';
// The entity types whose records a pull writes register their handlers as these modules load.
import '../land/handlers.ts';
import '../ops/handlers.ts';
import '../casualties/handlers.ts';
import type { ChangeLine } from './feed.ts';
import * as store from './store.ts';

/** Who writes pulled changes: no user of this instance (users are not shared between instances). */
const SYNC_ACTOR: Actor = { userId: null, username: 'sync', organisationId: null, roles: [], permissions: new Set(), via: 'token' };

/** Returns whether the change was new here. */
export async function applyPulledChange(tx: Queryable, change: ChangeLine): Promise<boolean> {
  if (await store.hasVersion(tx, change.entityType, change.entityId, change.version)) return false;
  const handler = entityHandler(change.entityType);
  if (change.entityType === 'organisation') await store.writeOrganisation(tx, change.entityId, change.version, change.data);
  else if (handler) {
    const current = await handler.read(tx, change.entityId, { lock: true });
    const payload = change.deleted ? null : await localReferences(tx, change.geometry == null ? { ...change.data } : { ...change.data, geometry: change.geometry });
    const replicated = {
      action: change.deleted ? ('delete' as const) : current ? ('update' as const) : ('create' as const),
      entityId: change.entityId,
      payload,
      current,
      version: change.version,
      reportId: change.reportId ?? '',
      actor: SYNC_ACTOR,
      acceptedWarnings: [],
      restoring: true,
    };
    if (!(change.deleted && !current)) await handler.apply(tx, replicated);
    await handler.afterReplicate?.(tx, replicated);
  }
  await store.insertPulledVersion(tx, {
    entityType: change.entityType,
    entityId: change.entityId,
    version: change.version,
    validFrom: change.validFrom,
    deleted: change.deleted,
    data: change.data,
    geometry: change.geometry,
    origin: change.origin,
    reportId: change.reportId,
    reason: change.reason,
  });
  if (change.reportId) await store.markReportApproved(tx, change.reportId, change.entityId);
  return true;
}

/**
 * The gazetteer and minefield records do not travel in the feed yet, and each instance seeds its
 * own gazetteer under its own ids: a reference this instance lacks is dropped, and the store then
 * places the record in its own administrative area (as it does for any record without one). The
 * version keeps the server's ids as they were.
 */
async function localReferences(tx: Queryable, payload: Record<string, unknown>): Promise<Record<string, unknown>> {
  const area = payload.adminAreaId;
  if (typeof area === 'string' && !(await store.existingIds(tx, 'admin_area', [area])).has(area)) payload.adminAreaId = null;
  if (Array.isArray(payload.minefieldRecordIds) && payload.minefieldRecordIds.length > 0) {
    const ids = payload.minefieldRecordIds as string[];
    const known = await store.existingIds(tx, 'minefield_record', ids);
    payload.minefieldRecordIds = ids.filter((id) => known.has(id));
  }
  return payload;
}
