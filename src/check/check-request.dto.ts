import { IsDefined, IsInt, IsIP, IsString, Length, Max, Min, ValidateIf } from 'class-validator';
import { ApiProperty } from '@nestjs/swagger';
import { present } from '../http/dto-fields.js';

export const MAX_CLIENT_ID_LENGTH = 256;
export const MAX_RESOURCE_LENGTH = 512;
export const MAX_TIER_LENGTH = 64;
export const MAX_COST = 1_000_000;

const CLIENT_ID = `must be a string of 1 to ${MAX_CLIENT_ID_LENGTH} characters`;
const RESOURCE = `must be a string of 1 to ${MAX_RESOURCE_LENGTH} characters`;
const TIER = `must be a string of 1 to ${MAX_TIER_LENGTH} characters`;
const COST = `must be an integer from 0 to ${MAX_COST}`;
export const MAX_API_KEY_FIELD_LENGTH = 128;
const API_KEY = `must be a string of 1 to ${MAX_API_KEY_FIELD_LENGTH} characters`;
const IP = 'must be an IPv4 or IPv6 address';

/**
 * The body of `POST /v1/check`.
 *
 * @example
 * { "clientId": "acct_42", "resource": "GET /search", "cost": 1, "tier": "free" }
 * { "clientId": "acct_42", "resource": "GET /search", "apiKey": "fgk_...", "ip": "203.0.113.7" }
 */
export class CheckRequestDto {
  /** Who is asking; counters are kept per rule and client. */
  @IsDefined({ message: 'is required' })
  @IsString({ message: CLIENT_ID })
  @Length(1, MAX_CLIENT_ID_LENGTH, { message: CLIENT_ID })
  @ApiProperty({ minLength: 1, maxLength: MAX_CLIENT_ID_LENGTH, example: 'acct_42' })
  clientId!: string;

  /** What is being accessed; picks the rule. Default `"global"`. */
  @ValidateIf(present)
  @IsString({ message: RESOURCE })
  @Length(1, MAX_RESOURCE_LENGTH, { message: RESOURCE })
  @ApiProperty({
    minLength: 1,
    maxLength: MAX_RESOURCE_LENGTH,
    default: 'global',
    required: false,
    example: 'GET /search',
  })
  resource?: string;

  /** Units to take; 0 only reports. Default 1. */
  @ValidateIf(present)
  @IsInt({ message: COST })
  @Min(0, { message: COST })
  @Max(MAX_COST, { message: COST })
  @ApiProperty({ type: 'integer', minimum: 0, maximum: MAX_COST, default: 1, required: false })
  cost?: number;

  /** The client's plan, for rules that differ by tier. */
  @ValidateIf(present)
  @IsString({ message: TIER })
  @Length(1, MAX_TIER_LENGTH, { message: TIER })
  @ApiProperty({ minLength: 1, maxLength: MAX_TIER_LENGTH, required: false, example: 'free' })
  tier?: string;

  /**
   * The API key the client presented: it must be valid (else 401), and its tier replaces `tier`.
   * Blocks and the allow list of that key apply.
   */
  @ValidateIf(present)
  @IsString({ message: API_KEY })
  @Length(1, MAX_API_KEY_FIELD_LENGTH, { message: API_KEY })
  @ApiProperty({ minLength: 1, maxLength: MAX_API_KEY_FIELD_LENGTH, required: false })
  apiKey?: string;

  /** The client's address, for blocks and allow lists of addresses and ranges. */
  @ValidateIf(present)
  @IsIP(undefined, { message: IP })
  @ApiProperty({ required: false, example: '203.0.113.7' })
  ip?: string;
}
