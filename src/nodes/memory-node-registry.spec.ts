import { MemoryNodeRegistry } from './memory-node-registry.js';
import type { NodeInfo } from './node-info.js';
import { validateNodesOptions } from './nodes.providers.js';

const node: NodeInfo = {
  id: 'solo',
  host: 'h',
  pid: 1,
  version: '0.1.0',
  startedAt: '2026-01-01T00:00:00.000Z',
  lastHeartbeatAt: '2026-01-01T00:00:05.000Z',
  rulesVersion: 3,
  store: 'memory',
  breaker: 'none',
};

describe('MemoryNodeRegistry', () => {
  let now = 0;
  const registry = new MemoryNodeRegistry(() => now);

  it('holds just this node until its entry expires', async () => {
    now = 1_000;
    await registry.register(node, 15_000);
    expect(await registry.list()).toEqual([node]);
    now = 15_999;
    expect(await registry.list()).toEqual([node]);
    now = 16_000;
    expect(await registry.list()).toEqual([]);
  });

  it('forgets the node on deregistration, but not for another id', async () => {
    now = 0;
    await registry.register(node, 15_000);
    await registry.deregister('other');
    expect(await registry.list()).toEqual([node]);
    await registry.deregister('solo');
    expect(await registry.list()).toEqual([]);
  });
});

describe('validateNodesOptions', () => {
  it('accepts the defaults', () => {
    expect(() => validateNodesOptions({ nodeId: 'n1' })).not.toThrow();
  });

  it.each([
    [{ nodeId: '' }, /"nodeId" must be a non-empty string/],
    [{ nodeId: 'n1', heartbeatIntervalMs: 0 }, /"heartbeatIntervalMs" must be an integer >= 1/],
    [{ nodeId: 'n1', heartbeatIntervalMs: 5_000, expiryMs: 5_000 }, /"expiryMs" must be an integer above/],
    [{ nodeId: 'n1', expiryMs: 1.5 }, /"expiryMs" must be an integer above/],
  ])('refuses %j', (options, message) => {
    expect(() => validateNodesOptions(options)).toThrow(message);
  });
});
