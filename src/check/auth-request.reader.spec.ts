import { BadRequestException } from '@nestjs/common';
import { AuthRequestReader, type ForwardedRequest } from './auth-request.reader.js';

const ORIGINAL = { 'x-original-method': 'GET', 'x-original-uri': '/search?q=1' };

function reader(trustedProxies: string[] = ['loopback'], ipv6Subnet?: number): AuthRequestReader {
  return new AuthRequestReader({ callerTokens: [], trustedProxies }, ipv6Subnet === undefined ? {} : { ipv6Subnet });
}

/** A subrequest from `peer`; `ip` is what Fastify made of X-Forwarded-For (the peer without it). */
function request(headers: ForwardedRequest['headers'], peer = '127.0.0.1', ip = peer): ForwardedRequest {
  return { headers, ip, socket: { remoteAddress: peer } };
}

/** The body of the 400 `read` throws. */
function refusal(read: () => unknown): unknown {
  try {
    read();
  } catch (error) {
    if (error instanceof BadRequestException) return error.getResponse();
    throw error;
  }
  throw new Error('read() did not refuse');
}

describe('AuthRequestReader', () => {
  it('takes the client from X-Real-IP of a trusted proxy, the resource from the original request, the key as sent', () => {
    const subject = reader().read(request({ ...ORIGINAL, 'x-real-ip': '203.0.113.7', 'x-api-key': 'fgk_abc' }));
    expect(subject).toEqual({ clientId: '203.0.113.7', ip: '203.0.113.7', resource: 'GET /search', apiKey: 'fgk_abc' });
  });

  it('counts an IPv6 client by its network, as the guard does, and keeps its address for blocks', () => {
    expect(reader().read(request({ ...ORIGINAL, 'x-real-ip': '2001:db8:1:2:3:4:5:6' }))).toMatchObject({
      clientId: '2001:db8:1:2::/64',
      ip: '2001:db8:1:2:3:4:5:6',
    });
    expect(reader(['loopback'], 48).read(request({ ...ORIGINAL, 'x-real-ip': '2001:db8:1:2::9' })).clientId).toBe(
      '2001:db8:1::/48',
    );
  });

  it('reads X-Forwarded-For as Fastify did for the guard when X-Real-IP is absent, and X-Real-IP over it', () => {
    const forwarded = { ...ORIGINAL, 'x-forwarded-for': '198.51.100.1, 203.0.113.9' };
    expect(reader().read(request(forwarded, '::ffff:127.0.0.1', '203.0.113.9')).clientId).toBe('203.0.113.9');
    expect(reader().read(request({ ...forwarded, 'x-real-ip': '192.0.2.5' }, '127.0.0.1', '203.0.113.9')).ip).toBe(
      '192.0.2.5',
    );
  });

  it('refuses an address from a peer that is not a trusted proxy, naming the header', () => {
    expect(
      refusal(() => reader(['10.0.0.0/8']).read(request({ ...ORIGINAL, 'x-real-ip': '203.0.113.7' }))),
    ).toMatchObject({
      statusCode: 400,
      field: 'X-Real-IP',
      reason: 'is believed only from a trusted proxy (TRUSTED_PROXIES), which 127.0.0.1 is not',
    });
    expect(refusal(() => reader([]).read(request({ ...ORIGINAL, 'x-forwarded-for': '203.0.113.7' })))).toMatchObject({
      field: 'X-Forwarded-For',
      reason: 'is believed only from a trusted proxy (TRUSTED_PROXIES), which 127.0.0.1 is not',
    });
  });

  it('lists every header at fault in one 400', () => {
    expect(refusal(() => reader().read(request({})))).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'X-Real-IP: is required (or X-Forwarded-For): the address of the client ($remote_addr)',
      field: 'X-Real-IP',
      reason: 'is required (or X-Forwarded-For): the address of the client ($remote_addr)',
      errors: [
        { field: 'X-Real-IP', reason: 'is required (or X-Forwarded-For): the address of the client ($remote_addr)' },
        { field: 'X-Original-Method', reason: 'is required: the method of the request ($request_method)' },
        { field: 'X-Original-URI', reason: 'is required: the URI of the request ($request_uri)' },
      ],
    });
  });

  it('refuses an address that is none: a Unix socket client, two X-Real-IP headers, a forged chain', () => {
    for (const realIp of ['unix:', '203.0.113.7, 203.0.113.8', 'localhost']) {
      expect(refusal(() => reader().read(request({ ...ORIGINAL, 'x-real-ip': realIp })))).toMatchObject({
        field: 'X-Real-IP',
        reason: 'must be an IPv4 or IPv6 address',
      });
    }
    const chain = request({ ...ORIGINAL, 'x-forwarded-for': 'not-an-address' }, '127.0.0.1', 'not-an-address');
    expect(refusal(() => reader().read(chain))).toMatchObject({
      field: 'X-Forwarded-For',
      reason: 'must name the client: its right-most entry that is not a trusted proxy is no IP address',
    });
  });
});
