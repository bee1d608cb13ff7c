import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { DB_OPTIONS } from './db.constants.js';
import type { DbModuleOptions } from './db.options.js';
import { PrismaClient } from './generated/client.js';

/** node-postgres's message for a query past `query_timeout`. */
export const QUERY_TIMEOUT_MESSAGE = 'Query read timeout';

type Release = (error?: Error | boolean) => void;

/**
 * A pg client that closes its connection when a query of it times out, and goes back to the pool
 * when its connection closes while it is lent out.
 * - node-postgres only answers the caller of a query that timed out: the query stays on the wire
 *   and the client goes back to the pool, where the next queries queue behind it, and a
 *   transaction whose ROLLBACK timed out too would still be open on it when the database answers
 *   again (the next borrower's writes would run inside it). A closed connection leaves the pool,
 *   and Postgres rolls back whatever it had open.
 * - Prisma 6.19 gives a transaction's connection back only after its ROLLBACK succeeded: one that
 *   fails because the connection is gone (cut, or closed above) never goes back, and each such
 *   failure took one of the pool's connections for good (a node then waited on an empty pool, and
 *   its shutdown on the pool's end, forever). The pool's `release` is made idempotent so that the
 *   late one, if it comes, does nothing.
 */
class GuardedClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    let lentBy: Release | undefined;
    const release: Release = (error) => {
      const giveBack = lentBy;
      lentBy = undefined;
      giveBack?.(error);
    };
    // pg-pool sets `release` on every checkout.
    Object.defineProperty(this, 'release', {
      configurable: true,
      get: () => release,
      set: (poolRelease: Release) => (lentBy = poolRelease),
    });
    this.on('end', () => release(new Error('the connection closed while lent out')));
  }

  override query(...args: unknown[]): never {
    const result = (super.query as (...a: unknown[]) => unknown)(...args);
    if (result instanceof Promise) {
      result.catch((error: unknown) => {
        if (error instanceof Error && error.message === QUERY_TIMEOUT_MESSAGE) this.closeConnection();
      });
    }
    return result as never;
  }

  private closeConnection(): void {
    (this as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
  }
}

/**
 * The Prisma client (generated from prisma/schema.prisma, pg driver adapter) as a provider.
 * Connects when the module starts, and fails the start if the database does not answer. With
 * `timeoutMs`, a query or a connection attempt that takes longer fails (and an admin call answers
 * 503) instead of waiting for a database that stopped answering.
 */
@Injectable()
export class PrismaService extends PrismaClient implements OnModuleInit, OnApplicationShutdown {
  constructor(@Inject(DB_OPTIONS) options: DbModuleOptions) {
    super({
      adapter: new PrismaPg({
        connectionString: options.url,
        max: options.poolSize ?? 10,
        Client: GuardedClient,
        ...(options.timeoutMs === undefined
          ? {}
          : { connectionTimeoutMillis: options.timeoutMs, query_timeout: options.timeoutMs }),
      }),
    });
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
