import { Inject, Injectable } from '@nestjs/common';
import { ApiKeyDirectory, type ApiKeyResolution } from '../api-keys/index.js';
import type { CallerGate, CallerQuery, CallerVerdict } from '../limiter/caller-gate.js';
import type { ActiveBlock } from './access-lists.js';
import { ACCESS_OPTIONS, type AccessModuleOptions } from './access.options.js';
import { ApiKeyFailures } from './api-key-failures.js';
import { CallerAccessLists } from './caller-access-lists.js';

const LIMIT: CallerVerdict = Object.freeze({ kind: 'limit' });
const EXEMPT: CallerVerdict = Object.freeze({ kind: 'exempt' });
const BLOCKED_MESSAGE = 'Too many requests: access is blocked';
const INVALID_KEY_MESSAGES: Record<Exclude<ApiKeyResolution['status'], 'active'>, string> = {
  unknown: 'Invalid API key',
  revoked: 'This API key has been revoked',
  expired: 'This API key has expired',
  disabled: 'This API key is disabled',
};

/**
 * The service's `CallerGate`, from memory only: blocks and the allow list (`CallerAccessLists`),
 * and API keys (`ApiKeyDirectory`). In order:
 * 1. a block on the caller's address or client id refuses it (429, or 403 where so configured);
 * 2. a presented API key must be valid, else 401 (and the failure is counted against the address,
 *    and against the service that passed it on, when one authenticated);
 * 3. a block on that key refuses it;
 * 4. an allow-listed address, client id, key or route is not limited;
 * 5. anyone else is limited, with a valid key's tier choosing the rules.
 * See `AccessLists` for how blocks and allow entries of the same kind of caller rank.
 */
@Injectable()
export class ServiceCallerGate implements CallerGate {
  private readonly blockedStatus: 403 | 429;

  constructor(
    @Inject(CallerAccessLists) private readonly lists: CallerAccessLists,
    @Inject(ApiKeyDirectory) private readonly keys: ApiKeyDirectory,
    @Inject(ApiKeyFailures) private readonly failures: ApiKeyFailures,
    @Inject(ACCESS_OPTIONS) options: AccessModuleOptions,
  ) {
    this.blockedStatus = options.blockedStatus ?? 429;
  }

  check(query: CallerQuery): CallerVerdict {
    const lists = this.lists.current;
    const now = Date.now();
    const caller = { ip: query.ip, clientId: query.clientId, route: query.resource };
    let verdict = lists.verdict(caller, now);
    if (verdict.kind === 'blocked') return this.blocked(verdict.block, now);
    if (query.apiKey === undefined) return verdict.kind === 'allowed' ? EXEMPT : LIMIT;
    const key = this.keys.resolve(query.apiKey, now);
    if (key.status !== 'active') {
      void this.failures.record(query.ip, query.caller);
      return { kind: 'refused', status: 401, reason: 'invalid_api_key', message: INVALID_KEY_MESSAGES[key.status] };
    }
    verdict = lists.verdict({ ...caller, apiKeyId: key.id }, now);
    if (verdict.kind === 'blocked') return this.blocked(verdict.block, now);
    return verdict.kind === 'allowed' ? EXEMPT : { kind: 'limit', tier: key.tier };
  }

  private blocked(block: ActiveBlock, now: number): CallerVerdict {
    return {
      kind: 'refused',
      status: this.blockedStatus,
      reason: 'blocked',
      message: block.publicReason ?? BLOCKED_MESSAGE,
      retryAfterMs: Math.max(0, block.expiresAt - now),
    };
  }
}
