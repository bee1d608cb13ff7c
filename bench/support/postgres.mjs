// Postgres databases for the bench scripts: each section gets fresh ones, copied from one migrated
// template, so a node starts without running the Prisma CLI (a migration costs seconds per start,
// and a quick run starts about a dozen nodes). They are made and dropped as the tests' are
// (test/support/postgres.mjs); what is the bench's own is the template and the clean-up.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createDatabase as createPostgresDatabase } from '../../test/support/postgres.mjs';
import { defer } from './cleanup.mjs';

/**
 * Names a template database that `npm run bench` migrated once for all its sections; a section
 * run on its own makes its own.
 */
export const TEMPLATE_VARIABLE = 'FLOODGATE_BENCH_TEMPLATE_DB';

/** A tag unique to this process: in the names of the databases it creates. */
const RUN_ID = randomBytes(4).toString('hex');

/** Creates database `name`, dropped at clean-up, optionally copied from `template`: its URL. */
async function create(name, template) {
  const database = await createPostgresDatabase(name, { template });
  defer(database.drop);
  return database.url;
}

/** A new database with every migration applied (`npm run db:migrate`), dropped at clean-up: its name. */
export async function createMigratedTemplate() {
  const name = `floodgate_bench_${RUN_ID}_template`;
  const url = await create(name);
  const migrate = fileURLToPath(new URL('../../prisma/migrate.mjs', import.meta.url));
  await promisify(execFile)(process.execPath, [migrate], { env: { ...process.env, DATABASE_URL: url } });
  return name;
}

let template;
let databases = 0;

/** A fresh, migrated database, dropped at clean-up: its URL. */
export async function createDatabase() {
  template ??= process.env[TEMPLATE_VARIABLE] ?? createMigratedTemplate();
  return create(`floodgate_bench_${RUN_ID}_${++databases}`, await template);
}
