import { ApiProperty, ApiPropertyOptional, type ApiPropertyOptions } from '@nestjs/swagger';
import type { HealthCheckResult, HealthCheckStatus, HealthIndicatorResult } from '@nestjs/terminus';

/** Each component checked, by name, with its status. */
const components = (description: string) =>
  ({
    description,
    type: 'object',
    additionalProperties: {
      type: 'object',
      required: ['status'],
      properties: { status: { type: 'string', enum: ['up', 'down'] } },
      additionalProperties: true,
    },
    example: { rateLimitStore: { status: 'up' }, database: { status: 'up' }, rules: { status: 'up' } },
  }) as ApiPropertyOptions;

/**
 * The body of `/health` and `/health/live`, as Terminus builds it: the schema of its
 * `HealthCheckResult`, which this class implements so the compiler keeps the two alike. (Terminus'
 * own documentation loads `@nestjs/swagger` with `require`, which an ES module cannot be.)
 */
export class HealthResponse implements HealthCheckResult {
  @ApiProperty({ enum: ['ok', 'error', 'degraded', 'shutting_down'] })
  status!: HealthCheckStatus;

  @ApiPropertyOptional(components('The components that are up'))
  info?: Partial<HealthIndicatorResult>;

  @ApiPropertyOptional(components('The components that are down'))
  error?: Partial<HealthIndicatorResult>;

  @ApiProperty(components('Every component checked'))
  details!: HealthIndicatorResult;
}
