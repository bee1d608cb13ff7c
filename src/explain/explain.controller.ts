import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminRoute } from '../admin/admin.decorator.js';
import { CHECK_REQUEST_SCHEMA, type CheckRequest } from '../check/check-request.js';
import { SchemaBodyPipe } from '../http/schema-body.pipe.js';
import { ExplainResponseDto } from './explain-response.dto.js';
import { ExplainService } from './explain.service.js';

/** Where the explain endpoint lives. */
export const EXPLAIN_PATH = '/v1/admin/explain';

/** `POST /v1/admin/explain`: a dry run of `/v1/check` for operators debugging rules. */
@ApiTags('admin')
@ApiBearerAuth()
@Controller(EXPLAIN_PATH.slice(1))
export class ExplainController {
  constructor(@Inject(ExplainService) private readonly explainer: ExplainService) {}

  @Post()
  @HttpCode(200)
  @AdminRoute('read')
  @ApiOperation({
    summary: 'Which rules match a check, which one wins and why, and what it would decide now (consumes nothing)',
  })
  @ApiBody({ schema: { $ref: '#/components/schemas/CheckRequestDto' } })
  @ApiOkResponse({ type: ExplainResponseDto })
  explain(
    @Body(new SchemaBodyPipe<CheckRequest>(CHECK_REQUEST_SCHEMA)) request: CheckRequest,
  ): Promise<ExplainResponseDto> {
    return this.explainer.explain(request);
  }
}
