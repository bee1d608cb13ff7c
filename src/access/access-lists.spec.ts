import type { AllowlistEntry, Block } from '../db/index.js';
import { AccessLists as Lists, AllowList, BlockList } from './access-lists.js';

/** Compiled as a rules snapshot compiles them. */
class AccessLists extends Lists {
  constructor(blocks: Block[], allows: AllowlistEntry[]) {
    super(new BlockList(blocks), new AllowList(allows));
  }
}

const NOW = Date.parse('2026-12-01T12:00:00Z');
let n = 0;

function block(type: string, value: string, expiresInMs = 60_000, publicReason: string | null = null): Block {
  return {
    id: `b${++n}`,
    type,
    value,
    reason: 'test',
    publicReason,
    expiresAt: new Date(NOW + expiresInMs),
    createdBy: 'admin',
    createdAt: new Date(NOW - 1_000),
  };
}

function allow(type: string, value: string): AllowlistEntry {
  return { id: `a${++n}`, type, value, description: null, createdBy: 'admin', createdAt: new Date(NOW - 1_000) };
}

describe('AccessLists', () => {
  it('blocks a client id, an API key and an address or range, with the block that lasts longest', () => {
    const lists = new AccessLists(
      [
        block('clientId', 'acct_1'),
        block('apiKey', 'key-1'),
        block('ip', '203.0.113.0/24'),
        block('ip', '203.0.113.0/24', 120_000, 'later'),
      ],
      [],
    );
    expect(lists.verdict({ clientId: 'acct_1' }, NOW)).toMatchObject({ kind: 'blocked', block: { type: 'clientId' } });
    expect(lists.verdict({ apiKeyId: 'key-1' }, NOW)).toMatchObject({ kind: 'blocked', block: { type: 'apiKey' } });
    expect(lists.verdict({ ip: '203.0.113.77' }, NOW)).toMatchObject({
      kind: 'blocked',
      block: { publicReason: 'later' },
    });
    expect(lists.verdict({ ip: '198.51.100.1', clientId: 'acct_2', apiKeyId: 'key-2' }, NOW)).toEqual({ kind: 'none' });
  });

  it('ignores a block once it has expired, uncovering a wider one still in force', () => {
    const lists = new AccessLists(
      [block('ip', '10.1.0.0/16', 1_000, 'narrow'), block('ip', '10.0.0.0/8', 60_000, 'wide')],
      [],
    );
    expect(lists.verdict({ ip: '10.1.2.3' }, NOW)).toMatchObject({ block: { publicReason: 'narrow' } });
    expect(lists.verdict({ ip: '10.1.2.3' }, NOW + 2_000)).toMatchObject({ block: { publicReason: 'wide' } });
    expect(lists.verdict({ ip: '10.1.2.3' }, NOW + 61_000)).toEqual({ kind: 'none' });
  });

  it('lets an allow-listed address inside a blocked range through, and never limits it', () => {
    const lists = new AccessLists([block('ip', '203.0.113.0/24')], [allow('ip', '203.0.113.7')]);
    expect(lists.verdict({ ip: '203.0.113.7' }, NOW)).toEqual({ kind: 'allowed', by: 'ip' });
    expect(lists.verdict({ ip: '203.0.113.8' }, NOW)).toMatchObject({ kind: 'blocked' });
  });

  it('keeps a blocked address inside an allow-listed range blocked, and a tie goes to the block', () => {
    const lists = new AccessLists(
      [block('ip', '10.9.9.9'), block('ip', '192.0.2.0/24')],
      [allow('ip', '10.0.0.0/8'), allow('ip', '192.0.2.0/24')],
    );
    expect(lists.verdict({ ip: '10.9.9.9' }, NOW)).toMatchObject({ kind: 'blocked' });
    expect(lists.verdict({ ip: '10.9.9.8' }, NOW)).toEqual({ kind: 'allowed', by: 'ip' });
    expect(lists.verdict({ ip: '192.0.2.1' }, NOW)).toMatchObject({ kind: 'blocked' });
  });

  it('keeps a blocked key blocked on an allow-listed route and from an allow-listed address', () => {
    const lists = new AccessLists(
      [block('apiKey', 'key-1')],
      [allow('route', 'GET /payments'), allow('ip', '198.51.100.0/24'), allow('apiKey', 'key-1')],
    );
    expect(lists.verdict({ apiKeyId: 'key-1', route: 'GET /payments', ip: '198.51.100.5' }, NOW)).toMatchObject({
      kind: 'blocked',
      block: { type: 'apiKey' },
    });
    expect(lists.verdict({ apiKeyId: 'key-2', route: 'GET /payments' }, NOW)).toEqual({ kind: 'allowed', by: 'route' });
  });

  it('exempts an allow-listed client id, API key or route', () => {
    const lists = new AccessLists(
      [],
      [allow('clientId', 'internal-batch'), allow('apiKey', 'key-9'), allow('route', 'GET /status')],
    );
    expect(lists.verdict({ clientId: 'internal-batch' }, NOW)).toEqual({ kind: 'allowed', by: 'clientId' });
    expect(lists.verdict({ apiKeyId: 'key-9' }, NOW)).toEqual({ kind: 'allowed', by: 'apiKey' });
    expect(lists.verdict({ route: 'GET /status' }, NOW)).toEqual({ kind: 'allowed', by: 'route' });
    expect(lists.verdict({ route: 'GET /other', clientId: 'someone' }, NOW)).toEqual({ kind: 'none' });
  });

  it('refuses to compile a stored entry it could not enforce', () => {
    expect(() => new AccessLists([block('ip', 'not-an-ip')], [])).toThrow(/is not an address or a range/);
    expect(() => new AccessLists([block('user', 'x')], [])).toThrow(/unknown type "user"/);
    expect(() => new AccessLists([], [allow('header', 'x')])).toThrow(/unknown type "header"/);
  });
});
