/** The counters view and reset of `/v1/admin/counters`. */
export { CountersQuery } from './counters-query.js';
export { CountersController } from './counters.controller.js';
export { CountersModule } from './counters.module.js';
export { CountersResponse, LimitUsage } from './counters-response.js';
export { CountersService } from './counters.service.js';
