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
import { AdminActor, AdminRoute } from '../admin/index.js';
import type { FieldError } from '../http/error-body.js';
import type { RuleHistoryEntry, RuleResponse, RuleWriteResponse } from './rule-response.js';
import { parseIfMatch, parseListQuery, parseRollbackBody, parseRuleId } from './rules-request.js';
import { InvalidRuleInputException } from './rules.exceptions.js';
import { type RuleList, RulesRepository } from './rules.repository.js';
import { validateRuleBody } from './validate-rule-body.js';

/** Where rules live; a rule's `Location` is `<RULES_PATH>/<id>`. */
export const RULES_PATH = '/v1/admin/rules';

/**
 * The admin rules API. Bodies arrive as `unknown` and are checked by `validateRuleBody` (not the
 * global pipe), so nested errors are named by their path (`limits[1].windowMs`). Every write is
 * followed by a snapshot reload before it is answered, so this node enforces it at once.
 */
@Controller(RULES_PATH.slice(1))
export class RulesController {
  constructor(@Inject(RulesRepository) private readonly rules: RulesRepository) {}

  @Post()
  @AdminRoute('write')
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
  list(@Query() query: unknown): Promise<RuleList> {
    return this.rules.list(valid(parseListQuery(query)));
  }

  @Get('version')
  @AdminRoute('read')
  async version(): Promise<{ rulesVersion: number }> {
    return { rulesVersion: await this.rules.rulesVersion() };
  }

  @Get(':id')
  @AdminRoute('read')
  async get(@Param('id') id: string, @Res({ passthrough: true }) reply: HeaderSink): Promise<RuleResponse> {
    return withETag(reply, await this.rules.findById(valid(parseRuleId(id))));
  }

  @Patch(':id')
  @AdminRoute('write')
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
  async delete(
    @Param('id') id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @AdminActor() actor: string,
  ): Promise<void> {
    await this.rules.delete(valid(parseRuleId(id)), actor, valid(parseIfMatch(ifMatch)));
  }

  @Get(':id/history')
  @AdminRoute('read')
  async history(@Param('id') id: string): Promise<{ items: RuleHistoryEntry[] }> {
    return { items: await this.rules.history(valid(parseRuleId(id))) };
  }

  /** Writes the body the rule had at `version` as its next version (a deleted rule comes back). */
  @Post(':id/rollback')
  @AdminRoute('write')
  @HttpCode(200)
  async rollback(
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @AdminActor() actor: string,
    @Res({ passthrough: true }) reply: HeaderSink,
  ): Promise<RuleWriteResponse> {
    const ruleId = valid(parseRuleId(id));
    const version = valid(parseRollbackBody(body));
    const rule = await this.rules.rollback(ruleId, version, actor, valid(parseIfMatch(ifMatch)));
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
