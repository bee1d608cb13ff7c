import type { Params } from 'nestjs-pino';
import { type DestinationStream, stdTimeFunctions } from 'pino';
import type { Options } from 'pino-http';
import type { AppConfig } from '../config/app-config.js';

/** Request headers that carry credentials: never written to a log line. */
export const REDACTED_HEADERS = ['authorization', 'x-api-key', 'cookie', 'proxy-authorization'];

/**
 * nestjs-pino's parameters: JSON lines at LOG_LEVEL carrying `nodeId`. Requests are logged by a
 * Fastify hook (`logRequests`), not by nestjs-pino's middleware: a middleware means middie and a
 * child logger per request, paid even when the line is below the level. A line written on behalf
 * of a request names it itself (`correlationId`, and `traceId` when traced).
 */
export function loggerParams(config: AppConfig, destination?: DestinationStream): Params {
  const options: Options = {
    level: config.logLevel,
    base: { pid: process.pid, nodeId: config.nodeId },
    timestamp: stdTimeFunctions.isoTime,
    redact: { paths: REDACTED_HEADERS.map((name) => `req.headers["${name}"]`), censor: '[redacted]' },
  };
  return {
    pinoHttp: destination ? [options, destination] : options,
    // No route gets nestjs-pino's middleware: `logRequests` logs them.
    forRoutes: [],
  };
}
