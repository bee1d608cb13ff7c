/**
 * Who may call `/v1/check`, and what a caller can do to others. Anyone who reached it could get any
 * address blocked fleet-wide (11 bogus keys naming it in `ip`), and each automatic block bumped the
 * rules version and reloaded every node. Now: with CHECK_TOKENS only the services holding a token
 * are answered; only such a caller may name an `ip`; its invalid keys are counted against it too,
 * so it cannot block addresses without bound; and blocks decided together are written together.
 */
import {
  adminFetch,
  CALLER_HEADERS,
  json,
  logLinesWhere,
  postCheck,
  type RunningService,
  useService,
  useServiceDatabase,
} from './service-harness.js';

useServiceDatabase();

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function rulesVersion(service: RunningService): Promise<number> {
  return (await json<{ rulesVersion: number }>(await adminFetch(service, 'GET', '/v1/admin/rules/version')))
    .rulesVersion;
}

describe('Floodgate service: /v1/check with CHECK_TOKENS', () => {
  const service = useService({
    checkCallers: true,
    env: { API_KEY_FAILURE_LIMIT: '1', RULES_REFRESH_INTERVAL_MS: '60000' },
  });

  it('answers only a caller with a token: 401 with WWW-Authenticate otherwise, before the body is read', async () => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Bearer not-the-token-0123456789' },
      { authorization: 'Basic eDp5' },
    ];
    for (const headers of attempts) {
      for (const path of ['/v1/check', '/v1/check/release']) {
        const res = await fetch(`${service.url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          // Invalid on purpose: an unauthenticated caller must not learn what is wrong with it.
          body: JSON.stringify({ nope: 1 }),
        });
        expect({ path, headers, status: res.status }).toEqual({ path, headers, status: 401 });
        expect(res.headers.get('www-authenticate')).toBe('Bearer realm="floodgate-check"');
        expect(await json(res)).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
      }
    }
    const ok = await postCheck(service, { clientId: 'with-token', ip: '203.0.113.1' }, CALLER_HEADERS);
    expect(ok.status).toBe(200);
  });

  it('counts the invalid keys a caller passes on against it too: past its bound the addresses it names are not blocked', async () => {
    const before = await rulesVersion(service);
    // Two invalid keys per address (over the limit of 1 each), for 30 addresses: the caller's own
    // bound (10 times an address's) stops the blocks after 5 addresses, and from then on the keys
    // it passes on are refused unchecked (429) instead of looked up (401).
    const ips = Array.from({ length: 30 }, (_, i) => `198.51.100.${i + 1}`);
    const answered: number[][] = [];
    for (const ip of ips) {
      answered.push(
        await Promise.all(
          [0, 1].map(
            async (n) =>
              (await postCheck(service, { clientId: 'g', apiKey: `fgk_bad-${n}`, ip }, CALLER_HEADERS)).status,
          ),
        ),
      );
    }
    expect(answered.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => [401, 401]));
    // Counting is off the response path: the refusal starts within a few addresses of the bound.
    expect(answered.slice(10)).toEqual(Array.from({ length: 20 }, () => [429, 429]));
    // Floodgate writes its blocks in batches at most a second apart.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const blocks = await json<{ items: Json[] }>(
      await adminFetch(service, 'GET', '/v1/admin/blocks?type=ip&limit=100'),
    );
    const blocked = blocks.items.filter((block) => ips.includes(block.value));
    expect(blocked.map((block) => block.value).sort()).toEqual(ips.slice(0, 5).sort());
    // Written together: fewer rules versions than blocks when there were several.
    expect((await rulesVersion(service)) - before).toBeLessThan(blocked.length);
    const warned = await logLinesWhere(service, (line) =>
      String(line.msg).startsWith('Caller "tests" passes on more than'),
    );
    expect(warned.length).toBeGreaterThanOrEqual(1);
  });
});

describe('Floodgate service: /v1/check without CHECK_TOKENS (anonymous callers)', () => {
  const service = useService({ env: { API_KEY_FAILURE_LIMIT: '2' } });

  it('refuses a body naming an ip: only an authenticated caller may say whose address it asks for', async () => {
    const res = await postCheck(service, { clientId: 'anon', ip: '203.0.113.77' });
    expect(res.status).toBe(400);
    expect(await json(res)).toMatchObject({
      field: 'ip',
      reason: 'is taken only from an authenticated caller (CHECK_TOKENS)',
    });
    expect((await postCheck(service, { clientId: 'anon' })).status).toBe(200);
  });

  it("counts an anonymous caller's invalid keys against its own address, which is what gets blocked", async () => {
    for (let i = 0; i < 3; i++)
      expect((await postCheck(service, { clientId: 'anon', apiKey: `fgk_bad-${i}` })).status).toBe(401);
    // The file's database holds the other describe's blocks too: this caller's is the loopback one.
    const blocksOfThisCaller = async () =>
      (await json<{ items: Json[] }>(await adminFetch(service, 'GET', '/v1/admin/blocks?type=ip&limit=100'))).items
        .map((block) => block.value as string)
        .filter((value) => !value.startsWith('198.51.100.'));
    let blocks: string[] = [];
    for (let i = 0; i < 100 && blocks.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      blocks = await blocksOfThisCaller();
    }
    expect(blocks).toEqual(['127.0.0.1']);
    // Stored is not yet enforced: the node applies the block once its reload has read it (on a
    // loaded machine, a moment after the row is listed).
    let status = 0;
    for (let i = 0; i < 100 && status !== 429; i++) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, 50));
      status = (await postCheck(service, { clientId: 'anon' })).status;
    }
    expect(status).toBe(429);
  });
});
