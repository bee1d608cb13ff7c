export {
  CORRELATION_ID_HEADER,
  correlationIdOf,
  echoCorrelationId,
  isValidCorrelationId,
  resolveCorrelationId,
} from './correlation-id.js';
export { loggerParams, REDACTED_HEADERS } from './logger-options.js';
export { LoggingModule } from './logging.module.js';
export { logRequests, REDACTED_QUERY_PARAMETERS, redactUrl, requestLogLevel } from './request-log.js';
