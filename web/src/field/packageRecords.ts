/**
 * The register a form offers to choose from when there is no connection: the activities and
 * hazardous areas of the newest area package on the device, in the shapes the API lists them.
 * A package keeps each record as the sync feed carries it (its payload, without geometry).
 */
import type { ActivityKind, ActivityStatus, ActivitySummary, HazardKind, HazardStatus, Organisation } from '../types.ts';
import type { AreaPackage } from './store.ts';

/** A hazardous area as a form names it. */
export interface HazardName {
  id: string;
  reference: string;
  kind: HazardKind;
  status: HazardStatus;
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** The package's activities, their operator named from the package's organisations. */
export function packageActivities(pkg: AreaPackage): ActivitySummary[] {
  const names = new Map((pkg.organisations as Organisation[]).map((o) => [o.id, o.name]));
  return pkg.records
    .filter((r) => r.entityType === 'activity')
    .map((r) => {
      const organisationId = text(r.data.organisationId) ?? '';
      return {
        id: r.entityId,
        reference: text(r.data.reference) ?? r.entityId,
        kind: r.data.kind as ActivityKind,
        organisationId,
        organisation: names.get(organisationId) ?? organisationId,
        status: r.data.status as ActivityStatus,
        startDate: text(r.data.startDate),
        endDate: text(r.data.endDate),
        hazardIds: Array.isArray(r.data.hazardIds) ? r.data.hazardIds.filter((id): id is string => typeof id === 'string') : [],
        geometry: null,
      };
    })
    .sort((a, b) => a.reference.localeCompare(b.reference));
}

export function packageHazards(pkg: AreaPackage): HazardName[] {
  return pkg.records
    .filter((r) => r.entityType === 'hazard')
    .map((r) => ({ id: r.entityId, reference: text(r.data.reference) ?? r.entityId, kind: r.data.kind as HazardKind, status: r.data.status as HazardStatus }));
}
