import type { IncomingMessage } from 'node:http';
import { RequestMethod } from '@nestjs/common';
import type { Params } from 'nestjs-pino';
import { type DestinationStream, stdTimeFunctions } from 'pino';
import type { Options } from 'pino-http';
import type { AppConfig } from '../config/app-config.js';

/** Request headers that carry credentials: never written to a log line. */
export const REDACTED_HEADERS = ['authorization', 'x-api-key', 'cookie', 'proxy-authorization'];

/**
 * nestjs-pino's parameters: JSON lines at LOG_LEVEL carrying `nodeId`, and on every line logged
 * while a request is handled (its "request completed" line included) the request's
 * `correlationId` (the request id Fastify generated with `correlationIdOf`).
 */
export function loggerParams(config: AppConfig, destination?: DestinationStream): Params {
  const options: Options = {
    level: config.logLevel,
    base: { pid: process.pid, nodeId: config.nodeId },
    timestamp: stdTimeFunctions.isoTime,
    customProps: (req: IncomingMessage) => ({ correlationId: (req as IncomingMessage & { id: unknown }).id }),
    customLogLevel: (_req, res, error) => (error !== undefined || res.statusCode >= 500 ? 'error' : 'info'),
    redact: { paths: REDACTED_HEADERS.map((name) => `req.headers["${name}"]`), censor: '[redacted]' },
  };
  return {
    pinoHttp: destination ? [options, destination] : options,
    // nestjs-pino's default route, `{/*splat}`, matches nothing under this FastifyAdapter: the
    // middleware (and with it the correlation id) would never run. `{*path}` matches every path,
    // unknown routes included.
    forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
  };
}
