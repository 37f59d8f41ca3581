/**
 * What an accident report holds and how a reader sees it. Victims' identifying details (name,
 * date of birth, address, contact) are restricted personal data: they arrive under
 * `victims[].identity` and are withheld from readers without restricted.read.
 */
import { z } from 'zod';
import type { Actor } from '../access/permissions.ts';
import { count, PastDate, PastDateAsKnown, PointGeometry, Text } from '../ops/rules.ts';
import { DEVICE_CATEGORIES, DISPLACEMENT_STATUSES, VICTIM_GROUPS, VICTIM_OUTCOMES, VICTIM_SEXES } from './accident.ts';

/** Restricted: written to victim_identity only, never read back by the handler. */
export const VictimIdentityPayload = z.strictObject({
  fullName: z.string().trim().min(1).max(500).nullable().optional(),
  dateOfBirth: PastDate.nullable().optional(),
  address: z.string().trim().min(1).max(2000).nullable().optional(),
  contact: z.string().trim().min(1).max(500).nullable().optional(),
});

const Age = count(0).refine((a) => a <= 120, { error: (issue) => `${JSON.stringify(issue.input)} is not an age (0 to 120)` });

export const VictimPayload = z.strictObject({
  /** A victim already recorded for this accident; a victim without an id is new. */
  id: z.uuid().optional(),
  outcome: z.enum(VICTIM_OUTCOMES),
  sex: z.enum(VICTIM_SEXES).nullable().optional(),
  /** An exact age in whole years; a range is ageMin and ageMax instead. */
  age: Age.nullable().optional(),
  ageMin: Age.nullable().optional(),
  /** Null or left out with ageMin: an open range ("over 60"). */
  ageMax: Age.nullable().optional(),
  /** The age in the source's words ("menor de 18"). */
  ageReported: z.string().trim().min(1).max(100).nullable().optional(),
  victimGroup: z.enum(VICTIM_GROUPS),
  activityAtTime: z.string().trim().max(500).nullable().optional(),
  injuries: z.array(z.string().trim().min(1).max(200)).max(50).default([]),
  displacementStatus: z.enum(DISPLACEMENT_STATUSES).nullable().optional(),
  /** Left out: the recorded identity stays as it is; null: it is removed; an object: it replaces it. */
  identity: VictimIdentityPayload.nullable().optional(),
})
  .refine((v) => v.age == null || ((v.ageMin == null || v.ageMin === v.age) && (v.ageMax == null || v.ageMax === v.age)), {
    error: 'an exact age and a different range were both given; give one',
    path: ['ageMin'],
  })
  .refine((v) => v.ageMin == null || v.ageMax == null || v.ageMin <= v.ageMax, { error: 'ageMin is above ageMax', path: ['ageMin'] })
  .refine((v) => v.ageMax == null || v.ageMin != null, { error: 'a range needs its lower bound (0 for "under N")', path: ['ageMin'] });

export const AccidentPayload = z.strictObject({
  reference: Text(64),
  /** A day, a month (YYYY-MM) or a year (YYYY), as precisely as it is known. */
  occurredOn: PastDateAsKnown,
  geometry: PointGeometry.nullable().optional(),
  locationPrecisionM: z.number().min(0, { error: (issue) => `${JSON.stringify(issue.input)} is negative` }).nullable().optional(),
  adminAreaId: z.uuid().nullable().optional(),
  /** May be left out when the model is given: it is then the model's. */
  deviceCategory: z.enum(DEVICE_CATEGORIES).nullable().optional(),
  ordnanceModel: z.string().trim().min(1).max(200).nullable().optional(),
  deminingRelated: z.boolean().default(false),
  /** The activity of a demining accident; its operator owns the record. */
  activityId: z.uuid().nullable().optional(),
  description: z.string().max(10_000).nullable().optional(),
  source: Text(500),
  victims: z.array(VictimPayload).max(500).default([]),
});
export type AccidentPayload = z.infer<typeof AccidentPayload>;

/**
 * An accident report's payload as a reader may see it: victims' identifying details are withheld
 * from readers without restricted.read (the reports workflow shows payloads through this).
 */
export function accidentPayloadForReader(payload: Record<string, unknown>, reader: Actor): Record<string, unknown> {
  if (reader.permissions.has('restricted.read') || !Array.isArray(payload.victims)) return payload;
  return {
    ...payload,
    victims: payload.victims.map((victim: unknown) => {
      if (!victim || typeof victim !== 'object' || !('identity' in victim)) return victim;
      const { identity, ...rest } = victim as Record<string, unknown>;
      return identity === null ? { ...rest, identity: null } : { ...rest, identity: 'withheld' };
    }),
  };
}
