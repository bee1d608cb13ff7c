import { BadRequestException } from '@nestjs/common';
import { invalidInputBody } from './error-body.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A UUID from a route's path, lowercased as Postgres prints it; a 400 on `id` otherwise. */
export function uuidParam(id: string): string {
  if (!UUID.test(id)) throw new BadRequestException(invalidInputBody([{ field: 'id', reason: 'must be a UUID' }]));
  return id.toLowerCase();
}
