// The providers standing keeps a member's status at, in the order their commands go out (spec
// section 7). Plain data without zod, so machines/ may use it at run time.
export const providerNames = ['m1', 'mls', 'lockbox'] as const;

export type ProviderName = (typeof providerNames)[number];
