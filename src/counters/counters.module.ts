import { type DynamicModule, Module, type ModuleMetadata } from '@nestjs/common';
import { CountersController } from './counters.controller.js';
import { CountersService } from './counters.service.js';

/**
 * `/v1/admin/counters`. `imports` must provide the admin guard, the rules module (its resolver and
 * bus) and the audit log; the limiter comes from the global limiter module.
 */
@Module({})
export class CountersModule {
  static forRoot({ imports }: { imports: NonNullable<ModuleMetadata['imports']> }): DynamicModule {
    return {
      module: CountersModule,
      imports: [...imports],
      controllers: [CountersController],
      providers: [CountersService],
    };
  }
}
