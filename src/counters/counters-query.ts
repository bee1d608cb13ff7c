import { BadRequestException } from '@nestjs/common';
import { MAX_CLIENT_ID_LENGTH, MAX_RESOURCE_LENGTH } from '../check/check-request.js';
import { invalidInputBody, type FieldError } from '../http/error-body.js';
import { isIP } from 'node:net';

/** Whose counters, under which rule: `GET/DELETE /v1/admin/counters?rule=&clientId=` (or `&ip=`). */
export interface CountersQuery {
  readonly rule: string;
  /** A `/v1/check` caller (counted as `client:<clientId>`)... */
  readonly clientId?: string;
  /** ...or a caller of a guarded route, counted by address (`ip:<ip>`, IPv6 by its /64). */
  readonly ip?: string;
  /** For a per-resource rule: which resource's budget. */
  readonly resource?: string;
}

const PARAMS = ['rule', 'clientId', 'ip', 'resource'];

/** Reads and checks the query; a 400 naming each bad parameter. */
export function parseCountersQuery(query: unknown): CountersQuery {
  const params = (typeof query === 'object' && query !== null ? query : {}) as Record<string, unknown>;
  const errors: FieldError[] = [];
  for (const [key, value] of Object.entries(params)) {
    if (!PARAMS.includes(key)) errors.push({ field: key, reason: 'is not allowed' });
    else if (typeof value !== 'string') errors.push({ field: key, reason: 'must be given once' });
  }
  const text = (key: string) => (typeof params[key] === 'string' ? params[key] : undefined);
  const rule = text('rule');
  if (rule === undefined || rule.length < 1 || rule.length > 64) {
    errors.push({ field: 'rule', reason: 'is required: the name of a rule (1 to 64 characters)' });
  }
  const clientId = text('clientId');
  const ip = text('ip');
  if ((clientId === undefined) === (ip === undefined)) {
    errors.push({ field: 'clientId', reason: 'give exactly one of clientId and ip' });
  } else if (clientId !== undefined && (clientId.length < 1 || clientId.length > MAX_CLIENT_ID_LENGTH)) {
    errors.push({ field: 'clientId', reason: `must be 1 to ${MAX_CLIENT_ID_LENGTH} characters` });
  } else if (ip !== undefined && isIP(ip) === 0) {
    errors.push({ field: 'ip', reason: 'must be an IPv4 or IPv6 address' });
  }
  const resource = text('resource');
  if (resource !== undefined && (resource.length < 1 || resource.length > MAX_RESOURCE_LENGTH)) {
    errors.push({ field: 'resource', reason: `must be 1 to ${MAX_RESOURCE_LENGTH} characters` });
  }
  if (errors.length > 0) throw new BadRequestException(invalidInputBody(errors));
  return {
    rule: rule!,
    ...(clientId === undefined ? {} : { clientId }),
    ...(ip === undefined ? {} : { ip }),
    ...(resource === undefined ? {} : { resource }),
  };
}
