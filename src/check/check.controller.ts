import { Body, Controller, HttpCode, Inject, Post, Res, UseGuards } from '@nestjs/common';
import {
  ApiBody,
  ApiOkResponse,
  ApiOperation,
  ApiResponse,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { SkipRateLimit } from '../limiter/index.js';
import { ErrorBody } from '../http/error-body.js';
import { SchemaBodyPipe } from '../http/schema-body.pipe.js';
import { refuseUnfitInput } from '../http/validation.pipe.js';
import type { CallerRefusalBody } from '../limiter/rate-limit.exception.js';
import {
  CHECK_REQUEST_SCHEMA,
  type CheckRequest,
  RELEASE_REQUEST_SCHEMA,
  type ReleaseRequest,
} from './check-request.js';
import { CheckResponse, ReleaseResponse } from './check-response.js';
import type { CheckCaller } from './check.service.js';
import { CheckCallerGuard, type CheckedCallerRequest } from './check-caller.guard.js';
import { CheckService } from './check.service.js';

/** The 401 of a check: the client's API key, or the calling service's token. */
const CALLER_REFUSED = 'An invalid API key (WWW-Authenticate: ApiKey), or no caller token where CHECK_TOKENS is set';

/**
 * `POST /v1/check`: may this client use this resource now? Exempt from the guard: its answer is
 * the limiting.
 */
@Controller('v1')
@SkipRateLimit()
@UseGuards(CheckCallerGuard)
export class CheckController {
  private readonly checkBody = new SchemaBodyPipe<CheckRequest>(CHECK_REQUEST_SCHEMA);

  constructor(@Inject(CheckService) private readonly checks: CheckService) {}

  @Post('check')
  @HttpCode(200)
  @ApiOperation({ summary: 'May this client use this resource now? Consumes `cost` units' })
  @ApiBody({ schema: { $ref: '#/components/schemas/CheckRequestDto' } })
  @ApiOkResponse({ type: CheckResponse, description: 'Allowed' })
  @ApiUnauthorizedResponse({ type: ErrorBody, description: CALLER_REFUSED })
  @ApiTooManyRequestsResponse({ type: CheckResponse, description: 'Limited (or blocked); Retry-After' })
  @ApiResponse({ status: 503, type: CheckResponse, description: 'Store down in fail-closed mode' })
  async check(@Res({ passthrough: true }) reply: FastifyReply): Promise<CheckResponse | CallerRefusalBody> {
    // The body is checked here, as the global pipe and a `@Body(SchemaBodyPipe)` would check it
    // (after the guards, the same refusals in the same order), not by Nest's pipes: their chain of
    // async calls per parameter was 2% of the node's CPU on this path (CPU profile under load).
    refuseUnfitInput(reply.request.body);
    const request = this.checkBody.transform(reply.request.body);
    const { status, headers, body } = await this.checks.check(request, reply.request.id, callerOf(reply));
    reply.code(status);
    for (const [name, value] of headers) reply.header(name, value);
    return body;
  }

  /** `POST /v1/check/release`: gives back the concurrency slot a check took (its `leaseId`). */
  @Post('check/release')
  @HttpCode(200)
  @ApiOperation({ summary: 'Give back the concurrency slot a check took (its `leaseId`)' })
  @ApiBody({ schema: { $ref: '#/components/schemas/ReleaseRequestDto' } })
  @ApiOkResponse({ type: ReleaseResponse })
  @ApiUnauthorizedResponse({ type: ErrorBody, description: CALLER_REFUSED })
  release(
    @Body(new SchemaBodyPipe<ReleaseRequest>(RELEASE_REQUEST_SCHEMA)) request: ReleaseRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ReleaseResponse> {
    return this.checks.release(request, callerOf(reply));
  }
}

/** Who asked: the authenticated service, or for an anonymous one its connection's address. */
function callerOf(reply: FastifyReply): CheckCaller {
  const request = reply.request as FastifyReply['request'] & CheckedCallerRequest;
  return request.checkCaller === undefined ? { address: request.ip } : { name: request.checkCaller };
}
