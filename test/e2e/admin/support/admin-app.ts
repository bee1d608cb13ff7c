import { Controller, Get, Module, Post, type DynamicModule, type LoggerService, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { inspect } from 'node:util';
import { AdminActor, AdminRoute, type AdminActorName } from '../../../../src/admin/index.js';
import { RateLimitModule } from '../../../../src/limiter/index.js';
import { listenOnLoopback } from '../../support/http.js';

/** Every line any Nest logger wrote, with its level, as one searchable text per entry. */
export class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];

  log(message: unknown, ...params: unknown[]): void {
    this.capture('log', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.capture('warn', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.capture('error', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.capture('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.capture('verbose', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.capture('fatal', message, params);
  }

  private capture(level: string, message: unknown, params: unknown[]): void {
    const text = [message, ...params].map((part) => (typeof part === 'string' ? part : inspect(part))).join(' ');
    this.lines.push(`${level} ${text}`);
  }
}

/** One read and one write admin route, plus an ordinary route the limiter's default applies to. */
@Controller('things')
export class ThingsController {
  @AdminRoute('read')
  @Get()
  list(@AdminActor() actor: AdminActorName) {
    return { actor };
  }

  @AdminRoute('write')
  @Post()
  create(@AdminActor() actor: AdminActorName) {
    return { actor };
  }

  @Get('public')
  open() {
    return { ok: true };
  }
}

/** An app whose feature module imports `admin`, as the rules module will; the default limit is 2 per minute. */
export function adminAppModule(admin: DynamicModule): Type {
  @Module({ imports: [admin], controllers: [ThingsController] })
  class ThingsModule {}

  @Module({ imports: [RateLimitModule.forRoot({ default: { limit: 2, windowMs: 60_000 } }), ThingsModule] })
  class AdminTestAppModule {}

  return AdminTestAppModule;
}

export interface AdminTestApp {
  request(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

/** Starts `module` on Fastify on an ephemeral loopback port, its logs going to `logger`. */
export async function startAdminApp(
  module: Type,
  logger: LoggerService,
  trustProxy: string[] | false = false,
): Promise<AdminTestApp> {
  const app = await NestFactory.create(module, new FastifyAdapter({ trustProxy }), { logger, abortOnError: false });
  const base = await listenOnLoopback(app);
  return { request: (path, init) => fetch(`${base}${path}`, init), close: () => app.close() };
}
