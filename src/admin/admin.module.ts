import { Module } from '@nestjs/common';
import { AdminAuthFailures } from './admin-auth-failures.js';
import { AdminAuthGuard } from './admin-auth.guard.js';
import { AdminTokens } from './admin-tokens.js';
import { ConfigurableAdminModule } from './admin.module-definition.js';

/**
 * Admin authentication for `@AdminRoute()` controllers. Not global: a module whose controllers use
 * `@AdminRoute()` imports it (it exports the guard and what the guard needs). Needs
 * `RateLimitModule` in the app, whose limiter counts failed attempts.
 *
 * @example
 * const admin = AdminModule.forRootAsync({
 *   inject: [AppConfig],
 *   useFactory: (c: AppConfig) => ({ token: c.adminToken, readonlyToken: c.adminReadonlyToken }),
 * });
 * \@Module({ imports: [admin], controllers: [RulesController] })
 * export class RulesModule {}
 */
@Module({
  providers: [AdminTokens, AdminAuthFailures, AdminAuthGuard],
  exports: [AdminTokens, AdminAuthFailures, AdminAuthGuard],
})
export class AdminModule extends ConfigurableAdminModule {}
