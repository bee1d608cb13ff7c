import { Inject, Injectable } from '@nestjs/common';
import { RulesRefresher } from '../rules/index.js';
import { API_KEYS_SECTION, type ApiKeyResolution, type ApiKeyRow, ApiKeyTable } from './api-key-table.js';

/**
 * This node's copy of the API keys: part of the rules snapshot (loaded with the rules, swapped
 * whole with them), so resolving a key on the request path never reads the database.
 */
@Injectable()
export class ApiKeyDirectory {
  private keys = ApiKeyTable.EMPTY;

  constructor(@Inject(RulesRefresher) refresher: RulesRefresher) {
    refresher.addSection({
      name: API_KEYS_SECTION,
      read: (prisma) =>
        prisma.apiKey.findMany({
          select: { id: true, secretHash: true, tier: true, enabled: true, expiresAt: true, revokedAt: true },
        }),
      compile: (rows: ApiKeyRow[]) => new ApiKeyTable(rows),
      swap: (keys: ApiKeyTable) => {
        this.keys = keys;
      },
    });
  }

  /** The keys in force. */
  get current(): ApiKeyTable {
    return this.keys;
  }

  /** How many keys this node knows (revoked ones included). */
  get size(): number {
    return this.keys.size;
  }

  /** The key's id and tier when it may be used now; otherwise why not. */
  resolve(secret: string, now = Date.now()): ApiKeyResolution {
    return this.keys.resolve(secret, now);
  }
}
