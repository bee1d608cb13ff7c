import { type DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import type { AppConfig } from '../config/app-config.js';
import { loggerParams } from './logger-options.js';

/** JSON logs through nestjs-pino, with correlation ids (see `loggerParams`). */
@Module({})
export class LoggingModule {
  /** `destination` defaults to stdout; tests pass a stream to read the lines. */
  static forRoot(config: AppConfig, destination?: DestinationStream): DynamicModule {
    return {
      module: LoggingModule,
      imports: [LoggerModule.forRoot(loggerParams(config, destination))],
      exports: [LoggerModule],
    };
  }
}
