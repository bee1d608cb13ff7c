/**
 * The whole control plane for an app that embeds only the limiter: a service node and a library
 * app (`ControlPlaneClient`, no database) on one Redis; an admin writes a rule, an API key and its
 * tier, blocks, an allow-list entry and DEGRADED on the service, and the library app enforces each
 * within the bound a second service node is held to, through the same snapshot and announcement.
 */
import { randomUUID } from 'node:crypto';
import { serialize } from 'node:v8';
import { Redis } from 'ioredis';
import { ControlPlaneClient } from '../../../src/control-plane-client/index.js';
import { DEFAULT_RULES_CHANNEL, RulesRefresher } from '../../../src/rules/index.js';
import {
  adminFetch,
  json,
  type RunningService,
  useServiceDatabase,
  useServiceFleet,
} from '../service/service-harness.js';
import { type LibraryApp, startLibraryApp } from './library-app.js';

useServiceDatabase();

/** What the hot-reload suite holds service nodes to (the goal is milliseconds; this is a wide margin). */
const PROPAGATION_BOUND_MS = 2_000;
const SNAPSHOT_KEY = `${DEFAULT_RULES_CHANNEL}:snapshot`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await sleep(2);
  }
  return condition();
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

// A Redis of its own: service nodes of other test files announce on the same default channel.
describe('ControlPlaneClient: a library app enforces what an admin sets on the service', () => {
  let redis: Redis;
  let library: LibraryApp;
  const fleet = useServiceFleet({
    redis: 'own',
    nodes: 2,
    // Far off: only the announcement can explain a node catching up during a test.
    env: { RULES_REFRESH_INTERVAL_MS: '60000', DEFAULT_LIMIT: '1000' },
    beforeStop: async () => {
      await library?.close();
      redis?.disconnect();
    },
  });
  const [writer, peer] = fleet.nodes;

  beforeAll(async () => {
    redis = new Redis(fleet.redis.url);
    library = await startLibraryApp(fleet.redis.url, fleet.prefix);
  }, 60_000);

  const admin = (method: string, path: string, body?: unknown) => adminFetch(writer, method, path, body);
  const versionOf = (service: RunningService) => service.app.get(RulesRefresher).version;

  /**
   * After an admin write (already in force on the writer when answered): the peer service node and
   * the library app both reach the writer's version within the bound.
   */
  async function propagated(): Promise<void> {
    const target = versionOf(writer);
    expect(await waitUntil(() => versionOf(peer) >= target, PROPAGATION_BOUND_MS)).toBe(true);
    expect(await waitUntil(() => library.client.current.version >= target, PROPAGATION_BOUND_MS)).toBe(true);
  }

  async function write(method: string, path: string, body?: unknown): Promise<Json> {
    const res = await admin(method, path, body);
    expect(res.status).toBeLessThan(300);
    await propagated();
    return res.status === 204 ? {} : json<Json>(res);
  }

  it('loads the stored snapshot at start: NORMAL, nobody blocked, no rule yet', async () => {
    expect(library.client.loaded).toBe(true);
    expect(library.client.current.version).toBe(versionOf(writer));
    expect(library.client.loadState).toBe('NORMAL');
    const res = await library.get('/library/widgets');
    expect(res.status).toBe(200);
  });

  it('enforces a rule written on the service', async () => {
    await write('POST', '/v1/admin/rules', {
      name: 'lib-widgets',
      match: { resource: 'GET /library/widgets' },
      limits: [{ limit: 2, windowMs: 60_000 }],
    });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await library.get('/library/widgets')).status);
    expect(statuses).toEqual([200, 200, 429]);
    const refused = await library.get('/library/widgets');
    expect(refused.headers.get('x-ratelimit-limit')).toBe('2');
    expect(refused.headers.get('retry-after')).not.toBeNull();
  });

  it("picks the rules by an API key's tier, refuses unknown and revoked keys with 401, and a key's block with 429", async () => {
    await write('POST', '/v1/admin/rules', {
      name: 'lib-gold',
      match: { resource: 'GET /library/gadgets', tier: 'gold' },
      limits: [{ limit: 5, windowMs: 60_000 }],
    });
    const key = await write('POST', '/v1/admin/api-keys', { tier: 'gold' });
    const withKey = (secret: string) => library.get('/library/gadgets', { 'x-api-key': secret });

    const gold = await withKey(key.key);
    expect(gold.status).toBe(200);
    expect(gold.headers.get('x-ratelimit-limit')).toBe('5');
    expect(gold.headers.get('x-ratelimit-remaining')).toBe('4');
    // Without a key the tier rule does not apply, and the library app has no default of its own.
    const keyless = await library.get('/library/gadgets');
    expect(keyless.status).toBe(200);
    expect(keyless.headers.get('x-ratelimit-limit')).toBeNull();
    const unknown = await withKey('fgk_not-a-key-at-all');
    expect(unknown.status).toBe(401);
    expect(await json(unknown)).toMatchObject({ message: 'Invalid API key' });

    const block = await write('POST', '/v1/admin/blocks', {
      type: 'apiKey',
      value: key.id,
      durationMs: 600_000,
      reason: 'leaked in a public repository',
      publicReason: 'This key is suspended',
    });
    const blocked = await withKey(key.key);
    expect(blocked.status).toBe(429);
    expect(await json(blocked)).toMatchObject({ message: 'This key is suspended' });
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(590);

    await write('DELETE', `/v1/admin/blocks/${block.id}`);
    expect((await withKey(key.key)).status).toBe(200);

    await write('POST', `/v1/admin/api-keys/${key.id}/revoke`);
    const revoked = await withKey(key.key);
    expect(revoked.status).toBe(401);
    expect(await json(revoked)).toMatchObject({ message: 'This API key has been revoked' });
  });

  it("switches to a rule's DEGRADED limits when the service's state does, and back", async () => {
    await write('POST', '/v1/admin/rules', {
      name: 'lib-by-state',
      match: { resource: 'GET /library/by-state' },
      limits: [{ limit: 50, windowMs: 60_000 }],
      stateLimits: { DEGRADED: [{ limit: 1, windowMs: 60_000 }] },
    });
    expect((await library.get('/library/by-state')).headers.get('x-ratelimit-limit')).toBe('50');
    await write('PUT', '/v1/admin/system/state', { state: 'DEGRADED', reason: 'database failover' });
    try {
      expect(library.client.loadState).toBe('DEGRADED');
      const degraded = await library.get('/library/by-state');
      expect(degraded.headers.get('x-ratelimit-limit')).toBe('1');
    } finally {
      await write('PUT', '/v1/admin/system/state', { state: 'NORMAL' });
    }
    expect(library.client.loadState).toBe('NORMAL');
    expect((await library.get('/library/by-state')).headers.get('x-ratelimit-limit')).toBe('50');
  });

  it('exempts an allow-listed route, and refuses every request of a blocked address until the block is lifted', async () => {
    expect((await library.get('/library/widgets')).status).toBe(429);
    const entry = await write('POST', '/v1/admin/allowlist', { type: 'route', value: 'GET /library/widgets' });
    const exempt = await library.get('/library/widgets');
    expect(exempt.status).toBe(200);
    expect(exempt.headers.get('x-ratelimit-limit')).toBeNull();
    await write('DELETE', `/v1/admin/allowlist/${entry.id}`);
    expect((await library.get('/library/widgets')).status).toBe(429);

    const block = await write('POST', '/v1/admin/blocks', {
      type: 'ip',
      value: '127.0.0.1',
      durationMs: 600_000,
      reason: 'test',
    });
    try {
      expect(library.client.accessLists.blocks.size).toBe(1);
      expect((await library.get('/library/gadgets')).status).toBe(429);
    } finally {
      // The admin API is not behind the caller gate: the blocked address can still lift the block.
      await write('DELETE', `/v1/admin/blocks/${block.id}`);
    }
    expect((await library.get('/library/gadgets')).status).toBe(200);
  });

  describe('a stored snapshot it cannot use', () => {
    let stored: Record<string, Buffer>;
    beforeAll(async () => {
      stored = await redis.hgetallBuffer(SNAPSHOT_KEY);
    });
    afterAll(async () => {
      // Put back what the service stored: later writes compare against its version.
      await redis.del(SNAPSHOT_KEY);
      await redis.hset(SNAPSHOT_KEY, stored);
    });

    it('leaves out a row that cannot be enforced, and enforces the rest of its version', async () => {
      const version = library.client.current.version + 100;
      const sections = {
        blocks: [
          {
            id: randomUUID(),
            type: 'ip',
            value: 'not-an-address',
            reason: 'x',
            publicReason: null,
            expiresAt: new Date(Date.now() + 60_000),
            createdBy: 'hand',
            createdAt: new Date(),
          },
          {
            id: randomUUID(),
            type: 'clientId',
            value: 'someone',
            reason: 'x',
            publicReason: null,
            expiresAt: new Date(Date.now() + 60_000),
            createdBy: 'hand',
            createdAt: new Date(),
          },
        ],
        allowlist: [],
        api_keys: [],
        system_state: { id: 1, state: 'DEGRADED', reason: null, changedBy: 'hand', changedAt: new Date() },
      };
      await redis.hset(SNAPSHOT_KEY, {
        version: String(version),
        sections: serialize({ version, databaseId: 'hand-written', sections }),
      });
      expect(await library.client.reload()).toBe(true);
      expect(library.client.current.version).toBe(version);
      expect(library.client.invalid).toEqual([
        expect.objectContaining({ section: 'blocks', id: sections.blocks[0]!.id }),
      ]);
      expect(library.client.accessLists.blocks.size).toBe(1);
      expect(library.client.loadState).toBe('DEGRADED');
      // A blocked caller is refused with 429, or with 403 where the app says so (BLOCK_RESPONSE_STATUS).
      const blocked = { resource: 'GET /library/widgets', clientId: 'someone' };
      expect(library.client.check(blocked)).toMatchObject({ kind: 'refused', status: 429, reason: 'blocked' });
      const forbidding = new ControlPlaneClient({
        redis: fleet.redis.url,
        refreshIntervalMs: 60_000,
        blockedStatus: 403,
      });
      await forbidding.start();
      try {
        expect(forbidding.check(blocked)).toMatchObject({ kind: 'refused', status: 403, reason: 'blocked' });
      } finally {
        await forbidding.close();
      }
    });

    it('keeps the last good snapshot whole when a section does not compile or the sections do not decode', async () => {
      const before = library.client.current.version;
      const failures = library.client.failures;
      const version = before + 1;
      await redis.hset(SNAPSHOT_KEY, {
        version: String(version),
        sections: serialize({
          version,
          databaseId: 'hand-written',
          sections: { api_keys: 'not rows', system_state: { id: 1, state: 'PANIC', changedAt: new Date() } },
        }),
      });
      expect(await library.client.reload()).toBe(false);
      await redis.hset(SNAPSHOT_KEY, { version: String(version), sections: Buffer.from('not v8 at all') });
      expect(await library.client.reload()).toBe(false);
      expect(library.client.failures).toBe(failures + 2);
      expect(library.client.current.version).toBe(before);
      expect(library.client.loadState).toBe('DEGRADED');
      expect(library.client.accessLists.blocks.size).toBe(1);
    });
  });
});
