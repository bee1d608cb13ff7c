import {
  BadRequestException,
  ConflictException,
  NotFoundException,
  PreconditionFailedException,
  ServiceUnavailableException,
} from '@nestjs/common';
import { errorBody, type FieldError, invalidInputBody } from '../http/error-body.js';

/** 404: no rule has this id (or, for history, never had). */
export class RuleNotFoundException extends NotFoundException {
  constructor(id: string) {
    super(errorBody(404, `rule ${id} does not exist`));
  }
}

/** 409: another rule has this name. */
export class RuleNameTakenException extends ConflictException {
  constructor(name: string) {
    super(
      errorBody(409, `a rule named "${name}" already exists`, [{ field: 'name', reason: 'is taken by another rule' }]),
    );
  }
}

/** 412: the caller's `If-Match` names a version the rule no longer has. */
export class StaleRuleVersionException extends PreconditionFailedException {
  constructor(expected: number, current: number) {
    super(errorBody(412, `the rule is at version ${current}, not ${expected}: read it again and retry`));
  }
}

/** The Retry-After of a 503 for storage that could not be reached. */
export const STORAGE_RETRY_AFTER_SECONDS = 2;

/** 503: Postgres did not answer; nothing was written. */
export class RulesStorageUnavailableException extends ServiceUnavailableException {
  /** When to try again: Postgres outages that end by themselves (a restart, a failover) take seconds. */
  readonly headers: readonly (readonly [string, string])[] = [['Retry-After', String(STORAGE_RETRY_AFTER_SECONDS)]];

  constructor() {
    super(errorBody(503, 'rules storage is unavailable; try again'));
  }
}

/** 400 naming the offending fields, in the service's one error shape. */
export class InvalidRuleInputException extends BadRequestException {
  constructor(errors: readonly FieldError[]) {
    super(invalidInputBody(errors));
  }
}
