/** Admin rules without the database: their body and its validation, compilation, resolution. */
export { CreateRuleDto } from './dto/create-rule.dto.js';
export { RuleLimitDto } from './dto/rule-limit.dto.js';
export { RuleMatchDto } from './dto/rule-match.dto.js';
export { UpdateRuleDto } from './dto/update-rule.dto.js';
export { ResourcePattern } from './resource-pattern.js';
export {
  MAX_CLIENT_ID_LENGTH,
  MAX_DESCRIPTION_LENGTH,
  MAX_PRIORITY,
  MAX_RESOURCE_LENGTH,
  MAX_RULE_LIMIT,
  MAX_RULE_WINDOW_MS,
  MAX_TIER_LENGTH,
  RULE_NAME_PATTERN,
  type RuleBody,
  type RuleInput,
  type RuleMatch,
  type RulePatch,
  type StoredRule,
} from './rule.js';
export { RulesPolicyResolver } from './rules-policy.resolver.js';
export {
  type DefaultPolicy,
  InvalidStoredRuleError,
  type PolicySource,
  RulesSnapshot,
  type RulesSnapshotOptions,
} from './rules-snapshot.js';
export { type RuleValidation, validateRuleBody } from './validate-rule-body.js';
