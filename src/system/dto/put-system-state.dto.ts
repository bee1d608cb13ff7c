import { OneOf, PlainText } from '../../http/dto-fields.js';
import { LOAD_STATES, type LoadState } from '../system-state.js';

/**
 * The body of `PUT /v1/admin/system/state`.
 *
 * @example
 * { "state": "DEGRADED", "reason": "database failover in progress" }
 */
export class PutSystemStateDto {
  @OneOf(LOAD_STATES, { required: true })
  state!: LoadState;

  @PlainText(1, 500)
  reason?: string;
}
