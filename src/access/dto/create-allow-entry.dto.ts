import { IsDefined } from 'class-validator';
import { Documented, OneOf, PlainText } from '../../http/dto-fields.js';
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
  @OneOf(ALLOW_TYPES, { required: true })
  type!: AllowType;

  /** Checked for the `type` given (`AccessValue`). */
  @IsDefined({ message: 'is required' })
  @AccessValue(ALLOW_TYPES)
  @Documented(
    { type: 'string' },
    { required: true },
    {
      description: 'A client id, an API key id, an address or CIDR range, or a route name',
      example: 'POST /v1/payments',
    },
  )
  value!: string;

  @PlainText(1, 500)
  description?: string;
}
