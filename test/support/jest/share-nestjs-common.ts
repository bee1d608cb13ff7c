// Runs before every test file: publishes the ESM @nestjs/common for require() calls (see resolver.cjs).
import * as common from '@nestjs/common';

(globalThis as Record<symbol, unknown>)[Symbol.for('floodgate.test.nestjs-common')] = common;
