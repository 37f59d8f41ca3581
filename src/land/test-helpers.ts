/**
 * Shared by the land and reports tests: actors as the workflow sees them, shapes in a local grid
 * of degrees, and records made the only way records are made, through approved reports.
 */
import { type Actor, permissionsOf, type Role } from '../access/permissions.ts';
import type { Actors } from '../../test/support/actors.ts';
import type { Db } from '../store/db.ts';
import { polygonMeasure } from '../geodesy/geodesic.ts';
import * as workflow from '../reports/workflow.ts';
import './handlers.ts';

export type Who = Role | 'field_user_b' | 'organisation_manager_b';

export function actorOf(actors: Actors, who: Who): Actor {
  const roles: Role[] = [who === 'field_user_b' ? 'field_user' : who === 'organisation_manager_b' ? 'organisation_manager' : who];
  const organisationId = who.endsWith('_b') ? actors.organisationB : actors.organisationA;
  return { userId: actors.userIds[who], username: `test_${who}`, organisationId, roles, permissions: permissionsOf(roles), via: 'token' };
}

/**
 * A rectangle of whole grid cells: x along longitude, y along latitude, `cell` degrees each,
 * from an origin. Edges along grid lines keep every cut between such rectangles exact, so the
 * expected pieces of a worked example are rectangles too.
 */
export interface Grid {
  origin: { lon: number; lat: number };
  cell: number;
}

export function box(grid: Grid, x0: number, y0: number, x1: number, y1: number) {
  const lon = (x: number) => grid.origin.lon + x * grid.cell;
  const lat = (y: number) => grid.origin.lat + y * grid.cell;
  return {
    type: 'Polygon' as const,
    coordinates: [
      [
        [lon(x0), lat(y0)],
        [lon(x1), lat(y0)],
        [lon(x1), lat(y1)],
        [lon(x0), lat(y1)],
        [lon(x0), lat(y0)],
      ],
    ],
  };
}

/** Geodesic area by GeographicLib, independent of PostGIS. */
export function geographicLibArea(polygon: { coordinates: number[][][] }): number {
  return polygonMeasure(polygon.coordinates[0]!.map(([lon, lat]) => ({ lon: lon!, lat: lat! }))).areaM2;
}

/** Writes, submits, verifies and approves a report, each step by the role that does it. */
export async function approved(db: Db, actors: Actors, input: workflow.ReportInput, writer: Who = 'field_user') {
  const report = await workflow.createReport(db, actorOf(actors, writer), input);
  await workflow.submitReport(db, actorOf(actors, writer), report.id);
  await workflow.verifyReport(db, actorOf(actors, writer.endsWith('_b') ? 'organisation_manager_b' : 'organisation_manager'), report.id, null);
  return workflow.approveReport(db, actorOf(actors, 'national_information_officer'), report.id, null);
}

let counter = 0;

export function hazardPayload(geometry: unknown, extra: Record<string, unknown> = {}) {
  counter++;
  return { reference: `HZ-T-${counter}`, kind: 'sha', evidence: ['former_front_line'], source: 'test', geometry, ...extra };
}

export async function createHazard(db: Db, actors: Actors, geometry: unknown, extra: Record<string, unknown> = {}): Promise<string> {
  const report = await approved(db, actors, { entityType: 'hazard', action: 'create', payload: hazardPayload(geometry, extra) });
  return report.entity_id!;
}

export async function createActivity(db: Db, actors: Actors, hazardIds: string[], extra: Record<string, unknown> = {}, writer: Who = 'field_user'): Promise<string> {
  counter++;
  const organisationId = writer.endsWith('_b') ? actors.organisationB : actors.organisationA;
  const report = await approved(
    db,
    actors,
    { entityType: 'activity', action: 'create', payload: { reference: `ACT-T-${counter}`, kind: 'clearance', organisationId, status: 'ongoing', source: 'test', hazardIds, ...extra } },
    writer,
  );
  return report.entity_id!;
}

export async function createProduct(
  db: Db,
  actors: Actors,
  product: { activityId: string; hazardId: string; method: 'cancelled' | 'reduced' | 'cleared'; geometry: unknown; releaseDate: string },
  writer: Who = 'field_user',
): Promise<string> {
  const extra = product.method === 'reduced' ? { technicalAssets: true } : product.method === 'cleared' ? { clearanceDepthCm: 20 } : {};
  const report = await approved(db, actors, { entityType: 'release_product', action: 'create', payload: { ...product, source: 'test', ...extra } }, writer);
  return report.entity_id!;
}
