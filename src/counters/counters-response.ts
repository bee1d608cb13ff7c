import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** One limit's usage, as `GET /v1/admin/counters` shows it. */
export class LimitUsage {
  @ApiProperty({ type: 'integer' })
  readonly limit!: number;

  @ApiProperty({ type: 'integer' })
  readonly windowMs!: number;

  @ApiProperty({ type: 'integer' })
  readonly used!: number;

  @ApiProperty({ type: 'integer' })
  readonly remaining!: number;

  /** Epoch ms (the store's clock) when the usage has drained. */
  @ApiProperty({ type: 'integer', description: "Epoch ms (the store's clock) when the usage has drained" })
  readonly resetAt!: number;
}

/** A caller's usage of every limit of a rule. */
export class CountersResponse {
  /** The rule's name, and the policy's (`rule|resource` for a per-resource rule). */
  @ApiProperty()
  readonly rule!: string;

  @ApiProperty({ description: 'The policy: rule|resource for a per-resource rule' })
  readonly policy!: string;

  @ApiPropertyOptional()
  readonly clientId?: string;

  @ApiPropertyOptional()
  readonly ip?: string;

  @ApiProperty()
  readonly algorithm!: string;

  @ApiProperty({ type: () => [LimitUsage] })
  readonly limits!: readonly LimitUsage[];

  /** While a penalty blocks the caller: when it ends (epoch ms); else null. */
  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: 'While a penalty blocks the caller: when it ends (epoch ms)',
  })
  readonly blockedUntil!: number | null;
}
