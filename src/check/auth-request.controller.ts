import { Controller, Get, Inject, Res, UseGuards } from '@nestjs/common';
import {
  ApiForbiddenResponse,
  ApiHeaders,
  ApiNoContentResponse,
  ApiOperation,
  ApiResponse,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { SkipRateLimit } from '../limiter/index.js';
import { type DecisionOrigin } from '../limiter/decision.js';
import type { CallerRefusalBody } from '../limiter/rate-limit.exception.js';
import { API_KEY_HEADER, AuthRequestReader, FORWARDED_FOR_HEADER, REAL_IP_HEADER } from './auth-request.reader.js';
import { CheckCallerGuard, type CheckedCallerRequest } from './check-caller.guard.js';
import { ErrorBody } from '../http/error-body.js';
import { CheckResponse } from './check-response.js';
import { CheckService } from './check.service.js';
import { ORIGINAL_METHOD_HEADER, ORIGINAL_URI_HEADER } from './original-resource.js';

/** Named after nginx's directive, in the snake case of the other entries' names (`admin_auth`). */
export const AUTH_REQUEST_ENTRY = 'auth_request';

/**
 * `GET /v1/check/auth-request`: the decision of `POST /v1/check` for a request nginx holds
 * (`auth_request`), read from the headers of its subrequest, since nginx sends no body. 204 when
 * allowed, else what `/v1/check` answers: 429 limited, 429 or 403 blocked (BLOCK_RESPONSE_STATUS),
 * 401 an invalid API key, 503 failing closed; the rate-limit headers as `/v1/check` sends them.
 * Caller tokens (CHECK_TOKENS) apply as to `/v1/check`.
 */
@Controller('v1')
@SkipRateLimit()
@UseGuards(CheckCallerGuard)
export class AuthRequestController {
  constructor(
    @Inject(CheckService) private readonly checks: CheckService,
    @Inject(AuthRequestReader) private readonly reader: AuthRequestReader,
  ) {}

  @Get('check/auth-request')
  @ApiOperation({ summary: 'nginx auth_request: may the client make this request now? Consumes 1 unit' })
  @ApiNoContentResponse({ description: 'Allowed; the rate-limit headers tell what is left' })
  @ApiResponse({
    status: 400,
    type: ErrorBody,
    description: 'A header missing or unusable: `field` names it, `reason` says why',
  })
  @ApiResponse({
    status: 401,
    type: ErrorBody,
    description: 'An invalid API key (WWW-Authenticate: ApiKey), or no caller token where CHECK_TOKENS is set',
  })
  @ApiForbiddenResponse({ type: CheckResponse, description: 'Blocked, where BLOCK_RESPONSE_STATUS is 403' })
  @ApiTooManyRequestsResponse({ type: CheckResponse, description: 'Limited (or blocked); Retry-After' })
  @ApiResponse({ status: 503, type: CheckResponse, description: 'Store down in fail-closed mode' })
  @ApiHeaders([
    { name: ORIGINAL_METHOD_HEADER, required: true, description: '`$request_method`', example: 'GET' },
    {
      name: ORIGINAL_URI_HEADER,
      required: true,
      description:
        '`$request_uri`: the resource is `"<METHOD> <path>"`, the query dropped, the path normalised as nginx does',
      example: '/search?q=floodgate',
    },
    {
      name: REAL_IP_HEADER,
      description: `\`$remote_addr\`, the client (or ${FORWARDED_FOR_HEADER}); believed only from TRUSTED_PROXIES`,
      example: '203.0.113.7',
    },
    { name: FORWARDED_FOR_HEADER, description: `Read when ${REAL_IP_HEADER} is absent, as the guard reads it` },
    { name: API_KEY_HEADER, description: "The client's API key: must be valid (else 401); its tier picks the rules" },
  ])
  async authRequest(
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CheckResponse | CallerRefusalBody | undefined> {
    const request = reply.request as FastifyReply['request'] & CheckedCallerRequest;
    const subject = this.reader.read(request);
    const origin: DecisionOrigin = { entry: AUTH_REQUEST_ENTRY, correlationId: request.id };
    const { status, headers, body } = await this.checks.decide({ ...subject, caller: request.checkCaller }, origin);
    for (const [name, value] of headers) reply.header(name, value);
    // nginx reads only the status and the headers; a body is for a person calling it by hand.
    if (status === 200) {
      reply.code(204);
      return undefined;
    }
    reply.code(status);
    return body;
  }
}
