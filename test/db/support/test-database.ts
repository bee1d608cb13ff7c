import { randomBytes } from 'node:crypto';
import { applyMigrations } from '../../../src/db/index.js';
import { createDatabase, POSTGRES_ADMIN_URL, query } from '../../support/postgres.mjs';

/** The machine's Postgres (trust auth), where each test file gets a database of its own. */
export { POSTGRES_ADMIN_URL };

/** Runs one query on a short-lived connection (for checks that should not go through Prisma). */
export { query };

/** A database made for one test file. */
export interface TestDatabase {
  url: string;
  name: string;
  /** Drops the database, closing whatever connections are still open to it. */
  drop(): Promise<void>;
}

/** Creates `floodgate_test_<random>` on 127.0.0.1:5432. */
export async function createTestDatabase(): Promise<TestDatabase> {
  return createDatabase(`floodgate_test_${randomBytes(6).toString('hex')}`);
}

/** Creating a database is quick; migrating it starts the Prisma CLI (a couple of seconds). */
const SETUP_TIMEOUT_MS = 60_000;

/**
 * Call once at the top level of a test file: a fresh, migrated database made before its first test
 * and dropped after its last (after every describe block's own teardown). Read it from a hook or a
 * test on.
 */
export function useTestDatabase(): TestDatabase {
  let database: TestDatabase | undefined;
  beforeAll(async () => {
    database = await createMigratedDatabase();
  }, SETUP_TIMEOUT_MS);
  afterAll(async () => {
    await database?.drop();
    database = undefined;
  });
  const created = () => {
    if (database === undefined) throw new Error("the test file's database is made in its first beforeAll");
    return database;
  };
  return {
    get url() {
      return created().url;
    },
    get name() {
      return created().name;
    },
    drop: () => created().drop(),
  };
}

/** A fresh database (see `createTestDatabase`) with every migration applied; the caller drops it. */
export async function createMigratedDatabase(): Promise<TestDatabase> {
  const database = await createTestDatabase();
  try {
    await applyMigrations(database.url);
  } catch (error) {
    await database.drop();
    throw error;
  }
  return database;
}
