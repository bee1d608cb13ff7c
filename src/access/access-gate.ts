import type { ApiKeyResolution, ApiKeyTable } from '../api-keys/api-key-table.js';
import type { CallerGate, CallerQuery, CallerVerdict } from '../limiter/caller-gate.js';
import type { AccessLists, ActiveBlock } from './access-lists.js';

const LIMIT: CallerVerdict = Object.freeze({ kind: 'limit' });
const EXEMPT: CallerVerdict = Object.freeze({ kind: 'exempt' });
const BLOCKED_MESSAGE = 'Too many requests: access is blocked';
const KEYS_REFUSED_MESSAGE = 'Too many invalid API keys from this caller: its API keys are refused for now';
const INVALID_KEY_MESSAGES: Record<Exclude<ApiKeyResolution['status'], 'active'>, string> = {
  unknown: 'Invalid API key',
  revoked: 'This API key has been revoked',
  expired: 'This API key has expired',
  disabled: 'This API key is disabled',
};

/** Where a gate reads the lists and keys in force (each call: they are swapped with every snapshot). */
export interface AccessGateSources {
  lists(): AccessLists;
  keys(): ApiKeyTable;
}

export interface AccessGateOptions {
  /** The status of a blocked caller's answer (default 429). */
  readonly blockedStatus?: 403 | 429;
  /** Told of every presented key that is not valid, before the 401 (the service counts them). */
  readonly onInvalidKey?: (query: CallerQuery) => void;
  /**
   * How long (ms) the keys presented by this query's `caller` are refused without being looked up
   * (it presented too many invalid ones); undefined: looked up as usual.
   */
  readonly keyRefusalMs?: (query: CallerQuery) => number | undefined;
}

/**
 * A `CallerGate` from memory only: blocks, the allow list and API keys of one snapshot. In order:
 * 1. a block on the caller's address or client id refuses it (429, or 403 where so configured);
 * 2. a presented API key must be valid, else 401 (`onInvalidKey` is told); from a caller whose
 *    keys are refused for now (`keyRefusalMs`), any key is refused as a block, unchecked;
 * 3. a block on that key refuses it;
 * 4. an allow-listed address, client id, key or route is not limited;
 * 5. anyone else is limited, with a valid key's tier choosing the rules.
 * See `AccessLists` for how blocks and allow entries of the same kind of caller rank. Pure (no
 * database, no Nest), so service nodes and library apps decide alike.
 */
export class AccessGate implements CallerGate {
  private readonly blockedStatus: 403 | 429;

  constructor(
    private readonly sources: AccessGateSources,
    private readonly options: AccessGateOptions = {},
  ) {
    this.blockedStatus = options.blockedStatus ?? 429;
  }

  check(query: CallerQuery): CallerVerdict {
    const lists = this.sources.lists();
    const now = Date.now();
    const caller = { ip: query.ip, clientId: query.clientId, route: query.resource };
    let verdict = lists.verdict(caller, now);
    if (verdict.kind === 'blocked') return this.blocked(verdict.block, now);
    if (query.apiKey === undefined) return verdict.kind === 'allowed' ? EXEMPT : LIMIT;
    const refusedMs = this.options.keyRefusalMs?.(query);
    if (refusedMs !== undefined) {
      // A valid key too: an answer that told valid from invalid would let the guessing go on.
      return {
        kind: 'refused',
        status: this.blockedStatus,
        reason: 'blocked',
        message: KEYS_REFUSED_MESSAGE,
        retryAfterMs: refusedMs,
      };
    }
    const key = this.sources.keys().resolve(query.apiKey, now);
    if (key.status !== 'active') {
      this.options.onInvalidKey?.(query);
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
