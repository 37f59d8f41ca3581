/**
 * Which parts of a report are victims' identities (restricted personal data) and who may keep
 * them on the device: pure rules, without the browser, so that they are tested as such.
 */

export const RESTRICTED_READ = 'restricted.read';

/** The parts of a victim that identify a person (src/casualties/rules.ts, VictimIdentityPayload). */
export interface VictimIdentity {
  fullName: string | null;
  dateOfBirth: string | null;
  address: string | null;
  contact: string | null;
}

/**
 * Takes victims' identities out of an accident's payload: the payload without them, and them by
 * victim index. Only accidents carry identities.
 */
export function splitIdentities(entityType: string, payload: Record<string, unknown>): { payload: Record<string, unknown>; identities: Record<number, VictimIdentity> } {
  const identities: Record<number, VictimIdentity> = {};
  if (entityType !== 'accident' || !Array.isArray(payload.victims)) return { payload, identities };
  const victims = (payload.victims as Record<string, unknown>[]).map((victim, index) => {
    if (!('identity' in victim)) return victim;
    const { identity, ...rest } = victim;
    if (identity) identities[index] = identity as VictimIdentity;
    return rest;
  });
  return { payload: { ...payload, victims }, identities };
}

/** Puts opened identities back in the payload, each on its victim. */
export function joinIdentities(payload: Record<string, unknown>, identities: Record<number, VictimIdentity>): Record<string, unknown> {
  if (!Array.isArray(payload.victims)) return payload;
  const victims = (payload.victims as Record<string, unknown>[]).map((victim, index) => (identities[index] ? { ...victim, identity: identities[index] } : victim));
  return { ...payload, victims };
}

/** The device keeps identities only for a person who may read them back. */
export function refuseIdentities(identities: Record<number, VictimIdentity>, author: string, permissions: readonly string[]): string | null {
  if (Object.keys(identities).length === 0 || permissions.includes(RESTRICTED_READ)) return null;
  return `${author} may not keep victims' identities on this device (restricted.read is needed); victim ${Number(Object.keys(identities)[0]) + 1} has some`;
}
