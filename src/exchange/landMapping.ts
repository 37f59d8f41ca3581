/**
 * The fields of hazard and activity files, their mapping files and the names files give them: the
 * same mapping machinery as finds and accidents (mapping.ts, compose.ts), other fields.
 */
import { z } from 'zod';
import { mappingShape } from './mapping.ts';

/** Field -> the names files give it (normalised: lower case, letters and digits), as an alias table. */
function aliasTable<F extends string>(names: Partial<Record<F, string[]>>): Record<string, F> {
  return Object.fromEntries((Object.entries(names) as [F, string[]][]).flatMap(([field, aliases]) => aliases.map((alias) => [alias, field])));
}

/** How files name a position: as for finds and accidents. */
const POSITION = { latitude: 'latitude', lat: 'latitude', y: 'latitude', longitude: 'longitude', lon: 'longitude', lng: 'longitude', long: 'longitude', x: 'longitude', wkt: 'wkt', geometry: 'wkt' } as const;

/**
 * A hazard: its polygon from the file's geometry, or a point or line (a geometry, latitude and
 * longitude, or WKT) with `estimatedAreaM2`, which makes a position-only hazard.
 */
export const HAZARD_FIELDS = ['reference', 'kind', 'status', 'estimatedAreaM2', 'evidence', 'contamination', 'blockages', 'organisation', 'description', 'latitude', 'longitude', 'wkt'] as const;
export type HazardField = (typeof HAZARD_FIELDS)[number];
const HAZARD_VALUE_MAPPED = ['kind', 'status', 'evidence', 'contamination', 'blockages', 'organisation'] as const;

/** Units of an area column: areas are stored in square metres. */
const Units = z.strictObject({ area: z.enum(['m2', 'ha', 'km2']).default('m2') }).default({ area: 'm2' });

export const HazardMapping = z.strictObject({ ...mappingShape(HAZARD_FIELDS, HAZARD_VALUE_MAPPED), units: Units });
export type HazardMapping = z.infer<typeof HazardMapping>;
export const DEFAULT_HAZARD_MAPPING: HazardMapping = HazardMapping.parse({});

export const HAZARD_ALIASES: Readonly<Record<string, HazardField>> = { ...aliasTable<HazardField>({
  reference: ['reference', 'hazardreference', 'hazardid', 'externalid', 'id'],
  kind: ['kind', 'hazardkind', 'hazardtype'],
  status: ['status'],
  estimatedAreaM2: ['estimatedaream2', 'estimatedarea', 'aream2', 'area'],
  evidence: ['evidence'],
  contamination: ['contamination'],
  blockages: ['blockages', 'blockage'],
  organisation: ['organisation', 'organization', 'operator'],
  description: ['description', 'notes'],
}), ...POSITION };

/** An activity: survey or clearance work, with the hazards it works on by reference and, from a layer, its polygon. */
export const ACTIVITY_FIELDS = ['reference', 'kind', 'organisation', 'team', 'startDate', 'endDate', 'status', 'hazards'] as const;
export type ActivityField = (typeof ACTIVITY_FIELDS)[number];
const ACTIVITY_VALUE_MAPPED = ['kind', 'status', 'organisation'] as const;

export const ActivityMapping = z.strictObject(mappingShape(ACTIVITY_FIELDS, ACTIVITY_VALUE_MAPPED));
export type ActivityMapping = z.infer<typeof ActivityMapping>;
export const DEFAULT_ACTIVITY_MAPPING: ActivityMapping = ActivityMapping.parse({});

export const ACTIVITY_ALIASES: Readonly<Record<string, ActivityField>> = aliasTable<ActivityField>({
  reference: ['reference', 'activityreference', 'taskid', 'id'],
  kind: ['kind', 'activitykind', 'activitytype'],
  organisation: ['organisation', 'organization', 'operator'],
  team: ['team'],
  startDate: ['startdate', 'start'],
  endDate: ['enddate', 'end'],
  status: ['status'],
  hazards: ['hazards', 'hazard', 'hazardreferences'],
});
