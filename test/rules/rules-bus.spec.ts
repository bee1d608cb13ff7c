/**
 * The snapshot `RulesBus` keeps in Redis, against real Redis: what one node stores is what another
 * reads back to catch up without Postgres, rows and all, and what it must refuse to hand over.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { serialize } from 'node:v8';
import { Redis } from 'ioredis';
import { RulesBus } from '../../src/rules/rules-bus.js';
import type { SnapshotLoad } from '../../src/rules/rules.repository.js';
import type { StoredRule } from '../../src/rules/rule.js';

const REDIS_URL = 'redis://127.0.0.1:6379';

const rule = (name: string): StoredRule => ({
  id: `rule-${name}`,
  name,
  description: null,
  match: { resource: `GET /${name}` },
  algorithm: 'sliding_window',
  limits: [{ limit: 5, windowMs: 60_000 }],
  enabled: true,
  shadow: false,
  priority: 0,
  perResource: false,
  penalty: null,
  stateLimits: null,
  countOnly: null,
  version: 1,
  createdAt: new Date('2026-11-30T10:00:00.000Z'),
  updatedAt: new Date('2026-12-01T10:00:00.000Z'),
});

/** A load with sections as Prisma returns their rows: dates, nulls, a big integer. */
const load = (version: number, databaseId: string): SnapshotLoad => ({
  version,
  databaseId,
  rules: [rule('checkout')],
  sections: {
    blocks: [{ id: 'b1', type: 'ip', value: '10.0.0.0/8', expiresAt: new Date('2027-01-01T00:00:00.000Z') }],
    api_keys: [{ id: 'k1', secretHash: 'ab'.repeat(32), tier: 'pro', enabled: true, expiresAt: null }],
    system_state: { id: 1, state: 'DEGRADED', changedAt: new Date('2026-12-01T12:00:00.000Z'), big: 9007199254740993n },
  },
});

/** `value` with dates as `Date <ISO>` strings and big integers as `<n>n`, whichever realm made them. */
function comparable(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, function (this: Record<string, unknown>, key: string, plain: unknown) {
      const raw = this[key];
      if (Object.prototype.toString.call(raw) === '[object Date]') return `Date ${(raw as Date).toISOString()}`;
      return typeof plain === 'bigint' ? `${plain}n` : plain;
    }),
  );
}

describe('RulesBus snapshot in Redis', () => {
  let bus: RulesBus;
  let redis: Redis;
  let key: string;

  beforeEach(async () => {
    const channel = `floodgate-test:bus:${randomBytes(6).toString('hex')}`;
    key = `${channel}:snapshot`;
    bus = await RulesBus.connect({ redis: REDIS_URL, channel });
  });
  beforeAll(() => {
    redis = new Redis(REDIS_URL);
  });
  afterEach(async () => {
    bus.close();
    await redis.del(key);
  });
  afterAll(() => redis.disconnect());

  it('hands another node the rules and every section row as they were loaded', async () => {
    const databaseId = randomUUID();
    expect(await bus.storeSnapshot(load(7, databaseId))).toBe(true);

    const read = await bus.loadFullSnapshot();
    const { sections, ...rest } = load(7, databaseId);
    expect(read).toMatchObject(rest);
    expect(read!.rules[0]!.updatedAt).toBeInstanceOf(Date);
    // Deserialized in Node's own realm, not Jest's: its dates are dates, but not of Jest's `Date`.
    expect(comparable(read!.sections)).toEqual(comparable(sections));
    const state = read!.sections.system_state as Record<string, unknown>;
    expect(Object.prototype.toString.call(state.changedAt)).toBe('[object Date]');
    expect(state.big).toBe(9007199254740993n);
    // Library nodes still read the rules alone, as JSON.
    expect(await bus.loadSnapshot()).toEqual({ version: 7, rules: load(7, databaseId).rules });
  });

  it('never replaces a newer or equal snapshot with an older one', async () => {
    const databaseId = randomUUID();
    expect(await bus.storeSnapshot(load(7, databaseId))).toBe(true);
    expect(await bus.storeSnapshot({ ...load(6, databaseId), rules: [] })).toBe(false);
    expect(await bus.storeSnapshot({ ...load(7, databaseId), rules: [] })).toBe(false);
    expect((await bus.loadFullSnapshot())?.rules.map((r) => r.name)).toEqual(['checkout']);
    expect(await bus.storeSnapshot({ ...load(8, databaseId), rules: [] })).toBe(true);
    expect(await bus.loadFullSnapshot()).toMatchObject({ version: 8, rules: [] });
  });

  it('has nothing to hand over when none is stored, or when its sections are not of its version', async () => {
    expect(await bus.loadFullSnapshot()).toBeUndefined();

    // What a node that stores rules only leaves: a newer version and rules beside older sections.
    await bus.storeSnapshot(load(7, randomUUID()));
    await redis.hset(key, 'version', '8', 'rules', JSON.stringify([rule('newer')]));
    expect(await bus.loadFullSnapshot()).toBeUndefined();

    await redis.hdel(key, 'sections');
    expect(await bus.loadFullSnapshot()).toBeUndefined();
  });

  it('rejects sections it cannot decode, saying so', async () => {
    await redis.hset(key, 'version', '3', 'rules', '[]', 'sections', Buffer.from('not a snapshot'));
    await expect(bus.loadFullSnapshot()).rejects.toThrow();

    await redis.hset(key, 'sections', serialize({ version: 3, sections: {} }));
    await expect(bus.loadFullSnapshot()).rejects.toThrow(
      'the stored snapshot sections are not a version, a database id and sections by name',
    );
  });
});
