import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  Optional,
} from '@nestjs/common';
import { hostname } from 'node:os';
import { RateLimiter, RateLimitStore } from '../limiter/index.js';
import { CircuitBreakerStore } from '../limiter/resilience/circuit-breaker.store.js';
import { RulesRefresher } from '../rules/rules.refresher.js';
import { floodgateVersion } from './floodgate-version.js';
import type { NodeInfo } from './node-info.js';
import { NodeRegistry } from './node-registry.js';
import { NODES_OPTIONS } from './nodes.constants.js';
import { DEFAULT_HEARTBEAT_INTERVAL_MS, DEFAULT_NODE_EXPIRY_MS, type NodesModuleOptions } from './nodes.options.js';

/**
 * Keeps this node's registry entry alive: one write at startup, then one per interval, and a
 * removal before shutdown (so a node stopped with SIGTERM leaves the list at once, while a killed
 * one leaves it when its entry expires). After each heartbeat the limiter's insurance share is
 * sized from the live node count.
 */
@Injectable()
export class NodeHeartbeat implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(NodeHeartbeat.name);
  private readonly startedAt = new Date().toISOString();
  private readonly host: string;
  private readonly version: string;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private failing = false;
  private lastSuccessAt: number | undefined;
  private lastLiveCount: number | undefined;

  constructor(
    @Inject(NodeRegistry) private readonly registry: NodeRegistry,
    @Inject(NODES_OPTIONS) private readonly options: NodesModuleOptions,
    @Inject(RateLimiter) private readonly limiter: RateLimiter,
    @Inject(RateLimitStore) private readonly store: RateLimitStore,
    @Optional() @Inject(RulesRefresher) private readonly rules?: RulesRefresher,
  ) {
    this.host = options.host ?? hostname();
    this.version = options.version ?? floodgateVersion();
  }

  /** Epoch ms of this node's last successful heartbeat; undefined before the first. */
  get lastBeatAt(): number | undefined {
    return this.lastSuccessAt;
  }

  /** How many nodes were alive at the last successful heartbeat (this one included). */
  get liveNodes(): number | undefined {
    return this.lastLiveCount;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.tick();
    this.timer = setInterval(() => void this.tick(), this.options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS);
    // The registry must never be what keeps a process alive.
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    // A heartbeat landing after the removal would list this node again until its entry expired.
    await this.inFlight;
    try {
      await this.registry.deregister(this.options.nodeId);
    } catch (error) {
      this.logger.warn(`could not deregister node ${this.options.nodeId}: ${(error as Error).message}`);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.registry.close();
  }

  /** This node's entry as it is written now. */
  describe(): NodeInfo {
    return {
      id: this.options.nodeId,
      host: this.host,
      pid: process.pid,
      version: this.version,
      startedAt: this.startedAt,
      lastHeartbeatAt: new Date().toISOString(),
      rulesVersion: this.rules?.version ?? null,
      store: this.registry.kind,
      breaker: this.store instanceof CircuitBreakerStore ? this.store.state : 'none',
    };
  }

  /** One heartbeat at a time: a slow Redis skips ticks rather than piling writes up. */
  private tick(): Promise<void> {
    this.inFlight ??= this.beat().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async beat(): Promise<void> {
    try {
      await this.registry.register(this.describe(), this.options.expiryMs ?? DEFAULT_NODE_EXPIRY_MS);
      const live = await this.registry.list();
      this.lastSuccessAt = Date.now();
      this.lastLiveCount = live.length;
      this.limiter.setInsuranceNodes(Math.max(1, live.length));
      if (this.failing) this.logger.log('node heartbeats succeed again');
      this.failing = false;
    } catch (error) {
      // Logged once per outage, not every interval; the share keeps its last value meanwhile.
      if (!this.failing) this.logger.warn(`node heartbeat failed: ${(error as Error).message}`);
      this.failing = true;
    }
  }
}
