/** The counters view and reset of `/v1/admin/counters`. */
export { type CountersQuery, parseCountersQuery } from './counters-query.js';
export { CountersController } from './counters.controller.js';
export { CountersModule } from './counters.module.js';
export { type CountersResponse, CountersService, type LimitUsage } from './counters.service.js';
