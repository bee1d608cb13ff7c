import { ApiProperty } from '@nestjs/swagger';
import type { ApiKey } from '../db/index.js';

export const API_KEY_STATUSES = ['active', 'disabled', 'expired', 'revoked'] as const;
export type ApiKeyStatus = (typeof API_KEY_STATUSES)[number];

/** An API key as the admin API shows it: never its secret (only at creation) nor its hash. */
export class ApiKeyResponse {
  @ApiProperty({ format: 'uuid' })
  readonly id!: string;

  /** The secret's first characters, to recognise it. */
  @ApiProperty({ description: "The secret's first characters, to recognise it" })
  readonly prefix!: string;

  @ApiProperty()
  readonly tier!: string;

  @ApiProperty({ type: 'string', nullable: true })
  readonly owner!: string | null;

  @ApiProperty({ type: 'string', nullable: true })
  readonly description!: string | null;

  @ApiProperty()
  readonly enabled!: boolean;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  readonly expiresAt!: string | null;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  readonly revokedAt!: string | null;

  /** `active`, or why the key is refused: `disabled`, `expired`, `revoked`. */
  @ApiProperty({ enum: API_KEY_STATUSES, description: 'active, or why the key is refused' })
  readonly status!: ApiKeyStatus;

  @ApiProperty({ type: 'integer', minimum: 1 })
  readonly version!: number;

  @ApiProperty({ format: 'date-time' })
  readonly createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  readonly updatedAt!: string;
}

/** The answer to a write of a key: the key and the cluster-wide rules version the write produced. */
export class ApiKeyWriteResponse extends ApiKeyResponse {
  @ApiProperty({ type: 'integer', description: 'The cluster-wide rules version the write produced' })
  readonly rulesVersion!: number;
}

/** `POST /v1/admin/api-keys`'s answer: the key and, this once, its secret. */
export class CreatedApiKeyResponse extends ApiKeyWriteResponse {
  /** Send it as `X-API-Key` (or `/v1/check`'s `apiKey`). Shown only here: store it now. */
  @ApiProperty({ description: "Send it as X-API-Key (or /v1/check's apiKey). Shown only here: store it now" })
  readonly key!: string;
}

/** A page of keys, and how many match the filters in all. */
export class ApiKeyList {
  @ApiProperty({ type: () => [ApiKeyResponse] })
  readonly items!: readonly ApiKeyResponse[];

  @ApiProperty({ type: 'integer' })
  readonly total!: number;
}

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
