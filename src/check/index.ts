export { CheckModule } from './check.module.js';
export { CheckRequestDto } from './check-request.dto.js';
export { type CheckResponse, UNLIMITED } from './check-response.js';
export { type CheckOutcome, CheckService, DEFAULT_RESOURCE } from './check.service.js';
