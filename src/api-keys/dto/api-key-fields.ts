import { IsBoolean, ValidateBy, ValidateIf } from 'class-validator';
import { MAX_TIER_LENGTH } from '../../check/check-request.js';
import { Documented, type FieldDoc, given, PlainText, present } from '../../http/dto-fields.js';

export const MAX_OWNER_LENGTH = 200;
export const MAX_DESCRIPTION_LENGTH = 500;

const EXPIRES_AT = 'must be an ISO 8601 date-time in the future (e.g. 2027-01-31T00:00:00Z), or null';

/** A full date-time with a time zone, strictly ISO 8601, later than now; `null` clears it. */
function FutureDateTime(): PropertyDecorator {
  return (target, key) => {
    ValidateIf(given)(target, key);
    ValidateBy({
      name: 'futureDateTime',
      validator: {
        validate: (value) =>
          typeof value === 'string' &&
          /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})$/.test(value) &&
          Date.parse(value) > Date.now(),
        defaultMessage: () => EXPIRES_AT,
      },
    })(target, key);
    Documented(
      { type: 'string', format: 'date-time' },
      { nullable: true },
      { description: 'From then on the key is refused (401); in the future. Null: never expires' },
    )(target, key);
  };
}

/** A tier: what rules select with `match.tier`. */
export function Tier(required: boolean, doc: FieldDoc = {}): PropertyDecorator {
  return PlainText(1, MAX_TIER_LENGTH, {
    required,
    description: 'What rules select with `match.tier`',
    ...doc,
  });
}

/**
 * The fields of an API key's body besides its tier, all optional (`CreateApiKeyDto` requires the
 * tier, `UpdateApiKeyDto` does not).
 */
export class ApiKeyFieldsDto {
  /** Who the key is for (a team, a customer account). */
  @PlainText(1, MAX_OWNER_LENGTH, {
    nullable: true,
    description: 'Who the key is for (a team, a customer account)',
    example: 'team-search',
  })
  owner?: string | null;

  @PlainText(0, MAX_DESCRIPTION_LENGTH, { nullable: true })
  description?: string | null;

  /** A disabled key is refused (401) until enabled again. Default true. */
  @ValidateIf(present)
  @IsBoolean({ message: 'must be true or false' })
  @Documented({ type: 'boolean' }, {}, { default: true, description: 'A disabled key is refused (401)' })
  enabled?: boolean;

  /** From then on the key is refused (401). Null: never expires. */
  @FutureDateTime()
  expiresAt?: string | null;
}
