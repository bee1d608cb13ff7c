import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean, ValidateBy, ValidateIf } from 'class-validator';
import { MAX_TIER_LENGTH } from '../../check/check-request.js';
import { given, PlainText, present } from '../../http/dto-fields.js';

export const MAX_OWNER_LENGTH = 200;
export const MAX_DESCRIPTION_LENGTH = 500;

const EXPIRES_AT = 'must be an ISO 8601 date-time in the future (e.g. 2027-01-31T00:00:00Z), or null';

/** A full date-time with a time zone, strictly ISO 8601, later than now. */
function FutureDateTime(): PropertyDecorator {
  return ValidateBy({
    name: 'futureDateTime',
    validator: {
      validate: (value) =>
        typeof value === 'string' &&
        /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})$/.test(value) &&
        Date.parse(value) > Date.now(),
      defaultMessage: () => EXPIRES_AT,
    },
  });
}

/** A tier: what rules select with `match.tier`. */
export function Tier(required: boolean): PropertyDecorator {
  return PlainText(1, MAX_TIER_LENGTH, { required });
}

/**
 * The fields of an API key's body besides its tier, all optional (`CreateApiKeyDto` requires the
 * tier, `UpdateApiKeyDto` does not).
 */
export class ApiKeyFieldsDto {
  /** Who the key is for (a team, a customer account). */
  @PlainText(1, MAX_OWNER_LENGTH, { nullable: true })
  @ApiProperty({ maxLength: MAX_OWNER_LENGTH, nullable: true, required: false, example: 'team-search' })
  owner?: string | null;

  @PlainText(0, MAX_DESCRIPTION_LENGTH, { nullable: true })
  @ApiProperty({ maxLength: MAX_DESCRIPTION_LENGTH, nullable: true, required: false })
  description?: string | null;

  /** A disabled key is refused (401) until enabled again. Default true. */
  @ValidateIf(present)
  @IsBoolean({ message: 'must be true or false' })
  @ApiProperty({ required: false, default: true })
  enabled?: boolean;

  /** From then on the key is refused (401). Null: never expires. */
  @ValidateIf(given)
  @FutureDateTime()
  @ApiProperty({ format: 'date-time', nullable: true, required: false })
  expiresAt?: string | null;
}
