import { Inject, Injectable } from '@nestjs/common';
import { RulesRefresher } from '../rules/index.js';
import { AccessLists, AllowList, BlockList } from './access-lists.js';

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
      name: 'blocks',
      read: (prisma) => prisma.block.findMany({ where: { expiresAt: { gt: new Date() } } }),
      compile: (rows, invalid) => new BlockList(rows, invalid),
      swap: (blocks: BlockList) => {
        this.lists = new AccessLists(blocks, this.lists.allows);
      },
    });
    refresher.addSection({
      name: 'allowlist',
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
