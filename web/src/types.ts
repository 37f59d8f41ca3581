/** The API's answers as the app uses them (names as in the API and the domain primer). */
import type { Geometry, MultiPolygon, Polygon, Point } from './geojson.ts';
/** The domain's code lists come from the server's own rules, so the forms cannot drift from what the API accepts. */
import { FIND_CATEGORIES } from '../../src/catalogue/ordnance.ts';
import { DISPOSAL_METHODS, FIND_CONDITIONS } from '../../src/ops/find.ts';
import { ACTIVITY_KINDS, ACTIVITY_STATUSES, BLOCKAGES, CONTAMINATION, DIRECT_EVIDENCE, EVIDENCE, HAZARD_KINDS, HAZARD_STATUSES, RELEASE_METHODS } from '../../src/land/rules.ts';

export type Role = 'administrator' | 'national_information_officer' | 'organisation_manager' | 'field_user' | 'analyst' | 'public';
export const ROLES: readonly Role[] = ['administrator', 'national_information_officer', 'organisation_manager', 'field_user', 'analyst'];

export interface ActorSummary {
  userId: string | null;
  username: string;
  organisationId: string | null;
  roles: Role[];
  permissions: string[];
}

export { ACTIVITY_KINDS, ACTIVITY_STATUSES, BLOCKAGES, CONTAMINATION, DIRECT_EVIDENCE, EVIDENCE, HAZARD_KINDS, HAZARD_STATUSES, RELEASE_METHODS };
export type HazardKind = (typeof HAZARD_KINDS)[number];
export type HazardStatus = (typeof HAZARD_STATUSES)[number];
export type Evidence = (typeof EVIDENCE)[number];
export type Contamination = (typeof CONTAMINATION)[number];
export type Blockage = (typeof BLOCKAGES)[number];
export type ReleaseMethod = (typeof RELEASE_METHODS)[number];
export type ActivityKind = (typeof ACTIVITY_KINDS)[number];
export type ActivityStatus = (typeof ACTIVITY_STATUSES)[number];
export { DISPOSAL_METHODS, FIND_CATEGORIES, FIND_CONDITIONS };
export { DEVICE_CATEGORIES, DISPLACEMENT_STATUSES, VICTIM_GROUPS, VICTIM_OUTCOMES, VICTIM_SEXES } from '../../src/casualties/accident.ts';
export type FindCategory = (typeof FIND_CATEGORIES)[number];
export type FindCondition = (typeof FIND_CONDITIONS)[number];
export type DisposalMethod = (typeof DISPOSAL_METHODS)[number];

export interface Hazard {
  id: string;
  version: number;
  reference: string;
  kind: HazardKind;
  status: HazardStatus;
  evidence: Evidence[];
  contamination: Contamination[];
  blockages: Blockage[];
  adminAreaId: string | null;
  organisationId: string | null;
  description: string | null;
  releaseDate: string | null;
  source: string;
  estimatedAreaM2: number | null;
  minefieldRecordIds: string[];
  areaM2: number;
  geometry: Polygon | MultiPolygon;
}

export interface HazardDetail extends Hazard {
  releaseProducts: { id: string; activityId: string; method: ReleaseMethod; releaseDate: string; version: number; areaM2: number }[];
  activities: { id: string; reference: string; kind: ActivityKind; organisationId: string; status: ActivityStatus }[];
}

export interface HazardVersion {
  version: number;
  validFrom: string;
  validTo: string | null;
  deleted: boolean;
  data: Record<string, unknown>;
  geometry: Polygon | MultiPolygon | null;
  areaM2: number | null;
  changedBy: string | null;
  reason: string | null;
  report: string | null;
}

export interface HazardAccounting {
  hazardId: string;
  reference: string;
  status: HazardStatus;
  releaseDate: string | null;
  areaM2: number;
  estimatedAreaM2: number | null;
  estimatedDifferenceM2: number | null;
  releasedM2: Record<ReleaseMethod, number>;
  remainingM2: number;
  remainingGeometry: MultiPolygon | null;
  reconciliation: { sumM2: number; differenceM2: number; balanced: boolean };
  released: boolean;
  flags: { code: string }[];
}

export interface Organisation {
  id: string;
  name: string;
  acronym: string | null;
  kind: string;
  active: boolean;
}

export const REPORT_STATES = ['draft', 'submitted', 'verified', 'approved', 'rejected'] as const;
export type ReportState = (typeof REPORT_STATES)[number];

export interface Report {
  id: string;
  entityType: string;
  entityId: string | null;
  action: 'create' | 'update' | 'delete';
  state: ReportState;
  payload: Record<string, unknown>;
  baseVersion: number | null;
  organisationId: string | null;
  reason: string | null;
  acceptedWarnings: string[];
  createdBy: string | null;
  createdAt: string;
  submittedAt: string | null;
  verifiedAt: string | null;
  decidedAt: string | null;
  decisionNote: string | null;
  /** Where the report was made (an instance id) and by whom there, for reports that came by sync. */
  origin?: string;
  author?: string | null;
  /** A report written against an older version than the record's: settled by a person field by field. */
  conflict: { baseVersion: number; currentVersion: number; resolvedAt: string | null } | null;
}

export interface Find {
  id: string;
  category: string;
  ordnanceModel: string | null;
  quantity: number;
  foundOn: string;
  activity: string | null;
  organisationId: string | null;
  geometry: Point;
}

export interface ActivitySummary {
  id: string;
  reference: string;
  kind: ActivityKind;
  organisationId: string;
  organisation: string;
  status: ActivityStatus;
  startDate: string | null;
  endDate: string | null;
  hazardIds: string[];
  geometry: Polygon | MultiPolygon | null;
}

export interface OrdnanceModel {
  id: string;
  name: string;
  category: FindCategory;
}

export interface Victim {
  id: string;
  outcome: 'killed' | 'injured';
  sex: string | null;
  age: number | null;
  victimGroup: string | null;
}

export interface Accident {
  id: string;
  reference: string;
  occurredOn: string;
  deviceCategory: string;
  deminingRelated: boolean;
  geometry: Point | null;
  victims: Victim[];
}

export interface Page<T> {
  items: T[];
  next: string | null;
}

export interface Place {
  id: string;
  kind: 'admin_area' | 'settlement';
  name: string;
  matchedName: string;
  matchedLanguage: string;
  level: number | null;
  bbox: [number, number, number, number];
}

export type { Geometry };
