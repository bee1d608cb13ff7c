import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Inject,
  Param,
  Patch,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
} from '@nestjs/swagger';
import { AdminActor, AdminRoute } from '../admin/index.js';
import type { FieldError } from '../http/error-body.js';
import { CreateRuleDto } from './dto/create-rule.dto.js';
// Value imports on purpose: the validation pipe reads the DTO classes from the emitted parameter types.
// eslint-disable-next-line @typescript-eslint/consistent-type-imports
import { RuleListQuery } from './dto/list-rules.query.js';
// eslint-disable-next-line @typescript-eslint/consistent-type-imports
import { RollbackRuleDto } from './dto/rollback-rule.dto.js';
import { UpdateRuleDto } from './dto/update-rule.dto.js';
import { RuleHistory, RuleList, RuleResponse, RulesVersionResponse, RuleWriteResponse } from './rule-response.js';
import { parseIfMatch, parseRuleId } from './rules-request.js';
import { InvalidRuleInputException } from './rules.exceptions.js';
import { RulesRepository } from './rules.repository.js';
import { validateRuleBody } from './validate-rule-body.js';

/** The header of the writes that take a rule's version (its ETag) to guard against lost updates. */
const IF_MATCH = {
  name: 'If-Match',
  required: false,
  description: 'The ETag of the rule ("<version>") or its version: refused with 412 if the rule has moved on',
};

/** Where rules live; a rule's `Location` is `<RULES_PATH>/<id>`. */
export const RULES_PATH = '/v1/admin/rules';

/**
 * The admin rules API. Rule bodies arrive as `unknown` and are checked by `validateRuleBody` (not
 * the global pipe), so nested errors are named by their path (`limits[1].windowMs`); the document
 * shows the DTOs it checks them with. Queries and rollback bodies go through the global pipe. Every
 * write is followed by a snapshot reload before it is answered, so this node enforces it at once.
 */
@Controller(RULES_PATH.slice(1))
export class RulesController {
  constructor(@Inject(RulesRepository) private readonly rules: RulesRepository) {}

  @Post()
  @AdminRoute('write')
  @ApiOperation({ summary: 'Create a rule' })
  @ApiBody({ type: CreateRuleDto })
  @ApiCreatedResponse({ type: RuleWriteResponse, description: 'Created; Location names it' })
  async create(
    @Body() body: unknown,
    @AdminActor() actor: string,
    @Res({ passthrough: true }) reply: HeaderSink,
  ): Promise<RuleWriteResponse> {
    const rule = await this.rules.create(valid(validateRuleBody(body, 'create')), actor);
    reply.header('Location', `${RULES_PATH}/${rule.id}`);
    return withETag(reply, rule);
  }

  @Get()
  @AdminRoute('read')
  @ApiOperation({ summary: 'List rules' })
  @ApiOkResponse({ type: RuleList })
  list(@Query() query: RuleListQuery): Promise<RuleList> {
    return this.rules.list(query);
  }

  @Get('version')
  @AdminRoute('read')
  @ApiOperation({ summary: 'The cluster-wide rules version' })
  @ApiOkResponse({ type: RulesVersionResponse })
  async version(): Promise<RulesVersionResponse> {
    return { rulesVersion: await this.rules.rulesVersion() };
  }

  @Get(':id')
  @AdminRoute('read')
  @ApiOperation({ summary: 'One rule (ETag: its version)' })
  @ApiOkResponse({ type: RuleResponse })
  async get(@Param('id') id: string, @Res({ passthrough: true }) reply: HeaderSink): Promise<RuleResponse> {
    return withETag(reply, await this.rules.findById(valid(parseRuleId(id))));
  }

  @Patch(':id')
  @AdminRoute('write')
  @ApiOperation({ summary: 'Change a rule (If-Match: its version)' })
  @ApiHeader(IF_MATCH)
  @ApiBody({ type: UpdateRuleDto })
  @ApiOkResponse({ type: RuleWriteResponse, description: 'The changed rule' })
  async update(
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @AdminActor() actor: string,
    @Res({ passthrough: true }) reply: HeaderSink,
  ): Promise<RuleWriteResponse> {
    const ruleId = valid(parseRuleId(id));
    const patch = valid(validateRuleBody(body, 'update'));
    const rule = await this.rules.update(ruleId, patch, actor, valid(parseIfMatch(ifMatch)));
    return withETag(reply, rule);
  }

  @Delete(':id')
  @AdminRoute('write')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a rule' })
  @ApiHeader(IF_MATCH)
  @ApiNoContentResponse({ description: 'Deleted' })
  async delete(
    @Param('id') id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @AdminActor() actor: string,
  ): Promise<void> {
    await this.rules.delete(valid(parseRuleId(id)), actor, valid(parseIfMatch(ifMatch)));
  }

  @Get(':id/history')
  @AdminRoute('read')
  @ApiOperation({ summary: 'The audit log of a rule' })
  @ApiOkResponse({ type: RuleHistory, description: 'Oldest first' })
  async history(@Param('id') id: string): Promise<RuleHistory> {
    return { items: await this.rules.history(valid(parseRuleId(id))) };
  }

  /** Writes the body the rule had at `version` as its next version (a deleted rule comes back). */
  @Post(':id/rollback')
  @AdminRoute('write')
  @HttpCode(200)
  @ApiOperation({ summary: 'Write the body the rule had at an earlier version as its next version' })
  @ApiHeader(IF_MATCH)
  @ApiOkResponse({ type: RuleWriteResponse, description: 'The restored rule' })
  async rollback(
    @Param('id') id: string,
    @Body() body: RollbackRuleDto,
    @Headers('if-match') ifMatch: string | undefined,
    @AdminActor() actor: string,
    @Res({ passthrough: true }) reply: HeaderSink,
  ): Promise<RuleWriteResponse> {
    const ruleId = valid(parseRuleId(id));
    const rule = await this.rules.rollback(ruleId, body.version, actor, valid(parseIfMatch(ifMatch)));
    return withETag(reply, rule);
  }
}

/** The reply, as Fastify's and Express's both are: what `withETag` and `Location` need. */
interface HeaderSink {
  header(name: string, value: string): unknown;
}

/** The parsed value, or a 400 naming every offending field. */
function valid<T>(parsed: { readonly value?: T; readonly errors?: readonly FieldError[] | undefined }): T {
  if (parsed.errors !== undefined) throw new InvalidRuleInputException(parsed.errors);
  return parsed.value as T;
}

function withETag<T extends RuleResponse>(reply: HeaderSink, rule: T): T {
  reply.header('ETag', `"${rule.version}"`);
  return rule;
}
