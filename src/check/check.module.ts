import { Module } from '@nestjs/common';
import { CheckController } from './check.controller.js';
import { CheckService } from './check.service.js';

/** The decision API. `RateLimiter` and `PolicyResolver` come from the (global) limiter module. */
@Module({ controllers: [CheckController], providers: [CheckService] })
export class CheckModule {}
