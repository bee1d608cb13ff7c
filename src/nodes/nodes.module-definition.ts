import { ConfigurableModuleBuilder } from '@nestjs/common';
import { NODES_OPTIONS } from './nodes.constants.js';
import type { NodesModuleOptions } from './nodes.options.js';

export const {
  ConfigurableModuleClass: ConfigurableNodesModule,
  OPTIONS_TYPE: NODES_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: NODES_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<NodesModuleOptions>({ optionsInjectionToken: NODES_OPTIONS })
  .setClassMethodName('forRoot')
  .build();
