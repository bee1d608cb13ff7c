import { MAX_PENALTY_MS, MAX_PENALTY_MULTIPLIER } from '../../limiter/policy/penalty.js';
import { Integer } from './rule-fields.js';

/**
 * A rule's progressive penalty: once over a limit, the caller is refused for
 * `min(blockDurationMs * multiplier^(offences - 1), maxBlockMs)`; offences are forgotten `decayMs`
 * after the last block ends. `maxBlockMs >= blockDurationMs` is checked by `validateRuleBody`.
 *
 * @example
 * { "blockDurationMs": 60000, "multiplier": 2, "maxBlockMs": 3600000 }
 */
export class RulePenaltyDto {
  @Integer(true, 1, MAX_PENALTY_MS, { description: 'The first block, ms' })
  blockDurationMs!: number;

  @Integer(false, 1, MAX_PENALTY_MULTIPLIER, {
    default: 1,
    description: 'Each repeat offence multiplies the block by this (1: a fixed block)',
  })
  multiplier?: number;

  @Integer(false, 1, MAX_PENALTY_MS, {
    description: 'Offences are forgotten this long after the last block ends; default 10 x blockDurationMs',
  })
  decayMs?: number;

  @Integer(false, 1, MAX_PENALTY_MS, {
    description: 'The longest block, >= blockDurationMs; default 24 h (or blockDurationMs if longer)',
  })
  maxBlockMs?: number;
}
