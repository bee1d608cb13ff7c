import { postCheck, useServiceDatabase, useServiceFleet } from './service-harness.js';

useServiceDatabase();

describe('Floodgate service: POST /v1/check on the shared Redis, two nodes', () => {
  const [nodeA, nodeB] = useServiceFleet({
    env: { DEFAULT_LIMIT: '4', DEFAULT_WINDOW_MS: '2000' },
    nodes: [{ NODE_ID: 'node-a' }, { NODE_ID: 'node-b' }],
  }).nodes;

  it('shares one count between nodes, refuses past it, and allows again after the window', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await postCheck(i % 2 ? nodeB : nodeA, { clientId: 'shared' })).status);
    expect(statuses).toEqual([200, 200, 200, 200]);
    const refused = await postCheck(nodeB, { clientId: 'shared' });
    expect(refused.status).toBe(429);
    const body = (await refused.json()) as Record<string, number>;
    expect(body).toMatchObject({ allowed: false, limit: 4, remaining: 0, rule: 'default' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await postCheck(nodeA, { clientId: 'shared' })).status).toBe(429);
    // Wait out the refusal the service itself announced (plus a wide margin).
    await new Promise((resolve) => setTimeout(resolve, body.retryAfterMs + 300));
    expect((await postCheck(nodeA, { clientId: 'shared' })).status).toBe(200);
  });

  it('reports the store (and its circuit breaker), the database and the rules as up', async () => {
    const res = await fetch(`${nodeA.url}/health`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as Record<string, unknown>).details).toEqual({
      rateLimitStore: { status: 'up', breaker: 'closed' },
      database: { status: 'up' },
      rules: { status: 'up', version: 0 },
    });
  });
});
