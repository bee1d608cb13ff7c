import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDefined, IsString, Length, ValidateBy, ValidateIf } from 'class-validator';
import { isIP } from 'node:net';
import { MAX_CLIENT_ID_LENGTH, MAX_RESOURCE_LENGTH } from '../check/check-request.js';
import { present } from '../http/dto-fields.js';

const MAX_RULE_NAME_LENGTH = 64;
const RULE = `is required: the name of a rule (1 to ${MAX_RULE_NAME_LENGTH} characters)`;
const CLIENT_ID = `must be 1 to ${MAX_CLIENT_ID_LENGTH} characters`;
const RESOURCE = `must be 1 to ${MAX_RESOURCE_LENGTH} characters`;

/** What is wrong with the caller a query names (`clientId` or `ip`, exactly one), if anything. */
function callerReason({ clientId, ip }: CountersQuery): string | undefined {
  if ((clientId === undefined) === (ip === undefined)) return 'give exactly one of clientId and ip';
  if (clientId !== undefined && (clientId.length < 1 || clientId.length > MAX_CLIENT_ID_LENGTH)) return CLIENT_ID;
  return undefined;
}

/**
 * Whose counters, under which rule: the query of `GET/DELETE /v1/admin/counters?rule=&clientId=`
 * (or `&ip=`). Unknown and repeated parameters are refused by the validation pipe.
 */
export class CountersQuery {
  @IsDefined({ message: RULE })
  @IsString({ message: RULE })
  @Length(1, MAX_RULE_NAME_LENGTH, { message: RULE })
  @ApiProperty({ type: 'string', minLength: 1, maxLength: MAX_RULE_NAME_LENGTH, description: "The rule's name" })
  readonly rule!: string;

  /** A `/v1/check` caller (counted as `client:<clientId>`)... */
  @ValidateBy({
    name: 'oneCaller',
    validator: {
      validate: (_value, args) => callerReason(args!.object as CountersQuery) === undefined,
      defaultMessage: (args) => callerReason(args!.object as CountersQuery) ?? 'is invalid',
    },
  })
  @ApiPropertyOptional({
    type: 'string',
    minLength: 1,
    maxLength: MAX_CLIENT_ID_LENGTH,
    description: 'A /v1/check caller (counted as client:<clientId>); exactly one of clientId and ip',
  })
  readonly clientId?: string;

  /** ...or a caller of a guarded route, counted by address (`ip:<ip>`, IPv6 by its /64). */
  @ValidateIf((query: CountersQuery) => query.ip !== undefined && query.clientId === undefined)
  @ValidateBy({
    name: 'ipAddress',
    validator: {
      validate: (value) => typeof value === 'string' && isIP(value) !== 0,
      defaultMessage: () => 'must be an IPv4 or IPv6 address',
    },
  })
  @ApiPropertyOptional({
    type: 'string',
    description: 'A caller of a guarded route, counted by address (IPv6 by its /64); exactly one of clientId and ip',
    example: '203.0.113.7',
  })
  readonly ip?: string;

  /** For a per-resource rule: which resource's budget. */
  @ValidateIf(present)
  @Length(1, MAX_RESOURCE_LENGTH, { message: RESOURCE })
  @ApiPropertyOptional({
    type: 'string',
    minLength: 1,
    maxLength: MAX_RESOURCE_LENGTH,
    description: "For a per-resource rule: which resource's budget",
  })
  readonly resource?: string;
}
