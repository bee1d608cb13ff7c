// Prisma CLI configuration (`npm run db:migrate`, `npm run db:generate`, `applyMigrations()`).
// The CLI runs offline: `engine: 'js'` drives migrations through the WASM schema engine and
// the pg driver adapter instead of a native engine that Prisma would download.
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { parseIntoClientConfig } from 'pg-connection-string';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'prisma/config';

const root = path.dirname(fileURLToPath(import.meta.url));

/** Catalog column types that @prisma/adapter-pg 6.x rejects: `"char"` (18) and `name` (19). */
const CATALOG_TEXT_OIDS = new Set([18, 19]);
const TEXT_OID = 25;

/**
 * Reports Postgres' catalog-only text types (`name`, `"char"`) as `text`: the migrate engine
 * reads catalog tables that have them (`migrate deploy` hits `name`, `migrate diff` against a
 * database hits `"char"` too), and @prisma/adapter-pg 6.x rejects both as unsupported column
 * types (prisma/orm#27403). Their values already arrive as strings. Patched on the client so
 * that queries inside transactions (pool.connect()) are covered as well as pool.query().
 */
class CatalogTypesAsTextClient extends pg.Client {
  // pg's query() has a dozen overloads; this only forwards them (pg-pool passes a callback,
  // the adapter's transactions use the promise).
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(...args: any[]): any {
    const last = args.length - 1;
    if (typeof args[last] === 'function') {
      const callback = args[last] as (err: Error | null, res?: pg.QueryResult) => void;
      args[last] = (err: Error | null, res?: pg.QueryResult) => callback(err, res && catalogTypesAsText(res));
    }
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const result = (super.query as (...a: any[]) => any)(...args);
    return result instanceof Promise ? result.then(catalogTypesAsText) : result;
  }
}

function catalogTypesAsText(res: pg.QueryResult): pg.QueryResult {
  for (const field of res.fields ?? []) {
    if (CATALOG_TEXT_OIDS.has(field.dataTypeID)) field.dataTypeID = TEXT_OID;
  }
  return res;
}

/**
 * The WASM schema engine races `pg_advisory_lock` against a 10 s timer that it never clears,
 * and the CLI exits on success only once the event loop is empty: every `migrate deploy`
 * would linger 10 s after "All migrations have been successfully applied". Timers created
 * from inside the WASM module are unref'd: they still fire while the engine waits on the
 * database (the pending query keeps the process alive), they just no longer hold it open.
 * `applyMigrations()` checks afterwards that every migration is recorded as finished.
 */
function unrefWasmTimers(): void {
  const setTimeoutOriginal = globalThis.setTimeout;
  const patched = ((...args: Parameters<typeof setTimeout>) => {
    const timer = setTimeoutOriginal(...args);
    if (new Error().stack?.includes('wasm://')) timer.unref();
    return timer;
  }) as typeof setTimeout;
  globalThis.setTimeout = Object.assign(patched, setTimeoutOriginal);
}

unrefWasmTimers();

export default defineConfig({
  schema: path.join(root, 'prisma', 'schema.prisma'),
  migrations: { path: path.join(root, 'prisma', 'migrations') },
  engine: 'js',
  experimental: { adapter: true },
  async adapter() {
    const connectionString = process.env.DATABASE_URL;
    if (!connectionString) throw new Error('DATABASE_URL is not set (postgresql://user@host:port/db)');
    return new PrismaPg(
      new pg.Pool({
        // Fields rather than a connectionString: the adapter makes the shadow database's pool
        // (`migrate diff --from-migrations`) as { ...config, database }, and a connectionString
        // would win over that database, sending the shadow migrations to DATABASE_URL itself.
        ...parseIntoClientConfig(connectionString),
        max: 2,
        Client: CatalogTypesAsTextClient,
        // The CLI never closes the pool: without this it waits out the idle timeout (10 s).
        allowExitOnIdle: true,
      }),
    );
  },
});
