import { Inject, Injectable } from '@nestjs/common';
import type { ApiKey } from '../db/index.js';
import { RulesRefresher } from '../rules/index.js';
import { type ApiKeyStatus, apiKeyStatus } from './api-key.js';
import { apiKeyHash, MAX_API_KEY_LENGTH } from './api-key-secret.js';

/** What a presented key resolves to. */
export type ApiKeyResolution =
  | { readonly status: 'active'; readonly id: string; readonly tier: string }
  | { readonly status: Exclude<ApiKeyStatus, 'active'> | 'unknown'; readonly id?: string };

interface DirectoryEntry {
  readonly id: string;
  readonly tier: string;
  readonly enabled: boolean;
  readonly expiresAt: Date | null;
  readonly revokedAt: Date | null;
}

const UNKNOWN: ApiKeyResolution = Object.freeze({ status: 'unknown' });

/**
 * This node's copy of the API keys, by the hash of their secret: part of the rules snapshot
 * (loaded with the rules, swapped whole with them), so resolving a key on the request path is one
 * hash and one map lookup, never a database read.
 */
@Injectable()
export class ApiKeyDirectory {
  private keys = new Map<string, DirectoryEntry>();

  constructor(@Inject(RulesRefresher) refresher: RulesRefresher) {
    refresher.addSection({
      name: 'api_keys',
      read: (prisma) =>
        prisma.apiKey.findMany({
          select: { id: true, secretHash: true, tier: true, enabled: true, expiresAt: true, revokedAt: true },
        }),
      compile: (rows: Pick<ApiKey, 'id' | 'secretHash' | 'tier' | 'enabled' | 'expiresAt' | 'revokedAt'>[]) =>
        new Map(rows.map(({ secretHash, ...entry }) => [secretHash, entry])),
      swap: (keys: Map<string, DirectoryEntry>) => {
        this.keys = keys;
      },
    });
  }

  /** How many keys this node knows (revoked ones included). */
  get size(): number {
    return this.keys.size;
  }

  /** The key's id and tier when it may be used now; otherwise why not. */
  resolve(secret: string, now = Date.now()): ApiKeyResolution {
    if (secret.length === 0 || secret.length > MAX_API_KEY_LENGTH) return UNKNOWN;
    const entry = this.keys.get(apiKeyHash(secret));
    if (entry === undefined) return UNKNOWN;
    const status = apiKeyStatus(entry, now);
    return status === 'active' ? { status, id: entry.id, tier: entry.tier } : { status, id: entry.id };
  }
}
