import { jest } from '@jest/globals';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { RateLimiter } from '../../../src/limiter/index.js';
import { RedisNodeRegistry, type NodeInfo } from '../../../src/nodes/index.js';
import { READONLY_TOKEN, REDIS_URL, startNodesNode, type NodesNode } from './nodes-app.js';

const HEARTBEAT_MS = 100;
const EXPIRY_MS = 400;
const VERSION = (
  JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function listed(node: NodesNode): Promise<NodeInfo[]> {
  const response = await node.nodes();
  expect(response.status).toBe(200);
  return ((await response.json()) as { items: NodeInfo[] }).items;
}

describe('GET /v1/admin/nodes (Redis registry)', () => {
  const prefix = `nodes-e2e-${randomBytes(4).toString('hex')}:`;
  const started: NodesNode[] = [];
  let redis: Redis;

  beforeAll(() => {
    redis = new Redis(REDIS_URL);
  });

  async function start(nodeId: string): Promise<NodesNode> {
    const node = await startNodesNode({
      nodeId,
      keyPrefix: prefix,
      heartbeatIntervalMs: HEARTBEAT_MS,
      expiryMs: EXPIRY_MS,
    });
    started.push(node);
    return node;
  }

  async function stop(node: NodesNode): Promise<void> {
    started.splice(started.indexOf(node), 1);
    await node.close();
  }

  afterAll(async () => {
    await Promise.all(started.map((node) => node.close()));
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('lists every live node with its fields, keeps them fresh, and deregisters one at once on close', async () => {
    const a = await start('node-a');
    const b = await start('node-b');

    const items = await listed(a);
    expect(items.map((n) => n.id)).toEqual(['node-a', 'node-b']);
    for (const node of items) {
      expect(node).toEqual({
        id: node.id,
        host: hostname(),
        pid: process.pid,
        version: VERSION,
        startedAt: expect.stringMatching(ISO),
        lastHeartbeatAt: expect.stringMatching(ISO),
        rulesVersion: null,
        store: 'redis',
        breaker: 'closed',
      });
    }
    expect(await listed(b)).toEqual(items.map((n) => ({ ...n, lastHeartbeatAt: expect.stringMatching(ISO) })));
    expect(await redis.pttl(`${prefix}nodes:node-a`)).toBeGreaterThan(0);

    await sleep(HEARTBEAT_MS * 4);
    const later = await listed(a);
    expect(later.map((n) => n.startedAt)).toEqual(items.map((n) => n.startedAt));
    for (let i = 0; i < later.length; i++) {
      expect(Date.parse(later[i]!.lastHeartbeatAt)).toBeGreaterThan(Date.parse(items[i]!.lastHeartbeatAt));
    }

    await stop(b);
    // At once: no waiting for b's entry to expire.
    expect((await listed(a)).map((n) => n.id)).toEqual(['node-a']);
    expect(await redis.exists(`${prefix}nodes:node-b`)).toBe(0);
    expect(await redis.sismember(`${prefix}nodes`, 'node-b')).toBe(0);
  });

  it('drops a killed node (no heartbeat, no deregistration) after the expiry', async () => {
    const a = started[0] ?? (await start('node-a'));
    // What a node killed right after a heartbeat leaves behind: its last entry and its id.
    const ghostRegistry = new RedisNodeRegistry(redis, { keyPrefix: prefix });
    const ghost = { ...(await listed(a))[0]!, id: 'node-killed', pid: 1 };
    await ghostRegistry.register(ghost, EXPIRY_MS);
    expect((await listed(a)).map((n) => n.id)).toEqual(['node-a', 'node-killed']);

    await sleep(EXPIRY_MS + 300);
    expect((await listed(a)).map((n) => n.id)).toEqual(['node-a']);
    expect(await redis.sismember(`${prefix}nodes`, 'node-killed')).toBe(0);
  });

  it('sizes the insurance share from the live node count after each heartbeat', async () => {
    const a = started[0] ?? (await start('node-a'));
    const setInsuranceNodes = jest.spyOn(a.app.get(RateLimiter), 'setInsuranceNodes');
    const c = await start('node-c');
    await sleep(HEARTBEAT_MS * 3);
    expect(setInsuranceNodes).toHaveBeenLastCalledWith(2);
    await stop(c);
    await sleep(HEARTBEAT_MS * 3);
    expect(setInsuranceNodes).toHaveBeenLastCalledWith(1);
  });

  it('answers 401 without a token or with a wrong one, and 200 to the read-only token', async () => {
    const a = started[0] ?? (await start('node-a'));
    expect((await a.nodes(null)).status).toBe(401);
    expect((await a.nodes('w'.repeat(32))).status).toBe(401);
    expect((await a.nodes(READONLY_TOKEN)).status).toBe(200);
  });
});

describe('GET /v1/admin/nodes (memory registry)', () => {
  it('lists just this node, with the memory store and no breaker', async () => {
    const node = await startNodesNode({ nodeId: 'solo', heartbeatIntervalMs: HEARTBEAT_MS, expiryMs: EXPIRY_MS });
    try {
      const items = await listed(node);
      expect(items).toEqual([
        expect.objectContaining({ id: 'solo', pid: process.pid, version: VERSION, store: 'memory', breaker: 'none' }),
      ]);
    } finally {
      await node.close();
    }
  });
});
