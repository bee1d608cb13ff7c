/**
 * Key-space abuse: a caller who names a new client (or a new address) on every request must not
 * grow a node's memory without bound. One node of the real service, in process, on real Redis and
 * Postgres, decides for 1,000,000 distinct identities (refused ones, ones under a per-resource rule
 * over 500 resources, and plain ones, from an authenticated caller naming a new address each
 * time), and its heap after a full GC stays near where it was after the first 300,000.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { CheckService } from '../../src/check/check.service.js';
import {
  adminFetch,
  startService,
  uniquePrefix,
  useServiceDatabase,
  type RunningService,
} from '../e2e/service/service-harness.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const IDENTITIES = 1_000_000;
const WARM = 300_000;
/** In flight at once: enough for the store's batches to fill, few enough to bound the test's own memory. */
const WAVE = 2_000;
/** Past the first 300,000 the caps are full: what is left is the allocator. 1M identities kept would be hundreds. */
const MAX_GROWTH_BYTES = 16 * 1024 * 1024;

useServiceDatabase();

let service: RunningService;
let checks: CheckService;

beforeAll(async () => {
  service = await startService({
    REDIS_URL: 'redis://127.0.0.1:6379',
    RATE_LIMIT_KEY_PREFIX: uniquePrefix(),
    CHECK_TOKENS: 'abuser=abuser-token-0123456789',
    LOG_LEVEL: 'warn',
  });
  const rules = [
    // Every decision refused (the cost never fits): the denial cache and the over-limit board.
    { name: 'ks-refused', match: { resource: 'GET /refused' }, limits: [{ limit: 1, windowMs: 3_600_000 }] },
    // A policy per resource, thousands of resources.
    {
      name: 'ks-per-resource',
      match: { resource: 'GET /r/*' },
      perResource: true,
      limits: [{ limit: 5, windowMs: 60_000 }],
    },
  ];
  for (const rule of rules) expect((await adminFetch(service, 'POST', '/v1/admin/rules', rule)).status).toBe(201);
  checks = service.app.get(CheckService);
}, 60_000);

afterAll(() => service?.close());

/** Identity i: a new client id and a new address, on one of three paths. */
function decide(i: number) {
  const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  const clientId = `abuser-${i}`;
  const caller = { name: 'abuser' };
  switch (i % 3) {
    case 0:
      return checks.check({ clientId, resource: 'GET /refused', cost: 2, ip }, undefined, caller);
    case 1:
      return checks.check({ clientId, resource: `GET /r/${i % 500}`, ip }, undefined, caller);
    default:
      return checks.check({ clientId, ip }, undefined, caller);
  }
}

async function drive(from: number, to: number): Promise<Record<number, number>> {
  const statuses: Record<number, number> = {};
  for (let start = from; start < to; start += WAVE) {
    const wave = [];
    for (let i = start; i < Math.min(to, start + WAVE); i++) wave.push(decide(i));
    for (const { status } of await Promise.all(wave)) statuses[status] = (statuses[status] ?? 0) + 1;
  }
  return statuses;
}

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

it('keeps a node heap bounded while 1,000,000 distinct identities are decided', async () => {
  const warm = await drive(0, WARM);
  const before = heapAfterGc();
  const rest = await drive(WARM, IDENTITIES);
  const after = heapAfterGc();
  process.stderr.write(`heap ${(before / 2 ** 20).toFixed(1)} -> ${(after / 2 ** 20).toFixed(1)} MiB\n`);
  // Every identity was decided: the refused ones refused, the others allowed.
  const total = (s: Record<number, number>) => Object.values(s).reduce((a, b) => a + b, 0);
  expect(total(warm) + total(rest)).toBe(IDENTITIES);
  expect(rest[429]).toBeGreaterThan(0);
  expect(rest[200]).toBeGreaterThan(0);
  expect(after - before).toBeLessThan(MAX_GROWTH_BYTES);
}, 300_000);
