// Postgres databases for the bench scripts: each section gets fresh ones, copied from one migrated
// template, so a node starts without running the Prisma CLI (a migration costs seconds per start,
// and a quick run starts about a dozen nodes).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { defer } from './cleanup.mjs';

const POSTGRES = 'postgresql://postgres@127.0.0.1:5432';

/**
 * Names a template database that `npm run bench` migrated once for all its sections; a section
 * run on its own makes its own.
 */
export const TEMPLATE_VARIABLE = 'FLOODGATE_BENCH_TEMPLATE_DB';

/** A tag unique to this process: in the names of the databases it creates. */
const RUN_ID = randomBytes(4).toString('hex');

/** Runs one statement on the `postgres` database. */
async function postgres(sql) {
  const client = new pg.Client({ connectionString: `${POSTGRES}/postgres` });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Creates database `name`, dropped at clean-up, optionally copied from `template`. */
async function create(name, template) {
  await postgres(`CREATE DATABASE ${name}${template === undefined ? '' : ` TEMPLATE ${template}`}`);
  defer(() => postgres(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}

/** A new database with every migration applied (`npm run db:migrate`), dropped at clean-up: its name. */
export async function createMigratedTemplate() {
  const name = `floodgate_bench_${RUN_ID}_template`;
  await create(name);
  const migrate = fileURLToPath(new URL('../../prisma/migrate.mjs', import.meta.url));
  await promisify(execFile)(process.execPath, [migrate], {
    env: { ...process.env, DATABASE_URL: `${POSTGRES}/${name}` },
  });
  return name;
}

let template;
let databases = 0;

/** A fresh, migrated database, dropped at clean-up: its URL. */
export async function createDatabase() {
  template ??= process.env[TEMPLATE_VARIABLE] ?? createMigratedTemplate();
  const name = `floodgate_bench_${RUN_ID}_${++databases}`;
  await create(name, await template);
  return `${POSTGRES}/${name}`;
}
