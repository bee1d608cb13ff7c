import { type DynamicModule, Module } from '@nestjs/common';
import { EnvoyDecisions } from './envoy-decisions.js';
import { EnvoyRlsServer } from './envoy-rls.server.js';
import { ENVOY_OPTIONS, type EnvoyModuleOptions } from './envoy.options.js';

/**
 * The Envoy rate limit service API v3 over gRPC, so any Envoy (and Istio, Gloo, Contour, Emissary
 * on top of it) asks Floodgate's rules. The app imports it only when ENVOY_RLS_PORT is set.
 *
 * @example
 * EnvoyModule.forRoot({ imports: [rulesModule], host: '0.0.0.0', port: 8081, drainTimeoutMs: 5_000 })
 */
@Module({})
export class EnvoyModule {
  static forRoot({ imports, ...options }: EnvoyModuleOptions): DynamicModule {
    return {
      module: EnvoyModule,
      imports: [...imports],
      providers: [{ provide: ENVOY_OPTIONS, useValue: { imports, ...options } }, EnvoyDecisions, EnvoyRlsServer],
      exports: [EnvoyRlsServer],
    };
  }
}
