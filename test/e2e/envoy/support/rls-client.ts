/**
 * A real gRPC client of the Envoy rate limit service, built from the same `.proto` files the server
 * loads (`loadRlsDefinition`): what Envoy's ratelimit filter sends, over a real socket.
 */
import { Client, credentials, loadPackageDefinition, type ServiceError } from '@grpc/grpc-js';
import { loadRlsDefinition, RLS_SERVICE_NAME, type RateLimitResponseMessage } from '../../../../src/envoy/index.js';

type Entries = readonly (readonly [key: string, value: string])[];

/** A request as a test writes it: descriptors as lists of [key, value] entries. */
export interface TestRequest {
  readonly domain: string;
  readonly descriptors: readonly Entries[];
  readonly hits_addend?: number;
}

/** What a call came back with: the response, or the gRPC status it failed with. */
export type CallResult =
  | { readonly response: RateLimitResponseMessage; readonly error?: undefined }
  | { readonly error: { readonly code: number; readonly details: string }; readonly response?: undefined };

type ShouldRateLimit = (
  request: unknown,
  callback: (error: ServiceError | null, response: RateLimitResponseMessage) => void,
) => void;

export interface RlsClient {
  /** Calls ShouldRateLimit with a request built from `request`, or a raw message (`message`). */
  call(request: TestRequest): Promise<CallResult>;
  /** Calls ShouldRateLimit with a message as given, fields and all (for malformed ones). */
  callMessage(message: Record<string, unknown>): Promise<CallResult>;
  /** Sends `bytes` as the request message, unencoded: what a broken client would put on the wire. */
  callBytes(bytes: Buffer): Promise<CallResult>;
  close(): void;
}

const definition = loadRlsDefinition();
const RateLimitService = (loadPackageDefinition(definition) as unknown as Record<string, Record<string, unknown>>)
  .envoy!.service as unknown as {
  ratelimit: { v3: { RateLimitService: new (address: string, creds: unknown) => Client } };
};

/** A client of the service at 127.0.0.1:`port`. */
export function rlsClient(port: number): RlsClient {
  const address = `127.0.0.1:${port}`;
  const client = new RateLimitService.ratelimit.v3.RateLimitService(address, credentials.createInsecure());
  const raw = new Client(address, credentials.createInsecure());
  const settle = (resolve: (result: CallResult) => void) => (error: ServiceError | null, response: unknown) =>
    resolve(
      error === null
        ? { response: response as RateLimitResponseMessage }
        : { error: { code: error.code, details: error.details } },
    );
  const callMessage = (message: Record<string, unknown>) =>
    new Promise<CallResult>((resolve) =>
      (client as unknown as { ShouldRateLimit: ShouldRateLimit }).ShouldRateLimit.call(
        client,
        message,
        settle(resolve),
      ),
    );
  return {
    call: ({ domain, descriptors, hits_addend }) =>
      callMessage({
        domain,
        descriptors: descriptors.map((entries) => ({ entries: entries.map(([key, value]) => ({ key, value })) })),
        ...(hits_addend === undefined ? {} : { hits_addend }),
      }),
    callMessage,
    callBytes: (bytes) =>
      new Promise<CallResult>((resolve) =>
        raw.makeUnaryRequest(
          `/${RLS_SERVICE_NAME}/ShouldRateLimit`,
          (message: Buffer) => message,
          (reply: Buffer) => reply,
          bytes,
          settle(resolve),
        ),
      ),
    close: () => {
      client.close();
      raw.close();
    },
  };
}

/** A response's headers to add as a map, names as sent. */
export function headersOf(response: RateLimitResponseMessage): Record<string, string> {
  return Object.fromEntries(response.response_headers_to_add.map(({ key, value }) => [key, value]));
}
