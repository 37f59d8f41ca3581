import { FIND_CATEGORIES } from '../catalogue/ordnance.ts';

/**
 * The code values of accidents and victims, the same words in SQL (migrations/0001_foundation.sql),
 * TypeScript, the API, exchange files and the web app.
 */
export const DEVICE_CATEGORIES = [...FIND_CATEGORIES, 'unknown'] as const;
export type DeviceCategory = (typeof DEVICE_CATEGORIES)[number];

export const VICTIM_OUTCOMES = ['killed', 'injured'] as const;
export type VictimOutcome = (typeof VICTIM_OUTCOMES)[number];

export const VICTIM_SEXES = ['female', 'male', 'unknown'] as const;
export type VictimSex = (typeof VICTIM_SEXES)[number];

export const VICTIM_GROUPS = ['civilian', 'military', 'deminer', 'unknown'] as const;
export type VictimGroup = (typeof VICTIM_GROUPS)[number];

export const DISPLACEMENT_STATUSES = ['resident', 'idp', 'returnee', 'refugee', 'unknown'] as const;
export type DisplacementStatus = (typeof DISPLACEMENT_STATUSES)[number];
