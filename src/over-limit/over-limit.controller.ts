import { Controller, Get, Inject, Query } from '@nestjs/common';
import { AdminRoute } from '../admin/index.js';
import { orBadRequest, parseListQuery } from '../http/list-query.js';
import { redisOutage } from '../http/store-unavailable.js';
import { OverLimitBoard, type OverLimitPage } from './over-limit-board.js';
import { OverLimitTracker } from './over-limit.tracker.js';

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
  async list(@Query() query: unknown): Promise<OverLimitPage> {
    const parsed = orBadRequest(parseListQuery(query, {}));
    // This node's own latest notes first, so what it just saw is in the answer.
    await this.tracker.post();
    try {
      return await this.board.page(Date.now(), parsed.offset, parsed.limit);
    } catch (error) {
      // The board is in Redis: an outage there is a 503 (it was a 500), not a Postgres one.
      throw redisOutage('the over-limit board', error);
    }
  }
}
