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
  'P1008',
  'P1017',
  'P2024',
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
]);

/** Whether `error` (or one of its causes) says Postgres could not be reached, rather than refused a query. */
export function isStorageUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  for (let current = error; typeof current === 'object' && current !== null && !seen.has(current);) {
    seen.add(current);
    if (current instanceof Prisma.PrismaClientInitializationError) return true;
    const { code, kind, originalCode, message } = current as Record<string, unknown>;
    for (const value of [code, kind, originalCode]) {
      if (typeof value !== 'string') continue;
      // SQLSTATE class 08 is "connection exception"; 57P01-03 is the server shutting down.
      if (UNAVAILABLE_CODES.has(value) || /^08|^57P0[1-3]$/.test(value)) return true;
    }
    if (
      typeof message === 'string' &&
      /Connection terminated|connect ECONNREFUSED|Can't reach database/i.test(message)
    ) {
      return true;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
