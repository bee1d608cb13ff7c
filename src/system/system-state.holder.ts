import { Inject, Injectable, Logger } from '@nestjs/common';
import type { SystemState } from '../db/index.js';
import { RulesPolicyResolver, RulesRefresher } from '../rules/index.js';
import { compileSystemState, type LoadState, SYSTEM_STATE_SECTION, type SystemStateResponse } from './system-state.js';

/**
 * This node's copy of the fleet's load state: a section of the rules snapshot (loaded with the
 * rules, swapped with them, and handed to the policy resolver), so rules resolve their per-state
 * limits from memory. Every switch it
 * sees is logged and counted (`switches`, by target state and by who made it).
 */
@Injectable()
export class SystemStateHolder {
  private readonly logger = new Logger('SystemState');
  private value: SystemStateResponse | undefined;
  private readonly counts = new Map<string, number>();

  constructor(
    @Inject(RulesRefresher) refresher: RulesRefresher,
    @Inject(RulesPolicyResolver) private readonly resolver: RulesPolicyResolver,
  ) {
    refresher.addSection({
      name: SYSTEM_STATE_SECTION,
      read: (prisma) => prisma.systemState.findUniqueOrThrow({ where: { id: 1 } }),
      compile: (row: SystemState) => compileSystemState(row),
      swap: (next: SystemStateResponse) => this.swap(next),
    });
  }

  /** The state in force (NORMAL until the first snapshot). */
  get state(): LoadState {
    return this.value?.state ?? 'NORMAL';
  }

  get current(): SystemStateResponse | undefined {
    return this.value;
  }

  /** Switches seen since start, keyed `<to>:<by>` (`by` is `auto` or `admin`). */
  get switches(): ReadonlyMap<string, number> {
    return this.counts;
  }

  private swap(next: SystemStateResponse): void {
    const previous = this.value;
    this.value = next;
    this.resolver.setLoadState(next.state);
    if (previous === undefined || previous.state === next.state) return;
    const by = next.changedBy === 'auto' ? 'auto' : 'admin';
    this.counts.set(`${next.state}:${by}`, (this.counts.get(`${next.state}:${by}`) ?? 0) + 1);
    this.logger.warn(
      `System state ${previous.state} -> ${next.state} (by ${next.changedBy}${next.reason === null ? '' : `: ${next.reason}`})`,
    );
  }
}
