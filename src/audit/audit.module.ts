import { type DynamicModule, Module, type ModuleMetadata } from '@nestjs/common';
import { AdminAuditLog } from './admin-audit.js';
import { AuditController } from './audit.controller.js';

/**
 * The admin audit log (`AdminAuditLog`) and `GET /v1/admin/audit`. `imports` must provide
 * `PrismaService` (DbModule) and the admin guard (AdminModule): the app's own module objects.
 *
 * @example
 * const audit = AuditModule.forRoot({ imports: [db, admin] });
 */
@Module({})
export class AuditModule {
  static forRoot({ imports }: { imports: NonNullable<ModuleMetadata['imports']> }): DynamicModule {
    return {
      module: AuditModule,
      imports: [...imports],
      controllers: [AuditController],
      providers: [AdminAuditLog],
      exports: [AdminAuditLog],
    };
  }
}
