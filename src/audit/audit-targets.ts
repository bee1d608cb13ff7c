/** What was changed: the kinds of admin write besides rules (which keep `rule_audit`). */
export const AUDIT_TARGETS = ['api_key', 'block', 'allowlist', 'system_state', 'counters'] as const;
export type AuditTarget = (typeof AUDIT_TARGETS)[number];
