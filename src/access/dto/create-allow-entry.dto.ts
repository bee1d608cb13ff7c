import { ApiProperty } from '@nestjs/swagger';
import { IsDefined, IsIn, IsString, Length, Matches, ValidateIf } from 'class-validator';
import { ALLOW_TYPES, type AllowType } from '../access-lists.js';
import { AccessValue } from './access-value.decorator.js';

const DESCRIPTION = 'must be a string of 1 to 500 characters without control characters';
const present = (_: object, value: unknown) => value !== undefined;

/**
 * The body of `POST /v1/admin/allowlist`: a caller (client id, API key id, address or range) or a
 * route name that is never rate limited.
 *
 * @example
 * { "type": "route", "value": "POST /v1/payments", "description": "never shed payments" }
 */
export class CreateAllowEntryDto {
  @IsDefined({ message: 'is required' })
  @IsIn(ALLOW_TYPES, { message: `must be one of ${ALLOW_TYPES.join(', ')}` })
  @ApiProperty({ enum: ALLOW_TYPES })
  type!: AllowType;

  @IsDefined({ message: 'is required' })
  @AccessValue(ALLOW_TYPES)
  @ApiProperty({ example: 'POST /v1/payments' })
  value!: string;

  @ValidateIf(present)
  @IsString({ message: DESCRIPTION })
  @Length(1, 500, { message: DESCRIPTION })
  @Matches(/^[^\p{Cc}]*$/u, { message: DESCRIPTION })
  @ApiProperty({ maxLength: 500, required: false })
  description?: string;
}
