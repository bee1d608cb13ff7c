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
  private readonly children = new Map<string, HistogramChild>();

  constructor(
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
    @InjectMetric(MetricNames.httpDuration) private readonly duration: Histogram,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onResponse', (request, reply, done) => {
      this.childOf(request.method, request.routeOptions.url ?? UNMATCHED_ROUTE, reply.statusCode).observe(
        reply.elapsedTime / 1000,
      );
      done();
    });
  }

  /**
   * The labelled histogram of one method, route and status, resolved once (a label lookup costs
   * as much as the observation). Bounded as the labels are: routes are templates, methods and
   * statuses few.
   */
  private childOf(method: string, route: string, status: number): HistogramChild {
    const key = `${method} ${status} ${route}`;
    let child = this.children.get(key);
    if (child === undefined) {
      child = this.duration.labels(method, route, String(status));
      this.children.set(key, child);
    }
    return child;
  }
}

type HistogramChild = ReturnType<Histogram['labels']>;
