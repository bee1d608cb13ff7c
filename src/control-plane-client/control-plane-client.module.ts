import { ConfigurableModuleBuilder, Module } from '@nestjs/common';
import { ControlPlaneClient, type ControlPlaneClientOptions } from './control-plane-client.js';

export const CONTROL_PLANE_CLIENT_OPTIONS = Symbol('ControlPlaneClientOptions');

const { ConfigurableModuleClass } = new ConfigurableModuleBuilder<ControlPlaneClientOptions>({
  optionsInjectionToken: CONTROL_PLANE_CLIENT_OPTIONS,
})
  .setClassMethodName('forRoot')
  .build();

/**
 * Provides and exports a `ControlPlaneClient` (`forRoot(options)` or `forRootAsync({ useFactory })`),
 * started with the app (its first snapshot loaded before the app listens) and closed with it. Import
 * the same module instance into `RateLimitModule.forRootAsync({ imports })` and name the client as
 * its `policyResolver` and `callerGate`.
 */
@Module({
  providers: [
    {
      provide: ControlPlaneClient,
      inject: [CONTROL_PLANE_CLIENT_OPTIONS],
      useFactory: (options: ControlPlaneClientOptions) => new ControlPlaneClient(options),
    },
  ],
  exports: [ControlPlaneClient],
})
export class ControlPlaneClientModule extends ConfigurableModuleClass {}
