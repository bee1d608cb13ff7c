import { randomBytes } from 'node:crypto';

/**
 * Concurrency lease ids, unique across every process sharing a store: a random prefix per
 * generator (72 bits) and a counter. Short, because every lease in flight is a member of a Redis
 * sorted set, and cheap: no randomness per lease.
 */
export class LeaseIds {
  private readonly prefix = randomBytes(9).toString('base64url');
  private counter = 0;

  next(): string {
    return `${this.prefix}.${(++this.counter).toString(36)}`;
  }
}
