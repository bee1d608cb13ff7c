import type { SystemState } from '../db/index.js';
// The file itself, not the rules module's index: library apps (ControlPlaneClient) compile the
// state without loading the rules' database side.
import { LOAD_STATES, type LoadState } from '../rules/load-state.js';
import type { SystemStateResponse } from './dto/system-state.response.js';

export { LOAD_STATES, type LoadState };

/** The rules snapshot's section the state is compiled from (`SnapshotLoad.sections`). */
export const SYSTEM_STATE_SECTION = 'system_state';

// Only the type: library apps compile the state without the document's decorators.
export type { SystemStateResponse };

export function toSystemStateResponse(row: SystemState): SystemStateResponse {
  return {
    state: row.state as LoadState,
    reason: row.reason,
    changedBy: row.changedBy,
    changedAt: row.changedAt.toISOString(),
  };
}

/** The stored state row as a node enforces it; throws on a state this version does not know. */
export function compileSystemState(row: SystemState): SystemStateResponse {
  if (!(LOAD_STATES as readonly string[]).includes(row.state)) throw new Error(`unknown state "${row.state}"`);
  return toSystemStateResponse(row);
}
