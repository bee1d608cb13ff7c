import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean, IsString, Length, Matches, ValidateBy, ValidateIf } from 'class-validator';
import { MAX_TIER_LENGTH } from '../../check/check-request.dto.js';

export const MAX_OWNER_LENGTH = 200;
export const MAX_DESCRIPTION_LENGTH = 500;

/** Validates a field whenever it is given: `null` is a wrong type, not "absent". */
export const present = (_: object, value: unknown) => value !== undefined;

const NO_CONTROL_CHARACTERS = /^[^\p{Cc}]*$/u;
const TIER = `must be a string of 1 to ${MAX_TIER_LENGTH} characters without control characters`;
const OWNER = `must be a string of 1 to ${MAX_OWNER_LENGTH} characters without control characters, or null`;
const DESCRIPTION = `must be a string of at most ${MAX_DESCRIPTION_LENGTH} characters without control characters, or null`;
const EXPIRES_AT = 'must be an ISO 8601 date-time in the future (e.g. 2027-01-31T00:00:00Z), or null';

/** Validates a field only when it is given and not null (null clears it, where the field allows it). */
const given = (_: object, value: unknown) => value !== undefined && value !== null;
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

/** Checks a tier: what rules select with `match.tier`. */
export function Tier(): PropertyDecorator {
  return (target, key) => {
    IsString({ message: TIER })(target, key);
    Length(1, MAX_TIER_LENGTH, { message: TIER })(target, key);
    Matches(NO_CONTROL_CHARACTERS, { message: TIER })(target, key);
  };
}

/**
 * The fields of an API key's body besides its tier, all optional (`CreateApiKeyDto` requires the
 * tier, `UpdateApiKeyDto` does not).
 */
export class ApiKeyFieldsDto {
  /** Who the key is for (a team, a customer account). */
  @ValidateIf(given)
  @IsString({ message: OWNER })
  @Length(1, MAX_OWNER_LENGTH, { message: OWNER })
  @Matches(NO_CONTROL_CHARACTERS, { message: OWNER })
  @ApiProperty({ maxLength: MAX_OWNER_LENGTH, nullable: true, required: false, example: 'team-search' })
  owner?: string | null;

  @ValidateIf(given)
  @IsString({ message: DESCRIPTION })
  @Length(0, MAX_DESCRIPTION_LENGTH, { message: DESCRIPTION })
  @Matches(NO_CONTROL_CHARACTERS, { message: DESCRIPTION })
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
