/** The Envoy rate limit service (gRPC): its module, server, decisions and the protos it speaks. */
export { EnvoyDecisions } from './envoy-decisions.js';
export { EnvoyModule } from './envoy.module.js';
export { ENVOY_OPTIONS, type EnvoyModuleOptions } from './envoy.options.js';
export { EnvoyRlsServer } from './envoy-rls.server.js';
export {
  loadRlsDefinition,
  RLS_LOADER_OPTIONS,
  RLS_PROTO_FILE,
  RLS_PROTO_ROOT,
  RLS_SERVICE_NAME,
  type DescriptorStatusMessage,
  type RateLimitRequestMessage,
  type RateLimitResponseMessage,
} from './rls-protos.js';
export {
  MAX_HITS_ADDEND,
  MAX_REQUEST_DESCRIPTORS,
  MAX_REQUEST_ENTRIES,
  MAX_REQUEST_STRING_LENGTH,
  parseRlsRequest,
  type DescriptorsRequest,
} from './rls-request.js';
export { RLS_SPAN_NAME } from './rls-span.js';
