// Databases of the machine's Postgres for the tests and the bench scripts (plain ESM so that bench
// scripts run it without a TypeScript loader): each run creates its own and drops them after.
import pg from 'pg';

const SERVER = 'postgresql://postgres@127.0.0.1:5432';

/** The machine's Postgres (trust auth), as its admin. */
export const POSTGRES_ADMIN_URL = `${SERVER}/postgres`;

/** Runs one query on a short-lived connection to `url` and returns its rows. */
export async function query(url, sql, values = []) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, values)).rows;
  } finally {
    await client.end();
  }
}

/** Creates database `name` on 127.0.0.1:5432, copied from `template` when given: `{ name, url, drop }`. */
export async function createDatabase(name, { template } = {}) {
  await query(POSTGRES_ADMIN_URL, `CREATE DATABASE ${name}${template === undefined ? '' : ` TEMPLATE ${template}`}`);
  return {
    name,
    url: `${SERVER}/${name}`,
    // FORCE: closes whatever connections are still open to it.
    drop: async () => {
      await query(POSTGRES_ADMIN_URL, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}
