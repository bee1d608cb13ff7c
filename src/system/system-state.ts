import type { SystemState } from '../db/index.js';

import type { LoadState } from '../rules/index.js';

export { LOAD_STATES, type LoadState } from '../rules/index.js';

/** `GET /v1/admin/system/state`'s answer. */
export interface SystemStateResponse {
  readonly state: LoadState;
  readonly reason: string | null;
  /** The admin actor, or `auto` for a switch made by the load signal. */
  readonly changedBy: string;
  readonly changedAt: string;
}

export function toSystemStateResponse(row: SystemState): SystemStateResponse {
  return {
    state: row.state as LoadState,
    reason: row.reason,
    changedBy: row.changedBy,
    changedAt: row.changedAt.toISOString(),
  };
}
