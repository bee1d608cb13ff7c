export { DB_OPTIONS } from './db.constants.js';
export { DB_ASYNC_OPTIONS_TYPE, DB_OPTIONS_TYPE } from './db.module-definition.js';
export { DbModule } from './db.module.js';
export type { DbModuleOptions } from './db.options.js';
export { DATABASE_PING_TIMEOUT_MS, DatabaseHealthIndicator } from './database.health.js';
// Types only: PGlite is loaded (by `bootstrap.ts`, from './embedded-postgres.js') only when the
// service runs on the embedded Postgres, not on every start against a configured one.
export type { EmbeddedPostgres, EmbeddedPostgresOptions } from './embedded-postgres.js';
export {
  applyMigrations,
  migrationNames,
  pendingMigrations,
  type ApplyMigrationsOptions,
  type MigrationResult,
} from './migrations.js';
export { PrismaService } from './prisma.service.js';
export { RULES_VERSION_ID, bumpRulesVersion } from './rules-version.js';
export { Prisma } from './generated/client.js';
export type {
  AdminAudit,
  AllowlistEntry,
  ApiKey,
  Block,
  Outbox,
  Rule,
  RuleAudit,
  RulesVersion,
  SystemState,
} from './generated/client.js';
