import { Module } from '@nestjs/common';
import { ConfigurableDbModule } from './db.module-definition.js';
import { PrismaService } from './prisma.service.js';

/**
 * The rules database: `PrismaService` for whoever imports it. Migrations are not applied here:
 * call `applyMigrations(url)` before creating the app (unless MIGRATE_ON_START=false).
 *
 * @example
 * DbModule.forRoot({ url: config.databaseUrl })
 */
@Module({
  providers: [PrismaService],
  exports: [PrismaService],
})
export class DbModule extends ConfigurableDbModule {}
