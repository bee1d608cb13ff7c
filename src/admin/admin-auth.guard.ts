import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import { type RateLimitDecision } from '../limiter/index.js';
import { rateLimitException } from '../limiter/rate-limit.exception.js';
import { rememberActor } from './admin-actor.js';
import { AdminAuthFailures, type AdminClient } from './admin-auth-failures.js';
import { AdminTokens } from './admin-tokens.js';
import { ADMIN_ACCESS_METADATA, ADMIN_REALM } from './admin.constants.js';
import { adminForbidden, adminUnauthorized } from './admin.exceptions.js';
import type { AdminAccess, AdminActorName } from './admin.options.js';
import { readCredential } from './authorization-header.js';

/** The parts of a Fastify or Express request the guard reads. */
interface AdminRequest {
  readonly ip?: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

const UNAUTHORIZED_MESSAGES = {
  missing: 'Admin routes need an Authorization: Bearer <token> header',
  malformed: 'The Authorization header must be Bearer <token>',
  wrong: 'The admin token is not valid',
} as const;

/**
 * Guards `@AdminRoute()` handlers: refuses clients with too many failed attempts (429), then
 * authenticates `Authorization: Bearer <token>` (401), then checks the route's access (403).
 * Applied by `@AdminRoute()`; rarely used directly.
 */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(AdminTokens) private readonly tokens: AdminTokens,
    @Inject(AdminAuthFailures) private readonly failures: AdminAuthFailures,
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return false;
    const request = context.switchToHttp().getRequest<AdminRequest>();
    const client = this.failures.clientOf(request.ip);
    const refusal = await this.failures.refusalFor(client);
    if (refusal !== undefined) throw this.refuse(context, refusal);
    const actor = await this.authenticate(context, request, client);
    if (actor === 'admin-readonly' && this.accessOf(context) === 'write') {
      throw adminForbidden('The read-only admin token cannot make changes');
    }
    rememberActor(request, actor);
    return true;
  }

  /** Who the request's token belongs to; a failure is counted, then answered 401 (or 429). */
  private async authenticate(
    context: ExecutionContext,
    request: AdminRequest,
    client: AdminClient,
  ): Promise<AdminActorName> {
    const credential = readCredential(request.headers.authorization);
    const actor = credential.kind === 'bearer' ? this.tokens.actorOf(credential.token) : undefined;
    if (actor !== undefined) return actor;
    const reason = credential.kind === 'bearer' ? 'wrong' : credential.kind;
    const refusal = await this.failures.recordFailure(client, reason);
    if (refusal !== undefined) throw this.refuse(context, refusal);
    this.setHeader(context, 'WWW-Authenticate', `Bearer realm="${ADMIN_REALM}"`);
    throw adminUnauthorized(UNAUTHORIZED_MESSAGES[reason]);
  }

  /** The route's `@AdminRoute()` access; `write` (the stricter) if the guard was applied without it. */
  private accessOf(context: ExecutionContext): AdminAccess {
    return (
      this.reflector.getAllAndOverride<AdminAccess | undefined>(ADMIN_ACCESS_METADATA, [
        context.getHandler(),
        context.getClass(),
      ]) ?? 'write'
    );
  }

  private refuse(context: ExecutionContext, decision: RateLimitDecision): Error {
    for (const [name, value] of this.failures.headersOf(decision)) this.setHeader(context, name, value);
    return rateLimitException(decision);
  }

  /** Through the HTTP adapter, so Fastify and Express both work. */
  private setHeader(context: ExecutionContext, name: string, value: string): void {
    this.adapterHost.httpAdapter.setHeader(context.switchToHttp().getResponse(), name, value);
  }
}
