import { Inject, Injectable, Optional, RequestMethod, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { METHOD_METADATA } from '@nestjs/common/constants.js';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import { type Awaitable, whenReady } from './awaitable.js';
import { CallerGate, type CallerQuery, type CallerVerdict, LIMIT_AS_USUAL } from './caller-gate.js';
import type { DecisionOrigin, RateLimitDecision } from './decision.js';
import { rateLimitHeaders, resolveHeaderOptions } from './headers/rate-limit-headers.js';
import { ClientIdentity } from './identity/client-identity.js';
import { compileRateLimit, type CompiledRateLimit } from './policy/compile-policy.js';
import { compileModuleDefault } from './policy/default-policy.resolver.js';
import { PolicyResolver } from './policy/policy-resolver.js';
import type { RateLimitPolicy } from './policy/rate-limit-policy.js';
import { RATE_LIMIT_METADATA, RATE_LIMIT_OPTIONS, SKIP_RATE_LIMIT_METADATA } from './rate-limit.constants.js';
import { callerRefusalHeaders, callerRefusedException, rateLimitException } from './rate-limit.exception.js';
import { declarationSource } from './rate-limit.explorer.js';
import type { HeaderOptions, KeySource, RateLimitModuleOptions, RateLimitOptions } from './rate-limit.options.js';
import { RateLimiter } from './rate-limiter.js';

/** What the metadata says about one handler of one controller; read once, then cached. */
export interface RouteLimit {
  /** `@SkipRateLimit()` on the handler or its controller: never limited. */
  readonly skip: boolean;
  /** The handler's (else its controller's) compiled `@RateLimit()`. */
  readonly declared: CompiledRateLimit | undefined;
  /** The HTTP method the handler is declared for; undefined for `@All()` (the request's is used). */
  readonly method: string | undefined;
}

const GUARD: DecisionOrigin = Object.freeze({ entry: 'guard' });
/** The header an API key arrives in (lower-cased, as Node gives headers). */
const API_KEY_HEADER = 'x-api-key';

/** The Node.js response (Fastify's `reply.raw`, Express's `res`), as far as settling needs it. */
interface ResponseEvents {
  readonly statusCode: number;
  readonly writableFinished: boolean;
  once(event: 'finish' | 'close', listener: () => void): unknown;
}

/** The parts of a Fastify or Express request the caller gate is asked about. */
interface GatedRequest {
  readonly ip?: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

type Controller = ReturnType<ExecutionContext['getClass']>;
type Handler = ReturnType<ExecutionContext['getHandler']>;

/** The parts of a Fastify or Express request that locate the matched route. */
interface RoutedRequest {
  readonly method: string;
  /** Fastify: the matched route's options (`url` is its template path). */
  readonly routeOptions?: { readonly url?: string };
  /** Express: the matched route (its `path` relative to `baseUrl`). */
  readonly route?: { readonly path?: unknown };
  readonly baseUrl?: string;
}

/**
 * Enforces `@RateLimit()` and the module's `default`: registered app-wide by `RateLimitModule`
 * (`global: true`, the default), or applied with `@UseGuards(RateLimitGuard)` (`global: false`).
 * With a `CallerGate` (the module's `callerGate` option), the gate first refuses, exempts, or
 * names the caller's tier.
 *
 * Each step is a protected method, so a subclass can change one (how a route is named, who a
 * client is, how a refusal looks) and keep the rest.
 *
 * @publicApi
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  protected readonly identity: ClientIdentity;
  protected readonly headerOptions: Required<HeaderOptions>;
  private readonly fallback: CompiledRateLimit | undefined;
  private readonly routes = new WeakMap<Controller, WeakMap<Handler, RouteLimit>>();

  constructor(
    @Inject(Reflector) protected readonly reflector: Reflector,
    @Inject(RateLimiter) protected readonly limiter: RateLimiter,
    @Inject(PolicyResolver) protected readonly resolver: PolicyResolver,
    @Inject(HttpAdapterHost) protected readonly adapterHost: HttpAdapterHost,
    @Inject(RATE_LIMIT_OPTIONS) options: RateLimitModuleOptions,
    @Optional() @Inject(CallerGate) protected readonly gate?: CallerGate,
  ) {
    this.identity = new ClientIdentity(options.ipv6Subnet);
    this.headerOptions = resolveHeaderOptions(options.headers);
    this.fallback = compileModuleDefault(options);
  }

  /**
   * Decides the request: true to let it through (headers set), else rejects with the refusal (429,
   * 503). Synchronous when the decision is (the memory store, a cached denial): no promise to wait for.
   */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const route = this.routeOf(context);
    if (route.skip) return true;
    const path = this.resourceOf(context, route);
    const declared = route.declared?.policyFor(path);
    // The route's name (its `name` option, else "METHOD /path") is what admin rules target.
    const resource = declared?.name ?? path;
    const verdict = this.gate === undefined ? LIMIT_AS_USUAL : this.gate.check(this.callerOf(context, resource));
    if (verdict.kind === 'exempt') return true;
    // Refusals are rejected, not thrown: thrown from here through Nest's frames, a refusal cost the
    // node 3 to 14 us more CPU than an async guard's rejection (pinned A/B runs, cached denials).
    if (verdict.kind === 'refused') return Promise.reject(this.refuseCaller(context, verdict));
    const policy = this.resolver.resolve(
      verdict.tier === undefined ? { resource, declared } : { resource, declared, tier: verdict.tier },
    );
    if (policy === undefined) return true;
    const limit = route.declared ?? this.fallback;
    const decision = this.evaluate(context, policy, limit);
    if (decision instanceof Promise) return decision.then((made) => this.conclude(context, made, policy));
    if (decision.allowed) return this.conclude(context, decision, policy);
    this.applyHeaders(context, decision, policy);
    return Promise.reject(this.refuse(decision));
  }

  /** Sets the decision's headers, then lets the request through or throws its refusal. */
  protected conclude(context: ExecutionContext, decision: RateLimitDecision, policy: RateLimitPolicy): boolean {
    this.applyHeaders(context, decision, policy);
    if (!decision.allowed) throw this.refuse(decision);
    return true;
  }

  /** The route's `@SkipRateLimit()` / `@RateLimit()` (handler first, then controller), cached. */
  protected routeOf(context: ExecutionContext): RouteLimit {
    const controller = context.getClass();
    const handler = context.getHandler();
    let byHandler = this.routes.get(controller);
    if (byHandler === undefined) {
      byHandler = new WeakMap();
      this.routes.set(controller, byHandler);
    }
    let route = byHandler.get(handler);
    if (route === undefined) {
      route = this.readRoute(controller, handler);
      byHandler.set(handler, route);
    }
    return route;
  }

  /**
   * The resource a route is limited as: `@RateLimit({ name })` if given, else `"METHOD /template/path"`
   * (the path the route was declared with, never the raw URL, so `/users/1` and `/users/2` share
   * `GET /users/:id`).
   */
  protected resourceOf(context: ExecutionContext, route: RouteLimit): string {
    const request = context.switchToHttp().getRequest<RoutedRequest>();
    const path = templatePath(request) ?? `${context.getClass().name}.${context.getHandler().name}`;
    return `${route.method ?? request.method} ${path}`;
  }

  /**
   * Who the request counts against and how much it costs, then one limiter decision; what the
   * response must still settle (a concurrency slot, a unit that does not count) is arranged here.
   */
  protected evaluate(
    context: ExecutionContext,
    policy: RateLimitPolicy,
    limit: CompiledRateLimit | undefined,
  ): Awaitable<RateLimitDecision> {
    const identity = this.identify(context, limit?.key ?? 'ip');
    const cost = limit === undefined ? 1 : limit.cost(context);
    const decision = this.limiter.consumeNow(policy, identity, cost, this.originOf(context));
    if (policy.algorithm !== 'concurrency' && policy.countOnly === undefined) return decision;
    return whenReady(decision, (made) => {
      if (made.allowed && (made.leaseId !== undefined || policy.countOnly !== undefined)) {
        this.settleWhenDone(context, policy, identity, cost, made);
      }
      return made;
    });
  }

  /**
   * Once the response is finished (or the connection closed before it was): frees the request's
   * concurrency slot, and gives back its unit when the policy counts only failed or only succeeded
   * responses and this one is not of that kind (a response that never finished counts as neither).
   * Reserving first and refunding after is what keeps a burst from slipping through while
   * responses are pending.
   */
  protected settleWhenDone(
    context: ExecutionContext,
    policy: RateLimitPolicy,
    identity: string,
    cost: number,
    decision: RateLimitDecision,
  ): void {
    const response = context.switchToHttp().getResponse<{ raw?: ResponseEvents } & ResponseEvents>();
    const raw = response.raw ?? response;
    let settled = false;
    const settle = () => {
      if (settled) return;
      settled = true;
      if (decision.leaseId !== undefined) void this.limiter.release(policy, identity, decision.leaseId);
      const { countOnly } = policy;
      if (countOnly === undefined) return;
      const failed = raw.statusCode >= 400;
      const counts = raw.writableFinished && (countOnly === 'failed' ? failed : !failed);
      if (!counts) void this.limiter.refund(policy, identity, decision, cost);
    };
    raw.once('finish', settle);
    raw.once('close', settle);
  }

  /** Labels the decision's metrics and trace span: the guard, and the request's id where the adapter has one. */
  protected originOf(context: ExecutionContext): DecisionOrigin {
    // Fastify's request id (the service makes it the correlation id); Express has none by default.
    const { id } = context.switchToHttp().getRequest<{ id?: unknown }>();
    return typeof id === 'string' ? { entry: 'guard', correlationId: id } : GUARD;
  }

  protected identify(context: ExecutionContext, key: KeySource): string {
    return this.identity.of(key, context);
  }

  /** Sets the decision's headers through the HTTP adapter, so Fastify and Express both work. */
  protected applyHeaders(context: ExecutionContext, decision: RateLimitDecision, policy: RateLimitPolicy): void {
    const response: unknown = context.switchToHttp().getResponse();
    const adapter = this.adapterHost.httpAdapter;
    for (const [name, value] of rateLimitHeaders(decision, this.headerOptions, policy)) {
      adapter.setHeader(response, name, value);
    }
  }

  /** The error thrown for a refused decision: 429, or 503 when failed closed. */
  protected refuse(decision: RateLimitDecision): Error {
    return rateLimitException(decision);
  }

  /** What the `CallerGate` is asked about: the adapter's client address and the `X-API-Key` header. */
  protected callerOf(context: ExecutionContext, resource: string): CallerQuery {
    const request = context.switchToHttp().getRequest<GatedRequest>();
    const apiKey = request.headers[API_KEY_HEADER];
    return { ip: request.ip, apiKey: Array.isArray(apiKey) ? apiKey[0] : apiKey, resource };
  }

  /** The error (and headers) for a caller the gate refused: blocked, or an invalid API key. */
  protected refuseCaller(context: ExecutionContext, verdict: Extract<CallerVerdict, { kind: 'refused' }>): Error {
    const response: unknown = context.switchToHttp().getResponse();
    for (const [name, value] of callerRefusalHeaders(verdict)) {
      this.adapterHost.httpAdapter.setHeader(response, name, value);
    }
    return callerRefusedException(verdict);
  }

  private readRoute(controller: Controller, handler: Handler): RouteLimit {
    const targets = [handler, controller];
    const skip = this.reflector.getAllAndOverride<boolean | undefined>(SKIP_RATE_LIMIT_METADATA, targets) === true;
    const ownOptions = this.reflector.get<RateLimitOptions | undefined, string>(RATE_LIMIT_METADATA, handler);
    const classOptions = this.reflector.get<RateLimitOptions | undefined, string>(RATE_LIMIT_METADATA, controller);
    let declared: CompiledRateLimit | undefined;
    if (ownOptions !== undefined) declared = compileRateLimit(ownOptions, declarationSource(controller, handler.name));
    else if (classOptions !== undefined) declared = compileRateLimit(classOptions, declarationSource(controller));
    const method = this.reflector.get<RequestMethod | undefined, string>(METHOD_METADATA, handler);
    const methodName = method === undefined || method === RequestMethod.ALL ? undefined : RequestMethod[method];
    return { skip, declared, method: methodName };
  }
}

/** The matched route's template path on Fastify (`routeOptions.url`) or Express (`baseUrl` + `route.path`). */
function templatePath(request: RoutedRequest): string | undefined {
  const fastifyUrl = request.routeOptions?.url;
  if (typeof fastifyUrl === 'string') return fastifyUrl;
  const expressPath = request.route?.path;
  if (typeof expressPath === 'string') return `${request.baseUrl ?? ''}${expressPath}`;
  return undefined;
}
