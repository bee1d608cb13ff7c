/** Admin authentication: `AdminModule`, `@AdminRoute()` and `@AdminActor()`. */
export { actorOf } from './admin-actor.js';
export { AdminAuthFailures, adminFailurePolicy, type AdminClient, type FailureReason } from './admin-auth-failures.js';
export { AdminAuthGuard } from './admin-auth.guard.js';
export { AdminTokens, tokenDigest, tokenMatches } from './admin-tokens.js';
export { type Credential, readCredential } from './authorization-header.js';
export {
  ADMIN_ACCESS_METADATA,
  ADMIN_FAILURE_POLICY_NAME,
  ADMIN_OPTIONS,
  ADMIN_REALM,
  DEFAULT_FAILURE_WINDOW_MS,
  DEFAULT_MAX_FAILURES,
} from './admin.constants.js';
export { AdminActor, AdminRoute } from './admin.decorator.js';
export type { AdminErrorBody } from './admin.exceptions.js';
export { ADMIN_ASYNC_OPTIONS_TYPE, ADMIN_OPTIONS_TYPE } from './admin.module-definition.js';
export { AdminModule } from './admin.module.js';
export type { AdminAccess, AdminActorName, AdminModuleOptions } from './admin.options.js';
