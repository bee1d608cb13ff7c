import { fileURLToPath } from 'node:url';
import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import { loadSync, type Options, type PackageDefinition } from '@grpc/proto-loader';

/**
 * The folder of the `.proto` files, beside this module (copied into `dist/` by the build, as the
 * Lua scripts are): Envoy's own import paths below it.
 */
export const RLS_PROTO_ROOT = fileURLToPath(new URL('./proto/', import.meta.url));
/** The service's file, relative to `RLS_PROTO_ROOT`. */
export const RLS_PROTO_FILE = 'envoy/service/ratelimit/v3/rls.proto';
/** The service's full name, as Envoy calls it. */
export const RLS_SERVICE_NAME = 'envoy.service.ratelimit.v3.RateLimitService';

/**
 * How messages become objects: field names as in the `.proto` (`hits_addend`), enums by name
 * (`'OVER_LIMIT'`), 64-bit integers as numbers (a Duration's seconds), absent fields at their
 * default (a request without `domain` has `''`, which validation then names).
 */
export const RLS_LOADER_OPTIONS: Options = Object.freeze({
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
});

/** Envoy's protos as proto-loader reads them: a test's client is built from the same definition. */
export function loadRlsDefinition(): PackageDefinition {
  return loadSync(RLS_PROTO_FILE, { ...RLS_LOADER_OPTIONS, includeDirs: [RLS_PROTO_ROOT] });
}

/** A rate limit request as decoded (see `RLS_LOADER_OPTIONS`); `parseRlsRequest` checks it. */
export interface RateLimitRequestMessage {
  readonly domain: string;
  readonly descriptors: readonly { readonly entries: readonly { readonly key: string; readonly value: string }[] }[];
  readonly hits_addend: number;
}

export type RateLimitCode = 'UNKNOWN' | 'OK' | 'OVER_LIMIT';
export type RateLimitUnit = 'UNKNOWN' | 'SECOND' | 'MINUTE' | 'HOUR' | 'DAY' | 'MONTH' | 'YEAR';

export interface DescriptorStatusMessage {
  readonly code: RateLimitCode;
  readonly current_limit?: { readonly name: string; readonly requests_per_unit: number; readonly unit: RateLimitUnit };
  readonly limit_remaining?: number;
  readonly duration_until_reset?: { readonly seconds: number; readonly nanos: number };
}

export interface HeaderValueMessage {
  readonly key: string;
  readonly value: string;
}

export interface RateLimitResponseMessage {
  readonly overall_code: RateLimitCode;
  readonly statuses: readonly DescriptorStatusMessage[];
  readonly response_headers_to_add: readonly HeaderValueMessage[];
  readonly request_headers_to_add: readonly HeaderValueMessage[];
}

/**
 * A request whose bytes are not a `RateLimitRequest`. grpc-js answers a deserializer that throws
 * with INTERNAL; the service's deserializer returns this instead, which the handler answers with
 * INVALID_ARGUMENT: bad input is the caller's error, not the server's.
 */
export class UndecodableRequest {
  constructor(readonly reason: string) {}
}

/**
 * The RateLimitService definition for `Server.addService`, from `definition`, with a request
 * deserializer that never throws (see `UndecodableRequest`).
 */
export function rateLimitServiceDefinition(definition: PackageDefinition): ServiceDefinition {
  const service = definition[RLS_SERVICE_NAME] as ServiceDefinition | undefined;
  const method = service?.ShouldRateLimit as MethodDefinition<unknown, unknown> | undefined;
  if (method === undefined) throw new Error(`${RLS_PROTO_FILE} defines no ${RLS_SERVICE_NAME}/ShouldRateLimit`);
  const decode = method.requestDeserialize;
  return {
    ShouldRateLimit: {
      ...method,
      requestDeserialize: (bytes: Buffer): unknown => {
        try {
          return decode(bytes);
        } catch (error) {
          return new UndecodableRequest(error instanceof Error ? error.message : String(error));
        }
      },
    },
  };
}
