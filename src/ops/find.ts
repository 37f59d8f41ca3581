/**
 * The code values of an explosive ordnance find, the same words in SQL, TypeScript, the API and
 * exchange files (see the domain primer).
 */
export const FIND_CATEGORIES = ['ap_mine', 'at_mine', 'uxo', 'axo', 'submunition', 'ied'] as const;
export type FindCategory = (typeof FIND_CATEGORIES)[number];

export const FIND_CONDITIONS = ['armed', 'unarmed', 'damaged', 'deteriorated', 'unknown'] as const;
export type FindCondition = (typeof FIND_CONDITIONS)[number];

export const DISPOSAL_METHODS = ['destroyed_in_situ', 'removed_and_destroyed', 'rendered_safe', 'removed_for_storage'] as const;
export type DisposalMethod = (typeof DISPOSAL_METHODS)[number];

export const METAL_CONTENTS = ['minimum', 'low', 'high'] as const;
export type MetalContent = (typeof METAL_CONTENTS)[number];
