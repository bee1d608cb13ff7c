import { Test } from '@nestjs/testing';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  DbModule,
  PrismaService,
  applyMigrations,
  migrationNames,
  bumpRulesVersion,
  type EmbeddedPostgres,
} from '../../src/db/index.js';
import { startEmbeddedPostgres } from '../../src/db/embedded-postgres.js';

// PGlite boots Postgres in WASM and each migrate deploy starts the Prisma CLI.
const EMBEDDED_TIMEOUT_MS = 30_000;

/** Runs `work` with a started DbModule on `url`, closed afterwards. */
async function withPrisma<T>(url: string, work: (prisma: PrismaService) => Promise<T>): Promise<T> {
  const moduleRef = await Test.createTestingModule({ imports: [DbModule.forRoot({ url, poolSize: 4 })] }).compile();
  await moduleRef.init();
  try {
    return await work(moduleRef.get(PrismaService));
  } finally {
    await moduleRef.close();
  }
}

describe('startEmbeddedPostgres (PGlite behind a wire-protocol socket)', () => {
  let dataDir: string;
  let embedded: EmbeddedPostgres | undefined;

  beforeAll(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'floodgate-pglite-'));
  });

  afterAll(async () => {
    await embedded?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(
    'migrates, serves the Prisma client, and keeps the data across a stop and start',
    async () => {
      embedded = await startEmbeddedPostgres({ dataDir });
      // A Unix socket in a folder only this user may enter: PGlite's server asks for no password.
      const socketDir = path.join(dataDir, 'socket');
      expect(embedded.url).toBe(`postgresql://postgres@localhost/postgres?host=${encodeURIComponent(socketDir)}`);
      expect(statSync(socketDir).mode & 0o777).toBe(0o700);
      expect(statSync(path.join(socketDir, '.s.PGSQL.5432')).isSocket()).toBe(true);
      expect((await applyMigrations(embedded.url)).applied).toEqual(migrationNames());

      const created = await withPrisma(embedded.url, (prisma) =>
        prisma.$transaction(async (tx) => {
          const rulesVersion = await bumpRulesVersion(tx);
          const rule = await tx.rule.create({
            data: {
              name: 'embedded-rule',
              match: { clientId: 'acme' },
              algorithm: 'fixed-window',
              limits: { limit: 100, windowMs: 60_000 },
              enabled: true,
              shadow: true,
              priority: 1,
            },
          });
          await tx.ruleAudit.create({ data: { ruleId: rule.id, actor: 'ops', action: 'create', rulesVersion } });
          return rule;
        }),
      );
      await embedded.stop();

      embedded = await startEmbeddedPostgres({ dataDir });
      expect((await applyMigrations(embedded.url)).applied).toEqual([]);
      const [rule, version, audits] = await withPrisma(embedded.url, (prisma) =>
        Promise.all([
          prisma.rule.findUnique({ where: { name: 'embedded-rule' } }),
          prisma.rulesVersion.findUniqueOrThrow({ where: { id: 1 } }),
          prisma.ruleAudit.count({ where: { ruleId: created.id } }),
        ]),
      );
      expect(rule).toEqual(created);
      expect(version.version).toBe(1n);
      expect(audits).toBe(1);
    },
    EMBEDDED_TIMEOUT_MS,
  );

  it(
    'keeps concurrent transactions from several connections apart',
    async () => {
      embedded ??= await startEmbeddedPostgres({ dataDir });
      const url = embedded.url;
      const versions = await withPrisma(url, async (prisma) => {
        const start = (await prisma.rulesVersion.findUniqueOrThrow({ where: { id: 1 } })).version;
        const bumped = await Promise.all(
          Array.from({ length: 5 }, () => prisma.$transaction((tx) => bumpRulesVersion(tx))),
        );
        return { start, bumped: bumped.sort((a, b) => (a < b ? -1 : 1)) };
      });
      expect(versions.bumped).toEqual(Array.from({ length: 5 }, (_, i) => versions.start + BigInt(i + 1)));
    },
    EMBEDDED_TIMEOUT_MS,
  );

  it(
    'listens on TCP only when asked to, on the loopback address given',
    async () => {
      const tcpDir = mkdtempSync(path.join(tmpdir(), 'floodgate-pglite-tcp-'));
      const tcp = await startEmbeddedPostgres({ dataDir: tcpDir, host: '127.0.0.1' });
      try {
        expect(tcp.url).toMatch(/^postgresql:\/\/postgres@127\.0\.0\.1:\d+\/postgres/);
        expect(await withPrisma(tcp.url, (prisma) => prisma.$queryRaw`SELECT 1 AS one`)).toEqual([{ one: 1 }]);
      } finally {
        await tcp.stop();
        rmSync(tcpDir, { recursive: true, force: true });
      }
    },
    EMBEDDED_TIMEOUT_MS,
  );
});
