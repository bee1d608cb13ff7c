/**
 * Options of `AdminModule.forRoot` / `forRootAsync`. Values arrive from the app's config (never
 * read from `process.env` here).
 *
 * @example
 * AdminModule.forRoot({ token: config.adminToken, readonlyToken: config.adminReadonlyToken })
 */
export interface AdminModuleOptions {
  /** Grants reads and writes (`ADMIN_TOKEN`). */
  token: string;
  /** Grants reads only (`ADMIN_READONLY_TOKEN`); must differ from `token`. */
  readonlyToken?: string;
  /** Failed attempts one client IP may make per `windowMs` before it is refused (429). Default 10. */
  maxFailures?: number;
  /** The window failed attempts are counted over, in ms. Default 60 000. */
  windowMs?: number;
}

/** What an admin route requires: `read` (either token) or `write` (the full token only). */
export type AdminAccess = 'read' | 'write';

/** Who made an authenticated admin request, as recorded in the audit log. */
export type AdminActorName = 'admin' | 'admin-readonly';
