import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** How a bursting bucket's quota refills: `limit` units per `windowMs`. */
export class CheckRefill {
  @ApiProperty({ type: 'integer' })
  readonly limit!: number;

  @ApiProperty({ type: 'integer' })
  readonly windowMs!: number;
}

/**
 * The answer of `POST /v1/check` (200 allowed, 429 limited, 503 store down in fail-closed mode).
 *
 * When no rule applies to the request (the policy resolver answers "not limited"), it is allowed
 * and `limit`, `remaining`, `resetAt` and `rule` are `null`, `retryAfterMs` is 0, and no rate-limit
 * headers are sent.
 */
export class CheckResponse {
  @ApiProperty()
  readonly allowed!: boolean;

  /** The quota: the rule's `limit`, or a token_bucket or gcra rule's `burst` (what can be held). */
  @ApiProperty({
    type: 'integer',
    nullable: true,
    description:
      "The quota: the rule's limit, or a token_bucket or gcra rule's burst. null: no rule limits the request",
  })
  readonly limit!: number | null;

  @ApiProperty({ type: 'integer', nullable: true })
  readonly remaining!: number | null;

  /** Epoch ms when the quota is whole again (when refused: when to retry). */
  @ApiProperty({ type: 'integer', nullable: true, description: 'Epoch ms when the quota is whole again' })
  readonly resetAt!: number | null;

  /** 0 unless refused. */
  @ApiProperty({ type: 'integer', description: '0 unless refused' })
  readonly retryAfterMs!: number;

  /** The name of the rule that decided. */
  @ApiProperty({ type: 'string', nullable: true, description: 'The rule that decided' })
  readonly rule!: string | null;

  /** A concurrency rule's slot this decision holds: give it back with `POST /v1/check/release`. */
  @ApiPropertyOptional({
    description: "A concurrency rule's slot this decision holds: give it back with POST /v1/check/release",
  })
  readonly leaseId?: string;

  /**
   * Only for a token_bucket or gcra rule with a `burst`: how the quota refills, `limit` units per
   * `windowMs` (the rule's rate, where `limit` above is its capacity).
   */
  @ApiPropertyOptional({
    type: () => CheckRefill,
    description: 'Only for a token_bucket or gcra rule with a burst: its rate, limit units per windowMs',
  })
  readonly refill?: CheckRefill;

  /** While a penalty blocks the caller: when the block ends (epoch ms). */
  @ApiPropertyOptional({
    type: 'integer',
    description: 'While a penalty blocks the caller: when the block ends (epoch ms)',
  })
  readonly blockedUntil?: number;

  /** Only when the caller is blocked (403/429): `blocked`, with the block's public reason in `message`. */
  @ApiPropertyOptional({ enum: ['blocked'], description: 'Only when the caller is blocked (403/429)' })
  readonly reason?: 'blocked';

  @ApiPropertyOptional({ description: "A block's public reason" })
  readonly message?: string;
}

/** `POST /v1/check/release`'s answer. */
export class ReleaseResponse {
  @ApiProperty({ description: 'false when the check held no slot of a concurrency rule, or it was given back already' })
  readonly released!: boolean;
}

/** The body for requests no rule limits. */
export const UNLIMITED: CheckResponse = Object.freeze({
  allowed: true,
  limit: null,
  remaining: null,
  resetAt: null,
  retryAfterMs: 0,
  rule: null,
});
