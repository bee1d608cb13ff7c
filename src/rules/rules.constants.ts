/** Injection token of `RulesModuleOptions`. */
export const RULES_OPTIONS = Symbol('RULES_OPTIONS');
