import { ConfigurableModuleBuilder } from '@nestjs/common';
import { ADMIN_OPTIONS } from './admin.constants.js';
import type { AdminModuleOptions } from './admin.options.js';

export const {
  ConfigurableModuleClass: ConfigurableAdminModule,
  OPTIONS_TYPE: ADMIN_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: ADMIN_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<AdminModuleOptions>({ optionsInjectionToken: ADMIN_OPTIONS })
  .setClassMethodName('forRoot')
  .build();
