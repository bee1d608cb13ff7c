import { BadRequestException, ConflictException, NotFoundException } from '@nestjs/common';
import { errorBody, invalidInputBody } from '../http/error-body.js';

/** 404: no block in force has this id (an expired one counts as gone). */
export class BlockNotFoundException extends NotFoundException {
  constructor(id: string) {
    super(errorBody(404, `no block in force has id ${id}`));
  }
}

/** 404: no allow-list entry has this id. */
export class AllowEntryNotFoundException extends NotFoundException {
  constructor(id: string) {
    super(errorBody(404, `allow-list entry ${id} does not exist`));
  }
}

/** 409: the allow list already has this entry. */
export class AllowEntryExistsException extends ConflictException {
  constructor(type: string, value: string) {
    super(
      errorBody(409, `the allow list already has ${type} "${value}"`, [
        { field: 'value', reason: 'is already allow-listed' },
      ]),
    );
  }
}

/** 400: an `apiKey` entry names no API key. */
export class UnknownApiKeyException extends BadRequestException {
  constructor() {
    super(invalidInputBody([{ field: 'value', reason: "is not an API key's id or prefix" }]));
  }
}

/** 400: an `apiKey` entry names a prefix that more than one API key has. */
export class AmbiguousApiKeyPrefixException extends BadRequestException {
  constructor() {
    super(invalidInputBody([{ field: 'value', reason: "is the prefix of more than one API key: give the key's id" }]));
  }
}
