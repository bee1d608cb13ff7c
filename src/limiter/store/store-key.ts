import { hash } from 'node:crypto';
import type { Algorithm } from '../algorithms.js';

const ALGORITHM_CODE: Record<Algorithm, string> = {
  sliding_window: 'sw',
  sliding_log: 'sl',
  token_bucket: 'tb',
  fixed_window: 'fw',
  gcra: 'gc',
  concurrency: 'cc',
};

/**
 * The base key of one caller under one rule: `<prefix>:{<hash>}`.
 *
 * The rule name and the caller's identity are hashed, so no user-supplied string ever reaches Redis
 * raw (no injection, no collisions between `a:b`+`c` and `a`+`b:c`, bounded length). The braces are
 * a Redis Cluster hash tag: every per-limit key of one caller lands in one slot, so a multi-limit
 * script stays atomic on a cluster. Counters follow the rule's name, not its version, so changing a
 * rule's limits keeps what was already used.
 */
export function baseKey(prefix: string, ruleName: string, identity: string): string {
  // One-shot hash: a third of createHash().update().digest()'s cost, and this runs per decision.
  const digest = hash('sha256', `${ruleName}\0${identity}`, 'base64url');
  return `${prefix}:{${digest.slice(0, 22)}}`;
}

/**
 * The base key of one caller under one rule whose counters are decided together with others
 * (`RateLimiter.consumeAll`): `<prefix>:{<hash of group>}<hash of rule and identity>`. Every key of
 * one group carries the group's hash tag, so a consume over the counters of several rules and
 * callers of the group stays in one Redis Cluster slot (and one atomic script). It is never one of
 * `baseKey()`'s (their tag closes the key), so a group's counters are its own.
 */
export function groupedBaseKey(prefix: string, group: string, ruleName: string, identity: string): string {
  const tag = hash('sha256', group, 'base64url');
  const digest = hash('sha256', `${ruleName}\0${identity}`, 'base64url');
  return `${prefix}:{${tag.slice(0, 22)}}${digest.slice(0, 22)}`;
}

/**
 * `baseKey()` (and `groupedBaseKey()`) of the callers seen lately, per rule: the hash is most of what a decision costs the
 * node beyond the store call, and a caller's next request has the same key. Bounded three ways, so
 * that a flood of new identities or resources (`perResource` rules name a policy per resource)
 * cannot grow it: past `maxPerRule` keys of one rule the rule's oldest goes; past `maxRules` rules,
 * the oldest rule's keys; past `maxKeys` in all, the oldest rule's oldest key.
 */
export class BaseKeys {
  private readonly byRule = new Map<string, Map<string, string>>();
  private size = 0;

  constructor(
    private readonly prefix: string,
    private readonly maxPerRule = 10_000,
    private readonly maxRules = 1_000,
    private readonly maxKeys = 100_000,
  ) {}

  of(ruleName: string, identity: string): string {
    return this.cached(ruleName, ruleName, identity, undefined);
  }

  /** `groupedBaseKey()`, cached as `of()` is: each call would hash the group and the caller again. */
  inGroup(group: string, ruleName: string, identity: string): string {
    // A rule name holds no NUL, so a group's entries never share a plain rule's.
    return this.cached(`${group}\0${ruleName}`, ruleName, identity, group);
  }

  private cached(bucket: string, ruleName: string, identity: string, group: string | undefined): string {
    let keys = this.byRule.get(bucket);
    if (keys === undefined) {
      if (this.byRule.size >= this.maxRules) this.dropOldestRule();
      this.byRule.set(bucket, (keys = new Map()));
    }
    let key = keys.get(identity);
    if (key === undefined) {
      key =
        group === undefined
          ? baseKey(this.prefix, ruleName, identity)
          : groupedBaseKey(this.prefix, group, ruleName, identity);
      if (keys.size >= this.maxPerRule) {
        keys.delete(keys.keys().next().value!);
        this.size--;
      } else if (this.size >= this.maxKeys) this.dropOldestKey();
      keys.set(identity, key);
      this.size++;
    }
    return key;
  }

  private dropOldestRule(): void {
    const [name, keys] = this.byRule.entries().next().value!;
    this.byRule.delete(name);
    this.size -= keys.size;
  }

  private dropOldestKey(): void {
    const [name, keys] = this.byRule.entries().next().value!;
    keys.delete(keys.keys().next().value!);
    this.size--;
    if (keys.size === 0) this.byRule.delete(name);
  }
}

/** The key of one limit of one caller: base key, algorithm and window (windows are unique per policy). */
export function limitKey(base: string, algorithm: Algorithm, windowMs: number): string {
  return `${base}:${ALGORITHM_CODE[algorithm]}:${windowMs}`;
}

/**
 * The key of one caller's penalty under one rule (block end and offences). Under the base key's
 * hash tag, so a consume's limits and its penalty stay in one Cluster slot. Not per algorithm: a
 * block follows the caller under the rule, whatever the rule counts with.
 */
export function penaltyKey(base: string): string {
  return `${base}:pen`;
}
