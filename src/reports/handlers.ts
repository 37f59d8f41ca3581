import type { z } from 'zod';
import type { Actor } from '../access/permissions.ts';
import type { Queryable } from '../store/db.ts';

export const REPORT_ACTIONS = ['create', 'update', 'delete'] as const;
export type ReportAction = (typeof REPORT_ACTIONS)[number];

/** A record's current state in the shape of a report payload, so any past state can be re-applied. */
export interface EntityState {
  version: number;
  payload: Record<string, unknown>;
}

/** One change a report makes, as the handler sees it during validation and when applying. */
export interface Change<P> {
  action: ReportAction;
  entityId: string;
  /** The whole record after the change (an update's payload merged onto the current record); null on delete. */
  payload: P | null;
  /** The record before the change; null on create. */
  current: EntityState | null;
  /** The version the record will have once the change is applied. */
  version: number;
  reportId: string;
  actor: Actor;
  /** Warning codes the reporter confirmed as intended. */
  acceptedWarnings: readonly string[];
  /** An undo restoring a state approved before: warnings do not refuse it, errors still do. */
  restoring: boolean;
}

/**
 * What an entity type (hazard, activity, release product, later finds and accidents) tells the
 * reports workflow. The workflow owns states, permissions, optimistic locking, record_version
 * and the audit log; the handler owns its table and its rules.
 */
export interface EntityHandler<P extends Record<string, unknown> = Record<string, unknown>> {
  entityType: string;
  /** The table of current state; it has id, version and geom columns, and geom is what the history keeps. */
  table: string;
  /** The whole record as a payload; an update's payload is checked after merging onto the current record. */
  schema: z.ZodType<P>;
  /** Current state, with the geometry as GeoJSON under `geometry`; null when there is no such record. */
  read(tx: Queryable, id: string, options: { lock: boolean }): Promise<EntityState | null>;
  /** The organisation a record acts for (an activity's operator); null when it is national. */
  organisationOf(tx: Queryable, payload: P): Promise<string | null>;
  /** Rules that need the store; throws a UserError naming the problem. Runs on every write of the report and again on approval. */
  validate(tx: Queryable, change: Change<P>): Promise<void>;
  /** Writes the change to the table, setting its version to change.version. */
  apply(tx: Queryable, change: Change<P>): Promise<void>;
  /** Changes that follow from this one (a hazard released by its last product), recorded as versions of their own. */
  afterApply?(tx: Queryable, change: Change<P>): Promise<void>;
  /**
   * What a version pulled from another instance (sync) derives here, besides the row itself: the
   * versions afterApply would make arrive in the feed on their own, but tables derived without
   * versions (a hazard's land pieces) are rebuilt by this.
   */
  afterReplicate?(tx: Queryable, change: Change<P>): Promise<void>;
  /** A report's payload as this reader may see it (restricted personal data withheld); the whole payload when absent. */
  payloadForReader?(payload: Record<string, unknown>, reader: Actor): Record<string, unknown>;
}

const handlers = new Map<string, EntityHandler>();

/** Entity types register once, when their module loads. */
export function registerEntityHandler<P extends Record<string, unknown>>(handler: EntityHandler<P>): void {
  if (handlers.has(handler.entityType)) throw new Error(`Entity handler for ${handler.entityType} registered twice`);
  handlers.set(handler.entityType, handler);
}

export function entityHandler(entityType: string): EntityHandler | undefined {
  return handlers.get(entityType);
}

export function entityTypes(): string[] {
  return [...handlers.keys()].sort();
}
