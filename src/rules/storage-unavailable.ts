import { Prisma } from '../db/index.js';

/** Node's socket errors, Prisma's "can't reach / pool timeout" codes and the driver adapter's kinds. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'EAI_AGAIN',
  'P1001',
  'P1002',
  'P1003',
  'P1008',
  'P1017',
  'P2024',
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
  'DatabaseDoesNotExist',
  'DatabaseAccessDenied',
  'AuthenticationFailed',
  'TlsConnectionError',
]);

/**
 * SQLSTATEs of a database that is there but cannot serve: class 08 (connection exception), 53
 * (insufficient resources: too many connections, out of memory or disk), 57P01-04 (shutting down,
 * crashed, cannot connect now, dropped), 55000 (not accepting connections, e.g. `ALLOW_CONNECTIONS
 * false`), 3D000 (the database is gone), 28000/28P01 (the credentials no longer work) and 25006
 * (a read-only standby after a failover). Each is an outage to the caller, never a bad request.
 */
const UNAVAILABLE_SQLSTATE = /^(?:08|53|57P0[1-4]$|55000$|3D000$|28000$|28P01$|25006$)/;

/** Whether `error` (or one of its causes) says Postgres could not be reached, rather than refused a query. */
export function isStorageUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  for (let current = error; typeof current === 'object' && current !== null && !seen.has(current);) {
    seen.add(current);
    if (current instanceof Prisma.PrismaClientInitializationError) return true;
    const { code, kind, originalCode, message } = current as Record<string, unknown>;
    for (const value of [code, kind, originalCode]) {
      if (typeof value !== 'string') continue;
      if (UNAVAILABLE_CODES.has(value) || UNAVAILABLE_SQLSTATE.test(value)) return true;
    }
    if (
      typeof message === 'string' &&
      /Connection terminated|connect ECONNREFUSED|Can't reach database|is not currently accepting connections|Query read timeout|timeout exceeded when trying to connect/i.test(
        message,
      )
    ) {
      return true;
    }
    // Prisma keeps the driver's error (with its SQLSTATE) in `meta` rather than as the cause.
    const { cause, meta } = current as { cause?: unknown; meta?: { driverAdapterError?: unknown } };
    current = cause ?? meta?.driverAdapterError;
  }
  return false;
}
