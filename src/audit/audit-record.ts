import { ApiProperty } from '@nestjs/swagger';

/** An entry of `GET /v1/admin/audit`. */
export class AuditRecord {
  @ApiProperty({ type: 'integer' })
  readonly id!: number;

  @ApiProperty({ description: 'The admin actor, or system / auto for writes Floodgate made itself' })
  readonly actor!: string;

  @ApiProperty({ description: '<target>.<verb>, e.g. api_key.create, block.delete, counters.reset' })
  readonly action!: string;

  @ApiProperty()
  readonly targetType!: string;

  @ApiProperty({ type: 'string', nullable: true })
  readonly targetId!: string | null;

  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: 'The target before' })
  readonly before!: unknown;

  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: 'The target after' })
  readonly after!: unknown;

  @ApiProperty({ type: 'integer', nullable: true, description: 'The rules version the write produced' })
  readonly rulesVersion!: number | null;

  @ApiProperty({ format: 'date-time' })
  readonly at!: string;
}

/** A page of the audit log, newest first, and how many entries match in all. */
export class AuditList {
  @ApiProperty({ type: () => [AuditRecord] })
  readonly items!: readonly AuditRecord[];

  @ApiProperty({ type: 'integer' })
  readonly total!: number;
}
