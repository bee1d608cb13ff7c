import { useTestDatabase } from '../../db/support/test-database.js';
import { DEFAULT_POLICY, type ExplainNode, startExplainNode } from './explain-app.js';

const SETUP_TIMEOUT_MS = 60_000;
const EXPLAIN = '/v1/admin/explain';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function json(response: Response): Promise<Json> {
  return (await response.json()) as Json;
}

/** This file's database: made before the first test, dropped after the last. */
const db = useTestDatabase();

describe('POST /v1/admin/explain', () => {
  let node: ExplainNode;
  let broad: Json;
  let narrow: Json;

  beforeAll(async () => {
    node = await startExplainNode(db.url);
    const create = async (body: Json) => {
      const response = await node.send('POST', '/v1/admin/rules', { body });
      expect(response.status).toBe(201);
      return json(response);
    };
    broad = await create({
      name: 'search-all',
      match: { resource: 'GET /v1/*' },
      algorithm: 'fixed_window',
      limits: [{ limit: 100, windowMs: 60_000 }],
    });
    narrow = await create({
      name: 'search-free',
      match: { resource: 'GET /v1/search', tier: 'free' },
      algorithm: 'fixed_window',
      limits: [{ limit: 3, windowMs: 60_000 }],
    });
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    await node?.close();
  });

  const explain = async (body: unknown, token?: string | null) => node.send('POST', EXPLAIN, { body, token });

  it('lists both overlapping rules, the more specific first, and says why it wins', async () => {
    const response = await explain({ clientId: 'acct_1', resource: 'GET /v1/search', tier: 'free', cost: 2 });
    expect(response.status).toBe(200);
    const body = await json(response);
    expect(body.query).toEqual({ clientId: 'acct_1', resource: 'GET /v1/search', tier: 'free', cost: 2 });
    expect(body.rulesVersion).toBe(2);
    expect(body.matched).toEqual([
      {
        id: narrow.id,
        name: 'search-free',
        rank: 1,
        selectors: ['tier', 'resource'],
        resourceMatch: 'exact',
        priority: 0,
        specificity: `tier+resource; exact resource; priority 0; created ${narrow.createdAt}`,
      },
      {
        id: broad.id,
        name: 'search-all',
        rank: 2,
        selectors: ['resource'],
        resourceMatch: 'glob',
        priority: 0,
        specificity: `resource; resource glob with 8 literal characters; priority 0; created ${broad.createdAt}`,
      },
    ]);
    expect(body.winner).toEqual({
      id: narrow.id,
      name: 'search-free',
      reason: 'names more selectors (tier+resource) than "search-all" (resource)',
    });
    expect(body.policy).toEqual({
      name: 'search-free',
      algorithm: 'fixed_window',
      limits: [{ limit: 3, windowMs: 60_000 }],
      shadow: false,
      source: 'rule',
    });
    expect(body.decision).toMatchObject({ allowed: true, outcome: 'allowed', limit: 3, remaining: 3 });
    expect(body.decision.resetAt).toEqual(expect.any(Number));
  });

  it('falls back to the broader rule without a tier', async () => {
    const body = await json(await explain({ clientId: 'acct_1', resource: 'GET /v1/search' }));
    expect(body.matched.map((rule: Json) => rule.name)).toEqual(['search-all']);
    expect(body.winner).toEqual({ id: broad.id, name: 'search-all', reason: 'the only rule that matches' });
  });

  it('consumes nothing: remaining stays while checks move it', async () => {
    const query = { clientId: 'acct_dry', resource: 'GET /v1/search', tier: 'free' };
    const first = await json(await explain(query));
    const second = await json(await explain(query));
    expect(first.decision.remaining).toBe(3);
    expect(second.decision.remaining).toBe(3);
    const check = await node.send('POST', '/v1/check', { body: { ...query, cost: 2 }, token: null });
    expect(check.status).toBe(200);
    const after = await json(await explain({ ...query, cost: 2 }));
    expect(after.decision).toMatchObject({ allowed: false, outcome: 'limited', remaining: 1, limit: 3 });
    const again = await json(await explain({ ...query, cost: 1 }));
    expect(again.decision).toMatchObject({ allowed: true, outcome: 'allowed', remaining: 1 });
    // The check that explain said fits does fit: explain did not take the last unit.
    const last = await json(await node.send('POST', '/v1/check', { body: query, token: null }));
    expect(last).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('answers the default rule for a resource no rule matches', async () => {
    const body = await json(await explain({ clientId: 'acct_1', resource: 'POST /elsewhere' }));
    expect(body.matched).toEqual([]);
    expect(body.winner).toBeNull();
    expect(body.policy).toEqual({
      name: DEFAULT_POLICY.name,
      algorithm: 'fixed_window',
      limits: [{ limit: 50, windowMs: 60_000 }],
      shadow: false,
      source: 'default',
    });
    expect(body.decision).toMatchObject({ allowed: true, limit: 50, remaining: 50 });
  });

  it('uses the resource "global" and cost 1 by default, like /v1/check', async () => {
    const body = await json(await explain({ clientId: 'acct_1' }));
    expect(body.query).toEqual({ clientId: 'acct_1', resource: 'global', cost: 1 });
  });

  it('answers 401 without a token or with a wrong one', async () => {
    expect((await explain({ clientId: 'acct_1' }, null)).status).toBe(401);
    expect((await explain({ clientId: 'acct_1' }, 'x'.repeat(32))).status).toBe(401);
  });

  it.each([
    ['no clientId', { resource: 'GET /v1/search' }, 'clientId'],
    ['a negative cost', { clientId: 'a', cost: -1 }, 'cost'],
    ['a string cost', { clientId: 'a', cost: '2' }, 'cost'],
    ['a null tier', { clientId: 'a', tier: null }, 'tier'],
    ['an unknown field', { clientId: 'a', costs: 1 }, 'costs'],
  ])('answers 400 for %s, naming the field', async (_case, body, field) => {
    const response = await explain(body);
    expect(response.status).toBe(400);
    expect(JSON.stringify(await json(response))).toContain(field);
  });

  it('answers 400 for a body that is not JSON', async () => {
    expect((await explain('{not json')).status).toBe(400);
  });
});
