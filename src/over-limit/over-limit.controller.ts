import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { API_KEY_FAILURE_POLICY_NAME, CALLER_KEY_FAILURE_POLICY_NAME } from '../access/index.js';
import { ADMIN_FAILURE_POLICY_NAME } from '../admin/admin.constants.js';
import { AdminRoute } from '../admin/index.js';
// A value import on purpose: the validation pipe reads the query class from the emitted parameter types.
// eslint-disable-next-line @typescript-eslint/consistent-type-imports
import { PageQuery } from '../http/list-query.js';
import { redisOutage } from '../http/store-unavailable.js';
import { OverLimitBoard } from './over-limit-board.js';
import { OverLimitPage } from './over-limit-entry.js';
import { OverLimitTracker } from './over-limit.tracker.js';

/**
 * The policies Floodgate counts for itself (invalid API keys per address and per caller, failed
 * admin logins): on the board beside the rules' callers, but no rule of an admin's.
 */
const INTERNAL_POLICIES: ReadonlySet<string> = new Set([
  API_KEY_FAILURE_POLICY_NAME,
  CALLER_KEY_FAILURE_POLICY_NAME,
  ADMIN_FAILURE_POLICY_NAME,
]);

/**
 * `GET /v1/admin/over-limit`: who is at or over a limit right now, across the fleet (`limit`,
 * `offset`): rule, policy, caller and until when. The nodes post what they see once a second, so a
 * caller shows up within about a second of reaching its limit.
 */
@Controller('v1/admin/over-limit')
export class OverLimitController {
  constructor(
    @Inject(OverLimitBoard) private readonly board: OverLimitBoard,
    @Inject(OverLimitTracker) private readonly tracker: OverLimitTracker,
  ) {}

  @Get()
  @AdminRoute('read')
  @ApiOperation({ summary: 'Who is at or over a limit right now, across the fleet, the longest lasting first' })
  @ApiOkResponse({ type: OverLimitPage })
  async list(@Query() query: PageQuery): Promise<OverLimitPage> {
    // This node's own latest notes first, so what it just saw is in the answer.
    await this.tracker.post();
    let page;
    try {
      page = await this.board.page(Date.now(), query.offset, query.limit);
    } catch (error) {
      // The board is in Redis: an outage there is a 503 (it was a 500), not a Postgres one.
      throw redisOutage('the over-limit board', error);
    }
    return {
      items: page.items.map((entry) => ({ ...entry, internal: INTERNAL_POLICIES.has(entry.rule) })),
      total: page.total,
    };
  }
}
