import type { ApiKey } from '../db/index.js';
import { type ApiKeyStatus, apiKeyStatus } from './api-key.js';
import { apiKeyHash, MAX_API_KEY_LENGTH } from './api-key-secret.js';

/** What a presented key resolves to. */
export type ApiKeyResolution =
  | { readonly status: 'active'; readonly id: string; readonly tier: string }
  | { readonly status: Exclude<ApiKeyStatus, 'active'> | 'unknown'; readonly id?: string };

/** The columns of a stored key the request path needs (the snapshot's `api_keys` section). */
export type ApiKeyRow = Pick<ApiKey, 'id' | 'secretHash' | 'tier' | 'enabled' | 'expiresAt' | 'revokedAt'>;

type Entry = Omit<ApiKeyRow, 'secretHash'>;

/** The rules snapshot's section the table is compiled from (`SnapshotLoad.sections`). */
export const API_KEYS_SECTION = 'api_keys';

const UNKNOWN: ApiKeyResolution = Object.freeze({ status: 'unknown' });

/**
 * One snapshot's API keys by the hash of their secret, so resolving a key on the request path is
 * one hash and one map lookup. Pure (no database, no Nest): service nodes and library apps
 * (`ControlPlaneClient`) build it from the same rows.
 */
export class ApiKeyTable {
  static readonly EMPTY = new ApiKeyTable([]);

  private readonly keys: ReadonlyMap<string, Entry>;

  constructor(rows: readonly ApiKeyRow[]) {
    this.keys = new Map(rows.map(({ secretHash, ...entry }) => [secretHash, entry]));
  }

  /** How many keys it holds (revoked ones included). */
  get size(): number {
    return this.keys.size;
  }

  /** The key's id and tier when it may be used at `now`; otherwise why not. */
  resolve(secret: string, now = Date.now()): ApiKeyResolution {
    if (secret.length === 0 || secret.length > MAX_API_KEY_LENGTH) return UNKNOWN;
    const entry = this.keys.get(apiKeyHash(secret));
    if (entry === undefined) return UNKNOWN;
    const status = apiKeyStatus(entry, now);
    return status === 'active' ? { status, id: entry.id, tier: entry.tier } : { status, id: entry.id };
  }
}
