import { HealthIndicatorService } from '@nestjs/terminus';
import { Test, type TestingModule } from '@nestjs/testing';
import { DatabaseHealthIndicator, DbModule, PrismaService, bumpRulesVersion } from '../../src/db/index.js';
import { useTestDatabase } from './support/test-database.js';

const MIGRATE_TIMEOUT_MS = 30_000;

/** Nothing listens there: the kernel refuses the connection at once. */
const UNREACHABLE_URL = 'postgresql://postgres@127.0.0.1:1/nowhere';

const ruleInput = (name: string) => ({
  name,
  match: { resource: 'GET /search', tier: 'free' },
  algorithm: 'token-bucket',
  limits: { capacity: 10, refillPerSecond: 1 },
  enabled: true,
  shadow: false,
  priority: 10,
});

/** This file's database: made before the first test, dropped after the last. */
const db = useTestDatabase();

describe('PrismaService: a rule write and its audit, version bump and outbox in one transaction', () => {
  let moduleRef: TestingModule;
  let prisma: PrismaService;

  beforeAll(async () => {
    moduleRef = await Test.createTestingModule({
      imports: [DbModule.forRoot({ url: db.url, poolSize: 4 })],
      providers: [HealthIndicatorService, DatabaseHealthIndicator],
    }).compile();
    await moduleRef.init();
    prisma = moduleRef.get(PrismaService);
  }, MIGRATE_TIMEOUT_MS);

  afterAll(async () => {
    await moduleRef?.close();
  });

  /** What a rules service does for a create: everything or nothing. */
  async function createRule(name: string, fail?: 'after-outbox') {
    return prisma.$transaction(async (tx) => {
      const rulesVersion = await bumpRulesVersion(tx);
      const rule = await tx.rule.create({ data: ruleInput(name) });
      await tx.ruleAudit.create({
        data: { ruleId: rule.id, actor: 'ops-token', action: 'create', after: rule as object, rulesVersion },
      });
      await tx.outbox.create({
        data: { rulesVersion, payload: { type: 'rules.changed', rulesVersion: `${rulesVersion}` } },
      });
      if (fail) throw new Error('publisher exploded');
      return { rule, rulesVersion };
    });
  }

  async function counts() {
    const [rules, audits, outbox, version] = await Promise.all([
      prisma.rule.count(),
      prisma.ruleAudit.count(),
      prisma.outbox.count(),
      prisma.rulesVersion.findUniqueOrThrow({ where: { id: 1 } }),
    ]);
    return { rules, audits, outbox, version: version.version };
  }

  it('commits all four writes together', async () => {
    const { rule, rulesVersion } = await createRule('search-free');

    expect(rulesVersion).toBe(1n);
    expect(rule).toMatchObject({ name: 'search-free', version: 1, perResource: false, description: null });
    expect(rule.match).toEqual({ resource: 'GET /search', tier: 'free' });
    expect(await counts()).toEqual({ rules: 1, audits: 1, outbox: 1, version: 1n });
    const audit = await prisma.ruleAudit.findFirstOrThrow({ where: { ruleId: rule.id } });
    expect(audit).toMatchObject({ actor: 'ops-token', action: 'create', before: null, rulesVersion: 1n });
    const event = await prisma.outbox.findFirstOrThrow({ where: { rulesVersion: 1n } });
    expect(event.publishedAt).toBeNull();
  });

  it('rolls all four writes back together when the transaction fails', async () => {
    const before = await counts();

    await expect(createRule('search-paid', 'after-outbox')).rejects.toThrow('publisher exploded');

    expect(await counts()).toEqual(before);
    expect(await prisma.rule.findUnique({ where: { name: 'search-paid' } })).toBeNull();
  });

  it('rolls back when the database refuses a write (duplicate name), version included', async () => {
    const before = await counts();

    await expect(createRule('search-free')).rejects.toThrow(/Unique constraint/);

    expect(await counts()).toEqual(before);
  });

  it('hands out gap-free rule-set versions to concurrent writers', async () => {
    const start = (await counts()).version;

    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => createRule(`concurrent-${i}`)));

    const versions = results.map((r) => r.rulesVersion).sort((a, b) => (a < b ? -1 : 1));
    expect(versions).toEqual(Array.from({ length: 6 }, (_, i) => start + BigInt(i + 1)));
    expect((await counts()).version).toBe(start + 6n);
  });

  it('reports the database up in the health check', async () => {
    const result = await moduleRef.get(DatabaseHealthIndicator).isHealthy();
    expect(result).toEqual({ database: { status: 'up' } });
  });

  it('reports an unreachable database down, with the reason', async () => {
    const unreachable = new PrismaService({ url: UNREACHABLE_URL });
    try {
      const health = new DatabaseHealthIndicator(new HealthIndicatorService(), unreachable);
      const result = await health.isHealthy('database', 2_000);
      expect(result.database).toEqual({ status: 'down', message: expect.any(String) });
    } finally {
      await unreachable.$disconnect();
    }
  });

  it('fails the module start when the database does not answer', async () => {
    const failing = await Test.createTestingModule({
      imports: [DbModule.forRoot({ url: UNREACHABLE_URL })],
    }).compile();
    await expect(failing.init()).rejects.toThrow();
    await failing.close();
  });
});
