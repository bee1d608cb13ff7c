import { performance } from 'node:perf_hooks';
import type { LimitSpec } from './algorithms.js';
import { type Awaitable, whenReady } from './awaitable.js';
import type { DecisionOrigin, DecisionOutcome, DecisionSource, FailMode, RateLimitDecision } from './decision.js';
import { chunkParts, type DecisionPart, distinctParts } from './decision-parts.js';
import { DenialCache } from './denial-cache.js';
import type { RateLimitPolicy } from './policy/rate-limit-policy.js';
import type { ConsumeRequest, ConsumeResult, RateLimitStore, StoreTarget } from './store/rate-limit.store.js';
import { BaseKeys, limitKey } from './store/store-key.js';
import { traceDecision, traceDecisions } from './tracing/decision-span.js';

/** The origin of a `consume()` call that names none. */
const DIRECT: DecisionOrigin = Object.freeze({ entry: 'direct' });

/** How a `RateLimiter` behaves around its store (the module builds them from its options). */
export interface RateLimiterSettings {
  /** Prefix of every store key. */
  readonly keyPrefix: string;
  /** What a store failure means: `open` lets the request through, `closed` refuses it (503). */
  readonly failMode: FailMode;
  /** Retry-After given with a fail-closed refusal. */
  readonly failClosedRetryAfterMs: number;
  /**
   * Only in fail-open mode: while the store fails, an in-process limiter enforces each limit
   * divided by this many nodes (at least 1 per window), so a failed store never means "unlimited".
   * 0 or undefined: no insurance.
   */
  readonly insuranceNodes?: number;
}

/** What the limiter does after a decision, on behalf of the request it decided on. */
export type StoreOperation = 'release' | 'refund';

/** Units one store call of `consumeAll` took, to give back when another call refused. */
interface Taken {
  readonly store: RateLimitStore;
  readonly request: ConsumeRequest;
  readonly consumedAtMs: number;
  /** The first part's policy, for `storeOperationFailed`. */
  readonly policy: RateLimitPolicy;
}

/** What one store call of `consumeAll` decided: a decision per part, and what it took. */
interface ChunkDecision {
  readonly decisions: readonly RateLimitDecision[];
  readonly taken: Taken | undefined;
}

/**
 * Told about decisions, for logs and metrics. `decided` runs once per decision (shadow and cached
 * ones included), on the request path: keep it to counter increments. `storeFailed` runs only when
 * the store failed.
 */
export interface RateLimiterObserver {
  /**
   * Every decision, with how long it took (ms, from before the denial cache to the answer) and who
   * it was for (`identity` as given to `consume`: keep it out of metric labels and span attributes).
   */
  decided?(
    policy: RateLimitPolicy,
    decision: RateLimitDecision,
    durationMs: number,
    origin: DecisionOrigin,
    identity: string,
  ): void;
  /** The store failed; `decision` is what the limiter answered instead (fail open/closed, insurance). */
  storeFailed?(error: unknown, policy: RateLimitPolicy, decision: RateLimitDecision): void;
  /**
   * A `release` or `refund` failed at the store. It was swallowed (the response it belongs to is
   * already decided and must not fail for it), so this is its only trace: count it. A failed
   * release keeps the slot until its lease expires; a failed refund keeps the units taken.
   */
  storeOperationFailed?(operation: StoreOperation, error: unknown, policy: RateLimitPolicy): void;
}

/**
 * The decision engine shared by the guard and `/v1/check`: one policy, one caller, one cost in,
 * one `RateLimitDecision` out. It never throws for a store failure: that becomes a fail-open or
 * fail-closed decision (or an insurance decision) according to the settings.
 *
 * @publicApi
 */
export class RateLimiter {
  private insuranceLimits = new WeakMap<RateLimitPolicy, readonly LimitSpec[]>();
  private readonly observers: RateLimiterObserver[] = [];
  /** The observers with a `decided` hook: the only ones called per decision. */
  private readonly decisionObservers: RateLimiterObserver[] = [];
  private insuranceNodes: number;
  private readonly keys: BaseKeys;

  constructor(
    private readonly store: RateLimitStore,
    private readonly settings: RateLimiterSettings,
    private readonly denials: DenialCache = new DenialCache(),
    private readonly insurance?: RateLimitStore,
  ) {
    this.insuranceNodes = settings.insuranceNodes ?? 0;
    this.keys = new BaseKeys(settings.keyPrefix);
  }

  /** Adds an observer (metrics, logs) told about every decision and store failure. */
  observe(observer: RateLimiterObserver): void {
    this.observers.push(observer);
    if (observer.decided !== undefined) this.decisionObservers.push(observer);
  }

  /**
   * Consumes `cost` units (an integer >= 0; 0 only reports) of `policy` for `identity`
   * (e.g. `ip:203.0.113.7`, `user:42`; hashed before it reaches the store). `origin` says who asked,
   * for metrics and the trace span (the decision runs in a `floodgate.decision` span when the
   * request is traced).
   */
  async consume(
    policy: RateLimitPolicy,
    identity: string,
    cost: number,
    origin: DecisionOrigin = DIRECT,
  ): Promise<RateLimitDecision> {
    return this.consumeNow(policy, identity, cost, origin);
  }

  /**
   * `consume`, answered synchronously when it can be: a decision of a store that decides in process
   * (`consumeNow`, the memory store) or a cached denial, untraced, is the decision itself; one that
   * waits for Redis is a promise. Never rejects or throws for a store failure, as `consume`. The
   * guard calls this, which spares those decisions a promise and a microtask at every layer.
   */
  consumeNow(
    policy: RateLimitPolicy,
    identity: string,
    cost: number,
    origin: DecisionOrigin = DIRECT,
  ): Awaitable<RateLimitDecision> {
    const decide = () => this.decide(policy, identity, cost);
    if (this.decisionObservers.length === 0) return traceDecision(policy, origin, decide);
    const started = performance.now();
    return whenReady(traceDecision(policy, origin, decide), (made) => {
      const durationMs = performance.now() - started;
      for (const observer of this.decisionObservers) observer.decided!(policy, made, durationMs, origin, identity);
      return made;
    });
  }

  private decide(policy: RateLimitPolicy, identity: string, cost: number): Awaitable<RateLimitDecision> {
    const key = this.keys.of(policy.name, identity);
    if (cost > 0) {
      const cached = this.denials.get(key, policy, cost);
      if (cached !== undefined) return cached;
    }
    const { algorithm, limits, penalty } = policy;
    const request = { key, algorithm, limits, cost, penalty };
    const store = this.store;
    if (store.consumeNow !== undefined) {
      let result: ConsumeResult;
      try {
        result = store.consumeNow(request);
      } catch (error) {
        return this.storeFailed(policy, key, cost, error);
      }
      return this.stored(policy, key, cost, result);
    }
    let pending: Promise<ConsumeResult>;
    try {
      pending = store.consume(request);
    } catch (error) {
      return this.storeFailed(policy, key, cost, error);
    }
    return pending.then(
      (result) => this.stored(policy, key, cost, result),
      (error: unknown) => this.storeFailed(policy, key, cost, error),
    );
  }

  private stored(policy: RateLimitPolicy, key: string, cost: number, result: ConsumeResult): RateLimitDecision {
    const decision = toDecision(policy, result, 'store');
    if (!result.allowed && cost > 0) this.denials.remember(key, policy, cost, decision);
    return decision;
  }

  private async storeFailed(
    policy: RateLimitPolicy,
    key: string,
    cost: number,
    error: unknown,
  ): Promise<RateLimitDecision> {
    const decision = await this.decideWithoutStore(policy, key, cost);
    for (const observer of this.observers) observer.storeFailed?.(error, policy, decision);
    return decision;
  }

  /**
   * Decides several policies for one request together, all or nothing (the descriptors of one
   * Envoy rate limit request): when any part refuses `cost`, nothing is taken from any, as with the
   * limits of one policy. One decision per part, in order.
   *
   * - Parts of one algorithm are one atomic store call while their limits fit in one (MAX_LIMITS in
   *   all): the usual request is a single call. Parts of another algorithm, or past that many
   *   limits, are calls of their own, and when one of them refuses, the units the others took are
   *   given back (`refund`): nothing stays taken, though other requests may see those units taken
   *   in between.
   * - A refused part is `limited`. A part that had room in a refused request is `allowed` with what
   *   it has left, and took nothing (no `decidedAt`).
   * - A shadow part is decided alone: it never refuses, nor makes the others refuse.
   * - A part repeated (the same policy name and identity: the same counters) is decided once, and
   *   each of its places gets that decision.
   * - A store failure decides the parts of that call by the fail mode (and insurance), as `consume`.
   *
   * The counters live under `group` (`groupedBaseKey`): all of a group's keys share one Redis
   * Cluster slot, which is what lets one script decide several of them. So a policy and identity
   * counted here do not share counters with `consume` for the same pair. There is no denial cache
   * on this path: every call asks the store.
   *
   * @throws RangeError for no parts, a bad cost, or a `concurrency` policy or one with a penalty (a
   *   lease and a block belong to one caller's consume).
   *
   * @example
   * const [byUser, byPath] = await limiter.consumeAll(
   *   [{ policy: perUser, identity: 'user=alice' }, { policy: perPath, identity: 'path=/search' }],
   *   1, 'envoy:shop', { entry: 'envoy' });
   */
  async consumeAll(
    parts: readonly DecisionPart[],
    cost: number,
    group: string,
    origin: DecisionOrigin = DIRECT,
  ): Promise<RateLimitDecision[]> {
    if (parts.length === 0) throw new RangeError('consumeAll takes at least one part');
    if (!Number.isInteger(cost) || cost < 0) throw new RangeError(`cost must be an integer >= 0, got ${cost}`);
    for (const { policy } of parts) {
      if (policy.algorithm === 'concurrency' || policy.penalty !== undefined) {
        const what = policy.penalty === undefined ? 'the concurrency algorithm' : 'a penalty';
        throw new RangeError(`consumeAll cannot decide "${policy.name}": a policy with ${what} is decided alone`);
      }
    }
    const started = performance.now();
    const { distinct, indexOf } = distinctParts(parts);
    const chunks = chunkParts(distinct);
    const decisions = new Array<RateLimitDecision>(distinct.length);
    const made = await Promise.all(
      chunks.map(async ({ parts: members }) => {
        const chunk = await this.decideChunk(
          members.map((i) => distinct[i]!),
          cost,
          group,
          origin,
        );
        members.forEach((i, j) => (decisions[i] = chunk.decisions[j]!));
        return chunk;
      }),
    );
    const refused = chunks.some((chunk) => !chunk.shadow && chunk.parts.some((i) => !decisions[i]!.allowed));
    if (refused) {
      // All or nothing across calls too: what the calls that had room took goes back.
      await Promise.all(
        chunks.map(async (chunk, c) => {
          const taken = made[c]!.taken;
          if (chunk.shadow || taken === undefined) return;
          await this.giveBack(taken);
          for (const i of chunk.parts) decisions[i] = givenBack(distinct[i]!.policy, decisions[i]!, cost);
        }),
      );
    }
    if (this.decisionObservers.length > 0) {
      const durationMs = performance.now() - started;
      distinct.forEach(({ policy, identity }, i) => {
        for (const observer of this.decisionObservers) {
          observer.decided!(policy, decisions[i]!, durationMs, origin, identity);
        }
      });
    }
    return indexOf.map((i) => decisions[i]!);
  }

  /** One store call of `consumeAll`: its parts' limits, each under its own key, all or nothing. */
  private async decideChunk(
    parts: readonly DecisionPart[],
    cost: number,
    group: string,
    origin: DecisionOrigin,
  ): Promise<ChunkDecision> {
    const limits: LimitSpec[] = [];
    const limitKeys: string[] = [];
    let key: string | undefined;
    const { algorithm } = parts[0]!.policy;
    for (const { policy, identity } of parts) {
      const base = this.keys.inGroup(group, policy.name, identity);
      key ??= base;
      for (const spec of policy.limits) {
        limits.push(spec);
        limitKeys.push(limitKey(base, algorithm, spec.windowMs));
      }
    }
    const request: ConsumeRequest = { key: key!, algorithm, limits, limitKeys, cost };
    let taken: Taken | undefined;
    const policies = parts.map((part) => part.policy);
    const decisions = await traceDecisions(policies, origin, async () => {
      let result: ConsumeResult;
      try {
        result = await this.store.consume(request);
      } catch (error) {
        const failed = await this.chunkWithoutStore(parts, request, error);
        taken = failed.taken;
        return failed.decisions;
      }
      if (result.allowed && cost > 0)
        taken = { store: this.store, request, consumedAtMs: result.nowMs, policy: policies[0]! };
      return splitResult(policies, result, cost, 'store');
    });
    return { decisions, taken };
  }

  /** `consumeAll`'s parts of one call decided without the store: insurance, else the fail mode. */
  private async chunkWithoutStore(
    parts: readonly DecisionPart[],
    request: ConsumeRequest,
    error: unknown,
  ): Promise<ChunkDecision> {
    const policies = parts.map((part) => part.policy);
    let decisions: RateLimitDecision[];
    let taken: Taken | undefined;
    if (this.settings.failMode === 'open' && this.insurance !== undefined && this.insuranceNodes) {
      const nodes = this.insuranceNodes;
      const limits = request.limits.map((l) => shareOf(l, nodes));
      const insured: ConsumeRequest = { ...request, limits };
      const result = await this.insurance.consume(insured);
      decisions = splitResult(policies, result, request.cost, 'insurance').map((d) =>
        d.outcome === 'allowed' ? { ...d, outcome: 'failed_open' } : d,
      );
      if (result.allowed && request.cost > 0) {
        taken = { store: this.insurance, request: insured, consumedAtMs: result.nowMs, policy: policies[0]! };
      }
    } else {
      decisions = policies.map((policy) => this.failModeDecision(policy));
    }
    // One failure of one call: reported once, as `consume` reports its own.
    for (const observer of this.observers) observer.storeFailed?.(error, policies[0]!, decisions[0]!);
    return { decisions, taken };
  }

  /** Gives back what a `consumeAll` call took; a failure is swallowed and reported, as `refund`'s. */
  private async giveBack({ store, request, consumedAtMs, policy }: Taken): Promise<void> {
    const { key, algorithm, limits, limitKeys, cost } = request;
    try {
      await store.refund({
        key,
        algorithm,
        limits,
        ...(limitKeys === undefined ? {} : { limitKeys }),
        cost,
        consumedAtMs,
      });
    } catch (error) {
      this.operationFailed('refund', error, policy);
    }
  }

  /**
   * The caller's state under `policy`, taking nothing: every limit's remaining and reset (in
   * `limits`) and the penalty block in force, if any (`blockedUntil`; `remaining` is then 0). Always
   * asks the store, never the denial cache, and is not a decision (observers are not told). A store
   * failure rejects: a counters view must not show an untouched counter for a store that did not
   * answer.
   *
   * @example
   * const { limits, blockedUntil } = await limiter.peek(policy, `client:${clientId}`);
   */
  async peek(policy: RateLimitPolicy, identity: string): Promise<RateLimitDecision> {
    const { algorithm, limits, penalty } = policy;
    const key = this.keys.of(policy.name, identity);
    return toDecision(policy, await this.store.consume({ key, algorithm, limits, cost: 0, penalty }), 'store');
  }

  /**
   * Forgets the caller under `policy` (the support-ticket reset): every limit's counter, the penalty
   * block and, for `concurrency`, every lease, in the store and in the insurance limiter; then this
   * node's cached denial. Other nodes keep theirs until it expires or `forgetDenial()` is called
   * there. A store failure rejects (nothing is forgotten on this node then).
   */
  async reset(policy: RateLimitPolicy, identity: string): Promise<void> {
    const key = this.keys.of(policy.name, identity);
    const target: StoreTarget = { key, algorithm: policy.algorithm, limits: policy.limits };
    await this.store.reset(target);
    await this.insurance?.reset(target);
    this.denials.forget(key);
  }

  /**
   * Drops this node's cached denial of the caller under `policy`, so its next request asks the
   * store. For a reset made on another node (`reset()` there forgets its own).
   */
  forgetDenial(policy: Pick<RateLimitPolicy, 'name'>, identity: string): void {
    this.denials.forget(this.keys.of(policy.name, identity));
  }

  /**
   * Frees the slot a `concurrency` decision holds (`decision.leaseId`): call it once the response
   * is finished or has failed. Idempotent; a no-op for other algorithms. Resolves true when a live
   * lease was freed, false when it was gone already (expired: the request outlived `windowMs`) or
   * the store failed, which is swallowed and reported to `storeOperationFailed`: never rejects.
   *
   * @example
   * reply.raw.once('close', () => void limiter.release(policy, identity, decision.leaseId!));
   */
  async release(policy: RateLimitPolicy, identity: string, leaseId: string): Promise<boolean> {
    if (policy.algorithm !== 'concurrency') return false;
    const key = this.keys.of(policy.name, identity);
    const request = { key, algorithm: policy.algorithm, limits: policy.limits, leaseId };
    try {
      // A lease taken while the store was down is the insurance limiter's (lease ids are unique
      // across stores, so it is in one of them at most); in memory, so asking there first is free.
      if (this.insurance !== undefined && (await this.insurance.release(request))) return true;
      return await this.store.release(request);
    } catch (error) {
      this.operationFailed('release', error, policy);
      return false;
    }
  }

  /**
   * Gives back `cost` units that the consume behind `decision` took (counting by outcome: reserve,
   * then refund what should not have counted). Only a decision that took units refunds anything:
   * one allowed by the store (or by the insurance limiter while the store was down); a refusal, a
   * denial from the cache or a fail-mode decision took nothing, and `concurrency` takes slots, not
   * units (see `release`). Units go back to the window they were taken from (see
   * `RateLimitStore.refund`). A store failure is swallowed and reported to `storeOperationFailed`:
   * never rejects for it.
   *
   * @param cost the cost that consume took (0 for a report), an integer >= 0: the decision does not
   *   record it, and a larger cost would give back units other requests took.
   * @throws RangeError for a bad cost or a decision of another policy (a programming error).
   */
  async refund(policy: RateLimitPolicy, identity: string, decision: RateLimitDecision, cost: number): Promise<void> {
    if (!Number.isInteger(cost) || cost < 0) throw new RangeError(`refund cost must be an integer >= 0, got ${cost}`);
    if (decision.rule !== policy.name) {
      throw new RangeError(`refund of a decision of "${decision.rule}" under the policy "${policy.name}"`);
    }
    const consumedAtMs = decision.decidedAt;
    if (cost === 0 || policy.algorithm === 'concurrency' || consumedAtMs === undefined) return;
    const key = this.keys.of(policy.name, identity);
    const { algorithm } = policy;
    try {
      if (decision.source === 'store' && decision.outcome === 'allowed') {
        await this.store.refund({ key, algorithm, limits: policy.limits, cost, consumedAtMs });
      } else if (decision.source === 'insurance' && decision.outcome === 'failed_open' && this.insurance) {
        const limits = this.insuranceLimitsOf(policy, this.insuranceNodes);
        await this.insurance.refund({ key, algorithm, limits, cost, consumedAtMs });
      }
    } catch (error) {
      this.operationFailed('refund', error, policy);
    }
  }

  /**
   * Sizes the insurance share from the live node count (the node registry calls it after each
   * heartbeat), so that while the store is down the fleet as a whole still enforces about the
   * configured limit. Ignored when insurance is off: a node count never turns it on.
   */
  setInsuranceNodes(nodes: number): void {
    if (!this.settings.insuranceNodes) return;
    if (!Number.isInteger(nodes) || nodes < 1) {
      throw new RangeError(`insurance nodes must be an integer >= 1, got ${String(nodes)}`);
    }
    if (nodes === this.insuranceNodes) return;
    this.insuranceNodes = nodes;
    // The per-policy shares were computed for the old count.
    this.insuranceLimits = new WeakMap();
  }

  /** Drops expired cached denials; the module calls it periodically. */
  sweep(): void {
    this.denials.sweep();
  }

  private operationFailed(operation: StoreOperation, error: unknown, policy: RateLimitPolicy): void {
    for (const observer of this.observers) observer.storeOperationFailed?.(operation, error, policy);
  }

  private async decideWithoutStore(policy: RateLimitPolicy, key: string, cost: number): Promise<RateLimitDecision> {
    if (this.settings.failMode === 'open' && this.insurance !== undefined && this.insuranceNodes) {
      const limits = this.insuranceLimitsOf(policy, this.insuranceNodes);
      const { algorithm, penalty } = policy;
      const result = await this.insurance.consume({ key, algorithm, limits, cost, penalty });
      const decision = toDecision(policy, result, 'insurance');
      return result.allowed ? { ...decision, outcome: 'failed_open' } : decision;
    }
    return this.failModeDecision(policy);
  }

  /** A decision made by the fail mode alone: the store failed and no insurance answered. */
  private failModeDecision(policy: RateLimitPolicy): RateLimitDecision {
    const { failMode, failClosedRetryAfterMs } = this.settings;
    const first = policy.limits[0]!;
    // A shadow policy never refuses, not even when the store is gone.
    const closed = failMode === 'closed' && !policy.shadow;
    return {
      allowed: !closed,
      outcome: closed ? 'failed_closed' : 'failed_open',
      rule: policy.name,
      algorithm: policy.algorithm,
      limit: first.limit,
      remaining: closed ? 0 : first.limit,
      resetAt: Date.now() + (closed ? failClosedRetryAfterMs : 0),
      resetMs: closed ? failClosedRetryAfterMs : 0,
      retryAfterMs: closed ? failClosedRetryAfterMs : 0,
      limits: [],
      source: 'none',
    };
  }

  private insuranceLimitsOf(policy: RateLimitPolicy, nodes: number): readonly LimitSpec[] {
    let limits = this.insuranceLimits.get(policy);
    if (limits === undefined) {
      limits = policy.limits.map((l) => shareOf(l, nodes));
      this.insuranceLimits.set(policy, limits);
    }
    return limits;
  }
}

/** One node's share of a limit spec (its burst too). */
function shareOf(l: LimitSpec, nodes: number): LimitSpec {
  return {
    limit: nodeShare(l.limit, nodes),
    windowMs: l.windowMs,
    ...(l.burst !== undefined ? { burst: nodeShare(l.burst, nodes) } : {}),
  };
}

/**
 * The decisions of the parts of one `consumeAll` call from its one result: each part's own limits,
 * in order. A refused call reports every limit as it stands (nothing taken): the parts refused are
 * those with a limit the cost does not fit, and the others had room but took nothing.
 */
function splitResult(
  policies: readonly RateLimitPolicy[],
  result: ConsumeResult,
  cost: number,
  source: DecisionSource,
): RateLimitDecision[] {
  let offset = 0;
  const slices = policies.map((policy) => result.limits.slice(offset, (offset += policy.limits.length)));
  let over = slices.map((limits) => !result.allowed && limits.some((l) => l.remaining < cost));
  // A store that refused without naming a limit: every part refused, rather than none.
  if (!result.allowed && !over.includes(true)) over = slices.map(() => true);
  return policies.map((policy, i) => {
    const { nowMs, retryAfterMs } = result;
    const limits = slices[i]!;
    if (over[i]) return toDecision(policy, { allowed: false, nowMs, retryAfterMs, limits }, source);
    const decision = toDecision(policy, { allowed: true, nowMs, retryAfterMs: 0, limits }, source);
    return result.allowed ? decision : tookNothing(decision);
  });
}

/**
 * An allowed decision whose units were given back: every limit has `cost` more than it reported
 * (an allowed consume takes exactly `cost` of each), and it took nothing.
 */
function givenBack(policy: RateLimitPolicy, decision: RateLimitDecision, cost: number): RateLimitDecision {
  const limits = decision.limits.map((l) => ({ ...l, remaining: l.remaining + cost }));
  const nowMs = decision.decidedAt ?? Date.now();
  const restored = toDecision(policy, { allowed: true, nowMs, retryAfterMs: 0, limits }, decision.source);
  return tookNothing({ ...restored, outcome: decision.outcome });
}

/** `decision` without `decidedAt`: it took nothing, so `refund()` gives nothing back for it. */
function tookNothing(decision: RateLimitDecision): RateLimitDecision {
  const copy: { -readonly [K in keyof RateLimitDecision]: RateLimitDecision[K] } = { ...decision };
  delete copy.decidedAt;
  return copy;
}

/** One node's share of a limit: at least 1, so a small limit is not shut, but 0 (refuse all) stays 0. */
function nodeShare(units: number, nodes: number): number {
  return units === 0 ? 0 : Math.max(1, Math.floor(units / nodes));
}

/**
 * Builds the decision around the most constraining limit: the one with the fewest units left (ties:
 * the longer reset). A limit that denied always has fewer left than one that did not. Among several
 * exhausted limits the scalar `limit` may name one whose own wait is shorter than `retryAfterMs`,
 * which is always the longest wait: stores report one wait per request, not per limit.
 *
 * A caller blocked by a penalty has nothing `remaining` until the block ends, whatever its counters
 * say (they stay in `limits`), and its quota is whole no sooner than then.
 */
export function toDecision(policy: RateLimitPolicy, result: ConsumeResult, source: DecisionSource): RateLimitDecision {
  const { limits, blockedUntil, leaseId } = result;
  let worst = limits[0]!;
  for (let i = 1; i < limits.length; i++) {
    const l = limits[i]!;
    if (l.remaining < worst.remaining || (l.remaining === worst.remaining && l.resetMs > worst.resetMs)) worst = l;
  }
  let outcome: DecisionOutcome = 'allowed';
  if (!result.allowed) outcome = policy.shadow ? 'shadow_limited' : 'limited';
  const refused = outcome === 'limited';
  let resetMs = refused ? Math.max(result.retryAfterMs, 0) : worst.resetMs;
  if (blockedUntil !== undefined) resetMs = Math.max(resetMs, blockedUntil - result.nowMs);
  const decision: RateLimitDecision = {
    allowed: !refused,
    outcome,
    rule: policy.name,
    algorithm: policy.algorithm,
    limit: worst.limit,
    remaining: blockedUntil === undefined ? worst.remaining : 0,
    resetAt: result.nowMs + resetMs,
    resetMs,
    retryAfterMs: refused ? result.retryAfterMs : 0,
    limits,
    source,
    decidedAt: result.nowMs,
  };
  // Only penalties and concurrency add fields: the common decision stays one object.
  if (blockedUntil === undefined && leaseId === undefined) return decision;
  return {
    ...decision,
    ...(blockedUntil === undefined ? {} : { blockedUntil }),
    ...(leaseId === undefined ? {} : { leaseId }),
  };
}
