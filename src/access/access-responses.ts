import { ApiProperty } from '@nestjs/swagger';
import type { AllowlistEntry, Block } from '../db/index.js';
import { ALLOW_TYPES, type AllowType, BLOCK_TYPES, type BlockType } from './access-lists.js';

/** A block as the admin API shows it. */
export class BlockResponse {
  @ApiProperty({ format: 'uuid' })
  readonly id!: string;

  @ApiProperty({ enum: BLOCK_TYPES })
  readonly type!: BlockType;

  @ApiProperty({ description: "The client id, API key's id, or address or range blocked" })
  readonly value!: string;

  @ApiProperty({ description: 'For operators: why' })
  readonly reason!: string;

  @ApiProperty({ type: 'string', nullable: true, description: 'Told to the blocked caller' })
  readonly publicReason!: string | null;

  @ApiProperty({ format: 'date-time' })
  readonly expiresAt!: string;

  @ApiProperty({ description: "The admin token's name" })
  readonly createdBy!: string;

  @ApiProperty({ format: 'date-time' })
  readonly createdAt!: string;
}

/** The answer to `POST /v1/admin/blocks`: the block and the rules version that carries it. */
export class CreatedBlockResponse extends BlockResponse {
  @ApiProperty({ type: 'integer', description: 'The cluster-wide rules version the write produced' })
  readonly rulesVersion!: number;
}

/** A page of blocks in force, and how many there are in all. */
export class BlockList {
  @ApiProperty({ type: () => [BlockResponse] })
  readonly items!: readonly BlockResponse[];

  @ApiProperty({ type: 'integer' })
  readonly total!: number;
}

/** An allow-list entry as the admin API shows it. */
export class AllowEntryResponse {
  @ApiProperty({ format: 'uuid' })
  readonly id!: string;

  @ApiProperty({ enum: ALLOW_TYPES })
  readonly type!: AllowType;

  @ApiProperty({ description: "The client id, API key's id, address or range, or route name" })
  readonly value!: string;

  @ApiProperty({ type: 'string', nullable: true })
  readonly description!: string | null;

  @ApiProperty({ description: "The admin token's name" })
  readonly createdBy!: string;

  @ApiProperty({ format: 'date-time' })
  readonly createdAt!: string;
}

/** The answer to `POST /v1/admin/allowlist`: the entry and the rules version that carries it. */
export class CreatedAllowEntryResponse extends AllowEntryResponse {
  @ApiProperty({ type: 'integer', description: 'The cluster-wide rules version the write produced' })
  readonly rulesVersion!: number;
}

/** A page of allow-list entries, and how many there are in all. */
export class AllowEntryList {
  @ApiProperty({ type: () => [AllowEntryResponse] })
  readonly items!: readonly AllowEntryResponse[];

  @ApiProperty({ type: 'integer' })
  readonly total!: number;
}

export function toBlockResponse(row: Block): BlockResponse {
  return {
    id: row.id,
    type: row.type as BlockType,
    value: row.value,
    reason: row.reason,
    publicReason: row.publicReason,
    expiresAt: row.expiresAt.toISOString(),
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
  };
}

export function toAllowEntryResponse(row: AllowlistEntry): AllowEntryResponse {
  return {
    id: row.id,
    type: row.type as AllowType,
    value: row.value,
    description: row.description,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
  };
}
