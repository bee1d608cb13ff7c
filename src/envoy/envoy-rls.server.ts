import {
  type Metadata,
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type sendUnaryData,
  status,
} from '@grpc/grpc-js';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { isValidCorrelationId } from '../logging/correlation-id.js';
import { EnvoyDecisions } from './envoy-decisions.js';
import { ENVOY_OPTIONS, type EnvoyModuleOptions } from './envoy.options.js';
import { loadRlsDefinition, rateLimitServiceDefinition, type RateLimitResponseMessage } from './rls-protos.js';
import { describeErrors, parseRlsRequest } from './rls-request.js';
import { traceRlsCall } from './rls-span.js';

/**
 * A request is a domain and a few descriptors: far below gRPC's 4 MiB default, which would let one
 * call hold megabytes of a node's memory. Larger is RESOURCE_EXHAUSTED.
 */
const MAX_MESSAGE_BYTES = 1024 * 1024;

/** Metadata a caller may name its request by, first found wins (as `X-Correlation-ID` over HTTP). */
const CORRELATION_METADATA = ['x-correlation-id', 'x-request-id'] as const;

/**
 * The Envoy rate limit service (`envoy.service.ratelimit.v3.RateLimitService`) over gRPC: bound
 * when the app starts (a port that cannot be bound stops the start), stopped when it shuts down,
 * after the HTTP drain: new calls are sent away (GOAWAY, so Envoy reconnects to another node) and
 * the calls in flight are answered, for at most `drainTimeoutMs`.
 *
 * A call is answered with the decision (OK or OVER_LIMIT, whatever the store did: the fail mode
 * decides when it failed), INVALID_ARGUMENT naming the field and why for a malformed request
 * (undecodable bytes too), and never INTERNAL.
 */
@Injectable()
export class EnvoyRlsServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('EnvoyRateLimitService');
  private server: Server | undefined;
  private boundPort: number | undefined;

  constructor(
    @Inject(ENVOY_OPTIONS) private readonly options: EnvoyModuleOptions,
    @Inject(EnvoyDecisions) private readonly decisions: EnvoyDecisions,
  ) {}

  /** The port bound (the one picked, with port 0). Throws before the app has started. */
  get port(): number {
    if (this.boundPort === undefined) throw new Error('the Envoy rate limit service is not listening');
    return this.boundPort;
  }

  async onApplicationBootstrap(): Promise<void> {
    const server = new Server({ 'grpc.max_receive_message_length': MAX_MESSAGE_BYTES });
    server.addService(rateLimitServiceDefinition(loadRlsDefinition()), {
      ShouldRateLimit: (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<RateLimitResponseMessage>) =>
        void this.answer(call, callback),
    });
    const { host, port } = this.options;
    const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    try {
      this.boundPort = await new Promise<number>((resolve, reject) =>
        server.bindAsync(address, ServerCredentials.createInsecure(), (error, bound) =>
          error === null ? resolve(bound) : reject(error),
        ),
      );
    } catch (error) {
      server.forceShutdown();
      throw new Error(
        `the Envoy rate limit service cannot listen on ${address} (ENVOY_RLS_PORT): ${messageOf(error)}`,
        {
          cause: error,
        },
      );
    }
    this.server = server;
    const shown = host.includes(':') ? `[${host}]` : host;
    this.logger.log(`Envoy rate limit service (gRPC) listening on ${shown}:${this.boundPort}`);
  }

  async beforeApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      const cut = setTimeout(() => {
        this.logger.warn(`calls still in flight after ${this.options.drainTimeoutMs} ms: cut`);
        server.forceShutdown();
        resolve();
      }, this.options.drainTimeoutMs);
      cut.unref();
      server.tryShutdown(() => {
        clearTimeout(cut);
        resolve();
      });
    });
  }

  private async answer(
    call: ServerUnaryCall<unknown, unknown>,
    callback: sendUnaryData<RateLimitResponseMessage>,
  ): Promise<void> {
    await traceRlsCall(call.metadata, async () => {
      const parsed = parseRlsRequest(call.request);
      if (parsed.errors !== undefined) {
        callback({ code: status.INVALID_ARGUMENT, details: describeErrors(parsed.errors) }, null);
        return status.INVALID_ARGUMENT;
      }
      try {
        callback(null, await this.decisions.decide(parsed.value, correlationIdOf(call.metadata)));
        return status.OK;
      } catch (error) {
        // The limiter turns a failed store into a decision: what lands here is a fault of ours.
        // UNAVAILABLE leaves the call to Envoy's own failure mode (failure_mode_deny).
        this.logger.error(`ShouldRateLimit failed: ${messageOf(error)}`);
        callback({ code: status.UNAVAILABLE, details: 'the rate limit decision failed' }, null);
        return status.UNAVAILABLE;
      }
    });
  }
}

function correlationIdOf(metadata: Metadata): string | undefined {
  for (const key of CORRELATION_METADATA) {
    const [value] = metadata.get(key);
    if (isValidCorrelationId(value)) return value;
  }
  return undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
