import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { LoadSignal, type LoadSample } from './load-signal.js';
import { SystemStateHolder } from './system-state.holder.js';
import { SystemStateRepository } from './system-state.repository.js';

/** Options of the automatic switch between NORMAL and DEGRADED (LOAD_SHEDDING_*). */
export interface LoadSheddingOptions {
  /** `auto` switches from the load signal; `off` (the default) leaves the state to admins. */
  readonly mode: 'auto' | 'off';
  /** Over this event-loop delay p99 (ms) the node counts as overloaded. */
  readonly eventLoopP99Ms: number;
  /** Over this store round trip (ms) too. */
  readonly storeLatencyMs: number;
  /** How often the load is read (ms). */
  readonly intervalMs: number;
  /** Overloaded readings in a row that switch to DEGRADED. */
  readonly enterAfter: number;
  /** Calm readings in a row (under half of both thresholds) that switch back to NORMAL. */
  readonly leaveAfter: number;
}

export const LOAD_SHEDDING_OPTIONS = Symbol('LoadSheddingOptions');

/**
 * Switches the fleet to DEGRADED when this node reads overload (event-loop delay or store latency
 * over their thresholds) `enterAfter` times in a row, and back to NORMAL after `leaveAfter` calm
 * readings, calm meaning under half of both thresholds: the gap and the counts are the hysteresis
 * that keeps it from flapping. It never overrides an admin: it only leaves a DEGRADED that `auto`
 * set, and only enters from NORMAL. Each switch is a state write like an admin's (audited,
 * announced to every node, logged and counted there).
 */
@Injectable()
export class LoadShedder implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('LoadShedder');
  private timer: NodeJS.Timeout | undefined;
  private hot = 0;
  private calm = 0;
  private running: Promise<void> | undefined;

  constructor(
    @Inject(LOAD_SHEDDING_OPTIONS) private readonly options: LoadSheddingOptions,
    @Inject(LoadSignal) private readonly signal: LoadSignal,
    @Inject(SystemStateHolder) private readonly holder: SystemStateHolder,
    @Inject(SystemStateRepository) private readonly states: SystemStateRepository,
  ) {}

  onApplicationBootstrap(): void {
    if (this.options.mode !== 'auto') return;
    this.timer = setInterval(() => void this.tick(), this.options.intervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One reading and, when the counts say so, one switch. Never rejects; one at a time. */
  tick(): Promise<void> {
    this.running ??= this.evaluate().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async evaluate(): Promise<void> {
    try {
      const sample = await this.signal.sample();
      const { eventLoopP99Ms, storeLatencyMs } = this.options;
      const overloaded = sample.eventLoopP99Ms > eventLoopP99Ms || sample.storeLatencyMs > storeLatencyMs;
      const calm = sample.eventLoopP99Ms < eventLoopP99Ms / 2 && sample.storeLatencyMs < storeLatencyMs / 2;
      this.hot = overloaded ? this.hot + 1 : 0;
      this.calm = calm ? this.calm + 1 : 0;
      const current = this.holder.current;
      if (this.holder.state === 'NORMAL' && this.hot >= this.options.enterAfter) {
        await this.switchTo('DEGRADED', { state: 'NORMAL' }, sample);
      } else if (
        this.holder.state === 'DEGRADED' &&
        current?.changedBy === 'auto' &&
        this.calm >= this.options.leaveAfter
      ) {
        await this.switchTo('NORMAL', { state: 'DEGRADED', changedBy: 'auto' }, sample);
      }
    } catch (error) {
      this.logger.error({ err: error }, 'load shedding check failed');
    }
  }

  private async switchTo(
    state: 'NORMAL' | 'DEGRADED',
    onlyIf: { state: 'NORMAL' | 'DEGRADED'; changedBy?: string },
    sample: LoadSample,
  ): Promise<void> {
    const reason = `event loop p99 ${sample.eventLoopP99Ms.toFixed(1)} ms, store round trip ${sample.storeLatencyMs.toFixed(1)} ms`;
    const done = await this.states.set(state, 'auto', reason, onlyIf);
    this.hot = 0;
    this.calm = 0;
    if (done === undefined) return;
    this.logger.warn(`Switched the fleet to ${state}: ${reason}`);
  }
}
