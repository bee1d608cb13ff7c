import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import { SkipRateLimit } from '../limiter/index.js';
import { StateMetrics } from './state.metrics.js';

/**
 * `GET /metrics`: the Prometheus exposition of this node. Never rate limited (a scraper must always
 * get through), and the node's state gauges are read just before each scrape.
 */
@Controller('metrics')
@SkipRateLimit()
@ApiExcludeController()
export class MetricsController extends PrometheusController {
  constructor(@Inject(StateMetrics) private readonly state: StateMetrics) {
    super();
  }

  @Get()
  override async index(@Res({ passthrough: true }) response: unknown): Promise<string> {
    this.state.refresh();
    return super.index(response);
  }
}
