import { type DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from './app-config.js';

/**
 * Provides the `AppConfig` loaded at startup. Not global: modules that need the configuration
 * import the one dynamic module `AppModule` builds.
 */
@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    return { module: ConfigModule, providers: [{ provide: AppConfig, useValue: config }], exports: [AppConfig] };
  }
}
