/** The fleet's load states (`/v1/admin/system/state`): NORMAL, or DEGRADED (low tiers shed hard). */
export const LOAD_STATES = ['NORMAL', 'DEGRADED'] as const;
export type LoadState = (typeof LOAD_STATES)[number];
