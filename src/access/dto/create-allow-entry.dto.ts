import { ApiProperty } from '@nestjs/swagger';
import { IsDefined, IsIn } from 'class-validator';
import { PlainText } from '../../http/dto-fields.js';
import { ALLOW_TYPES, type AllowType } from '../access-lists.js';
import { AccessValue } from './access-value.decorator.js';

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

  @PlainText(1, 500)
  @ApiProperty({ maxLength: 500, required: false })
  description?: string;
}
