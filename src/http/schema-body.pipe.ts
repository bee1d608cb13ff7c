import { BadRequestException, type PipeTransform } from '@nestjs/common';
import { invalidInputBody } from './error-body.js';
import { type BodyCheck, type BodySchema, compileBodySchema } from './json-schema.js';

/**
 * Checks a body against its JSON schema, compiled once (Ajv), and refuses it with a 400 naming
 * every offending field in the service's error shape. Runs after the guards, like any pipe, so an
 * unauthenticated caller learns nothing about the body.
 *
 * @example
 * check(@Body(new SchemaBodyPipe(CHECK_REQUEST_SCHEMA)) request: CheckRequest) { ... }
 */
export class SchemaBodyPipe<T> implements PipeTransform<unknown, T> {
  private readonly check: BodyCheck<T>;

  constructor(schema: BodySchema) {
    this.check = compileBodySchema<T>(schema);
  }

  transform(value: unknown): T {
    const result = this.check(value);
    if (result.errors !== undefined) throw new BadRequestException(invalidInputBody(result.errors));
    return result.value;
  }
}
