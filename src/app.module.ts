import { type DynamicModule, Module, type ModuleMetadata } from '@nestjs/common';
import type { DestinationStream } from 'pino';
import { CheckModule } from './check/index.js';
import { AppConfig, ConfigModule } from './config/index.js';
import { DbModule } from './db/index.js';
import { HealthModule } from './health/index.js';
import { HttpModule } from './http/index.js';
import { RateLimitModule, type RateLimitModuleOptions } from './limiter/index.js';
import { LoggingModule } from './logging/index.js';

/** What `AppModule.forRoot()` is built from. */
export interface AppModuleOptions {
  readonly config: AppConfig;
  /** Where log lines go; stdout by default. */
  readonly logDestination?: DestinationStream;
  /** Extra modules (tests mount fixtures this way). */
  readonly imports?: ModuleMetadata['imports'];
}

/**
 * The limiter library's options from the service configuration: Redis when REDIS_URL is set
 * (else the in-process memory store), and the default rule named `default`.
 */
export function rateLimitOptions(config: AppConfig): RateLimitModuleOptions {
  return {
    ...(config.redisUrl !== undefined ? { redis: config.redisUrl } : {}),
    failMode: config.failMode,
    timeoutMs: config.timeoutMs,
    keyPrefix: config.keyPrefix,
    ipv6Subnet: config.ipv6Subnet,
    insurance: config.insuranceNodes > 0 ? { nodes: config.insuranceNodes } : false,
    default: { limit: config.defaultLimit, windowMs: config.defaultWindowMs, name: 'default' },
  };
}

/**
 * The Floodgate service: configuration, logs, the error shape, the rules database, the limiter
 * (its guard applies the default rule to every route that does not opt out), health and the
 * decision API. `config.databaseUrl` must be set: `main` starts the embedded Postgres when
 * DATABASE_URL is not, and applies migrations, before building this module.
 */
@Module({})
export class AppModule {
  static forRoot({ config, logDestination, imports = [] }: AppModuleOptions): DynamicModule {
    if (config.databaseUrl === undefined) {
      throw new Error('AppModule needs config.databaseUrl (main starts the embedded Postgres when it is unset)');
    }
    const configModule = ConfigModule.forRoot(config);
    // One instance shared by every module that needs PrismaService (each forRoot() call is a new pool).
    const dbModule = DbModule.forRoot({ url: config.databaseUrl });
    return {
      module: AppModule,
      imports: [
        configModule,
        LoggingModule.forRoot(config, logDestination),
        HttpModule,
        RateLimitModule.forRootAsync({
          global: true,
          imports: [configModule],
          inject: [AppConfig],
          useFactory: rateLimitOptions,
        }),
        dbModule,
        HealthModule.forRoot({ database: dbModule }),
        CheckModule,
        ...imports,
      ],
    };
  }
}
