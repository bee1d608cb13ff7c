/** Admin rules: their body and its validation, compilation and resolution, storage, REST API and hot reload. */
export { CreateRuleDto } from './dto/create-rule.dto.js';
export { RuleLimitDto } from './dto/rule-limit.dto.js';
export { RuleMatchDto } from './dto/rule-match.dto.js';
export { UpdateRuleDto } from './dto/update-rule.dto.js';
export { type DescriptorEntry, DescriptorRules } from './descriptor-rules.js';
export { LOAD_STATES, type LoadState } from './load-state.js';
export { ResourcePattern } from './resource-pattern.js';
export {
  MAX_CLIENT_ID_LENGTH,
  MAX_DESCRIPTION_LENGTH,
  MAX_DESCRIPTOR_ENTRIES,
  MAX_DESCRIPTOR_KEY_LENGTH,
  MAX_DESCRIPTOR_VALUE_LENGTH,
  MAX_DOMAIN_LENGTH,
  MAX_PRIORITY,
  MAX_RESOURCE_LENGTH,
  MAX_RULE_LIMIT,
  MAX_RULE_WINDOW_MS,
  MAX_TIER_LENGTH,
  RULE_NAME_PATTERN,
  type RuleBody,
  type RuleDescriptorEntry,
  type RuleInput,
  type RuleMatch,
  type RulePatch,
  type StoredRule,
} from './rule.js';
export { OutboxPublisher } from './outbox-publisher.js';
export { RedisRulesResolver, type RedisRulesResolverOptions } from './redis-rules.resolver.js';
export {
  type CounterReset,
  DEFAULT_RULES_CHANNEL,
  RulesBus,
  type RulesBusListener,
  type RulesBusOptions,
} from './rules-bus.js';
export { RulesPolicyResolver } from './rules-policy.resolver.js';
export { RulesSnapshotPublisher } from './rules-snapshot.publisher.js';
export { RulesSubscriber } from './rules-subscriber.js';
export {
  type DefaultPolicy,
  type InvalidRule,
  type PolicySource,
  RulesSnapshot,
  type RulesSnapshotOptions,
} from './rules-snapshot.js';
export { type RuleValidation, validateRuleBody } from './validate-rule-body.js';
export {
  type RuleAction,
  type RuleHistoryEntry,
  type RuleResponse,
  type RuleWriteResponse,
  toRuleResponse,
  toStoredRule,
} from './rule-response.js';
export { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../http/list-query.js';
export { parseIfMatch, parseRuleId } from './rules-request.js';
export { RULES_BUS, RULES_OPTIONS } from './rules.constants.js';
export { RULES_PATH, RulesController } from './rules.controller.js';
export {
  InvalidRuleInputException,
  RuleNameTakenException,
  RuleNotFoundException,
  RulesStorageUnavailableException,
  StaleRuleVersionException,
} from './rules.exceptions.js';
export { RULES_ASYNC_OPTIONS_TYPE, RULES_OPTIONS_TYPE } from './rules.module-definition.js';
export { RulesModule } from './rules.module.js';
export {
  DEFAULT_OUTBOX_INTERVAL_MS,
  DEFAULT_RULES_REFRESH_INTERVAL_MS,
  type RulesModuleOptions,
} from './rules.options.js';
export {
  type InvalidSnapshotEntry,
  RulesRefresher,
  type RulesStaleness,
  type SnapshotReadResult,
} from './rules.refresher.js';
export { isStorageUnavailable } from './storage-unavailable.js';
export { type SnapshotChange, SnapshotWrites, storageError } from './snapshot-writes.js';
export type { InvalidRowHandler, SnapshotSection } from './snapshot-section.js';
export {
  type RuleList,
  type RuleListQuery,
  RulesRepository,
  type RulesLoad,
  type SnapshotLoad,
} from './rules.repository.js';
