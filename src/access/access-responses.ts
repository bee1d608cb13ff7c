import type { AllowlistEntry, Block } from '../db/index.js';
import type { AllowType, BlockType } from './access-lists.js';

export interface BlockResponse {
  readonly id: string;
  readonly type: BlockType;
  readonly value: string;
  readonly reason: string;
  readonly publicReason: string | null;
  readonly expiresAt: string;
  readonly createdBy: string;
  readonly createdAt: string;
}

export interface AllowEntryResponse {
  readonly id: string;
  readonly type: AllowType;
  readonly value: string;
  readonly description: string | null;
  readonly createdBy: string;
  readonly createdAt: string;
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
