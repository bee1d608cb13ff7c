import { Inject, Injectable } from '@nestjs/common';
import { RulesRefresher } from '../rules/index.js';
import { AccessLists, ALLOWLIST_SECTION, AllowList, BlockList, BLOCKS_SECTION } from './access-lists.js';

/**
 * This node's blocks and allow list: two sections of the rules snapshot, loaded with the rules in
 * one read and swapped with them, so the request path reads memory only. Blocks that have expired
 * by the time of a load are not even read.
 */
@Injectable()
export class CallerAccessLists {
  private lists = AccessLists.EMPTY;

  constructor(@Inject(RulesRefresher) refresher: RulesRefresher) {
    refresher.addSection({
      name: BLOCKS_SECTION,
      read: (prisma) => prisma.block.findMany({ where: { expiresAt: { gt: new Date() } } }),
      compile: (rows, invalid) => new BlockList(rows, invalid),
      swap: (blocks: BlockList) => {
        this.lists = new AccessLists(blocks, this.lists.allows);
      },
    });
    refresher.addSection({
      name: ALLOWLIST_SECTION,
      read: (prisma) => prisma.allowlistEntry.findMany(),
      compile: (rows, invalid) => new AllowList(rows, invalid),
      swap: (allows: AllowList) => {
        this.lists = new AccessLists(this.lists.blocks, allows);
      },
    });
  }

  get current(): AccessLists {
    return this.lists;
  }
}
