/**
 * Key-space abuse: a caller who names a new client (or a new address) on every request must not
 * grow a node's memory without bound. One node of the real service (built, in a process of its own:
 * key-space-driver.mjs), on real Redis and Postgres, decides for 1,000,000 distinct identities from
 * an authenticated caller naming a new address each time: refused ones, ones under a per-resource
 * rule over 500 resources, and plain ones. Its heap after a full GC stays near where it was after
 * the first 300,000, by when every cache is full: held, 700,000 more identities would be hundreds
 * of MB (a cache without its bound measured +215 MB).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createMigratedDatabase, type TestDatabase } from '../db/support/test-database.js';
import { TEST_ADMIN_TOKEN, uniquePrefix } from '../e2e/service/service-harness.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DRIVER = fileURLToPath(new URL('./key-space-driver.mjs', import.meta.url));
const run = promisify(execFile);

const IDENTITIES = 1_000_000;
const WARM = 300_000;
/** Past the caps, what is left is the allocator's. */
const MAX_GROWTH_BYTES = 16 * 1024 * 1024;

interface DriverResult {
  readonly before: number;
  readonly after: number;
  readonly statuses: Record<string, number>;
}

let database: TestDatabase;

beforeAll(async () => {
  // `npm test` builds before Jest runs; a run of this file alone builds what is missing.
  if (!existsSync(`${ROOT}dist/bootstrap.js`)) {
    await run(process.execPath, ['scripts/build.mjs', '--transpile-only'], { cwd: ROOT });
  }
  database = await createMigratedDatabase();
}, 120_000);

afterAll(() => database?.drop());

it('keeps a node heap bounded while 1,000,000 distinct identities are decided', async () => {
  const spec = {
    env: {
      DATABASE_URL: database.url,
      ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      NODE_ID: 'key-space',
      REDIS_URL: 'redis://127.0.0.1:6379',
      RATE_LIMIT_KEY_PREFIX: uniquePrefix(),
      CHECK_TOKENS: 'abuser=abuser-token-0123456789',
      LOG_LEVEL: 'warn',
    },
    identities: IDENTITIES,
    warm: WARM,
    // In flight at once: enough for the store's batches to fill, few enough to bound the driver's own memory.
    wave: 2_000,
    adminToken: TEST_ADMIN_TOKEN,
    rules: [
      { name: 'ks-refused', match: { resource: 'GET /refused' }, limits: [{ limit: 1, windowMs: 3_600_000 }] },
      {
        name: 'ks-per-resource',
        match: { resource: 'GET /r/*' },
        perResource: true,
        limits: [{ limit: 5, windowMs: 60_000 }],
      },
    ],
  };
  const { stdout } = await run(process.execPath, ['--expose-gc', DRIVER, JSON.stringify(spec)], {
    cwd: ROOT,
    maxBuffer: 1024 * 1024,
  });
  const { before, after, statuses } = JSON.parse(stdout) as DriverResult;
  process.stderr.write(`key space: heap ${(before / 2 ** 20).toFixed(1)} -> ${(after / 2 ** 20).toFixed(1)} MiB\n`);
  // Every identity was decided: the refused third refused, the others allowed.
  expect(Object.values(statuses).reduce((a, b) => a + b, 0)).toBe(IDENTITIES);
  expect(statuses).toEqual({ 200: expect.any(Number), 429: Math.ceil(IDENTITIES / 3) });
  expect(after - before).toBeLessThan(MAX_GROWTH_BYTES);
}, 300_000);
