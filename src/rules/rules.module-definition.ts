import { ConfigurableModuleBuilder } from '@nestjs/common';
import { RULES_OPTIONS } from './rules.constants.js';
import type { RulesModuleOptions } from './rules.options.js';

export const {
  ConfigurableModuleClass: ConfigurableRulesModule,
  OPTIONS_TYPE: RULES_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: RULES_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<RulesModuleOptions>({ optionsInjectionToken: RULES_OPTIONS })
  .setClassMethodName('forRoot')
  .build();
