// Types of postgres.mjs (plain ESM so that bench scripts run it without a TypeScript loader).
import type { QueryResultRow } from 'pg';

/** The machine's Postgres (trust auth), as its admin. */
export const POSTGRES_ADMIN_URL: string;

/** Runs one query on a short-lived connection to `url` and returns its rows. */
export function query<R extends QueryResultRow = QueryResultRow>(
  url: string,
  sql: string,
  values?: unknown[],
): Promise<R[]>;

export interface CreatedDatabase {
  readonly name: string;
  readonly url: string;
  /** Drops the database, closing whatever connections are still open to it. */
  drop(): Promise<void>;
}

/** Creates database `name` on 127.0.0.1:5432, copied from `template` when given. */
export function createDatabase(name: string, options?: { readonly template?: string }): Promise<CreatedDatabase>;
