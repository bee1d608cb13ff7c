import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Options of `startEmbeddedPostgres`. */
export interface EmbeddedPostgresOptions {
  /** Folder for the database files (created if missing; default `./.data`). */
  dataDir?: string;
  /**
   * Listen on TCP instead, on this loopback address (with `port`). PGlite's server asks for no
   * password: any local process could connect, so the default is a Unix socket only its owner can reach.
   */
  host?: string;
  /** With `host`: the TCP port (default 0: a free one, see `url`). */
  port?: number;
  /** Client connections served at once (default 20: a Prisma pool plus the migrate CLI). */
  maxConnections?: number;
}

/** A running embedded Postgres. */
export interface EmbeddedPostgres {
  /**
   * A normal connection string: by default to a Unix socket (`postgresql://postgres@localhost/postgres?host=<dir>`),
   * with `host` to `postgresql://postgres@<host>:<port>/postgres`.
   */
  url: string;
  /** Closes the connections, stops listening and flushes the database to `dataDir`. */
  stop(): Promise<void>;
}

/** The socket file name Postgres clients look for in a socket directory (for port 5432). */
const SOCKET_FILE = '.s.PGSQL.5432';
/** A Unix socket path may hold about 107 bytes (sun_path); a longer one goes to a private temp folder. */
const MAX_SOCKET_PATH = 100;

/**
 * Starts Postgres in this process (PGlite, Postgres compiled to WASM) behind a Postgres wire
 * server, so the rest of the app, the Prisma CLI included, just sees a DATABASE_URL. The
 * zero-setup default when no database is configured; data persists in `dataDir` across restarts.
 * PGlite runs one query at a time: enough for admin writes, and only one process may open a
 * `dataDir` at a time.
 *
 * PGlite's wire server takes any user and password, so it listens on a Unix socket in a folder
 * only this user may enter (mode 0700, in `dataDir`): another local user cannot reach it and
 * change the rules around the admin API. A TCP port only when asked (`host`).
 *
 * @example
 * const pg = await startEmbeddedPostgres({ dataDir: '.data' });
 * await applyMigrations(pg.url);
 * // ...
 * await pg.stop();
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgres> {
  const root = path.resolve(options.dataDir ?? '.data');
  const dataDir = path.join(root, 'pglite');
  mkdirSync(dataDir, { recursive: true });
  const tcp = options.host !== undefined;
  const socketDir = tcp ? undefined : privateSocketDir(root);
  const db = await PGlite.create({ dataDir });
  const server = new PGLiteSocketServer({
    db,
    ...(socketDir === undefined
      ? { host: options.host, port: options.port ?? 0 }
      : { path: path.join(socketDir, SOCKET_FILE) }),
    maxConnections: options.maxConnections ?? 20,
  });
  try {
    await server.start();
  } catch (error) {
    await db.close();
    throw error;
  }
  let url: string;
  if (socketDir === undefined) {
    // getServerConn() is "host:port" with the port the OS picked when asked for 0.
    const port = server.getServerConn().split(':').pop();
    url = `postgresql://postgres@${options.host}:${port}/postgres?sslmode=disable`;
  } else {
    url = `postgresql://postgres@localhost/postgres?host=${encodeURIComponent(socketDir)}`;
  }
  let stopped: Promise<void> | undefined;
  return {
    url,
    stop() {
      stopped ??= server.stop().then(() => db.close());
      return stopped;
    },
  };
}

/**
 * A folder for the socket that only this user may enter: `<root>/socket`, or a fresh temp folder
 * when that path would be too long for a socket. A stale socket file (a process that was killed)
 * is removed first.
 */
function privateSocketDir(root: string): string {
  let dir = path.join(root, 'socket');
  if (path.join(dir, SOCKET_FILE).length > MAX_SOCKET_PATH) dir = mkdtempSync(path.join(tmpdir(), 'floodgate-pg-'));
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  rmSync(path.join(dir, SOCKET_FILE), { force: true });
  return dir;
}
