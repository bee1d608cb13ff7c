import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { compileRateLimit } from './policy/compile-policy.js';
import { RATE_LIMIT_METADATA } from './rate-limit.constants.js';
import type { RateLimitOptions } from './rate-limit.options.js';

/** How `@RateLimit()` on a controller or one of its handlers is named in error messages. */
export function declarationSource(controller: { name: string }, method?: string): string {
  return `@RateLimit() on ${controller.name}${method === undefined ? '' : `.${method}`}`;
}

/**
 * Compiles every `@RateLimit()` of every controller when the app starts, so that invalid options
 * fail the startup with a clear message instead of the first request to the route.
 */
@Injectable()
export class RateLimitExplorer implements OnModuleInit {
  constructor(
    @Inject(DiscoveryService) private readonly discovery: DiscoveryService,
    @Inject(MetadataScanner) private readonly scanner: MetadataScanner,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {}

  onModuleInit(): void {
    for (const { metatype } of this.discovery.getControllers()) {
      if (typeof metatype !== 'function') continue;
      const declared = this.reflector.get<RateLimitOptions | undefined, string>(RATE_LIMIT_METADATA, metatype);
      if (declared !== undefined) compileRateLimit(declared, declarationSource(metatype));
      const prototype = metatype.prototype as Record<string, unknown>;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const handler = prototype[method];
        if (typeof handler !== 'function') continue;
        const options = this.reflector.get<RateLimitOptions | undefined, string>(RATE_LIMIT_METADATA, handler);
        if (options !== undefined) compileRateLimit(options, declarationSource(metatype, method));
      }
    }
  }
}
