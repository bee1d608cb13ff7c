import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { FastifyInstance } from 'fastify';
import type { Histogram } from 'prom-client';
import { MetricNames } from './metric-names.js';

/** The `route` label of requests that matched no route (404s): never their raw path. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Times every HTTP request by method, route template and status code, from Fastify's
 * `onResponse` hook with Fastify's own timer (`reply.elapsedTime`). Only route templates
 * (`/v1/admin/rules/:id`) become labels, so the series stay bounded whatever paths callers send.
 */
@Injectable()
export class HttpMetrics implements OnModuleInit {
  constructor(
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
    @InjectMetric(MetricNames.httpDuration) private readonly duration: Histogram,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onResponse', (request, reply, done) => {
      const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
      this.duration.labels(request.method, route, String(reply.statusCode)).observe(reply.elapsedTime / 1000);
      done();
    });
  }
}
