import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { DB_OPTIONS } from './db.constants.js';
import type { DbModuleOptions } from './db.options.js';
import { PrismaClient } from './generated/client.js';

/**
 * The Prisma client (generated from prisma/schema.prisma, pg driver adapter) as a provider.
 * Connects when the module starts, and fails the start if the database does not answer.
 */
@Injectable()
export class PrismaService extends PrismaClient implements OnModuleInit, OnApplicationShutdown {
  constructor(@Inject(DB_OPTIONS) options: DbModuleOptions) {
    super({ adapter: new PrismaPg({ connectionString: options.url, max: options.poolSize ?? 10 }) });
  }

  async onModuleInit(): Promise<void> {
    await this.$connect();
    // The pg adapter connects lazily: a round trip makes a wrong URL fail the start, not the first request.
    await this.$queryRaw`SELECT 1`;
  }

  // Disconnected at the very end of shutdown (after the HTTP server has drained), not on module
  // destroy: requests still in flight may need the database.
  async onApplicationShutdown(): Promise<void> {
    await this.$disconnect();
  }
}
