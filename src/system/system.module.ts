import { type DynamicModule, Module, type ModuleMetadata } from '@nestjs/common';
import { LOAD_SHEDDING_OPTIONS, LoadShedder, type LoadSheddingOptions } from './load-shedder.js';
import { LoadSignal } from './load-signal.js';
import { SystemStateController } from './system-state.controller.js';
import { SystemStateHolder } from './system-state.holder.js';
import { SystemStateRepository } from './system-state.repository.js';

export interface SystemModuleConfig {
  /** `PrismaService`, the admin guard, the rules module and the audit log: the app's own module objects. */
  readonly imports: NonNullable<ModuleMetadata['imports']>;
  readonly loadShedding: LoadSheddingOptions;
}

/**
 * The fleet's load state: `GET/PUT /v1/admin/system/state`, this node's copy of it (for rules with
 * per-state limits), and the optional automatic switch from the load signal.
 */
@Module({})
export class SystemModule {
  static forRoot({ imports, loadShedding }: SystemModuleConfig): DynamicModule {
    return {
      module: SystemModule,
      imports: [...imports],
      controllers: [SystemStateController],
      providers: [
        { provide: LOAD_SHEDDING_OPTIONS, useValue: loadShedding },
        SystemStateRepository,
        SystemStateHolder,
        LoadSignal,
        LoadShedder,
      ],
      exports: [SystemStateHolder, LoadShedder],
    };
  }
}
