import { applyDecorators, createParamDecorator, SetMetadata, UseGuards, type ExecutionContext } from '@nestjs/common';
import { SkipRateLimit } from '../limiter/index.js';
import { actorOf } from './admin-actor.js';
import { AdminAuthGuard } from './admin-auth.guard.js';
import { ADMIN_ACCESS_METADATA } from './admin.constants.js';
import type { AdminAccess, AdminActorName } from './admin.options.js';

/**
 * Makes a route (or every route of a controller) an admin route: it needs an admin token, and
 * `write` routes need the full (not the read-only) token. Admin routes are exempt from the
 * limiter's rules; their own brute-force protection is inside the guard. The controller's module
 * must import `AdminModule`.
 *
 * @example
 * \@AdminRoute('write')
 * \@Post()
 * create(\@Body() body: RuleBody, \@AdminActor() actor: AdminActorName) {}
 */
export function AdminRoute(access: AdminAccess): ClassDecorator & MethodDecorator {
  if (access !== 'read' && access !== 'write') {
    throw new Error(`@AdminRoute() access must be 'read' or 'write', got ${String(access)}`);
  }
  return applyDecorators(SetMetadata(ADMIN_ACCESS_METADATA, access), UseGuards(AdminAuthGuard), SkipRateLimit());
}

/**
 * The authenticated actor of an `@AdminRoute()` request: `'admin'` or `'admin-readonly'` (the
 * audit log's "who").
 */
export const AdminActor = createParamDecorator((_data: unknown, context: ExecutionContext): AdminActorName => {
  const actor = actorOf(context.switchToHttp().getRequest<object>());
  if (actor === undefined) throw new Error('@AdminActor() is only available on @AdminRoute() routes');
  return actor;
});
