import { Body, Controller, HttpCode, Inject, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { SkipRateLimit } from '../limiter/index.js';
// A value import on purpose: the validation pipe reads the DTO class from the emitted parameter types.
// eslint-disable-next-line @typescript-eslint/consistent-type-imports
import { CheckRequestDto } from './check-request.dto.js';
import type { CallerRefusalBody } from '../limiter/rate-limit.exception.js';
import type { CheckResponse } from './check-response.js';
// eslint-disable-next-line @typescript-eslint/consistent-type-imports
import { ReleaseRequestDto } from './release-request.dto.js';
import { CheckService } from './check.service.js';

/**
 * `POST /v1/check`: may this client use this resource now? Exempt from the guard: its answer is
 * the limiting.
 */
@Controller('v1')
@SkipRateLimit()
export class CheckController {
  constructor(@Inject(CheckService) private readonly checks: CheckService) {}

  @Post('check')
  @HttpCode(200)
  async check(
    @Body() request: CheckRequestDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CheckResponse | CallerRefusalBody> {
    const { status, headers, body } = await this.checks.check(request, reply.request.id);
    reply.code(status);
    for (const [name, value] of headers) reply.header(name, value);
    return body;
  }

  /** `POST /v1/check/release`: gives back the concurrency slot a check took (its `leaseId`). */
  @Post('check/release')
  @HttpCode(200)
  release(@Body() request: ReleaseRequestDto): Promise<{ released: boolean }> {
    return this.checks.release(request);
  }
}
