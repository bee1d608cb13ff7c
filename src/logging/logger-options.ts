import type { IncomingMessage } from 'node:http';
import { RequestMethod } from '@nestjs/common';
import type { Params } from 'nestjs-pino';
import { type DestinationStream, stdTimeFunctions } from 'pino';
import type { Options } from 'pino-http';
import type { AppConfig } from '../config/app-config.js';
import { activeTraceId } from '../telemetry/index.js';

/** Request headers that carry credentials: never written to a log line. */
export const REDACTED_HEADERS = ['authorization', 'x-api-key', 'cookie', 'proxy-authorization'];

/**
 * nestjs-pino's parameters: JSON lines at LOG_LEVEL carrying `nodeId`, and on every line logged
 * while a request is handled (its "request completed" line included) the request's
 * `correlationId` (the request id Fastify generated with `correlationIdOf`) and, when the request
 * is traced, its `traceId`.
 */
export function loggerParams(config: AppConfig, destination?: DestinationStream): Params {
  const options: Options = {
    level: config.logLevel,
    base: { pid: process.pid, nodeId: config.nodeId },
    timestamp: stdTimeFunctions.isoTime,
    // Evaluated while the request's span is active: the trace id is bound to every line of it.
    customProps: (req: IncomingMessage) => {
      const traceId = activeTraceId();
      const correlationId = (req as IncomingMessage & { id: unknown }).id;
      return traceId === undefined ? { correlationId } : { correlationId, traceId };
    },
    // A 429 is the limiter working, and under attack nearly every request is one: their
    // "request completed" lines go to debug. The limiter logs refusals itself, folded per rule.
    customLogLevel: (_req, res, error) => {
      if (error !== undefined || res.statusCode >= 500) return 'error';
      return res.statusCode === 429 ? 'debug' : 'info';
    },
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
