import { IsDefined, IsInt, Min } from 'class-validator';
import { Documented } from '../../http/dto-fields.js';

const VERSION = 'must be an integer >= 1';

/**
 * The body of `POST /v1/admin/rules/:id/rollback`: the earlier version of the rule to restore.
 *
 * @example
 * { "version": 3 }
 */
export class RollbackRuleDto {
  @IsDefined({ message: 'is required' })
  @IsInt({ message: VERSION })
  @Min(1, { message: VERSION })
  @Documented({ type: 'integer', minimum: 1 }, { required: true }, { description: 'The rule version to restore' })
  version!: number;
}
