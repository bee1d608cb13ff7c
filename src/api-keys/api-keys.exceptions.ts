import { ConflictException, NotFoundException } from '@nestjs/common';
import { errorBody } from '../http/error-body.js';

/** 404: no API key has this id. */
export class ApiKeyNotFoundException extends NotFoundException {
  constructor(id: string) {
    super(errorBody(404, `API key ${id} does not exist`));
  }
}

/** 409: a revoked key is final. */
export class ApiKeyRevokedException extends ConflictException {
  constructor(id: string) {
    super(errorBody(409, `API key ${id} is revoked: create a new key instead`));
  }
}
