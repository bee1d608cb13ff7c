import type { ApiKey } from '../db/index.js';

/** An API key as the admin API shows it: never its secret (only at creation) nor its hash. */
export interface ApiKeyResponse {
  readonly id: string;
  /** The secret's first characters, to recognise it. */
  readonly prefix: string;
  readonly tier: string;
  readonly owner: string | null;
  readonly description: string | null;
  readonly enabled: boolean;
  readonly expiresAt: string | null;
  readonly revokedAt: string | null;
  /** `active`, or why the key is refused: `disabled`, `expired`, `revoked`. */
  readonly status: ApiKeyStatus;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** `POST /v1/admin/api-keys`'s answer: the key and, this once, its secret. */
export interface CreatedApiKeyResponse extends ApiKeyResponse {
  /** Send it as `X-API-Key` (or `/v1/check`'s `apiKey`). Shown only here: store it now. */
  readonly key: string;
  readonly rulesVersion: number;
}

export type ApiKeyStatus = 'active' | 'disabled' | 'expired' | 'revoked';

/** The key's status at `now`: revoked beats expired beats disabled. */
export function apiKeyStatus(
  key: { readonly enabled: boolean; readonly expiresAt: Date | null; readonly revokedAt: Date | null },
  now = Date.now(),
): ApiKeyStatus {
  if (key.revokedAt !== null) return 'revoked';
  if (key.expiresAt !== null && key.expiresAt.getTime() <= now) return 'expired';
  return key.enabled ? 'active' : 'disabled';
}

export function toApiKeyResponse(row: ApiKey, now = Date.now()): ApiKeyResponse {
  return {
    id: row.id,
    prefix: row.prefix,
    tier: row.tier,
    owner: row.owner,
    description: row.description,
    enabled: row.enabled,
    expiresAt: row.expiresAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
    status: apiKeyStatus(row, now),
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
