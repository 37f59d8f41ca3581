/**
 * The code values of an explosive ordnance find, the same words in SQL, TypeScript, the API and
 * exchange files (see the domain primer); its category is the ordnance catalogue's.
 */
export const FIND_CONDITIONS = ['armed', 'unarmed', 'damaged', 'deteriorated', 'unknown'] as const;
export type FindCondition = (typeof FIND_CONDITIONS)[number];

export const DISPOSAL_METHODS = ['destroyed_in_situ', 'removed_and_destroyed', 'rendered_safe', 'removed_for_storage'] as const;
export type DisposalMethod = (typeof DISPOSAL_METHODS)[number];
