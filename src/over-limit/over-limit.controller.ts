import { Controller, Get, Inject, Query } from '@nestjs/common';
import { API_KEY_FAILURE_POLICY_NAME, CALLER_KEY_FAILURE_POLICY_NAME } from '../access/index.js';
import { ADMIN_FAILURE_POLICY_NAME } from '../admin/admin.constants.js';
import { AdminRoute } from '../admin/index.js';
import { orBadRequest, parseListQuery } from '../http/list-query.js';
import { storageError } from '../rules/index.js';
import { OverLimitBoard, type OverLimitEntry } from './over-limit-board.js';
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

/** An entry as the view shows it: `internal` for Floodgate's own policies (`INTERNAL_POLICIES`). */
export interface OverLimitItem extends OverLimitEntry {
  readonly internal: boolean;
}

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
  async list(@Query() query: unknown): Promise<{ items: OverLimitItem[]; total: number }> {
    const parsed = orBadRequest(parseListQuery(query, {}));
    // This node's own latest notes first, so what it just saw is in the answer.
    await this.tracker.post();
    let page;
    try {
      page = await this.board.page(Date.now(), parsed.offset, parsed.limit);
    } catch (error) {
      throw storageError(error);
    }
    return {
      items: page.items.map((entry) => ({ ...entry, internal: INTERNAL_POLICIES.has(entry.rule) })),
      total: page.total,
    };
  }
}
