/** Injection token of the options given to `AdminModule.forRoot()` / `forRootAsync()`. */
export const ADMIN_OPTIONS = Symbol('AdminModuleOptions');

/** Metadata key of the access an `@AdminRoute()` requires. */
export const ADMIN_ACCESS_METADATA = 'floodgate:admin-access';

/** The realm named in `WWW-Authenticate` on every 401 from an admin route. */
export const ADMIN_REALM = 'floodgate-admin';

/** Name of the limiter policy that counts failed admin authentications per client IP. */
export const ADMIN_FAILURE_POLICY_NAME = 'admin-auth-failures';

/** Failed attempts one IP may make per window before all its admin requests are refused. */
export const DEFAULT_MAX_FAILURES = 10;

/** The window `maxFailures` is counted over. */
export const DEFAULT_FAILURE_WINDOW_MS = 60_000;
