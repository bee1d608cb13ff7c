import { BadRequestException } from '@nestjs/common';
import { AuditQuery } from '../audit/dto/audit.query.js';
import { ApiKeyListQuery } from '../api-keys/dto/list-api-keys.query.js';
import { CountersQuery } from '../counters/counters-query.js';
import type { ErrorBody } from './error-body.js';
import { PageQuery } from './list-query.js';
import { RequestValidationPipe } from './validation.pipe.js';

const pipe = new RequestValidationPipe();

/** What the service makes of a query string validated by `type`: the value, or the 400's body. */
async function read(type: new () => object, query: Record<string, unknown>): Promise<unknown> {
  try {
    return { ...((await pipe.transform(query, { type: 'query', metatype: type })) as object) };
  } catch (error) {
    if (!(error instanceof BadRequestException)) throw error;
    return error.getResponse() as ErrorBody;
  }
}

describe('query classes, read by the validation pipe', () => {
  it('applies the page defaults and reads digits as numbers', async () => {
    expect(await read(PageQuery, {})).toEqual({ limit: 20, offset: 0 });
    expect(await read(PageQuery, { limit: '100', offset: '40' })).toEqual({ limit: 100, offset: 40 });
  });

  it.each([
    [{ limit: '0' }, 'limit', 'must be an integer from 1 to 100'],
    [{ limit: '101' }, 'limit', 'must be an integer from 1 to 100'],
    [{ limit: '2.5' }, 'limit', 'must be an integer from 1 to 100'],
    [{ limit: '' }, 'limit', 'must be an integer from 1 to 100'],
    [{ offset: '-1' }, 'offset', 'must be an integer from 0 to 1000000000'],
    [{ colour: 'red' }, 'colour', 'is not allowed'],
    [{ toString: 'x' }, 'toString', 'is not allowed'],
    [{ limit: ['1', '2'] }, 'limit', 'must be given once'],
  ])('refuses %j naming %s', async (query, field, reason) => {
    expect(await read(PageQuery, query)).toMatchObject({ statusCode: 400, field, reason });
  });

  it('reads booleans and bounded text, and refuses anything else', async () => {
    expect(await read(ApiKeyListQuery, { tier: 'pro', enabled: 'false', revoked: 'true' })).toMatchObject({
      tier: 'pro',
      enabled: false,
      revoked: true,
    });
    expect(await read(ApiKeyListQuery, { enabled: 'yes' })).toMatchObject({
      field: 'enabled',
      reason: 'must be true or false',
    });
    expect(await read(ApiKeyListQuery, { tier: 'x'.repeat(65) })).toMatchObject({
      field: 'tier',
      reason: 'must be 1 to 64 characters',
    });
  });

  it('reads a filter of known values', async () => {
    expect(await read(AuditQuery, { targetType: 'block', targetId: 'b-1' })).toMatchObject({
      targetType: 'block',
      targetId: 'b-1',
    });
    expect(await read(AuditQuery, { targetType: 'rule' })).toMatchObject({
      field: 'targetType',
      reason: 'must be one of api_key, block, allowlist, system_state, counters',
    });
  });

  it.each([
    [{ clientId: 'a' }, 'rule', 'is required: the name of a rule (1 to 64 characters)'],
    [{ rule: 'r' }, 'clientId', 'give exactly one of clientId and ip'],
    [{ rule: 'r', clientId: 'a', ip: '1.2.3.4' }, 'clientId', 'give exactly one of clientId and ip'],
    [{ rule: 'r', ip: 'not-an-ip' }, 'ip', 'must be an IPv4 or IPv6 address'],
    [{ rule: 'r', clientId: '' }, 'clientId', 'must be 1 to 256 characters'],
    [{ rule: 'r', clientId: 'a', resource: '' }, 'resource', 'must be 1 to 512 characters'],
  ])('refuses the counters query %j naming %s', async (query, field, reason) => {
    expect(await read(CountersQuery, query)).toMatchObject({ field, reason, errors: [{ field, reason }] });
  });

  it('takes a counters query naming one caller', async () => {
    expect(await read(CountersQuery, { rule: 'r', ip: '2001:db8::1', resource: 'GET /x' })).toEqual({
      rule: 'r',
      ip: '2001:db8::1',
      resource: 'GET /x',
    });
  });
});
