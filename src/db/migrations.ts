import { execFile } from 'node:child_process';
import { readdirSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import pg from 'pg';
import { packageRoot } from './package-root.js';

/** Postgres' "undefined_table": `_prisma_migrations` does not exist before the first deploy. */
const UNDEFINED_TABLE = '42P01';

/** What `applyMigrations` did. */
export interface MigrationResult {
  /** Migrations applied by this call, oldest first (empty when the database was up to date). */
  applied: string[];
  /** The Prisma CLI's output, for the log. */
  output: string;
}

/** Options of `applyMigrations`. */
export interface ApplyMigrationsOptions {
  /** Kills the Prisma CLI after this long (default 120 s: a lock held by another node is waited for). */
  timeoutMs?: number;
}

/** The migrations shipped under `prisma/migrations`, oldest first. */
export function migrationNames(): string[] {
  const dir = path.join(packageRoot(), 'prisma', 'migrations');
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(path.join(dir, entry.name, 'migration.sql')))
    .map((entry) => entry.name)
    .sort();
}

/** The shipped migrations that the database at `databaseUrl` has not finished applying, oldest first. */
export async function pendingMigrations(databaseUrl: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const finished = await client.query<{ migration_name: string }>(
      'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
    );
    const done = new Set(finished.rows.map((row) => row.migration_name));
    return migrationNames().filter((name) => !done.has(name));
  } catch (error) {
    if ((error as { code?: string }).code === UNDEFINED_TABLE) return migrationNames();
    throw error;
  } finally {
    await client.end();
  }
}

/**
 * Applies the pending migrations to the database at `databaseUrl` with `prisma migrate deploy`
 * (run as a child process with the package's prisma.config.ts, so it works from `dist/` too).
 * Concurrent callers are serialized by Prisma's advisory lock. Rejects with the CLI's output
 * when the CLI fails or when a migration is still pending afterwards. A database with nothing
 * pending is not handed to the CLI at all: starting it costs about 1.5 s, most of a node's start.
 *
 * @example
 * const { applied } = await applyMigrations('postgresql://postgres@127.0.0.1:5432/floodgate');
 */
export async function applyMigrations(
  databaseUrl: string,
  options: ApplyMigrationsOptions = {},
): Promise<MigrationResult> {
  const before = await pendingMigrations(databaseUrl);
  if (before.length === 0) return { applied: [], output: 'No pending migrations to apply.' };
  const output = await runPrismaCli(['migrate', 'deploy'], databaseUrl, options.timeoutMs ?? 120_000);
  // The CLI exits 0 once its event loop is empty; checking the table makes "applied" a fact
  // rather than an inference from an exit code.
  const after = await pendingMigrations(databaseUrl);
  if (after.length > 0) {
    throw new Error(`migrations still pending after prisma migrate deploy: ${after.join(', ')}\n${output}`);
  }
  return { applied: before, output };
}

function runPrismaCli(args: string[], databaseUrl: string, timeoutMs: number): Promise<string> {
  const root = packageRoot();
  const cli = createRequire(import.meta.url).resolve('prisma/build/index.js');
  const configFile = path.join(root, 'prisma.config.ts');
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [cli, ...args, '--config', configFile],
      {
        cwd: root,
        timeout: timeoutMs,
        maxBuffer: 16 * 1024 * 1024,
        // The child gets the URL explicitly: the CLI's adapter (prisma.config.ts) reads DATABASE_URL.
        env: { ...process.env, DATABASE_URL: databaseUrl, CHECKPOINT_DISABLE: '1', NO_COLOR: '1' },
      },
      (error, stdout, stderr) => {
        const output = `${stdout}${stderr}`.trim();
        if (error) reject(new Error(`prisma ${args.join(' ')} failed: ${error.message}\n${output}`));
        else resolve(output);
      },
    );
  });
}
