import { type DynamicModule, Module, type ModuleMetadata } from '@nestjs/common';
import { ApiKeyDirectory } from './api-key-directory.js';
import { ApiKeysController } from './api-keys.controller.js';
import { ApiKeysRepository } from './api-keys.repository.js';

/**
 * API keys: `/v1/admin/api-keys` and this node's `ApiKeyDirectory` (part of the rules snapshot).
 * `imports` must provide `PrismaService`, the admin guard, the rules module (`RulesRefresher`,
 * `SnapshotWrites`) and the audit log: the app's own module objects.
 */
@Module({})
export class ApiKeysModule {
  static forRoot({ imports }: { imports: NonNullable<ModuleMetadata['imports']> }): DynamicModule {
    return {
      module: ApiKeysModule,
      imports: [...imports],
      controllers: [ApiKeysController],
      providers: [ApiKeysRepository, ApiKeyDirectory],
      exports: [ApiKeyDirectory],
    };
  }
}
