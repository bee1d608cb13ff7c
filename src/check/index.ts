export { CheckModule } from './check.module.js';
export {
  CHECK_REQUEST_SCHEMA,
  type CheckRequest,
  RELEASE_REQUEST_SCHEMA,
  type ReleaseRequest,
} from './check-request.js';
export { type CheckResponse, UNLIMITED } from './check-response.js';
export { type CheckOutcome, CheckService, DEFAULT_RESOURCE } from './check.service.js';
