/** The fleet's load state (NORMAL / DEGRADED): the admin API, this node's copy, automatic switching. */
export { PutSystemStateDto } from './dto/put-system-state.dto.js';
export { LOAD_SHEDDING_OPTIONS, LoadShedder, type LoadSheddingOptions } from './load-shedder.js';
export { LoadSignal, type LoadSample } from './load-signal.js';
export {
  compileSystemState,
  LOAD_STATES,
  type LoadState,
  type SystemStateResponse,
  toSystemStateResponse,
} from './system-state.js';
export { SystemStateController } from './system-state.controller.js';
export { SystemStateHolder } from './system-state.holder.js';
export { SystemStateRepository } from './system-state.repository.js';
export { SystemModule, type SystemModuleConfig } from './system.module.js';
