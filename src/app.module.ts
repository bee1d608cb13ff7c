import { type DynamicModule, Module, type ModuleMetadata } from '@nestjs/common';
import type { DestinationStream } from 'pino';
import { AccessModule, ServiceCallerGate } from './access/index.js';
import { AdminModule } from './admin/index.js';
import { ApiKeysModule } from './api-keys/index.js';
import { AuditModule } from './audit/index.js';
import { CheckModule } from './check/index.js';
import type { AppConfig } from './config/index.js';
import { ConfigModule } from './config/index.js';
import { CountersModule } from './counters/index.js';
import { DbModule } from './db/index.js';
import { ExplainModule } from './explain/index.js';
import { HealthModule } from './health/index.js';
import { HttpModule } from './http/index.js';
import { compileRateLimit, RateLimitModule, type RateLimitModuleOptions } from './limiter/index.js';
import { LoggingModule } from './logging/index.js';
import { MetricsModule } from './metrics/index.js';
import { NodesModule } from './nodes/index.js';
import { OverLimitModule } from './over-limit/index.js';
import { RulesModule, RulesPolicyResolver } from './rules/index.js';
import { SystemModule } from './system/index.js';

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
 * (else the in-process memory store), the default rule named `default`, and no rate-limit headers
 * with RATE_LIMIT_HEADERS=false.
 */
export function rateLimitOptions(config: AppConfig): RateLimitModuleOptions {
  return {
    ...(config.redisUrl !== undefined ? { redis: config.redisUrl } : {}),
    failMode: config.failMode,
    timeoutMs: config.timeoutMs,
    keyPrefix: config.keyPrefix,
    ipv6Subnet: config.ipv6Subnet,
    insurance: config.insuranceNodes > 0 ? { nodes: config.insuranceNodes } : false,
    ...(config.rateLimitHeaders ? {} : { headers: { legacy: false, ietf: false } }),
    default: { limit: config.defaultLimit, windowMs: config.defaultWindowMs, name: 'default' },
  };
}

/**
 * How long a stopping node answers the Envoy calls in flight: a quarter of SHUTDOWN_TIMEOUT_MS (the
 * HTTP drain before it has half), 5 s when the shutdown is unbounded. A decision takes
 * milliseconds: only a stuck call is ever cut.
 */
function envoyDrainTimeoutMs(shutdownTimeoutMs: number): number {
  return shutdownTimeoutMs > 0 ? Math.floor(shutdownTimeoutMs / 4) : 5_000;
}

/**
 * The Envoy module on `port`, imported only when it is asked for: gRPC and protobuf.js are loaded
 * then, not on every node's start.
 */
async function envoyModule(config: AppConfig, port: number, rulesModule: DynamicModule): Promise<DynamicModule> {
  const { EnvoyModule } = await import('./envoy/envoy.module.js');
  return EnvoyModule.forRoot({
    imports: [rulesModule],
    host: config.host,
    port,
    drainTimeoutMs: envoyDrainTimeoutMs(config.shutdownTimeoutMs),
  });
}

/**
 * The Floodgate service: configuration, logs, the error shape, the rules database, admin
 * authentication, the rules API, the limiter (resolving every decision through the admin rules,
 * then a route's `@RateLimit()`, then the default rule), health, metrics and the decision API.
 * `config.databaseUrl` and `config.adminToken` must be set: `main` starts the embedded Postgres and
 * generates a token when they are not, before building this module.
 */
@Module({})
export class AppModule {
  static forRoot({ config, logDestination, imports = [] }: AppModuleOptions): DynamicModule {
    if (config.databaseUrl === undefined) {
      throw new Error('AppModule needs config.databaseUrl (main starts the embedded Postgres when it is unset)');
    }
    if (config.adminToken === undefined) {
      throw new Error('AppModule needs config.adminToken (main generates one for the embedded database)');
    }
    const configModule = ConfigModule.forRoot(config);
    // One instance of each shared by every module that needs it (each forRoot() call would be a
    // new connection pool, a new set of admin providers).
    const dbModule = DbModule.forRoot({ url: config.databaseUrl, timeoutMs: config.databaseTimeoutMs });
    const adminModule = AdminModule.forRoot({
      token: config.adminToken,
      ...(config.adminReadonlyToken !== undefined ? { readonlyToken: config.adminReadonlyToken } : {}),
      maxFailures: config.adminAuthFailureLimit,
      windowMs: config.adminAuthFailureWindowMs,
    });
    const limiterOptions = rateLimitOptions(config);
    const rulesModule = RulesModule.forRootAsync({
      imports: [dbModule, adminModule],
      useFactory: () => ({
        // The DEFAULT_LIMIT rule applies where no admin rule and no @RateLimit() does.
        defaultPolicy: compileRateLimit(limiterOptions.default!, 'DEFAULT_LIMIT / DEFAULT_WINDOW_MS'),
        refreshIntervalMs: config.rulesRefreshIntervalMs,
        staleAfterMs: config.rulesStaleAfterMs,
        // Rule changes are announced over Redis pub/sub when there is a Redis (unset: one node).
        ...(config.redisUrl !== undefined ? { redisUrl: config.redisUrl } : {}),
      }),
    });
    const auditModule = AuditModule.forRoot({ imports: [dbModule, adminModule] });
    const apiKeysModule = ApiKeysModule.forRoot({ imports: [dbModule, adminModule, rulesModule, auditModule] });
    const accessModule = AccessModule.forRoot({
      imports: [dbModule, adminModule, rulesModule, auditModule, apiKeysModule],
      blockedStatus: config.blockResponseStatus,
      apiKeyFailureLimit: config.apiKeyFailureLimit,
      apiKeyFailureWindowMs: config.apiKeyFailureWindowMs,
      apiKeyBlockMs: config.apiKeyBlockMs,
      blockMinPrefix: config.blockMinPrefix,
      ipv6Subnet: config.ipv6Subnet,
    });
    const systemModule = SystemModule.forRoot({
      imports: [dbModule, adminModule, rulesModule, auditModule],
      loadShedding: config.loadShedding,
    });
    const nodesModule = NodesModule.forRootAsync({
      // admin: for @AdminRoute's guard; rules: for the rules version each node reports.
      imports: [adminModule, rulesModule],
      useFactory: () => ({
        nodeId: config.nodeId,
        ...(config.redisUrl !== undefined ? { redis: config.redisUrl } : {}),
      }),
    });
    return {
      module: AppModule,
      imports: [
        configModule,
        LoggingModule.forRoot(config, logDestination),
        HttpModule,
        dbModule,
        adminModule,
        rulesModule,
        auditModule,
        apiKeysModule,
        accessModule,
        systemModule,
        RateLimitModule.forRootAsync({
          global: true,
          // The resolver and the gate must be visible to the limiter module: they come from the
          // rules and access modules.
          imports: [rulesModule, accessModule],
          policyResolver: RulesPolicyResolver,
          callerGate: ServiceCallerGate,
          useFactory: () => limiterOptions,
        }),
        HealthModule.forRoot({ database: dbModule, rules: rulesModule }),
        CheckModule.forRoot({ callerTokens: config.checkTokens, trustedProxies: config.trustedProxies }),
        nodesModule,
        ExplainModule.forRoot({ imports: [adminModule, rulesModule] }),
        CountersModule.forRoot({ imports: [adminModule, rulesModule, auditModule] }),
        OverLimitModule.forRoot({
          imports: [adminModule],
          keyPrefix: config.keyPrefix,
          ...(config.redisUrl === undefined ? {} : { redisUrl: config.redisUrl }),
        }),
        MetricsModule.forRoot({ imports: [rulesModule, nodesModule, systemModule] }),
        // The Envoy rate limit service only where ENVOY_RLS_PORT asks for it.
        ...(config.envoyRlsPort === undefined ? [] : [envoyModule(config, config.envoyRlsPort, rulesModule)]),
        ...imports,
      ],
    };
  }
}
