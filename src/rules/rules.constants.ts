/** Injection token of `RulesModuleOptions`. */
export const RULES_OPTIONS = Symbol('RULES_OPTIONS');

/** Injection token of the module's `RulesBus`, or `null` when no Redis is configured. */
export const RULES_BUS = Symbol('RULES_BUS');
