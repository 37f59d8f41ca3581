/**
 * Hazards, activities, their daily progress and release products as entity types of the reports workflow: their
 * payloads, the rules a report must pass, and how an approved change is written.
 */
import { z } from 'zod';
import { UserError } from '../errors.ts';
import { type Change, type EntityHandler, registerEntityHandler } from '../reports/handlers.ts';
import { lastRecordedVersion, recordVersion } from '../reports/store.ts';
import type { Queryable } from '../store/db.ts';
import { describeProblems, type GeometryProblem, PolygonGeometry, swapCandidate } from './geometry.ts';
import { checkShape } from './shapePool.ts';
import {
  ACTIVITY_KINDS,
  ACTIVITY_STATUSES,
  BLOCKAGES,
  CONTAMINATION,
  EVIDENCE,
  evidenceProblem,
  futureDateProblem,
  HAZARD_KINDS,
  HAZARD_STATUSES,
  isReleased,
  todayUtc,
} from './rules.ts';
import * as geometryStore from './geometryStore.ts';
import { type ProgressProblem, progressProblems } from './progress.ts';
import * as pieces from './piecesStore.ts';
import * as land from './store.ts';

const IsoDate = z.iso.date();

export const HazardPayload = z.strictObject({
  reference: z.string().trim().min(1).max(64),
  kind: z.enum(HAZARD_KINDS),
  status: z.enum(HAZARD_STATUSES).default('active'),
  geometry: PolygonGeometry,
  estimatedAreaM2: z.number().min(0).nullable().optional(),
  /** The polygon was made from a position and the estimated area (an import), not surveyed; a surveyed outline clears it. */
  positionOnly: z.boolean().default(false),
  evidence: z.array(z.enum(EVIDENCE)).default([]),
  contamination: z.array(z.enum(CONTAMINATION)).default([]),
  blockages: z.array(z.enum(BLOCKAGES)).default([]),
  adminAreaId: z.uuid().nullable().optional(),
  organisationId: z.uuid().nullable().optional(),
  description: z.string().max(10_000).nullable().optional(),
  /** Set by land-release accounting, never by a report. */
  releaseDate: IsoDate.nullable().optional(),
  source: z.string().min(1).max(500),
  /** The minefield records and other records that back the hazard. */
  minefieldRecordIds: z.array(z.uuid()).default([]),
});
export type HazardPayload = z.infer<typeof HazardPayload>;

export const ActivityPayload = z
  .strictObject({
    reference: z.string().trim().min(1).max(64),
    kind: z.enum(ACTIVITY_KINDS),
    organisationId: z.uuid(),
    team: z.string().max(200).nullable().optional(),
    startDate: IsoDate.nullable().optional(),
    endDate: IsoDate.nullable().optional(),
    status: z.enum(ACTIVITY_STATUSES).default('planned'),
    source: z.string().min(1).max(500),
    hazardIds: z.array(z.uuid()).default([]),
    geometry: PolygonGeometry.nullable().optional(),
  })
  .refine((a) => !a.startDate || !a.endDate || a.endDate >= a.startDate, { error: 'endDate is before startDate', path: ['endDate'] });
export type ActivityPayload = z.infer<typeof ActivityPayload>;

/** A day's work on an activity: the area processed (worked) and, where the team drew it, the ground worked. */
export const ProgressReportPayload = z.strictObject({
  activityId: z.uuid(),
  reportDate: IsoDate,
  /** Square metres searched, cleared or surveyed that day; released land is a release product's. */
  areaProcessedM2: z.number().min(0).max(1e12),
  notes: z.string().max(10_000).nullable().optional(),
  source: z.string().trim().min(1).max(500),
  geometry: PolygonGeometry.nullable().optional(),
});
export type ProgressReportPayload = z.infer<typeof ProgressReportPayload>;

const productCommon = {
  activityId: z.uuid(),
  hazardId: z.uuid(),
  releaseDate: IsoDate,
  source: z.string().min(1).max(500),
  geometry: PolygonGeometry,
};
/** Cancelled by non-technical survey; reduced by technical survey, saying whether technical assets were used; cleared to a depth. */
export const ReleaseProductPayload = z.discriminatedUnion('method', [
  z.strictObject({ ...productCommon, method: z.literal('cancelled'), technicalAssets: z.null().optional(), clearanceDepthCm: z.null().optional() }),
  z.strictObject({ ...productCommon, method: z.literal('reduced'), technicalAssets: z.boolean(), clearanceDepthCm: z.null().optional() }),
  z.strictObject({ ...productCommon, method: z.literal('cleared'), technicalAssets: z.boolean().nullable().optional(), clearanceDepthCm: z.number().int().min(1).max(10_000) }),
]);
export type ReleaseProductPayload = z.infer<typeof ReleaseProductPayload>;

function refuseMissing(field: string, table: string, missing: readonly string[]): void {
  if (missing.length > 0) throw new UserError(`payload.${field}: no ${table.replace('_', ' ')} ${missing.join(', ')}`, `unknown_${table}`, { field, missing });
}

/**
 * Every problem of a shape: the checks on coordinates first (they need no database and say
 * exactly which vertex is wrong), then PostGIS validity, then the checks against other records.
 */
export async function geometryProblems(tx: Queryable, geometry: PolygonGeometry, against: { entityId: string | null; hazardId: string | null; isHazard: boolean }): Promise<GeometryProblem[]> {
  const problems: GeometryProblem[] = await checkShape(geometry);
  if (!problems.some((p) => p.severity === 'error')) problems.push(...(await geometryStore.validityProblems(tx, geometry)));
  if (!problems.some((p) => p.severity === 'error')) {
    if (against.isHazard) {
      const candidate = swapCandidate(geometry);
      if (candidate) problems.push(...(await geometryStore.swapProblem(tx, candidate, against.entityId)));
      problems.push(...(await geometryStore.duplicateProblems(tx, geometry, against.entityId)));
    } else if (against.hazardId) {
      problems.push(...(await geometryStore.outsideHazardProblem(tx, geometry, against.hazardId)));
    }
  }
  return problems;
}

/** Warnings refuse a report unless the reporter accepted their code, or an undo restores a shape approved before. */
async function checkGeometry(tx: Queryable, geometry: PolygonGeometry, change: Change<Record<string, unknown>>, against: { hazardId: string | null; isHazard: boolean }): Promise<void> {
  const problems = await geometryProblems(tx, geometry, { entityId: change.entityId, ...against });
  const refusing = problems.filter((p) => p.severity === 'error' || !(change.restoring || change.acceptedWarnings.includes(p.code)));
  if (refusing.length > 0) {
    const hint = refusing.some((p) => p.code === 'self_intersection' || p.code === 'invalid_polygon')
      ? 'POST /api/hazards/check-geometry with repair: true shows a repaired shape'
      : refusing.every((p) => p.severity === 'warning')
        ? 'if the shape is intended, list these codes in the report’s acceptedWarnings'
        : undefined;
    throw new UserError(describeProblems(refusing), 'invalid_geometry', { problems: refusing, ...(hint ? { hint } : {}) });
  }
}

/**
 * Status `released` and the release date follow from the accounting: after every approved change
 * to a hazard or its products, a hazard with no remaining area (below the tolerance) becomes
 * released on its last product's date, and one that has area again is reopened. The change is a
 * version of its own, recorded under the report that caused it.
 */
export async function syncHazardRelease(tx: Queryable, hazardId: string, change: Change<Record<string, unknown>>): Promise<void> {
  const state = await land.releaseState(tx, hazardId);
  const released = state.products > 0 && isReleased(state.remainingM2);
  let next: { status: string; releaseDate: string | null; reason: string } | null = null;
  if (released && (state.status !== 'released' || state.releaseDate !== state.lastProductDate)) {
    next = {
      status: 'released',
      releaseDate: state.lastProductDate,
      reason: `Released on ${state.lastProductDate}: ${state.remainingM2.toExponential(2)} m² remain after the approval of report ${change.reportId}`,
    };
  } else if (!released && state.status === 'released') {
    next = { status: 'active', releaseDate: null, reason: `Reopened: ${state.remainingM2.toFixed(2)} m² remain after the approval of report ${change.reportId}` };
  }
  if (!next) return;
  const version = Math.max(state.version, await lastRecordedVersion(tx, 'hazard', hazardId)) + 1;
  await land.setHazardRelease(tx, hazardId, { status: next.status, releaseDate: next.releaseDate, version, actorId: change.actor.userId });
  const { geometry: _geometry, ...data } = (await land.readHazard(tx, hazardId, { lock: false }))!.payload;
  await recordVersion(tx, {
    entityType: 'hazard',
    table: 'hazard',
    entityId: hazardId,
    version,
    data,
    deleted: false,
    changedBy: change.actor.userId,
    reason: next.reason,
    reportId: change.reportId,
  });
}

export const hazardHandler: EntityHandler<HazardPayload> = {
  entityType: 'hazard',
  table: 'hazard',
  schema: HazardPayload,
  read: land.readHazard,
  async organisationOf() {
    return null;
  },
  async validate(tx, change) {
    if (change.action === 'delete') {
      const products = await land.dependentsOf(tx, 'hazard_id', change.entityId);
      if (products > 0) throw new UserError(`Hazard ${change.entityId} has ${products} release product(s); it cannot be deleted, only released`, 'conflict');
      return;
    }
    const hazard = change.payload!;
    const before = change.current?.payload;
    if (!change.restoring) {
      if (hazard.status === 'released' && before?.status !== 'released') {
        throw new UserError('payload.status: a hazard becomes released through its release products, not by a report', 'bad_input');
      }
      if ((hazard.releaseDate ?? null) !== ((before?.releaseDate as string | null | undefined) ?? null)) {
        throw new UserError('payload.releaseDate: the release date is that of the hazard’s last release product, not set by a report', 'bad_input');
      }
    }
    const evidence = evidenceProblem(hazard.kind, hazard.evidence);
    if (evidence) throw new UserError(`payload.evidence: ${evidence}`, 'bad_input');
    const taken = await land.recordWithReference(tx, 'hazard', hazard.reference, change.entityId);
    if (taken) throw new UserError(`payload.reference: hazard ${taken} already has the reference ${hazard.reference}`, 'conflict');
    refuseMissing('adminAreaId', 'admin_area', await land.missingIds(tx, 'admin_area', hazard.adminAreaId ? [hazard.adminAreaId] : []));
    refuseMissing('organisationId', 'organisation', await land.missingIds(tx, 'organisation', hazard.organisationId ? [hazard.organisationId] : []));
    refuseMissing('minefieldRecordIds', 'minefield_record', await land.missingIds(tx, 'minefield_record', hazard.minefieldRecordIds));
    await checkGeometry(tx, hazard.geometry, change, { hazardId: change.entityId, isHazard: true });
  },
  async apply(tx, change) {
    if (change.action === 'delete') await land.deleteRow(tx, 'hazard', change.entityId);
    else await land.writeHazard(tx, change.entityId, change.version, change.payload!, change.actor.userId);
  },
  async afterApply(tx, change) {
    if (change.action === 'delete') return; // its stored pieces go with the row (ON DELETE CASCADE)
    await syncHazardRelease(tx, change.entityId, change);
    await pieces.refreshLandPieces(tx, [change.entityId]);
  },
  async afterReplicate(tx, change) {
    if (change.action !== 'delete') await pieces.refreshLandPieces(tx, [change.entityId]);
  },
};

export const activityHandler: EntityHandler<ActivityPayload> = {
  entityType: 'activity',
  table: 'activity',
  schema: ActivityPayload,
  read: land.readActivity,
  async organisationOf(_tx, activity) {
    return activity.organisationId;
  },
  async validate(tx, change) {
    const products = change.action === 'create' ? 0 : await land.dependentsOf(tx, 'activity_id', change.entityId);
    if (change.action === 'delete') {
      if (products > 0) throw new UserError(`Activity ${change.entityId} has ${products} release product(s); delete those first`, 'conflict');
      const progress = await land.progressReportsOf(tx, change.entityId);
      if (progress > 0) throw new UserError(`Activity ${change.entityId} has ${progress} daily progress report(s); delete those first`, 'conflict');
      return;
    }
    const activity = change.payload!;
    const taken = await land.recordWithReference(tx, 'activity', activity.reference, change.entityId);
    if (taken) throw new UserError(`payload.reference: activity ${taken} already has the reference ${activity.reference}`, 'conflict');
    refuseMissing('organisationId', 'organisation', await land.missingIds(tx, 'organisation', [activity.organisationId]));
    refuseMissing('hazardIds', 'hazard', await land.missingIds(tx, 'hazard', activity.hazardIds));
    const future =
      (activity.status === 'completed' || activity.status === 'ongoing' ? futureDateProblem('payload.startDate', activity.startDate) : null) ??
      (activity.status === 'completed' ? futureDateProblem('payload.endDate', activity.endDate) : null);
    if (future) throw new UserError(`${future}; only planned work has future dates`, 'bad_input');
    if (products > 0) {
      const facts = await land.activityFacts(tx, change.entityId);
      const unlinked = facts!.hazardIds.filter((h) => !activity.hazardIds.includes(h));
      const used = await land.hazardsWithProductsOf(tx, change.entityId, unlinked);
      if (used.length > 0) throw new UserError(`payload.hazardIds: release products of this activity lie in hazard(s) ${used.join(', ')}; keep them linked`, 'conflict');
    }
    if (activity.geometry) await checkGeometry(tx, activity.geometry, change, { hazardId: null, isHazard: false });
  },
  async apply(tx, change) {
    if (change.action === 'delete') await land.deleteRow(tx, 'activity', change.entityId);
    else await land.writeActivity(tx, change.entityId, change.version, change.payload!, change.actor.userId);
  },
};

/** The server's words for a problem the shared progress rules found (the schema has already refused most). */
function progressMessage(field: string, problem: ProgressProblem, report: ProgressReportPayload, activity: { startDate: string | null; endDate: string | null }): string {
  const words: Record<ProgressProblem, string> = {
    required: 'required',
    not_date: `${JSON.stringify(report.reportDate)} is not a date (YYYY-MM-DD)`,
    future: `${report.reportDate} is in the future (today is ${todayUtc()})`,
    before_1900: `${report.reportDate} is before 1900`,
    before_start: `${report.reportDate} is before the activity's start (${activity.startDate})`,
    after_end: `${report.reportDate} is after the activity's end (${activity.endDate})`,
    not_area: `${report.areaProcessedM2} is not an area of 0 m² or more`,
  };
  return `payload.${field}: ${words[problem]}`;
}

/** The operator of the activity a record belongs to reports it (a day's progress, a release product). */
async function activityOperator(tx: Queryable, record: { activityId: string }): Promise<string | null> {
  return (await land.activityFacts(tx, record.activityId))?.organisationId ?? null;
}

export const progressReportHandler: EntityHandler<ProgressReportPayload> = {
  entityType: 'progress_report',
  table: 'progress_report',
  schema: ProgressReportPayload,
  read: land.readProgressReport,
  organisationOf: activityOperator,
  async validate(tx, change) {
    if (change.action === 'delete') return;
    const report = change.payload!;
    const activity = await land.activityDates(tx, report.activityId);
    if (!activity) refuseMissing('activityId', 'activity', [report.activityId]);
    const [problem] = Object.entries(progressProblems(report, activity));
    if (problem) throw new UserError(progressMessage(problem[0], problem[1], report, activity!), 'bad_input', { field: problem[0] });
    if (report.geometry) await checkGeometry(tx, report.geometry, change, { hazardId: null, isHazard: false });
  },
  async apply(tx, change) {
    if (change.action === 'delete') await land.deleteRow(tx, 'progress_report', change.entityId);
    else await land.writeProgressReport(tx, change.entityId, change.version, change.payload!, change.actor.userId);
  },
};

export const releaseProductHandler: EntityHandler<ReleaseProductPayload> = {
  entityType: 'release_product',
  table: 'release_product',
  schema: ReleaseProductPayload,
  read: land.readReleaseProduct,
  organisationOf: activityOperator,
  async validate(tx, change) {
    if (change.action === 'delete') return;
    const product = change.payload!;
    refuseMissing('hazardId', 'hazard', await land.missingIds(tx, 'hazard', [product.hazardId]));
    const activity = await land.activityFacts(tx, product.activityId);
    if (!activity) refuseMissing('activityId', 'activity', [product.activityId]);
    if (!activity!.hazardIds.includes(product.hazardId)) {
      throw new UserError(`payload.hazardId: activity ${activity!.reference} is not linked to hazard ${product.hazardId}; link it by a report on the activity first`, 'bad_input');
    }
    const future = futureDateProblem('payload.releaseDate', product.releaseDate);
    if (future) throw new UserError(future, 'bad_input');
    await checkGeometry(tx, product.geometry, change, { hazardId: product.hazardId, isHazard: false });
  },
  async apply(tx, change) {
    if (change.action === 'delete') await land.deleteRow(tx, 'release_product', change.entityId);
    else await land.writeReleaseProduct(tx, change.entityId, change.version, change.payload!, change.actor.userId);
  },
  async afterApply(tx, change) {
    const hazards = new Set([change.payload?.hazardId, change.current?.payload.hazardId as string | undefined].filter((h): h is string => !!h));
    for (const hazardId of hazards) await syncHazardRelease(tx, hazardId, change);
    await pieces.refreshLandPieces(tx, [...hazards]);
  },
  async afterReplicate(tx, change) {
    const hazards = new Set([change.payload?.hazardId, change.current?.payload.hazardId as string | undefined].filter((h): h is string => !!h));
    await pieces.refreshLandPieces(tx, [...hazards]);
  },
};

registerEntityHandler(hazardHandler);
registerEntityHandler(activityHandler);
registerEntityHandler(progressReportHandler);
registerEntityHandler(releaseProductHandler);
