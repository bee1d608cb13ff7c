/** Thrown for a DATABASE_URL that is not a usable Postgres URL; the message never repeats the URL. */
export class InvalidDatabaseUrlError extends Error {}

const PROTOCOLS = new Set(['postgres:', 'postgresql:']);

/**
 * Checks DATABASE_URL: `postgres://` or `postgresql://`, with a host. Everything else (user,
 * password, port, database, query parameters such as `sslmode`) is left to the driver. Messages
 * give the reason only: the URL may hold a password.
 *
 * @example
 * parseDatabaseUrl('postgresql://app:secret@db.internal:5432/floodgate'); // URL
 */
export function parseDatabaseUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidDatabaseUrlError('is not a URL (expected postgresql://user:password@host:port/database)');
  }
  if (!PROTOCOLS.has(url.protocol)) throw new InvalidDatabaseUrlError('must start with postgres:// or postgresql://');
  if (url.hostname === '') throw new InvalidDatabaseUrlError('has no host');
  return url;
}

/**
 * The database's address for logs, without credentials or parameters: `host:port/database`.
 *
 * @example
 * describeDatabaseUrl('postgresql://app:secret@db:5432/floodgate?sslmode=require'); // 'db:5432/floodgate'
 */
export function describeDatabaseUrl(value: string): string {
  const url = parseDatabaseUrl(value);
  const database = url.pathname === '/' ? '' : url.pathname;
  // `?host=/dir`: a Unix socket in that folder (the embedded database's), whatever the hostname says.
  const socketDir = url.searchParams.get('host');
  if (socketDir?.startsWith('/')) return `${socketDir} (Unix socket)${database}`;
  return `${url.hostname}:${url.port || '5432'}${database}`;
}
