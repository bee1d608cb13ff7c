export { AllExceptionsFilter, toErrorResponse } from './all-exceptions.filter.js';
export { type ErrorBody, errorBody, type FieldError, invalidInputBody } from './error-body.js';
export { HttpModule } from './http.module.js';
export { RequestValidationPipe, toFieldErrors } from './validation.pipe.js';
