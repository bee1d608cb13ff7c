/** Blocks, the allow list, and the limiter's caller gate built on them and on API keys. */
export {
  AccessLists,
  ALLOW_TYPES,
  AllowList,
  type AccessCaller,
  type AccessVerdict,
  type ActiveBlock,
  type AllowType,
  BLOCK_TYPES,
  BlockList,
  type BlockType,
} from './access-lists.js';
export { AccessGate, type AccessGateOptions, type AccessGateSources } from './access-gate.js';
export type { AllowEntryResponse, BlockResponse } from './access-responses.js';
export { accessValue } from './access-value.js';
export { AccessModule, type AccessModuleConfig } from './access.module.js';
export {
  DEFAULT_API_KEY_BLOCK_MS,
  DEFAULT_API_KEY_FAILURE_LIMIT,
  DEFAULT_API_KEY_FAILURE_WINDOW_MS,
  type AccessModuleOptions,
} from './access.options.js';
export { ALLOWLIST_PATH, AllowlistController } from './allowlist.controller.js';
export { AllowlistRepository } from './allowlist.repository.js';
export { API_KEY_FAILURE_POLICY_NAME, ApiKeyFailures, CALLER_KEY_FAILURE_POLICY_NAME } from './api-key-failures.js';
export { BLOCKS_PATH, BlocksController } from './blocks.controller.js';
export { BlocksRepository, type NewBlock } from './blocks.repository.js';
export { CallerAccessLists } from './caller-access-lists.js';
export { CreateAllowEntryDto } from './dto/create-allow-entry.dto.js';
export { CreateBlockDto, MAX_BLOCK_MS, MIN_BLOCK_MS } from './dto/create-block.dto.js';
export { formatIpRange, IpRangeMap, parseIpRange, type IpRange } from './ip-ranges.js';
export { ServiceCallerGate } from './service-caller-gate.js';
