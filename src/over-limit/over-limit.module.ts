import { type DynamicModule, Module, type ModuleMetadata } from '@nestjs/common';
import { createRedisClient, waitUntilReady } from '../limiter/store/redis/redis-connection.js';
import { MemoryOverLimitBoard, OverLimitBoard, RedisOverLimitBoard } from './over-limit-board.js';
import { OverLimitController } from './over-limit.controller.js';
import { OverLimitTracker } from './over-limit.tracker.js';

export interface OverLimitModuleOptions {
  /** The admin module (for the guard). */
  readonly imports: NonNullable<ModuleMetadata['imports']>;
  /** The fleet's board lives here; without it, this node's memory. */
  readonly redisUrl?: string;
  /** Prefix of the board's key (`<prefix>:over-limit`), the limiter's key prefix. */
  readonly keyPrefix: string;
}

const REDIS_TIMEOUT_MS = 1_000;

/** `GET /v1/admin/over-limit` and what feeds it. The limiter comes from the global limiter module. */
@Module({})
export class OverLimitModule {
  static forRoot({ imports, redisUrl, keyPrefix }: OverLimitModuleOptions): DynamicModule {
    return {
      module: OverLimitModule,
      imports: [...imports],
      controllers: [OverLimitController],
      providers: [
        {
          provide: OverLimitBoard,
          useFactory: async (): Promise<OverLimitBoard> => {
            if (redisUrl === undefined) return new MemoryOverLimitBoard();
            const client = createRedisClient(redisUrl, { commandTimeoutMs: REDIS_TIMEOUT_MS });
            try {
              await waitUntilReady(client, 5_000);
            } catch (error) {
              client.disconnect();
              throw new Error(`OverLimitModule: ${(error as Error).message}`, { cause: error });
            }
            return new RedisOverLimitBoard(client, `${keyPrefix}:over-limit`, true);
          },
        },
        OverLimitTracker,
      ],
    };
  }
}
