import type { ModuleMetadata } from '@nestjs/common';

/** Options of `EnvoyModule.forRoot`. */
export interface EnvoyModuleOptions {
  /**
   * Must provide `RulesPolicyResolver` (the rules module, the same module object the app imports).
   * `RateLimiter` and the limiter's options come from the global limiter module.
   */
  readonly imports: NonNullable<ModuleMetadata['imports']>;
  /** The address to listen on (HOST, as the HTTP server's). */
  readonly host: string;
  /** The port (ENVOY_RLS_PORT); 0 picks a free one (see `EnvoyRlsServer.port`). */
  readonly port: number;
  /**
   * Longest wait for the calls in flight when the app stops, ms; then they are cut. A stopping node
   * tells its callers to go elsewhere (GOAWAY) and answers what they already sent.
   */
  readonly drainTimeoutMs: number;
}
export const ENVOY_OPTIONS = Symbol('ENVOY_OPTIONS');
