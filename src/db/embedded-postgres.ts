import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

/** Options of `startEmbeddedPostgres`. */
export interface EmbeddedPostgresOptions {
  /** Folder for the database files (created if missing; default `./.data`). */
  dataDir?: string;
  /** Loopback address to listen on (default 127.0.0.1). */
  host?: string;
  /** TCP port (default 0: a free one, see `url`). */
  port?: number;
  /** Client connections served at once (default 20: a Prisma pool plus the migrate CLI). */
  maxConnections?: number;
}

/** A running embedded Postgres. */
export interface EmbeddedPostgres {
  /** A normal connection string (`postgresql://postgres@127.0.0.1:<port>/postgres`). */
  url: string;
  /** Closes the connections, stops listening and flushes the database to `dataDir`. */
  stop(): Promise<void>;
}

/**
 * Starts Postgres in this process (PGlite, Postgres compiled to WASM) behind a Postgres wire
 * server on a loopback port, so the rest of the app, the Prisma CLI included, just sees a
 * DATABASE_URL. The zero-setup default when no database is configured; data persists in
 * `dataDir` across restarts. PGlite runs one query at a time: enough for admin writes, and
 * only one process may open a `dataDir` at a time.
 *
 * @example
 * const pg = await startEmbeddedPostgres({ dataDir: '.data' });
 * await applyMigrations(pg.url);
 * // ...
 * await pg.stop();
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgres> {
  const dataDir = path.resolve(options.dataDir ?? '.data', 'pglite');
  mkdirSync(dataDir, { recursive: true });
  const db = await PGlite.create({ dataDir });
  const host = options.host ?? '127.0.0.1';
  const server = new PGLiteSocketServer({
    db,
    host,
    port: options.port ?? 0,
    maxConnections: options.maxConnections ?? 20,
  });
  try {
    await server.start();
  } catch (error) {
    await db.close();
    throw error;
  }
  // getServerConn() is "host:port" with the port the OS picked when asked for 0.
  const port = server.getServerConn().split(':').pop();
  let stopped: Promise<void> | undefined;
  return {
    url: `postgresql://postgres@${host}:${port}/postgres?sslmode=disable`,
    stop() {
      stopped ??= server.stop().then(() => db.close());
      return stopped;
    },
  };
}
