import { ConfigurableModuleBuilder } from '@nestjs/common';
import { DB_OPTIONS } from './db.constants.js';
import type { DbModuleOptions } from './db.options.js';

export const {
  ConfigurableModuleClass: ConfigurableDbModule,
  OPTIONS_TYPE: DB_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: DB_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<DbModuleOptions>({ optionsInjectionToken: DB_OPTIONS })
  .setClassMethodName('forRoot')
  .build();
