/** Who is at or over a limit right now: the nodes' notes, the fleet's board, `/v1/admin/over-limit`. */
export {
  MAX_OVER_LIMIT_ENTRIES,
  MemoryOverLimitBoard,
  OverLimitBoard,
  type OverLimitEntry,
  type OverLimitBoardPage,
  RedisOverLimitBoard,
} from './over-limit-board.js';
export { OverLimitController } from './over-limit.controller.js';
export { OverLimitModule, type OverLimitModuleOptions } from './over-limit.module.js';
export { OVER_LIMIT_POST_INTERVAL_MS, OverLimitTracker } from './over-limit.tracker.js';
